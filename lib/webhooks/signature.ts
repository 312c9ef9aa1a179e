/**
 * `Eka-Webhook-Signature` verification (eka-api.md §4.2).
 *
 * Header: `t=<unix seconds>,v1=<hex>`; v1 = hex(HMAC-SHA256(key = signing key as UTF-8,
 * msg = "<t>" + "." + payload)). EKA's own samples disagree on the payload: one hashes the raw
 * request body, the other the body re-serialised compactly (Python `json.dumps(…,
 * separators=(",", ":"))`, which also escapes non-ASCII by default). We accept the raw bytes first
 * and the two compact forms as fallbacks; every comparison is constant-time.
 *
 * No Next, no `@/` imports: the bench script and the tests sign with `signatureHeader` too.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export type SignatureFailure = "missing" | "malformed" | "stale" | "mismatch";
export type SignatureVariant = "raw" | "compact" | "compact-ascii";

export type SignatureResult =
  | { ok: true; variant: SignatureVariant; timestamp: number }
  | { ok: false; reason: SignatureFailure; timestamp?: number; skewSeconds?: number };

export type ParsedSignature = { timestamp: number; signatures: Buffer[] };

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

/**
 * Parses `t=…,v1=…`. Several `v1` values are allowed (a sender may sign with an old and a new key
 * while rotating); unknown schemes (`v0=`…) are ignored. Null when `t` or every `v1` is unusable.
 */
export function parseSignatureHeader(header: string): ParsedSignature | null {
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (!/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (key === "v1" && HEX_SHA256.test(value)) {
      signatures.push(Buffer.from(value, "hex"));
    }
  }
  if (timestamp === null || signatures.length === 0) return null;
  return { timestamp, signatures };
}

function hmac(key: string, timestamp: number, payload: Buffer | string): Buffer {
  return createHmac("sha256", Buffer.from(key, "utf8")).update(`${timestamp}.`).update(payload).digest();
}

function anyMatches(expected: Buffer, candidates: Buffer[]): boolean {
  let match = false;
  // Compare against every candidate (no early exit) so timing does not reveal which one matched.
  for (const c of candidates) if (c.length === expected.length && timingSafeEqual(c, expected)) match = true;
  return match;
}

/** Python's default `ensure_ascii=True`: every non-ASCII UTF-16 unit as a lower-case `\uXXXX`. */
function escapeNonAscii(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * Verifies a webhook signature over the exact bytes received. `parsedBody` (when the body is JSON)
 * enables the compact re-serialisation fallbacks; pass `undefined` when it did not parse.
 */
export function verifySignature(input: {
  header: string | null | undefined;
  rawBody: Buffer;
  parsedBody?: unknown;
  key: string;
  toleranceSeconds: number;
  nowSeconds?: number;
}): SignatureResult {
  if (!input.header || !input.header.trim()) return { ok: false, reason: "missing" };
  const parsed = parseSignatureHeader(input.header);
  if (!parsed) return { ok: false, reason: "malformed" };
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  const skew = now - parsed.timestamp;
  if (Math.abs(skew) > input.toleranceSeconds) {
    return { ok: false, reason: "stale", timestamp: parsed.timestamp, skewSeconds: skew };
  }
  if (anyMatches(hmac(input.key, parsed.timestamp, input.rawBody), parsed.signatures)) {
    return { ok: true, variant: "raw", timestamp: parsed.timestamp };
  }
  if (input.parsedBody !== undefined) {
    const compact = JSON.stringify(input.parsedBody);
    if (anyMatches(hmac(input.key, parsed.timestamp, compact), parsed.signatures)) {
      return { ok: true, variant: "compact", timestamp: parsed.timestamp };
    }
    const ascii = escapeNonAscii(compact);
    if (ascii !== compact && anyMatches(hmac(input.key, parsed.timestamp, ascii), parsed.signatures)) {
      return { ok: true, variant: "compact-ascii", timestamp: parsed.timestamp };
    }
  }
  return { ok: false, reason: "mismatch", timestamp: parsed.timestamp };
}

/** The header EKA would send for `body` (tests, bench, and the sandbox's equivalent). */
export function signatureHeader(key: string, body: Buffer | string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  return `t=${unixSeconds},v1=${hmac(key, unixSeconds, body).toString("hex")}`;
}
