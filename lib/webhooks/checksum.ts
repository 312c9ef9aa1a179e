/**
 * Best-effort check of a push entry's `checksum` (eka-api.md §4.4, fidelius.md §2). The field is
 * unreliable in the wild — placeholders like "MD5" or "string", MD5 or SHA-256, hex or base64 —
 * so it is recorded and compared, never used to reject data.
 */
import { createHash } from "node:crypto";

const HEX = /^[0-9a-f]+$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * True when `checksum` is the MD5 or SHA-256 of `plaintext` (hex or base64), false when it looks
 * like a digest but matches neither, null when there is nothing digest-like to compare (absent,
 * empty or a placeholder).
 */
export function checksumMatches(plaintext: Buffer | string, checksum: string | null | undefined): boolean | null {
  const c = checksum?.trim();
  if (!c) return null;
  const looksHex = HEX.test(c) && (c.length === 32 || c.length === 64);
  const looksB64 = BASE64.test(c) && (c.length === 24 || c.length === 44);
  if (!looksHex && !looksB64) return null;
  const bytes = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
  for (const algo of ["md5", "sha256"] as const) {
    const digest = createHash(algo).update(bytes).digest();
    if (looksHex && c.toLowerCase() === digest.toString("hex")) return true;
    if (looksB64 && c === digest.toString("base64")) return true;
  }
  return false;
}
