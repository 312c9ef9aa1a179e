import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSignatureHeader, signatureHeader, verifySignature } from "./signature";

const KEY = "whsec_test";
const NOW = 1_760_000_000;
const body = Buffer.from('{"event":"abha.consent_update","transaction_id":"d-1","data":{"name":"Āsha"}}');

describe("Eka-Webhook-Signature", () => {
  it("matches EKA's documented construction: hex HMAC-SHA256 over `${t}.${body}` with the key as UTF-8", () => {
    const expected = createHmac("sha256", Buffer.from(KEY, "utf8")).update(`${NOW}.${body.toString("utf8")}`).digest("hex");
    expect(signatureHeader(KEY, body, NOW)).toBe(`t=${NOW},v1=${expected}`);
  });

  it("accepts the raw body within the tolerance, on both sides of now", () => {
    for (const skew of [-180, 0, 180]) {
      expect(verifySignature({ header: signatureHeader(KEY, body, NOW + skew), rawBody: body, key: KEY, toleranceSeconds: 180, nowSeconds: NOW })).toEqual({
        ok: true,
        variant: "raw",
        timestamp: NOW + skew,
      });
    }
  });

  it("refuses a missing, malformed, stale or mismatched signature with the reason", () => {
    const check = (header: string | null, opts: { key?: string; raw?: Buffer } = {}) =>
      verifySignature({ header, rawBody: opts.raw ?? body, key: opts.key ?? KEY, toleranceSeconds: 180, nowSeconds: NOW });
    expect(check(null)).toMatchObject({ ok: false, reason: "missing" });
    expect(check("  ")).toMatchObject({ ok: false, reason: "missing" });
    expect(check("v1=abc")).toMatchObject({ ok: false, reason: "malformed" });
    expect(check(`t=${NOW},v1=nothex`)).toMatchObject({ ok: false, reason: "malformed" });
    expect(check(`t=soon,v1=${"a".repeat(64)}`)).toMatchObject({ ok: false, reason: "malformed" });
    expect(check(signatureHeader(KEY, body, NOW - 181))).toMatchObject({ ok: false, reason: "stale", skewSeconds: 181 });
    expect(check(signatureHeader("other-key", body, NOW))).toMatchObject({ ok: false, reason: "mismatch" });
    expect(check(signatureHeader(KEY, body, NOW), { raw: Buffer.concat([body, Buffer.from(" ")]) })).toMatchObject({ ok: false, reason: "mismatch" });
  });

  it("accepts several v1 values (key rotation at the sender) and ignores unknown schemes", () => {
    const good = signatureHeader(KEY, body, NOW).split("v1=")[1];
    const header = `t=${NOW},v0=deadbeef,v1=${"0".repeat(64)},v1=${good}`;
    expect(parseSignatureHeader(header)?.signatures).toHaveLength(2);
    expect(verifySignature({ header, rawBody: body, key: KEY, toleranceSeconds: 180, nowSeconds: NOW }).ok).toBe(true);
  });

  it("falls back to the compact re-serialisation, with and without Python's ASCII escaping", () => {
    const parsed = JSON.parse(body.toString("utf8"));
    const pretty = Buffer.from(JSON.stringify(parsed, null, 2));
    const compact = JSON.stringify(parsed);
    const ascii = compact.replace("Ā", "\\u0100");
    const verify = (signed: string) =>
      verifySignature({ header: signatureHeader(KEY, signed, NOW), rawBody: pretty, parsedBody: parsed, key: KEY, toleranceSeconds: 180, nowSeconds: NOW });
    expect(verify(compact)).toMatchObject({ ok: true, variant: "compact" });
    expect(verify(ascii)).toMatchObject({ ok: true, variant: "compact-ascii" });
    // Without the parsed body there is no fallback.
    expect(
      verifySignature({ header: signatureHeader(KEY, compact, NOW), rawBody: pretty, key: KEY, toleranceSeconds: 180, nowSeconds: NOW }),
    ).toMatchObject({ ok: false, reason: "mismatch" });
  });
});
