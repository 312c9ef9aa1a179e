/**
 * Typed errors of the EKA ABDM Connect client and the retry classification.
 *
 * EKA wraps ABDM gateway errors: the HTTP status is EKA's, `source_error.code` is ABDM's
 * (docs/eka-api.md §1.6). EKA maps several ABDM *validation* errors to HTTP 500, so a 500 alone
 * says nothing about whether a retry can help; the source code decides.
 */

export type EkaErrorKind = "network" | "timeout" | "http" | "validation";

export interface EkaErrorInit {
  kind: EkaErrorKind;
  message: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** EKA's own `code` field (usually equal to the HTTP status). */
  ekaCode?: number | string;
  /** ABDM / EKA source code, e.g. "ABDM-1046". */
  sourceCode?: string;
  sourceMessage?: string;
  retryable?: boolean;
  /** Name of the client operation, e.g. "consents.create". */
  operation?: string;
  /** Node/undici error code of a network failure, e.g. "ECONNREFUSED". */
  networkCode?: string;
  /** From a `Retry-After` header, when the server sent one. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class EkaError extends Error {
  readonly kind: EkaErrorKind;
  readonly status: number | undefined;
  readonly ekaCode: number | string | undefined;
  readonly sourceCode: string | undefined;
  readonly sourceMessage: string | undefined;
  /** Whether trying the same call again later can succeed (ignores idempotency; see client). */
  readonly retryable: boolean;
  readonly operation: string | undefined;
  readonly networkCode: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: EkaErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "EkaError";
    this.kind = init.kind;
    this.status = init.status;
    this.ekaCode = init.ekaCode;
    this.sourceCode = init.sourceCode;
    this.sourceMessage = init.sourceMessage;
    this.operation = init.operation;
    this.networkCode = init.networkCode;
    this.retryAfterMs = init.retryAfterMs;
    this.retryable =
      init.retryable ??
      (init.kind === "http" ? isRetryableHttp(init.status ?? 0, init.sourceCode) : init.kind !== "validation");
  }

  /** True for 401: the token was rejected (the client re-logs in once before surfacing this). */
  get isUnauthorized(): boolean {
    return this.kind === "http" && this.status === 401;
  }

  /** True for 491: the patient's ABHA gateway session at EKA expired (PHR-side calls). */
  get isSessionExpired(): boolean {
    return this.kind === "http" && this.status === 491;
  }

  /** A safe, loggable summary: no bodies, no tokens. */
  toJSON() {
    return {
      name: this.name,
      kind: this.kind,
      operation: this.operation,
      networkCode: this.networkCode,
      status: this.status,
      ekaCode: this.ekaCode,
      sourceCode: this.sourceCode,
      sourceMessage: this.sourceMessage,
      retryable: this.retryable,
      message: this.message,
    };
  }
}

/**
 * ABDM codes that EKA returns as 5xx but that mean "the gateway or a peer was busy or absent":
 * 1022 too many requests, 1028/1033 HIP/HIU unavailable, 1401/1402 HIP did not acknowledge.
 */
export const RETRYABLE_SOURCE_CODES: ReadonlySet<string> = new Set([
  "ABDM-1022",
  "ABDM-1028",
  "ABDM-1033",
  "ABDM-1401",
  "ABDM-1402",
]);

/**
 * Source codes that mean "unknown" rather than "you sent something wrong": retryable only for
 * idempotent operations (the client checks idempotency).
 */
export const AMBIGUOUS_SOURCE_CODES: ReadonlySet<string> = new Set(["ABDM-9999"]);

/** Normalises "1046", "abdm-1046", "ABDM-1046" to "ABDM-1046"; other codes are upper-cased. */
export function normaliseSourceCode(code: unknown): string | undefined {
  if (code === undefined || code === null || code === "") return undefined;
  const s = String(code).trim().toUpperCase();
  if (/^\d+$/.test(s)) return `ABDM-${s}`;
  return s;
}

/**
 * Whether an HTTP error can succeed on a later identical call.
 * - 4xx (including 401, which the client handles separately, and 491): never. EKA reports
 *   "too many requests" as 500 ABDM-1022, so a 429 would not come from EKA itself.
 * - 5xx with a known transient ABDM code: yes. With any other ABDM code (1039/1040 unknown ids,
 *   1046/1047 purpose, …): no — they are validation errors dressed as 500.
 * - 5xx without a source code, or with ABDM-9999: yes (plain server trouble).
 */
export function isRetryableHttp(status: number, sourceCode: string | undefined): boolean {
  if (status < 500) return false;
  if (!sourceCode) return true;
  if (RETRYABLE_SOURCE_CODES.has(sourceCode)) return true;
  if (AMBIGUOUS_SOURCE_CODES.has(sourceCode)) return true;
  return false;
}
