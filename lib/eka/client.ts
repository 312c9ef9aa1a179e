/**
 * Typed client for EKA Care ABDM Connect (docs/eka-api.md §1–§3).
 *
 * Deliberately free of `server-only` and of `env()` so tests can construct it directly;
 * `lib/eka/index.ts` is the portal's entry point (server-only, singleton from env()).
 *
 * Behaviour in one place:
 * - Token: client-credentials login, cached; refreshed shortly before expiry (the earlier of
 *   `expires_in` and the JWT `exp`); a 401 on an API call drops the token and logs in again once.
 * - Timeouts: AbortSignal.timeout per attempt (default 10 s).
 * - Retries (bounded, exponential backoff with jitter): network errors, timeouts and retryable 5xx
 *   (see errors.ts). Non-idempotent calls (create, approve, deny, revoke, toggle) are retried only
 *   when the request cannot have taken effect: connection refused, 502/503, or an ABDM "busy /
 *   unavailable" code. 4xx and ABDM validation errors mapped to 500 are never retried.
 * - Nothing here logs; `onRequest` receives metadata only (operation, path, status, timing).
 */
import type { ZodType } from "zod";
import { EkaError, RETRYABLE_SOURCE_CODES, normaliseSourceCode } from "./errors";
import {
  autoApprovalSchema,
  consentCreateResponseSchema,
  consentDetailsResponseSchema,
  consentListResponseSchema,
  fhirBundleSchema,
  listRequestsResponseSchema,
  requestDetailSchema,
  tokenResponseSchema,
  type ApproveConsentRequest,
  type AutoApproval,
  type CallOptions,
  type ConsentCreateRequest,
  type ConsentCreateResponse,
  type ConsentDetailsRequest,
  type ConsentDetailsResponse,
  type ConsentListFilter,
  type ConsentListResponse,
  type DenyConsentRequest,
  type FhirBundleLike,
  type GetRequestQuery,
  type KeysetUpdateRequest,
  type ListRequestsQuery,
  type ListRequestsResponse,
  type OnPushRequest,
  type RequestDetail,
  type RetrieveFhirRequest,
  type RevokeConsentRequest,
  type TokenResponse,
  type UpdateAutoApprovalRequest,
} from "./schemas";

export interface EkaClientConfig {
  /** e.g. https://api.dev.eka.care, or the local sandbox. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Only to act on another workspace (§1.2). */
  sharingKey?: string;
  /** `authorization` → `Authorization: Bearer <t>`; `auth` → `auth: <t>` (§1.3). */
  tokenHeader?: "authorization" | "auth";
  /** Per attempt. Default 10 000. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** First backoff step; doubles per retry. Default 300 ms. */
  retryBaseMs?: number;
  /** Upper bound of one backoff wait. Default 5 000 ms. */
  retryMaxMs?: number;
  /** Refresh this long before expiry (capped at a fifth of the token lifetime). Default 60 s. */
  refreshSkewSeconds?: number;
  /** Default `X-Hip-Id` (our facility id), overridable per call. */
  hipId?: string;
  fetch?: typeof fetch;
  now?: () => number;
  /** Metadata about each HTTP attempt; never bodies, queries or tokens. */
  onRequest?: (event: EkaRequestEvent) => void;
}

export interface EkaRequestEvent {
  operation: string;
  method: string;
  /** Path only; the query string can hold an ABHA address. */
  path: string;
  attempt: number;
  status?: number;
  durationMs: number;
  outcome: "ok" | "retry" | "error" | "relogin";
  errorKind?: EkaError["kind"];
  sourceCode?: string;
}

interface Operation<T> {
  name: string;
  method: "GET" | "POST" | "PATCH";
  path: string;
  /** Safe to send twice: decides whether ambiguous failures (timeout, reset, 500) are retried. */
  idempotent: boolean;
  auth: boolean;
  query?: Record<string, string | undefined>;
  json?: unknown;
  form?: Record<string, string | undefined>;
  /** Response schema; absent ⇒ the body is ignored. */
  schema?: ZodType<T>;
  /** Value for a 2xx with an empty body (the spec declares 204 for calls that return JSON). */
  emptyValue?: T;
  /** Value for a 404 instead of an error. */
  notFoundValue?: T;
  /** Extra headers (refresh sends the old token itself). */
  headers?: Record<string, string>;
  /** Use this token instead of the cached one (refresh). */
  token?: string;
}

interface CachedToken {
  accessToken: string;
  refreshToken?: string;
  /** ms epoch */
  expiresAt: number;
  refreshExpiresAt: number;
  lifetimeMs: number;
}

/** Connection-level failures where the request never reached the server. */
const CONNECT_ERROR_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

const DEFAULTS = {
  timeoutMs: 10_000,
  maxRetries: 2,
  retryBaseMs: 300,
  retryMaxMs: 5_000,
  refreshSkewSeconds: 60,
};

export class EkaClient {
  private readonly cfg: Required<
    Pick<EkaClientConfig, "timeoutMs" | "maxRetries" | "retryBaseMs" | "retryMaxMs" | "refreshSkewSeconds">
  > &
    EkaClientConfig;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private token: CachedToken | undefined;
  private tokenInFlight: Promise<CachedToken> | undefined;

  constructor(config: EkaClientConfig) {
    if (!config.baseUrl) throw new Error("EkaClient: baseUrl is required");
    this.cfg = { ...config, ...DEFAULTS, ...stripUndefined(config) };
    this.fetchImpl = config.fetch ?? globalThis.fetch.bind(globalThis);
    this.now = config.now ?? Date.now;
  }

  // -------------------------------------------------------------------------------------------
  // Auth (§1.2)

  /** Logs in with the client credentials and caches the token. */
  async login(): Promise<void> {
    await this.singleFlight(() => this.doLogin());
  }

  /** Exchanges the refresh token; falls back to a fresh login when EKA refuses it. */
  async refresh(): Promise<void> {
    await this.singleFlight(() => this.refreshOrLogin());
  }

  /** Drops the cached token (next call logs in). */
  clearToken(): void {
    this.token = undefined;
  }

  /** For diagnostics/tests: when the cached token expires (ms epoch), if any. */
  get tokenExpiresAt(): number | undefined {
    return this.token?.expiresAt;
  }

  private async doLogin(): Promise<CachedToken> {
    const res = await this.request<TokenResponse>({
      name: "auth.login",
      method: "POST",
      path: "/connect-auth/v1/account/login",
      idempotent: true,
      auth: false,
      json: {
        client_id: this.cfg.clientId,
        client_secret: this.cfg.clientSecret,
        ...(this.cfg.sharingKey ? { sharing_key: this.cfg.sharingKey } : {}),
      },
      schema: tokenResponseSchema,
    });
    return this.cacheToken(res);
  }

  private async doRefresh(current: CachedToken): Promise<CachedToken> {
    const res = await this.request<TokenResponse>({
      name: "auth.refresh",
      method: "POST",
      path: "/connect-auth/v1/account/refresh-token",
      idempotent: true,
      auth: false,
      token: current.accessToken,
      json: { refresh_token: current.refreshToken, access_token: current.accessToken },
      schema: tokenResponseSchema,
    });
    // Some token services omit the refresh token on refresh: keep the old one then.
    return this.cacheToken({ ...res, refresh_token: res.refresh_token ?? current.refreshToken });
  }

  private async refreshOrLogin(): Promise<CachedToken> {
    const current = this.token;
    if (!current?.refreshToken || this.now() >= current.refreshExpiresAt) return this.doLogin();
    try {
      return await this.doRefresh(current);
    } catch (e) {
      // A refused refresh (4xx / odd body) is answered by logging in; outages propagate.
      if (e instanceof EkaError && (e.kind === "validation" || (e.kind === "http" && (e.status ?? 0) < 500))) {
        return this.doLogin();
      }
      throw e;
    }
  }

  private cacheToken(res: TokenResponse): CachedToken {
    const now = this.now();
    const fromExpiresIn = res.expires_in ? now + res.expires_in * 1000 : Infinity;
    const fromJwt = jwtExpiryMs(res.access_token);
    let expiresAt = Math.min(fromExpiresIn, fromJwt ?? Infinity);
    // Neither source says: assume a short life so a long-lived mistake is impossible.
    if (!Number.isFinite(expiresAt)) expiresAt = now + 10 * 60_000;
    const refreshFromJwt = res.refresh_token ? jwtExpiryMs(res.refresh_token) : undefined;
    const refreshExpiresAt = Math.min(
      res.refresh_expires_in ? now + res.refresh_expires_in * 1000 : Infinity,
      refreshFromJwt ?? Infinity,
    );
    this.token = {
      accessToken: res.access_token,
      refreshToken: res.refresh_token ?? undefined,
      expiresAt,
      refreshExpiresAt,
      lifetimeMs: Math.max(0, expiresAt - now),
    };
    return this.token;
  }

  private singleFlight(fn: () => Promise<CachedToken>): Promise<CachedToken> {
    this.tokenInFlight ??= fn().finally(() => {
      this.tokenInFlight = undefined;
    });
    return this.tokenInFlight;
  }

  private async accessToken(): Promise<string> {
    if (this.tokenInFlight) return (await this.tokenInFlight).accessToken;
    const t = this.token;
    if (t) {
      const skew = Math.min(this.cfg.refreshSkewSeconds * 1000, t.lifetimeMs / 5);
      if (this.now() < t.expiresAt - skew) return t.accessToken;
      return (await this.singleFlight(() => this.refreshOrLogin())).accessToken;
    }
    return (await this.singleFlight(() => this.doLogin())).accessToken;
  }

  // -------------------------------------------------------------------------------------------
  // HIU operations (§2)

  /** `POST /abdm/v1/consents/create` → `{ consent_init_id }`. Not retried when ambiguous. */
  createConsent(body: ConsentCreateRequest, opts?: CallOptions): Promise<ConsentCreateResponse> {
    return this.request(
      {
        name: "consents.create",
        method: "POST",
        path: "/abdm/v1/consents/create",
        idempotent: false,
        auth: true,
        json: body,
        schema: consentCreateResponseSchema,
      },
      opts,
    );
  }

  /** `POST /abdm/v1/consents/list`; an empty body reads as no consents. */
  listConsents(filter: ConsentListFilter = {}, opts?: CallOptions): Promise<ConsentListResponse> {
    return this.request(
      {
        name: "consents.list",
        method: "POST",
        path: "/abdm/v1/consents/list",
        idempotent: true,
        auth: true,
        json: filter,
        schema: consentListResponseSchema,
        emptyValue: { consents: [] },
      },
      opts,
    );
  }

  /** `POST /abdm/v1/consents/details`: one entry per HIP (artefact) with its care contexts. */
  getConsentDetails(body: ConsentDetailsRequest, opts?: CallOptions): Promise<ConsentDetailsResponse> {
    return this.request(
      {
        name: "consents.details",
        method: "POST",
        path: "/abdm/v1/consents/details",
        idempotent: true,
        auth: true,
        json: body,
        schema: consentDetailsResponseSchema,
        emptyValue: { data: [] },
      },
      opts,
    );
  }

  /** `PATCH /abdm/v1/hiu/keyset`: registers the HIU public key + nonce HIPs encrypt to. */
  async updateKeyset(body: KeysetUpdateRequest, opts?: CallOptions): Promise<void> {
    await this.request(
      { name: "hiu.keyset", method: "PATCH", path: "/abdm/v1/hiu/keyset", idempotent: true, auth: true, json: body },
      opts,
    );
  }

  /** `POST /abdm/v1/hiu/care-context/data/on-push`: per-care-context outcome of a data push. */
  async reportOnPush(body: OnPushRequest, opts?: CallOptions): Promise<void> {
    await this.request(
      {
        name: "hiu.data.on-push",
        method: "POST",
        path: "/abdm/v1/hiu/care-context/data/on-push",
        idempotent: true,
        auth: true,
        json: body,
      },
      opts,
    );
  }

  /**
   * `GET /health/api/v1/fhir/retrieve` (EKA-stores-data mode). Returns the Bundle, or null when
   * EKA answers 404 (its "empty Bundle shell").
   */
  retrieveFhir(req: RetrieveFhirRequest, opts?: CallOptions): Promise<FhirBundleLike | null> {
    return this.request<FhirBundleLike | null>(
      {
        name: "fhir.retrieve",
        method: "GET",
        path: "/health/api/v1/fhir/retrieve",
        idempotent: true,
        auth: true,
        query: { identifier: req.identifier, hip_id: req.hip_id, health_id: req.health_id },
        schema: fhirBundleSchema,
        notFoundValue: null,
      },
      { ...opts, ptId: req.ptId },
    );
  }

  // -------------------------------------------------------------------------------------------
  // PHR / patient operations (§3)

  /** `GET /abdm/v1/requests`: the patient's inbox for one status. */
  listRequests(q: ListRequestsQuery, opts?: CallOptions): Promise<ListRequestsResponse> {
    return this.request(
      {
        name: "phr.requests",
        method: "GET",
        path: "/abdm/v1/requests",
        idempotent: true,
        auth: true,
        query: { status: q.status, type: q.type, oid: q.oid },
        schema: listRequestsResponseSchema,
        emptyValue: { consents: [], subscriptions: [], authorizations: [] },
      },
      opts,
    );
  }

  /** `GET /abdm/v1/request`: one request with its providers and artefact ids. */
  getRequest(q: GetRequestQuery, opts?: CallOptions): Promise<RequestDetail> {
    return this.request(
      {
        name: "phr.request",
        method: "GET",
        path: "/abdm/v1/request",
        idempotent: true,
        auth: true,
        query: { id: q.id, type: q.type ?? "consent", status: q.status, oid: q.oid },
        schema: requestDetailSchema,
      },
      opts,
    );
  }

  /** `POST /abdm/v1/consents/approve` (`?oid=` from opts.ptId). */
  async approveConsent(body: ApproveConsentRequest, opts?: CallOptions): Promise<void> {
    await this.request(
      {
        name: "phr.approve",
        method: "POST",
        path: "/abdm/v1/consents/approve",
        idempotent: false,
        auth: true,
        query: { oid: opts?.ptId },
        json: { access_mode: "view", ...body },
      },
      opts,
    );
  }

  /** `POST /abdm/v1/consents/deny`. */
  async denyConsent(body: DenyConsentRequest, opts?: CallOptions): Promise<void> {
    await this.request(
      {
        name: "phr.deny",
        method: "POST",
        path: "/abdm/v1/consents/deny",
        idempotent: false,
        auth: true,
        query: { oid: opts?.ptId },
        json: body,
      },
      opts,
    );
  }

  /** `POST /abdm/v1/consents/revoke`: per artefact, so one HIP can be cut off alone. */
  async revokeConsent(body: RevokeConsentRequest, opts?: CallOptions): Promise<void> {
    await this.request(
      {
        name: "phr.revoke",
        method: "POST",
        path: "/abdm/v1/consents/revoke",
        idempotent: false,
        auth: true,
        query: { oid: opts?.ptId },
        json: body,
      },
      opts,
    );
  }

  /** `GET /abdm/v1/consents/auto-approval?oid=`. */
  getAutoApproval(q: { oid: string }, opts?: CallOptions): Promise<AutoApproval> {
    return this.request(
      {
        name: "phr.auto-approval.get",
        method: "GET",
        path: "/abdm/v1/consents/auto-approval",
        idempotent: true,
        auth: true,
        query: { oid: q.oid },
        schema: autoApprovalSchema,
      },
      opts,
    );
  }

  /**
   * `PATCH /abdm/v1/consents/auto-approval` (form-encoded, as the current spec says). With
   * `enable` set the call is idempotent; without it EKA may toggle, so it is never retried.
   */
  updateAutoApproval(body: UpdateAutoApprovalRequest, opts?: CallOptions): Promise<AutoApproval> {
    return this.request(
      {
        name: "phr.auto-approval.update",
        method: "PATCH",
        path: "/abdm/v1/consents/auto-approval",
        idempotent: body.enable !== undefined,
        auth: true,
        query: { oid: body.oid },
        form: { oid: body.oid, enable: body.enable === undefined ? undefined : String(body.enable) },
        schema: autoApprovalSchema,
      },
      opts,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Transport

  private async request<T>(op: Operation<T>, opts: CallOptions = {}): Promise<T> {
    let reloggedIn = false;
    let attempt = 0;
    for (;;) {
      // Token problems surface as they are: login has its own retries.
      const token = op.token ?? (op.auth ? await this.accessToken() : undefined);
      const started = this.now();
      let status: number | undefined;
      try {
        const res = await this.send(op, token, opts);
        status = res.status;
        if (res.status === 401 && op.auth && !op.token && !reloggedIn) {
          reloggedIn = true;
          if (this.token?.accessToken === token) this.token = undefined;
          this.emit(op, attempt, started, { outcome: "relogin", status });
          continue;
        }
        const value = parseResponse(op, res.status, res.text, res.retryAfterMs);
        this.emit(op, attempt, started, { outcome: "ok", status });
        return value;
      } catch (raw) {
        const err = toEkaError(raw, op.name, opts.signal);
        if (attempt < this.cfg.maxRetries && shouldRetry(err, op.idempotent)) {
          this.emit(op, attempt, started, { outcome: "retry", status, err });
          try {
            await sleep(this.backoff(attempt, err.retryAfterMs), opts.signal);
          } catch (abortReason) {
            throw toEkaError(abortReason, op.name, opts.signal);
          }
          attempt++;
          continue;
        }
        this.emit(op, attempt, started, { outcome: "error", status, err });
        throw err;
      }
    }
  }

  private async send(
    op: Operation<unknown>,
    token: string | undefined,
    opts: CallOptions,
  ): Promise<{ status: number; text: string; retryAfterMs?: number }> {
    const url = new URL(this.cfg.baseUrl.replace(/\/+$/, "") + op.path);
    for (const [k, v] of Object.entries(op.query ?? {})) if (v !== undefined && v !== "") url.searchParams.set(k, v);

    const headers: Record<string, string> = { accept: "application/json", "client-id": this.cfg.clientId };
    if (token) {
      if (this.cfg.tokenHeader === "auth") headers.auth = token;
      else headers.authorization = `Bearer ${token}`;
    }
    const ptId = opts.ptId;
    const hipId = opts.hipId ?? this.cfg.hipId;
    if (ptId) headers["X-Pt-Id"] = ptId;
    if (opts.partnerPtId) headers["X-Partner-Pt-Id"] = opts.partnerPtId;
    if (hipId) headers["X-Hip-Id"] = hipId;
    Object.assign(headers, op.headers);

    let body: string | undefined;
    if (op.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(op.json);
    } else if (op.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(op.form)) if (v !== undefined) form.set(k, v);
      body = form.toString();
    }

    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.cfg.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    try {
      const res = await this.fetchImpl(url, { method: op.method, headers, body, signal, redirect: "error" });
      const text = await res.text();
      return { status: res.status, text, retryAfterMs: parseRetryAfter(res.headers.get("retry-after")) };
    } catch (e) {
      if (timeout.aborted && !opts.signal?.aborted) {
        throw new EkaError({
          kind: "timeout",
          operation: op.name,
          message: `EKA ${op.name}: no response within ${opts.timeoutMs ?? this.cfg.timeoutMs} ms`,
          cause: e,
        });
      }
      throw e;
    }
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const step = Math.min(this.cfg.retryMaxMs, this.cfg.retryBaseMs * 2 ** attempt);
    // "Equal jitter": never zero, so a burst of clients does not retry in lock-step.
    const jittered = step / 2 + Math.random() * (step / 2);
    return Math.min(this.cfg.retryMaxMs, Math.max(jittered, retryAfterMs ?? 0));
  }

  private emit(
    op: Operation<unknown>,
    attempt: number,
    started: number,
    e: { outcome: EkaRequestEvent["outcome"]; status?: number; err?: EkaError },
  ): void {
    if (!this.cfg.onRequest) return;
    try {
      this.cfg.onRequest({
        operation: op.name,
        method: op.method,
        path: op.path,
        attempt,
        status: e.status ?? e.err?.status,
        durationMs: this.now() - started,
        outcome: e.outcome,
        errorKind: e.err?.kind,
        sourceCode: e.err?.sourceCode,
      });
    } catch {
      // An observer must never break a call.
    }
  }
}

/** Creates a client. The portal uses `getEkaClient()` from `lib/eka` instead. */
export function createEkaClient(config: EkaClientConfig): EkaClient {
  return new EkaClient(config);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function parseResponse<T>(op: Operation<T>, status: number, text: string, retryAfterMs?: number): T {
  if (status === 404 && "notFoundValue" in op) return op.notFoundValue as T;
  if (status < 200 || status >= 300) throw httpError(op.name, status, text, retryAfterMs);
  if (!op.schema) return undefined as T;
  if (text.trim() === "") {
    if ("emptyValue" in op) return op.emptyValue as T;
    throw new EkaError({
      kind: "validation",
      operation: op.name,
      status,
      message: `EKA ${op.name}: HTTP ${status} with an empty body where a JSON body was expected`,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EkaError({
      kind: "validation",
      operation: op.name,
      status,
      message: `EKA ${op.name}: HTTP ${status} with a body that is not JSON`,
    });
  }
  const parsed = op.schema.safeParse(json);
  if (!parsed.success) {
    // Issue paths and messages only: zod messages name types, never the values.
    const where = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new EkaError({
      kind: "validation",
      operation: op.name,
      status,
      message: `EKA ${op.name}: unexpected response shape (${where})`,
    });
  }
  return parsed.data;
}

/** Reads the three error shapes EKA uses: ABDM Connect, connect-auth, and `{message}` / `{error:{…}}`. */
function httpError(operation: string, status: number, text: string, retryAfterMs?: number): EkaError {
  let ekaCode: number | string | undefined;
  let error: string | undefined;
  let sourceCode: string | undefined;
  let sourceMessage: string | undefined;
  try {
    const b = JSON.parse(text) as Record<string, unknown>;
    if (b && typeof b === "object") {
      if (typeof b.code === "number" || typeof b.code === "string") ekaCode = b.code;
      if (typeof b.error === "string") error = b.error;
      else if (b.error && typeof b.error === "object") {
        const inner = b.error as Record<string, unknown>;
        if (typeof inner.message === "string") error = inner.message;
        if (ekaCode === undefined && typeof inner.code === "string") ekaCode = inner.code;
      }
      if (!error && typeof b.message === "string") error = b.message;
      const src = b.source_error as Record<string, unknown> | undefined;
      if (src && typeof src === "object") {
        sourceCode = normaliseSourceCode(src.code);
        if (typeof src.message === "string" && src.message) sourceMessage = src.message;
      }
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone has to do.
  }
  const detail = sourceMessage ?? error ?? defaultReason(status);
  return new EkaError({
    kind: "http",
    operation,
    status,
    ekaCode,
    sourceCode,
    sourceMessage: sourceMessage ?? error,
    retryAfterMs,
    message: `EKA ${operation}: HTTP ${status}${sourceCode ? ` ${sourceCode}` : ""}: ${detail}`,
  });
}

function defaultReason(status: number): string {
  if (status === 401) return "access token rejected";
  if (status === 491) return "the patient's ABHA session at EKA has expired";
  if (status >= 500) return "server error";
  return "request rejected";
}

function toEkaError(e: unknown, operation: string, callerSignal?: AbortSignal): EkaError {
  if (e instanceof EkaError) return e;
  if (callerSignal?.aborted) {
    return new EkaError({ kind: "network", operation, retryable: false, message: `EKA ${operation}: aborted`, cause: e });
  }
  const code = networkCode(e);
  return new EkaError({
    kind: "network",
    operation,
    networkCode: code,
    message: `EKA ${operation}: network error${code ? ` (${code})` : ""}`,
    cause: e,
  });
}

function networkCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === "object"; i++) {
    const c = cur as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof c.code === "string") return c.code;
    if (Array.isArray(c.errors) && c.errors.length) cur = c.errors[0];
    else cur = c.cause;
  }
  return undefined;
}

function shouldRetry(err: EkaError, idempotent: boolean): boolean {
  if (!err.retryable) return false;
  if (idempotent) return true;
  // Non-idempotent: only when the request surely did not take effect.
  if (err.kind === "network") {
    return err.networkCode !== undefined && CONNECT_ERROR_CODES.has(err.networkCode);
  }
  if (err.kind === "http") {
    if (err.sourceCode && RETRYABLE_SOURCE_CODES.has(err.sourceCode)) return true;
    return !err.sourceCode && (err.status === 502 || err.status === 503);
  }
  return false;
}

function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** `exp` of a JWT in ms, without verifying it (we only need a refresh hint). */
export function jwtExpiryMs(token: string): number | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as { exp?: unknown };
    return typeof payload.exp === "number" && Number.isFinite(payload.exp) ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
