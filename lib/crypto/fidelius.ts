/**
 * ABDM "Fidelius" health-data encryption, byte-compatible with the Java/BouncyCastle reference
 * (mgrmtech/fidelius-cli). See `shared/docs/fidelius.md` for the byte-level spec.
 *
 * - Curve: BouncyCastle's short-Weierstrass form of Curve25519. NOT X25519: X25519 clamps the
 *   scalar, uses little-endian Montgomery u, and publishes no y, so it cannot interoperate.
 * - Shared secret: affine x of d·Q as exactly 32 big-endian bytes.
 * - salt = (nonceA XOR nonceB)[0..20), iv = [20..32); key = HKDF-SHA256(Z, salt, info = "", 32).
 * - AES-256-GCM, no AAD, 16-byte tag appended: content = base64(ciphertext ‖ tag).
 *
 * The curve operation is OpenSSL's (node:crypto) on keys carrying *explicit* curve parameters:
 * there is no OID for this curve. OpenSSL validates peer points on load (off-curve → decode error)
 * and on derive ("wrong order" for points outside the prime-order subgroup; h = 8 here).
 * Measured on the dev box: ~0.7 ms per push with a cached private key, ~1.8 ms cold; @noble/curves
 * v2 needs ~6 ms for the same agreement and would be a dependency. `selfTest()` guards against an
 * OpenSSL build that drops explicit-curve support.
 *
 * Imported by the Next.js portal and by the sandbox (plain tsx): no `server-only`, no `@/` imports.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from "node:crypto";

export type FideliusErrorCode =
  | "authentication"
  | "invalid-public-key"
  | "invalid-private-key"
  | "invalid-nonce"
  | "invalid-base64"
  /** GCM authenticated the data but it is not valid UTF-8: a sender bug, never a wrong key. */
  | "invalid-plaintext";

export class FideliusError extends Error {
  constructor(
    public readonly code: FideliusErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "FideliusError";
  }
}

export type KeyMaterial = {
  /** base64 of d as 32 big-endian bytes (Java's parser reads this form too). */
  privateKey: string;
  /** base64 of the raw uncompressed point 04 ‖ X ‖ Y (65 bytes, always 88 characters). */
  publicKey: string;
  /** base64 DER SubjectPublicKeyInfo with explicit curve parameters (309 bytes), as BC emits. */
  x509PublicKey: string;
  /** base64 of 32 random bytes. */
  nonce: string;
};

export type EncryptInput = {
  plaintext: string;
  senderPrivateKey: string;
  senderNonce: string;
  /** Raw point, X.509 DER or PEM; the form is decided by the decoded bytes. */
  receiverPublicKey: string;
  receiverNonce: string;
};

export type DecryptInput = {
  encryptedData: string;
  receiverPrivateKey: string;
  receiverNonce: string;
  /** `keyMaterial.dhPublicKey.keyValue` of the push being decrypted: raw, X.509 DER or PEM. */
  senderPublicKey: string;
  senderNonce: string;
};

export type DecryptResult = {
  plaintext: string;
  /**
   * True when only the leading-zero-stripped shared secret authenticated (spec §6): the sender is
   * a ProjectEKA/Bahmni C# HIP, pyfidelius or fidelius-go port. Callers should log that it happened.
   */
  usedLeadingZeroFallback: boolean;
};

// ---------------------------------------------------------------------------------------------
// Curve constants (spec §3) and the fixed DER encodings built from them (spec §4, §10).

const hex = (s: string) => Buffer.from(s, "hex");
const P = hex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed");
const A = hex("2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa984914a144");
const B = hex("7b425ed097b425ed097b425ed097b425ed097b425ed097b4260b5e9c7710c864");
const GX = hex("2aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad245a");
// BC's root. fastecdsa's W25519 uses −Gy: shared secrets agree, but public keys would not.
const GY = hex("20ae19a1b8a086b4e01edd2c7748d14c923d4d7e6d7c61b229e9c5a27eced3d9");
const N = hex("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed");
const COFACTOR = 8;

const OID_EC_PUBLIC_KEY = hex("2a8648ce3d0201"); // 1.2.840.10045.2.1
const OID_PRIME_FIELD = hex("2a8648ce3d0101"); // 1.2.840.10045.1.1

/** id-ecPublicKey with explicit ECParameters, byte-identical to BouncyCastle's `getEncoded()`. */
const ALGORITHM_IDENTIFIER = hex(
  "3081ea" +
    "0607" + OID_EC_PUBLIC_KEY.toString("hex") +
    "3081de" +
    "020101" +
    "302b" + "0607" + OID_PRIME_FIELD.toString("hex") + "0220" + P.toString("hex") +
    "3044" + "0420" + A.toString("hex") + "0420" + B.toString("hex") +
    "044104" + GX.toString("hex") + GY.toString("hex") +
    "0220" + N.toString("hex") +
    "020108",
);
/** The first 244 bytes of every SubjectPublicKeyInfo; the 65-byte point follows. */
const SPKI_PREFIX = Buffer.concat([hex("30820131"), ALGORITHM_IDENTIFIER, hex("034200")]);
const RAW_POINT_LENGTH = 65;
const NONCE_LENGTH = 32;
const TAG_LENGTH = 16;
const EMPTY = Buffer.alloc(0);

// ---------------------------------------------------------------------------------------------
// Base64

const BASE64_STRICT = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard base64 strictly. Whitespace (line breaks) is tolerated, and so are the literal
 * `\u002B`, `\u002F`, `\u003D` escapes that EKA's helper library rewrites back to `+ / =`. Anything
 * else — URL-safe `-`/`_`, stray characters, misplaced padding — is rejected, because
 * `Buffer.from(s, "base64")` would silently skip or reinterpret it. Padding may be omitted, as
 * Java's decoder allows.
 */
export function decodeBase64Strict(input: string, what = "value"): Buffer {
  if (typeof input !== "string") throw new FideliusError("invalid-base64", `${what} is not a string`);
  // Fast path for the clean case (multi-MB pushes): Node's decoder skips or stops at any invalid
  // character, so a length that matches the string proves it saw only alphabet characters —
  // except `-` and `_`, which it silently accepts as URL-safe digits.
  const expected = expectedDecodedLength(input);
  if (expected >= 0 && !input.includes("-") && !input.includes("_")) {
    const out = Buffer.from(input, "base64");
    if (out.length === expected) return out;
  }
  const cleaned = input
    .replace(/\\u002b/gi, "+")
    .replace(/\\u002f/gi, "/")
    .replace(/\\u003d/gi, "=")
    .replace(/\s+/g, "");
  if (!BASE64_STRICT.test(cleaned) || expectedDecodedLength(cleaned) < 0) {
    throw new FideliusError("invalid-base64", `${what} is not valid base64`);
  }
  return Buffer.from(cleaned, "base64");
}

/** Decoded length implied by a clean base64 string, or −1 when its length/padding is impossible. */
function expectedDecodedLength(s: string): number {
  const len = s.length;
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  if (pad) return len % 4 === 0 ? (len / 4) * 3 - pad : -1;
  const rem = len % 4;
  if (rem === 1) return -1;
  return Math.floor(len / 4) * 3 + (rem === 0 ? 0 : rem - 1);
}

// ---------------------------------------------------------------------------------------------
// Minimal DER reader for SubjectPublicKeyInfo

type Tlv = { tag: number; value: Buffer; next: number };

function readTlv(buf: Buffer, offset: number): Tlv {
  if (offset + 2 > buf.length) throw new Error("truncated DER");
  const tag = buf[offset];
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 2 || pos + count > buf.length) throw new Error("bad DER length");
    len = 0;
    for (let i = 0; i < count; i++) len = (len << 8) | buf[pos + i];
    pos += count;
  }
  if (pos + len > buf.length) throw new Error("truncated DER");
  return { tag, value: buf.subarray(pos, pos + len), next: pos + len };
}

/** The TLVs directly inside a constructed value. */
function readChildren(seq: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let pos = 0; pos < seq.length; ) {
    const tlv = readTlv(seq, pos);
    out.push(tlv);
    pos = tlv.next;
  }
  return out;
}

function stripLeadingZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

const sameUnsigned = (a: Buffer, b: Buffer) => stripLeadingZeros(a).equals(stripLeadingZeros(b));

/**
 * Checks that the SPKI names id-ecPublicKey over exactly this curve (explicit parameters; there is
 * no named-curve OID for it) and returns the BIT STRING's point.
 */
function pointFromSpki(der: Buffer): Buffer {
  const outer = readTlv(der, 0);
  if (outer.tag !== 0x30 || outer.next !== der.length) throw new Error("not a SEQUENCE");
  const [alg, bits, ...rest] = readChildren(outer.value);
  if (!alg || alg.tag !== 0x30 || !bits || bits.tag !== 0x03 || rest.length) throw new Error("not an SPKI");
  const [oid, params, ...algRest] = readChildren(alg.value);
  if (!oid || oid.tag !== 0x06 || !oid.value.equals(OID_EC_PUBLIC_KEY) || algRest.length) {
    throw new Error("not an EC public key");
  }
  if (!params || params.tag !== 0x30) throw new Error("curve parameters are not explicit");
  const [version, fieldId, curve, base, order, cofactor, ...paramRest] = readChildren(params.value);
  if (!version || version.tag !== 0x02 || !fieldId || fieldId.tag !== 0x30 || !curve || curve.tag !== 0x30) {
    throw new Error("bad ECParameters");
  }
  if (!base || base.tag !== 0x04 || !order || order.tag !== 0x02 || paramRest.length) throw new Error("bad ECParameters");
  const [fieldType, prime, ...fieldRest] = readChildren(fieldId.value);
  if (!fieldType || !fieldType.value.equals(OID_PRIME_FIELD) || !prime || prime.tag !== 0x02 || fieldRest.length) {
    throw new Error("not a prime field");
  }
  const [a, b, seed, ...curveRest] = readChildren(curve.value);
  if (!a || a.tag !== 0x04 || !b || b.tag !== 0x04 || (seed && seed.tag !== 0x03) || curveRest.length) {
    throw new Error("bad curve");
  }
  const baseOk =
    (base.value.length === 65 && base.value[0] === 4 && base.value.subarray(1, 33).equals(GX) && base.value.subarray(33).equals(GY)) ||
    (base.value.length === 33 && base.value[0] === 2 + (GY[31] & 1) && base.value.subarray(1).equals(GX));
  const cofactorOk = !cofactor || (cofactor.tag === 0x02 && sameUnsigned(cofactor.value, Buffer.from([COFACTOR])));
  if (!sameUnsigned(prime.value, P) || !sameUnsigned(a.value, A) || !sameUnsigned(b.value, B) || !baseOk) {
    throw new Error("a different curve");
  }
  if (!sameUnsigned(order.value, N) || !cofactorOk) throw new Error("a different curve");
  if (bits.value[0] !== 0) throw new Error("bad BIT STRING");
  return bits.value.subarray(1);
}

// ---------------------------------------------------------------------------------------------
// Keys

/**
 * Parses a peer public key — raw 65-byte point, X.509 SPKI DER, or PEM — decided by content, never
 * by string length. Returns the raw point with both coordinates checked to be < p; the curve
 * equation and subgroup membership are checked by OpenSSL when the point is used.
 */
function parsePublicKey(input: string, what: string): Buffer {
  if (typeof input !== "string") throw new FideliusError("invalid-public-key", `${what} is not a string`);
  let bytes: Buffer;
  const pem = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(input);
  if (pem) {
    // PEM appears in the Account-Aggregator ecosystem (Sahamati Rahasya), not ABDM; tolerated.
    if (pem[1] !== "PUBLIC KEY") throw new FideliusError("invalid-public-key", `${what}: PEM is not a PUBLIC KEY`);
    bytes = decodeBase64Strict(pem[2], what);
  } else if (input.includes("-----")) {
    throw new FideliusError("invalid-public-key", `${what}: malformed PEM`);
  } else {
    bytes = decodeBase64Strict(input, what);
  }
  let point: Buffer;
  if (bytes.length === RAW_POINT_LENGTH && bytes[0] === 0x04) {
    point = bytes;
  } else if (bytes.length > 0 && bytes[0] === 0x30) {
    try {
      point = pointFromSpki(bytes);
    } catch (err) {
      throw new FideliusError("invalid-public-key", `${what}: unusable X.509 key (${(err as Error).message})`);
    }
  } else {
    throw new FideliusError("invalid-public-key", `${what}: neither a 65-byte uncompressed point nor X.509`);
  }
  // fidelius-cli and the C#/NHA HIPs never send compressed points; refuse rather than guess.
  if (point.length !== RAW_POINT_LENGTH || point[0] !== 0x04) {
    throw new FideliusError("invalid-public-key", `${what}: not an uncompressed point`);
  }
  if (Buffer.compare(point.subarray(1, 33), P) >= 0 || Buffer.compare(point.subarray(33), P) >= 0) {
    throw new FideliusError("invalid-public-key", `${what}: coordinate out of range`);
  }
  return Buffer.from(point);
}

function loadPublicKey(raw: Buffer, what: string): KeyObject {
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
  } catch {
    throw new FideliusError("invalid-public-key", `${what}: point is not on the curve`);
  }
}

/**
 * Java writes `BigInteger.toByteArray()`: minimal two's complement, so 30–33 bytes are all normal
 * and a leading 0x00 means nothing. Read it as unsigned big-endian and require 1 ≤ d ≤ n − 1 — BC
 * rejects out-of-range scalars instead of reducing them, and OpenSSL would accept d = 0 or d ≥ n.
 */
function parsePrivateKey(input: string, what: string): Buffer {
  const bytes = decodeBase64Strict(input, what);
  if (bytes.length < 1 || bytes.length > 33) {
    throw new FideliusError("invalid-private-key", `${what}: must be 1 to 33 bytes`);
  }
  const stripped = stripLeadingZeros(bytes);
  if (stripped.length > 32) throw new FideliusError("invalid-private-key", `${what}: not in [1, n-1]`);
  const d = Buffer.alloc(32);
  stripped.copy(d, 32 - stripped.length);
  if (d.every((x) => x === 0) || Buffer.compare(d, N) >= 0) {
    throw new FideliusError("invalid-private-key", `${what}: not in [1, n-1]`);
  }
  return d;
}

function pkcs8(d: Buffer): Buffer {
  // PrivateKeyInfo { 0, AlgorithmIdentifier (explicit curve), OCTET STRING ECPrivateKey { 1, d } }.
  const ecPrivateKey = Buffer.concat([hex("30250201010420"), d]);
  const body = Buffer.concat([hex("020100"), ALGORITHM_IDENTIFIER, hex("0427"), ecPrivateKey]);
  return Buffer.concat([hex("3082"), Buffer.from([body.length >> 8, body.length & 0xff]), body]);
}

// Loading a private key costs ~1.1 ms (OpenSSL derives the public point); the HIU decrypts every
// push of a keyset with the same key, so keep a few loaded. Keyed by a hash, not the scalar.
const PRIVATE_KEY_CACHE_SIZE = 32;
const privateKeyCache = new Map<string, KeyObject>();

function loadPrivateKey(d: Buffer): KeyObject {
  const id = createHash("sha256").update(d).digest("base64");
  const hit = privateKeyCache.get(id);
  if (hit) {
    privateKeyCache.delete(id);
    privateKeyCache.set(id, hit);
    return hit;
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pkcs8(d), format: "der", type: "pkcs8" });
  } catch {
    throw new FideliusError("invalid-private-key", "private key could not be loaded");
  }
  privateKeyCache.set(id, key);
  if (privateKeyCache.size > PRIVATE_KEY_CACHE_SIZE) {
    privateKeyCache.delete(privateKeyCache.keys().next().value as string);
  }
  return key;
}

/** Z = x(d·Q), always 32 bytes big-endian (left-padded: ~1/128 secrets start with 0x00). */
function sharedSecret(d: Buffer, peerRaw: Buffer, what: string): Buffer {
  const publicKey = loadPublicKey(peerRaw, what);
  let z: Buffer;
  try {
    z = diffieHellman({ privateKey: loadPrivateKey(d), publicKey });
  } catch {
    // OpenSSL checks n·Q = O here ("wrong order"): Q + torsion points are on the curve but unsafe.
    throw new FideliusError("invalid-public-key", `${what}: point is not in the prime-order subgroup`);
  }
  if (z.length === 32) return z;
  const padded = Buffer.alloc(32);
  z.copy(padded, 32 - z.length);
  return padded;
}

function publicPointOf(d: Buffer): Buffer {
  const spki = createPublicKey(loadPrivateKey(d)).export({ format: "der", type: "spki" });
  return Buffer.from(spki.subarray(spki.length - RAW_POINT_LENGTH));
}

// ---------------------------------------------------------------------------------------------
// Session key derivation

function parseNonce(input: string, what: string): Buffer {
  const bytes = decodeBase64Strict(input, what);
  // Java XORs `s[i] ^ r[i % r.length]` over s.length, silently shifting salt/IV on a short nonce.
  if (bytes.length !== NONCE_LENGTH) throw new FideliusError("invalid-nonce", `${what}: must be 32 bytes`);
  return bytes;
}

function saltAndIv(a: Buffer, b: Buffer): { salt: Buffer; iv: Buffer } {
  const x = Buffer.alloc(NONCE_LENGTH);
  for (let i = 0; i < NONCE_LENGTH; i++) x[i] = a[i] ^ b[i];
  return { salt: x.subarray(0, 20), iv: x.subarray(20) };
}

function aesKey(ikm: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, salt, EMPTY, 32));
}

function gcmOpen(key: Buffer, iv: Buffer, data: Buffer): Buffer | null {
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
  const out = decipher.update(data.subarray(0, data.length - TAG_LENGTH));
  try {
    const last = decipher.final();
    return last.length ? Buffer.concat([out, last]) : out;
  } catch {
    return null;
  }
}

/**
 * IKM variants some non-Java HIPs use when Z starts with 0x00: unsigned minimal bytes (ProjectEKA
 * and Bahmni C# `ToByteArrayUnsigned`, pyfidelius, fidelius-go) and signed minimal bytes (the C#
 * FideliusCrypto port's `ToByteArray`, which keeps one 0x00 before a byte ≥ 0x80).
 */
function leadingZeroVariants(z: Buffer): Buffer[] {
  if (z[0] !== 0) return [];
  let i = 0;
  while (i < z.length - 1 && z[i] === 0) i++;
  const unsigned = z.subarray(i);
  const variants = [unsigned];
  if (unsigned[0] >= 0x80 && i - 1 > 0) variants.push(z.subarray(i - 1));
  return variants;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// ---------------------------------------------------------------------------------------------
// Public API

/** A fresh key pair and nonce. Use one per HI request (and rotate the EKA keyset deliberately). */
export function generateKeyMaterial(): KeyMaterial {
  // d uniform in [1, n-1] by rejection: n ≈ 2^252, so masking to 253 bits accepts ~half the draws.
  let d: Buffer;
  do {
    d = randomBytes(32);
    d[0] &= 0x1f;
  } while (d.every((x) => x === 0) || Buffer.compare(d, N) >= 0);
  const raw = publicPointOf(d);
  return {
    privateKey: d.toString("base64"),
    publicKey: raw.toString("base64"),
    x509PublicKey: Buffer.concat([SPKI_PREFIX, raw]).toString("base64"),
    nonce: randomBytes(NONCE_LENGTH).toString("base64"),
  };
}

/** Encrypts as a HIP does (spec §5). Returns base64(ciphertext ‖ tag). Always the canonical 32-byte Z. */
export function encrypt(input: EncryptInput): string {
  const senderNonce = parseNonce(input.senderNonce, "sender nonce");
  const receiverNonce = parseNonce(input.receiverNonce, "receiver nonce");
  const d = parsePrivateKey(input.senderPrivateKey, "sender private key");
  const q = parsePublicKey(input.receiverPublicKey, "receiver public key");
  const z = sharedSecret(d, q, "receiver public key");
  const { salt, iv } = saltAndIv(senderNonce, receiverNonce);
  const cipher = createCipheriv("aes-256-gcm", aesKey(z, salt), iv, { authTagLength: TAG_LENGTH });
  const body = cipher.update(Buffer.from(input.plaintext, "utf8"));
  const last = cipher.final();
  return Buffer.concat([body, last, cipher.getAuthTag()]).toString("base64");
}

/**
 * Decrypts a push entry (spec §6) and reports whether the leading-zero interop fallback was needed.
 * A failed GCM tag is a `FideliusError("authentication")`, never an empty or garbled string.
 */
export function decryptDetailed(input: DecryptInput): DecryptResult {
  const data = decodeBase64Strict(input.encryptedData, "encrypted data");
  const receiverNonce = parseNonce(input.receiverNonce, "receiver nonce");
  const senderNonce = parseNonce(input.senderNonce, "sender nonce");
  const d = parsePrivateKey(input.receiverPrivateKey, "receiver private key");
  const q = parsePublicKey(input.senderPublicKey, "sender public key");
  if (data.length < TAG_LENGTH) {
    throw new FideliusError("authentication", "encrypted data is shorter than the GCM tag");
  }
  const z = sharedSecret(d, q, "sender public key");
  const { salt, iv } = saltAndIv(senderNonce, receiverNonce);

  let usedLeadingZeroFallback = false;
  let plain = gcmOpen(aesKey(z, salt), iv, data);
  // Only when the canonical key fails AND Z[0] == 0; GCM authentication makes the retry safe.
  for (const ikm of plain ? [] : leadingZeroVariants(z)) {
    plain = gcmOpen(aesKey(ikm, salt), iv, data);
    if (plain) {
      usedLeadingZeroFallback = true;
      break;
    }
  }
  if (!plain) {
    throw new FideliusError("authentication", "GCM authentication failed (wrong key, nonce or tampered data)");
  }
  try {
    return { plaintext: utf8.decode(plain), usedLeadingZeroFallback };
  } catch {
    throw new FideliusError("invalid-plaintext", "decrypted data is not valid UTF-8");
  }
}

/** Decrypts a push entry to its UTF-8 text (the FHIR bundle JSON, exactly as sent). */
export function decrypt(input: DecryptInput): string {
  return decryptDetailed(input).plaintext;
}

/** The raw 88-character form of a public key given in any accepted encoding (raw, X.509, PEM). */
export function toRawPublicKey(publicKey: string): string {
  return parsePublicKey(publicKey, "public key").toString("base64");
}

/** The X.509 SPKI (explicit parameters, BC's exact bytes) of a public key in any accepted encoding. */
export function toX509PublicKey(publicKey: string): string {
  return Buffer.concat([SPKI_PREFIX, parsePublicKey(publicKey, "public key")]).toString("base64");
}

/**
 * A short, display-only fingerprint: the first 16 hex digits of SHA-256 over the raw point, so the
 * raw and X.509 forms of one key get the same fingerprint.
 */
export function publicKeyFingerprint(publicKey: string): string {
  const raw = parsePublicKey(publicKey, "public key");
  return createHash("sha256").update(raw).digest("hex").slice(0, 16);
}

// fid-pub-01 from fidelius-cli's README (spec §7); public values, hard-coded on purpose so the
// product never depends on the fixture files.
const README = {
  hiuPrivateKey: "0ccc473eb8bc77b213db72a02e4dbcd7365e9cc7d51d275e6a6ab4461c252019",
  hipPublicKey:
    "040055b7e9a944b317890a487c4aba6e3f21957b1db572312ecb2998c80b348d52" +
    "47998780355b8c73b603e53842531d746ceac8489dce6d40921b52c523b60218",
  sharedSecret: "1d96dcf5ae21f6430045e20b37956dbdb4981d64297c872b67da561e5419507b",
  xorOfNonces: "7c8d152b86a4cf1636d3a52c4e69d70555514c95b52a0aa55925693fb77a5f2e",
  aesKey: "c1e1aa56e80509ac195d4baa4d8df060b639f6b1b8b560af6a4e80b884810d97",
  plaintext: "Wormtail should never have been Potter cottage's secret keeper.",
  content:
    "pzMvVZNNVtJzqPkkxcCbBUWgDEBy/mBXIeT2dJWI16ZAQnnXUb9lI+S4k8XK6mgZSKKSRIHkcNvJpllnBg548wUgavBa0vCRRwdL6kY6Yw==",
};

/**
 * Start-up check that this Node/OpenSSL build still does the Fidelius maths: the README vector end
 * to end, keys it generates round-trip, and it still rejects an off-curve and a torsion point.
 * Throws an Error naming the failed step; never logs key material.
 */
export function selfTest(): void {
  const fail = (step: string): never => {
    throw new Error(`Fidelius self-test failed: ${step}. This Node/OpenSSL build cannot decrypt ABDM health data.`);
  };
  const d = hex(README.hiuPrivateKey);
  const q = hex(README.hipPublicKey);
  let z: Buffer;
  try {
    z = sharedSecret(d, q, "README key");
  } catch {
    return fail("explicit-curve ECDH is not available");
  }
  if (z.toString("hex") !== README.sharedSecret) fail("ECDH shared secret differs from the reference");
  const xor = hex(README.xorOfNonces);
  if (aesKey(z, xor.subarray(0, 20)).toString("hex") !== README.aesKey) fail("HKDF output differs");

  // A zero receiver nonce makes the XOR equal the README's, exercising the whole decrypt path.
  const readme = decrypt({
    encryptedData: README.content,
    receiverPrivateKey: d.toString("base64"),
    receiverNonce: Buffer.alloc(32).toString("base64"),
    senderPublicKey: q.toString("base64"),
    senderNonce: xor.toString("base64"),
  });
  if (readme !== README.plaintext) fail("README ciphertext did not decrypt to its plaintext");

  const hiu = generateKeyMaterial();
  const hip = generateKeyMaterial();
  const sample = "{\"resourceType\":\"Bundle\"}";
  const content = encrypt({
    plaintext: sample,
    senderPrivateKey: hip.privateKey,
    senderNonce: hip.nonce,
    receiverPublicKey: hiu.publicKey,
    receiverNonce: hiu.nonce,
  });
  const back = decrypt({
    encryptedData: content,
    receiverPrivateKey: hiu.privateKey,
    receiverNonce: hiu.nonce,
    senderPublicKey: hip.x509PublicKey,
    senderNonce: hip.nonce,
  });
  if (back !== sample) fail("generated keys do not round-trip");

  const rejects = (raw: Buffer) => {
    try {
      sharedSecret(d, raw, "test point");
      return false;
    } catch (err) {
      return err instanceof FideliusError && err.code === "invalid-public-key";
    }
  };
  const gyPlusOne = Buffer.from(GY);
  gyPlusOne[31] += 1;
  // (A/3, 0) is the curve's 2-torsion point: on the curve, outside the prime-order subgroup.
  const torsion = hex("042aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad2451" + "00".repeat(32));
  if (!rejects(Buffer.concat([hex("04"), GX, gyPlusOne]))) fail("an off-curve point was accepted");
  if (!rejects(torsion)) fail("a point outside the prime-order subgroup was accepted");
}
