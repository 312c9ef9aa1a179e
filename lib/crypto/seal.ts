/**
 * At-rest sealing of secrets (HIU private keys) under KEY_ENCRYPTION_KEY (the KEK).
 *
 * Format: `v<kek version>:<base64(iv 12 ‖ tag 16 ‖ ciphertext)>`, AES-256-GCM. The version prefix
 * lets the KEK rotate: values sealed under an older KEK still open while that KEK is listed in
 * KEY_ENCRYPTION_KEYS_PREVIOUS, and `reseal` moves them to the current one. The version and an
 * optional caller context are bound as AAD, so a value cannot be relabelled with another version or
 * moved to another use without failing authentication.
 *
 * Usable without Next (scripts, sandbox): no `server-only`, relative imports only.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { env } from "../env";

export type SealErrorCode = "malformed" | "unknown-key-version" | "authentication" | "invalid-kek";

export class SealError extends Error {
  constructor(
    public readonly code: SealErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SealError";
  }
}

export type Kek = { version: number; key: Buffer };
export type Keyring = { version: number; key: Buffer; previous: Kek[] };

const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const SEALED = /^v([1-9][0-9]{0,8}):([A-Za-z0-9+/]+={0,2})$/;

function checkKek(kek: Kek): Buffer {
  if (!Buffer.isBuffer(kek.key) || kek.key.length !== 32) {
    throw new SealError("invalid-kek", `KEK version ${kek.version} is not 32 bytes`);
  }
  return kek.key;
}

function aad(version: number, context: string): Buffer {
  return Buffer.from(`hiu-seal/v${version}/${context}`, "utf8");
}

/**
 * Seals `plaintext` under the current KEK. `context` names the use (e.g. "hiu_keys.private_key")
 * and must be given again to `unseal`. `keyring` defaults to `env().kek`.
 */
export function seal(plaintext: Buffer | string, context = "", keyring: Keyring = env().kek): string {
  const key = checkKek(keyring);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(aad(keyring.version, context));
  const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
  const ct = Buffer.concat([cipher.update(data), cipher.final()]);
  return `v${keyring.version}:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64")}`;
}

/** The KEK version a sealed value names, or a `SealError("malformed")`. */
export function sealedVersion(sealed: string): number {
  const m = typeof sealed === "string" ? SEALED.exec(sealed) : null;
  if (!m) throw new SealError("malformed", "not a sealed value");
  return Number(m[1]);
}

/** Opens a value sealed by `seal`, with the KEK its version prefix names (current or previous). */
export function unseal(sealed: string, context = "", keyring: Keyring = env().kek): Buffer {
  const version = sealedVersion(sealed);
  const blob = Buffer.from(SEALED.exec(sealed)![2], "base64");
  if (blob.length < IV_LENGTH + TAG_LENGTH) throw new SealError("malformed", "sealed value is truncated");
  const kek =
    version === keyring.version ? keyring : keyring.previous.find((k) => k.version === version);
  if (!kek) {
    throw new SealError(
      "unknown-key-version",
      `sealed under KEK version ${version}, which is neither current (${keyring.version}) nor listed in KEY_ENCRYPTION_KEYS_PREVIOUS`,
    );
  }
  const decipher = createDecipheriv("aes-256-gcm", checkKek(kek), blob.subarray(0, IV_LENGTH), {
    authTagLength: TAG_LENGTH,
  });
  decipher.setAAD(aad(version, context));
  decipher.setAuthTag(blob.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH));
  const out = decipher.update(blob.subarray(IV_LENGTH + TAG_LENGTH));
  try {
    return Buffer.concat([out, decipher.final()]);
  } catch {
    out.fill(0);
    throw new SealError("authentication", `sealed value does not open with KEK version ${version} (wrong key or tampered)`);
  }
}

/** True when the value was sealed under an older KEK version than the current one. */
export function needsReseal(sealed: string, keyring: Keyring = env().kek): boolean {
  return sealedVersion(sealed) !== keyring.version;
}

/** Re-seals under the current KEK (for KEK rotation); a no-op copy when already current. */
export function reseal(sealed: string, context = "", keyring: Keyring = env().kek): string {
  if (!needsReseal(sealed, keyring)) return sealed;
  const plain = unseal(sealed, context, keyring);
  try {
    return seal(plain, context, keyring);
  } finally {
    plain.fill(0);
  }
}
