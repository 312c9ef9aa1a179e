import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { needsReseal, reseal, seal, SealError, sealedVersion, unseal } from "./seal";

const saved = { ...process.env };
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hiu-seal-"));
const k1 = randomBytes(32).toString("base64");
const k2 = randomBytes(32).toString("base64");

function useKek(key: string, version: number, previous?: string) {
  process.env.DATA_DIR = dataDir;
  process.env.KEY_ENCRYPTION_KEY = key;
  process.env.KEY_ENCRYPTION_KEY_VERSION = String(version);
  if (previous === undefined) delete process.env.KEY_ENCRYPTION_KEYS_PREVIOUS;
  else process.env.KEY_ENCRYPTION_KEYS_PREVIOUS = previous;
  resetEnvForTests();
}

function sealCode(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (err) {
    return err instanceof SealError ? err.code : `other: ${(err as Error).message}`;
  }
}

beforeEach(() => useKek(k1, 1));
afterAll(() => {
  process.env = saved;
  resetEnvForTests();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("seal / unseal", () => {
  it("round-trips strings and buffers in the v<version>:<base64> format with a fresh IV each time", () => {
    const secret = randomBytes(32);
    const a = seal(secret);
    const b = seal(secret);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/]+={0,2}$/);
    expect(a).not.toBe(b);
    expect(unseal(a)).toEqual(secret);
    expect(unseal(seal("héllo", "ctx"), "ctx").toString("utf8")).toBe("héllo");
    expect(sealedVersion(a)).toBe(1);
  });

  it("does not contain the secret in any common encoding", () => {
    const secret = randomBytes(32);
    const sealed = seal(secret);
    for (const form of [secret.toString("base64"), secret.toString("hex"), secret.toString("base64").slice(0, 20)]) {
      expect(sealed).not.toContain(form);
    }
    expect(Buffer.from(sealed.slice(3), "base64").includes(secret.subarray(0, 8))).toBe(false);
  });

  it("cannot be opened with another KEK, even under the same version number", () => {
    const sealed = seal("private key");
    useKek(k2, 1);
    expect(sealCode(() => unseal(sealed))).toBe("authentication");
  });

  it("is bound to its context and its version label", () => {
    const sealed = seal("private key", "hiu_keys.private_key");
    expect(sealCode(() => unseal(sealed, "other.use"))).toBe("authentication");
    // Same KEK listed under two versions: relabelling the prefix still fails (version is AAD).
    useKek(k1, 2, `1:${k1}`);
    expect(sealCode(() => unseal(sealed.replace(/^v1:/, "v2:"), "hiu_keys.private_key"))).toBe("authentication");
  });

  it("detects tampering and malformed values", () => {
    const sealed = seal("private key");
    const blob = Buffer.from(sealed.slice(3), "base64");
    blob[blob.length - 1] ^= 1;
    expect(sealCode(() => unseal(`v1:${blob.toString("base64")}`))).toBe("authentication");
    for (const bad of ["", "v1:", "1:abcd", "v0:AAAA", "vx:AAAA", "v1:AAAA", `v1:${"A".repeat(10)}!`]) {
      expect(sealCode(() => unseal(bad)), bad).toBe("malformed");
    }
  });

  it("opens values sealed under a previous KEK after rotation, and reseals them to the current one", () => {
    const old = seal("rotating secret", "ctx");
    useKek(k2, 2, `1:${k1}`);
    expect(unseal(old, "ctx").toString()).toBe("rotating secret");
    expect(needsReseal(old)).toBe(true);
    const fresh = seal("new secret", "ctx");
    expect(sealedVersion(fresh)).toBe(2);
    expect(needsReseal(fresh)).toBe(false);
    const moved = reseal(old, "ctx");
    expect(sealedVersion(moved)).toBe(2);
    expect(unseal(moved, "ctx").toString()).toBe("rotating secret");
    expect(reseal(moved, "ctx")).toBe(moved);

    // Once the old KEK is dropped from the previous list, the old value is unreadable.
    useKek(k2, 2);
    expect(sealCode(() => unseal(old, "ctx"))).toBe("unknown-key-version");
    expect(unseal(moved, "ctx").toString()).toBe("rotating secret");
  });

  it("refuses a previous KEK that is not 32 bytes", () => {
    const old = seal("x");
    useKek(k2, 2, `1:${randomBytes(16).toString("base64")}`);
    expect(sealCode(() => unseal(old))).toBe("invalid-kek");
  });

  it("accepts an explicit keyring (scripts, sandbox)", () => {
    const ring = { version: 7, key: randomBytes(32), previous: [] };
    const sealed = seal("x", "", ring);
    expect(sealed.startsWith("v7:")).toBe(true);
    expect(unseal(sealed, "", ring).toString()).toBe("x");
    expect(sealCode(() => unseal(sealed))).toBe("unknown-key-version");
  });
});
