import { describe, expect, it } from "vitest";
import { jwtExpiryMs } from "./client";
import { EkaError, isRetryableHttp, normaliseSourceCode } from "./errors";

describe("isRetryableHttp", () => {
  it.each([
    [400, undefined, false],
    [401, undefined, false],
    [404, undefined, false],
    [429, undefined, false],
    [491, undefined, false],
    [400, "ABDM-1022", false],
    [500, undefined, true],
    [502, undefined, true],
    [503, undefined, true],
    [500, "ABDM-9999", true],
    [500, "ABDM-1022", true],
    [500, "ABDM-1028", true],
    [500, "ABDM-1033", true],
    [500, "ABDM-1401", true],
    [500, "ABDM-1402", true],
    // ABDM validation errors that EKA reports as 500.
    [500, "ABDM-1039", false],
    [500, "ABDM-1040", false],
    [500, "ABDM-1046", false],
    [500, "ABDM-1047", false],
    [500, "ABDM-4242", false],
  ] as const)("%i %s → %s", (status, code, expected) => {
    expect(isRetryableHttp(status, code)).toBe(expected);
  });
});

describe("normaliseSourceCode", () => {
  it("accepts bare numbers and any case", () => {
    expect(normaliseSourceCode("1046")).toBe("ABDM-1046");
    expect(normaliseSourceCode(1046)).toBe("ABDM-1046");
    expect(normaliseSourceCode("abdm-1046")).toBe("ABDM-1046");
    expect(normaliseSourceCode("")).toBeUndefined();
    expect(normaliseSourceCode(null)).toBeUndefined();
  });
});

describe("EkaError", () => {
  it("derives retryable from kind and codes, and serialises without causes", () => {
    expect(new EkaError({ kind: "network", message: "x" }).retryable).toBe(true);
    expect(new EkaError({ kind: "timeout", message: "x" }).retryable).toBe(true);
    expect(new EkaError({ kind: "validation", message: "x" }).retryable).toBe(false);
    const e = new EkaError({ kind: "http", status: 500, sourceCode: "ABDM-1046", message: "m", cause: new Error("secret body") });
    expect(e.retryable).toBe(false);
    expect(e.name).toBe("EkaError");
    expect(JSON.stringify(e)).not.toContain("secret body");
    expect(new EkaError({ kind: "http", status: 491, message: "m" }).isSessionExpired).toBe(true);
  });
});

describe("jwtExpiryMs", () => {
  it("reads exp, ignores non-JWTs", () => {
    const payload = Buffer.from(JSON.stringify({ exp: 1_800_000_000 })).toString("base64url");
    expect(jwtExpiryMs(`h.${payload}.s`)).toBe(1_800_000_000_000);
    expect(jwtExpiryMs("opaque-token")).toBeUndefined();
    expect(jwtExpiryMs("a.b.c")).toBeUndefined();
  });
});
