/**
 * Access and refresh tokens: HS256 JWTs signed with the state's token secret, so clients can read
 * `exp` the way EKA's own samples do (decode the JWT, refresh early).
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export interface TokenClaims {
  sub: string;
  typ: "access" | "refresh";
  iat: number;
  exp: number;
  gen: number;
  jti: string;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

export function issueToken(
  secret: string,
  claims: Omit<TokenClaims, "iat" | "exp" | "jti">,
  ttlSeconds: number,
  nowMs = Date.now(),
): string {
  const iat = Math.floor(nowMs / 1000);
  const payload: TokenClaims = { ...claims, iat, exp: iat + ttlSeconds, jti: randomUUID() };
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; reason: "malformed" | "signature" | "expired" | "revoked" | "type" };

export function verifyToken(
  secret: string,
  token: string,
  expected: { typ: TokenClaims["typ"]; gen: number },
  nowMs = Date.now(),
): VerifyResult {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const want = createHmac("sha256", secret).update(`${parts[0]}.${parts[1]}`).digest();
  let got: Buffer;
  try {
    got = Buffer.from(parts[2], "base64url");
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: "signature" };
  let claims: TokenClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as TokenClaims;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (claims.typ !== expected.typ) return { ok: false, reason: "type" };
  if (claims.gen !== expected.gen) return { ok: false, reason: "revoked" };
  if (Math.floor(nowMs / 1000) >= claims.exp) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}

/** Constant-time comparison of secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHmac("sha256", "cmp").update(a).digest();
  const hb = createHmac("sha256", "cmp").update(b).digest();
  return timingSafeEqual(ha, hb);
}
