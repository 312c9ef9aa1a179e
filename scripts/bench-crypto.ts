/**
 * `npm run bench:crypto`: Fidelius decrypt throughput against plain AES-256-GCM (the machine's
 * limit for the symmetric part) on 1 KiB … 20 MiB payloads, and the fixed cost per push
 * (ECDH + HKDF + key parsing), median of many. Prints figures only: no keys, no plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import os from "node:os";
import { decrypt, encrypt, generateKeyMaterial, selfTest, type DecryptInput } from "../lib/crypto/fidelius";

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [1 * KiB, 50 * KiB, 1 * MiB, 20 * MiB];
const TARGET_MS = Number(process.env.BENCH_TARGET_MS ?? 1500);

function label(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / KiB} KiB`;
}

/** ASCII JSON-ish text of exactly `bytes` bytes (FHIR bundles are mostly ASCII). */
function payload(bytes: number): string {
  const unit = randomBytes(Math.ceil((bytes * 3) / 4) + 4).toString("base64");
  return `{"d":"${unit}`.slice(0, bytes - 2) + "\"}";
}

/** Runs `fn` repeatedly for about TARGET_MS (at least `minRuns`); returns per-run times in ms. */
function timeRuns(fn: () => void, minRuns: number): number[] {
  fn(); // warm-up
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || performance.now() - start < TARGET_MS) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mibPerSec = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

function push(plaintext: string): DecryptInput {
  const hiu = generateKeyMaterial();
  const hip = generateKeyMaterial();
  return {
    encryptedData: encrypt({
      plaintext,
      senderPrivateKey: hip.privateKey,
      senderNonce: hip.nonce,
      receiverPublicKey: hiu.publicKey,
      receiverNonce: hiu.nonce,
    }),
    receiverPrivateKey: hiu.privateKey,
    receiverNonce: hiu.nonce,
    // HIPs mostly send X.509 (ProjectEKA/Bahmni C#, NHA wrapper): the costlier parse.
    senderPublicKey: hip.x509PublicKey,
    senderNonce: hip.nonce,
  };
}

function main() {
  selfTest();
  console.log(`Fidelius crypto benchmark — Node ${process.version}, OpenSSL ${process.versions.openssl}, ${os.cpus()[0]?.model ?? "cpu"} ×${os.cpus().length}, load ${os.loadavg()[0].toFixed(2)}`);
  console.log("Fidelius = strict base64 decode + ECDH + HKDF + AES-256-GCM + strict UTF-8 decode (warm private key).");
  console.log("AES-GCM  = createDecipheriv('aes-256-gcm') on the same byte count, Buffer in/out.\n");

  const rows: string[][] = [["payload", "runs", "Fidelius MiB/s", "AES-GCM MiB/s", "ratio"]];
  for (const size of SIZES) {
    const text = payload(size);
    const input = push(text);
    const minRuns = size >= 10 * MiB ? 5 : 20;
    const fid = timeRuns(() => {
      if (decrypt(input).length !== size) throw new Error("bench: wrong plaintext length");
    }, minRuns);

    const key = randomBytes(32);
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, iv);
    const ct = Buffer.concat([c.update(Buffer.from(text, "utf8")), c.final()]);
    const tag = c.getAuthTag();
    const aes = timeRuns(() => {
      const d = createDecipheriv("aes-256-gcm", key, iv);
      d.setAuthTag(tag);
      d.update(ct);
      d.final();
    }, minRuns);

    const f = mibPerSec(size, median(fid));
    const a = mibPerSec(size, median(aes));
    rows.push([label(size), String(fid.length), f.toFixed(1), a.toFixed(1), `${((f / a) * 100).toFixed(1)} %`]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  "));

  // Per-push fixed cost: decrypting an empty bundle is ECDH + HKDF + key/nonce parsing + a 0-byte GCM.
  const RUNS = 2000;
  const warm = push("");
  const warmTimes: number[] = [];
  decrypt(warm);
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    decrypt(warm);
    warmTimes.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  // Cold: a receiver key not seen before, so OpenSSL also loads it (derives its public point).
  const COLD = 300;
  const cold = Array.from({ length: COLD }, () => push(""));
  const coldTimes = cold.map((input) => {
    const t = process.hrtime.bigint();
    decrypt(input);
    return Number(process.hrtime.bigint() - t) / 1000;
  });
  console.log(
    `\nECDH + HKDF per push (X.509 sender key): median ${median(warmTimes).toFixed(0)} µs with the HIU key already loaded (n=${RUNS}); ` +
      `${median(coldTimes).toFixed(0)} µs for a key used the first time (n=${COLD}).`,
  );
}

main();
