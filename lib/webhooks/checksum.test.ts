import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checksumMatches } from "./checksum";

const text = '{"resourceType":"Bundle","entry":[]}';
const digest = (algo: string, enc: "hex" | "base64") => createHash(algo).update(text).digest(enc);

describe("checksumMatches", () => {
  it("accepts MD5 or SHA-256 of the plaintext, hex (any case) or base64", () => {
    expect(checksumMatches(text, digest("md5", "hex"))).toBe(true);
    expect(checksumMatches(text, digest("md5", "hex").toUpperCase())).toBe(true);
    expect(checksumMatches(text, digest("md5", "base64"))).toBe(true);
    expect(checksumMatches(text, digest("sha256", "hex"))).toBe(true);
    expect(checksumMatches(text, digest("sha256", "base64"))).toBe(true);
  });

  it("says false for a digest of something else, null for nothing or a placeholder", () => {
    expect(checksumMatches(text, createHash("md5").update("other").digest("hex"))).toBe(false);
    expect(checksumMatches(text, undefined)).toBeNull();
    expect(checksumMatches(text, "")).toBeNull();
    expect(checksumMatches(text, "MD5")).toBeNull();
    expect(checksumMatches(text, "string")).toBeNull();
  });
});
