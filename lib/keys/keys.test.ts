import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditEvents, hiuKeys, users } from "@/db/schema";
import { runAs, type Actor } from "@/lib/auth/session";
import { decrypt, encrypt, generateKeyMaterial, toRawPublicKey } from "@/lib/crypto/fidelius";
import { SealError, unseal } from "@/lib/crypto/seal";
import { resetEkaClientForTests } from "@/lib/eka";
import { resetEnvForTests } from "@/lib/env";
import { setupTestDb } from "@/tests/helpers/db";
import {
  destroyExpiredKeys,
  ensureActiveKey,
  getDecryptionKeys,
  listKeys,
  privateKeySealContext,
  pushActiveKey,
  resealPrivateKeys,
  retryKeyPush,
  rotateKey,
} from "./index";
import { runKeyLifecycle } from "./jobs";

const t = setupTestDb();
const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date("2026-03-01T10:00:00.000Z");
const NOT_FOUND = /NEXT_HTTP_ERROR_FALLBACK;404/;
const at = (days: number, ms = 0) => new Date(T0.getTime() + days * DAY + ms);

/** A stand-in for EKA: client login and the keyset PATCH, with a switch to make the PATCH fail. */
const eka = {
  server: undefined as http.Server | undefined,
  keysets: [] as { public_key: string; nonce: string }[],
  fail: false,
};

const savedEnv = { ...process.env };
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hiu-keys-"));
const kek1 = randomBytes(32).toString("base64");

function configure(extra: Record<string, string | undefined> = {}) {
  const port = (eka.server!.address() as AddressInfo).port;
  Object.assign(process.env, {
    DATA_DIR: dataDir,
    KEY_ENCRYPTION_KEY: kek1,
    KEY_ENCRYPTION_KEY_VERSION: "1",
    KEY_RETIREMENT_DAYS: "30",
    EKA_BASE_URL: `http://127.0.0.1:${port}`,
    EKA_CLIENT_ID: "EC_TEST",
    EKA_CLIENT_SECRET: "test-secret",
    EKA_MAX_RETRIES: "0",
    EKA_TIMEOUT_MS: "3000",
    EKA_KEYSET_FORMAT: "raw",
  });
  delete process.env.KEY_ENCRYPTION_KEYS_PREVIOUS;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
  resetEkaClientForTests();
}

let admin: Actor;
let clinician: Actor;

beforeAll(async () => {
  eka.server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.method === "POST" && req.url === "/connect-auth/v1/account/login") {
        res.end(JSON.stringify({ access_token: "tok", refresh_token: "ref", expires_in: 3600, refresh_expires_in: 7200 }));
      } else if (req.method === "PATCH" && req.url === "/abdm/v1/hiu/keyset") {
        if (eka.fail) {
          res.statusCode = 400;
          res.end(JSON.stringify({ code: 400, error: "invalid public key" }));
          return;
        }
        eka.keysets.push(JSON.parse(body));
        res.statusCode = 200;
        res.end();
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ code: 404, error: "not found" }));
      }
    });
  });
  await new Promise<void>((resolve) => eka.server!.listen(0, "127.0.0.1", resolve));
  configure();

  const mk = async (email: string, role: Actor["role"]): Promise<Actor> => {
    const [u] = await t.db.insert(users).values({ email, name: email, role }).returning();
    return { id: u.id, email: u.email, name: u.name, role: u.role, registrationNumber: null, registrationSystem: null };
  };
  admin = await mk("admin@test.hiu", "admin");
  clinician = await mk("clinician@test.hiu", "clinician");
});

afterAll(async () => {
  await new Promise((resolve) => eka.server?.close(resolve));
  process.env = savedEnv;
  resetEnvForTests();
  resetEkaClientForTests();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(async () => {
  configure();
  eka.keysets = [];
  eka.fail = false;
  await t.db.delete(hiuKeys);
  await t.db.delete(auditEvents);
});

const keyRows = () => t.db.select().from(hiuKeys).orderBy(asc(hiuKeys.createdAt));
const auditActions = async () =>
  (await t.db.select().from(auditEvents).orderBy(asc(auditEvents.at))).map((a) => `${a.actorLabel}:${a.action}`);

/** Encrypts a bundle as a HIP would, to the keyset EKA currently holds. */
function hipPush(keyset: { public_key: string; nonce: string }, plaintext: string) {
  const hip = generateKeyMaterial();
  return {
    encryptedData: encrypt({ plaintext, senderPrivateKey: hip.privateKey, senderNonce: hip.nonce, receiverPublicKey: keyset.public_key, receiverNonce: keyset.nonce }),
    senderPublicKey: hip.x509PublicKey,
    senderNonce: hip.nonce,
  };
}

describe("ensureActiveKey", () => {
  it("generates, seals, stores and pushes a key on first start, then leaves it alone", async () => {
    const first = await ensureActiveKey({ now: T0 });
    expect(first.created).toBe(true);
    expect(first.push).toEqual({ ok: true, keyId: first.keyId });

    const [row] = await keyRows();
    expect(row).toMatchObject({ id: first.keyId, status: "active", kekVersion: 1, pushStatus: "ok", pushError: null });
    expect(row.createdAt).toEqual(T0);
    expect(row.activatedAt).toEqual(T0);
    expect(row.pushedAt).toEqual(T0);
    expect(row.lastPushAttemptAt).toEqual(T0);
    expect(row.publicKeyRaw).toHaveLength(88);
    expect(toRawPublicKey(row.publicKeyX509)).toBe(row.publicKeyRaw);

    // EKA got the raw 88-character key by default, and our nonce.
    expect(eka.keysets).toEqual([{ public_key: row.publicKeyRaw, nonce: row.nonce }]);

    const again = await ensureActiveKey({ now: at(1) });
    expect(again).toEqual({ keyId: first.keyId, created: false, push: null });
    expect(await keyRows()).toHaveLength(1);
    expect(await auditActions()).toEqual(["system:keys.generated", "system:keys.pushed"]);
  });

  it("records a pending push when asked not to push, and pushes on the next start", async () => {
    const { keyId } = await ensureActiveKey({ now: T0, push: false });
    expect((await keyRows())[0]).toMatchObject({ id: keyId, pushStatus: "pending", pushedAt: null, lastPushAttemptAt: null });
    const next = await ensureActiveKey({ now: at(0, 1000) });
    expect(next.push).toEqual({ ok: true, keyId });
    expect((await keyRows())[0].pushStatus).toBe("ok");
  });

  it("converges on one active key when two starts race", async () => {
    const [a, b] = await Promise.all([ensureActiveKey({ now: T0, push: false }), ensureActiveKey({ now: T0, push: false })]);
    expect(a.keyId).toBe(b.keyId);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await keyRows()).toHaveLength(1);
  });

  it("pushes the X.509 form when EKA_KEYSET_FORMAT=x509", async () => {
    configure({ EKA_KEYSET_FORMAT: "x509" });
    await ensureActiveKey({ now: T0 });
    const [row] = await keyRows();
    expect(eka.keysets).toEqual([{ public_key: row.publicKeyX509, nonce: row.nonce }]);
    expect(eka.keysets[0].public_key).toHaveLength(412);
  });

  it("records a failed push with its error, and a later retry clears it", async () => {
    eka.fail = true;
    const { keyId, push } = await ensureActiveKey({ now: T0 });
    expect(push).toMatchObject({ ok: false, keyId });
    const [failed] = await keyRows();
    expect(failed).toMatchObject({ pushStatus: "failed", pushedAt: null, lastPushAttemptAt: T0 });
    expect(failed.pushError).toMatch(/^EKA hiu\.keyset: HTTP 400\b/);
    expect(failed.pushError).not.toContain("tok");

    eka.fail = false;
    const retried = await runAs(admin, () => retryKeyPush({ now: at(0, 5000) }));
    expect(retried).toEqual({ ok: true, keyId });
    const [ok] = await keyRows();
    expect(ok).toMatchObject({ pushStatus: "ok", pushError: null, pushedAt: at(0, 5000), lastPushAttemptAt: at(0, 5000) });
    expect(await auditActions()).toEqual(["system:keys.generated", "system:keys.push_failed", "admin@test.hiu:keys.pushed"]);
  });
});

describe("private key at rest", () => {
  it("is sealed: the column never contains the key, and it does not open without the KEK", async () => {
    await ensureActiveKey({ now: T0 });
    const [row] = await keyRows();
    const [dk] = await getDecryptionKeys({ now: T0 });
    const priv = Buffer.from(dk.privateKey, "base64");
    expect(priv.length).toBe(32);

    const sealed = row.privateKeySealed!;
    expect(sealed).toMatch(/^v1:/);
    for (const form of [dk.privateKey, priv.toString("hex"), dk.privateKey.slice(0, 16), priv.toString("hex").slice(0, 16)]) {
      expect(sealed).not.toContain(form);
    }
    expect(Buffer.from(sealed.slice(3), "base64").includes(priv.subarray(0, 8))).toBe(false);

    const ctx = privateKeySealContext(row.publicKeyRaw);
    expect(() => unseal(sealed, ctx, { version: 1, key: randomBytes(32), previous: [] })).toThrow(SealError);
    // Bound to its own row: it will not open as another key's private key either.
    expect(() => unseal(sealed, privateKeySealContext(generateKeyMaterial().publicKey))).toThrow(SealError);
    expect(unseal(sealed, ctx)).toEqual(priv);
  });

  it("decrypts a HIP push encrypted to the keyset EKA was given", async () => {
    await ensureActiveKey({ now: T0 });
    const push = hipPush(eka.keysets[0], "{\"resourceType\":\"Bundle\"}");
    const [dk] = await getDecryptionKeys({ now: T0 });
    expect(decrypt({ ...push, receiverPrivateKey: dk.privateKey, receiverNonce: dk.nonce })).toBe("{\"resourceType\":\"Bundle\"}");
  });

  it("re-seals under a new KEK version so the old KEK can be dropped", async () => {
    await ensureActiveKey({ now: T0 });
    const [before] = await getDecryptionKeys({ now: T0 });
    const kek2 = randomBytes(32).toString("base64");
    configure({ KEY_ENCRYPTION_KEY: kek2, KEY_ENCRYPTION_KEY_VERSION: "2", KEY_ENCRYPTION_KEYS_PREVIOUS: `1:${kek1}` });
    expect((await getDecryptionKeys({ now: T0 }))[0].privateKey).toBe(before.privateKey);
    expect(await resealPrivateKeys()).toEqual({ resealed: 1 });
    const [row] = await keyRows();
    expect(row.kekVersion).toBe(2);
    expect(row.privateKeySealed).toMatch(/^v2:/);
    configure({ KEY_ENCRYPTION_KEY: kek2, KEY_ENCRYPTION_KEY_VERSION: "2" });
    expect((await getDecryptionKeys({ now: T0 }))[0].privateKey).toBe(before.privateKey);
    expect(await resealPrivateKeys()).toEqual({ resealed: 0 });
  });
});

describe("rotation, grace period and destruction", () => {
  it("rotates: new key active and pushed, old key retired but still decrypting through the grace period", async () => {
    const { keyId: oldId } = await ensureActiveKey({ now: T0 });
    const oldKeyset = eka.keysets[0];
    const inFlight = hipPush(oldKeyset, "old-key push");

    const rotated = await runAs(admin, () => rotateKey({ now: at(1) }));
    expect(rotated.push).toEqual({ ok: true, keyId: rotated.keyId });
    expect(eka.keysets).toHaveLength(2);

    const [oldRow, newRow] = await keyRows();
    expect(oldRow).toMatchObject({ id: oldId, status: "retired", retiredAt: at(1) });
    expect(oldRow.privateKeySealed).not.toBeNull();
    expect(newRow).toMatchObject({ id: rotated.keyId, status: "active", activatedAt: at(1), pushedAt: at(1), pushStatus: "ok" });
    expect(eka.keysets[1]).toEqual({ public_key: newRow.publicKeyRaw, nonce: newRow.nonce });

    // Ingestion order: active first, then the retired key.
    const keys = await getDecryptionKeys({ now: at(2) });
    expect(keys.map((k) => [k.id, k.status])).toEqual([
      [rotated.keyId, "active"],
      [oldId, "retired"],
    ]);
    const tryAll = (push: ReturnType<typeof hipPush>, ks: typeof keys) =>
      ks.map((k) => {
        try {
          return decrypt({ ...push, receiverPrivateKey: k.privateKey, receiverNonce: k.nonce });
        } catch {
          return null;
        }
      });
    expect(tryAll(inFlight, keys)).toEqual([null, "old-key push"]);
    expect(tryAll(hipPush(eka.keysets[1], "new-key push"), keys)).toEqual(["new-key push", null]);

    const listed = await runAs(admin, () => listKeys({ now: at(11) }));
    expect(listed.map((k) => k.status)).toEqual(["active", "retired"]);
    expect(listed[1].graceEndsAt).toBe(at(31).toISOString());
    expect(listed[1].graceRemainingMs).toBe(20 * DAY);

    // Still inside the grace period: nothing destroyed.
    expect(await destroyExpiredKeys(at(31, -1))).toEqual({ destroyed: [] });
    expect(await getDecryptionKeys({ now: at(31, -1) })).toHaveLength(2);

    // Grace over: private key wiped, row kept, audited as system.
    expect(await destroyExpiredKeys(at(31))).toEqual({ destroyed: [oldId] });
    const [destroyed] = await keyRows();
    expect(destroyed).toMatchObject({ id: oldId, status: "destroyed", privateKeySealed: null, destroyedAt: at(31) });
    expect(destroyed.publicKeyRaw).toBe(oldRow.publicKeyRaw);
    expect((await getDecryptionKeys({ now: at(31) })).map((k) => k.id)).toEqual([rotated.keyId]);
    expect(await destroyExpiredKeys(at(400))).toEqual({ destroyed: [] });

    expect(await auditActions()).toEqual([
      "system:keys.generated",
      "system:keys.pushed",
      "admin@test.hiu:keys.rotated",
      "admin@test.hiu:keys.pushed",
      "system:keys.destroyed",
    ]);
    const [rotatedAudit] = await t.db.select().from(auditEvents).where(eq(auditEvents.action, "keys.rotated"));
    expect(rotatedAudit.actorId).toBe(admin.id);
    expect(JSON.stringify(rotatedAudit.details)).not.toContain(oldRow.privateKeySealed!);
  });

  it("does not start a retired key's grace until its successor has reached EKA", async () => {
    const { keyId: oldId } = await ensureActiveKey({ now: T0 });
    eka.fail = true;
    const rotated = await runAs(admin, () => rotateKey({ now: at(1) }));
    expect(rotated.push.ok).toBe(false);

    let listed = await runAs(admin, () => listKeys({ now: at(100) }));
    expect(listed[0]).toMatchObject({ status: "active", pushStatus: "failed" });
    expect(listed[0].pushError).toMatch(/^EKA hiu\.keyset: HTTP 400\b/);
    expect(listed[1]).toMatchObject({ id: oldId, status: "retired", graceEndsAt: null, graceRemainingMs: null });
    // EKA still hands HIPs the old key: it must survive however long the push keeps failing.
    expect(await destroyExpiredKeys(at(100))).toEqual({ destroyed: [] });
    expect((await getDecryptionKeys({ now: at(100) })).map((k) => k.id)).toContain(oldId);

    eka.fail = false;
    expect(await runAs(admin, () => retryKeyPush({ now: at(100) }))).toEqual({ ok: true, keyId: rotated.keyId });
    listed = await runAs(admin, () => listKeys({ now: at(100) }));
    expect(listed[1].graceEndsAt).toBe(at(130).toISOString());
    expect(await destroyExpiredKeys(at(130, -1))).toEqual({ destroyed: [] });
    expect(await destroyExpiredKeys(at(130))).toEqual({ destroyed: [oldId] });
  });

  it("listKeys exposes public metadata only", async () => {
    await ensureActiveKey({ now: T0 });
    await runAs(admin, () => rotateKey({ now: at(1) }));
    const listed = await runAs(admin, () => listKeys({ now: at(2) }));
    const [dk] = await getDecryptionKeys({ now: at(2) });
    const rows = await keyRows();
    const json = JSON.stringify(listed);
    for (const r of rows) {
      expect(json).not.toContain(r.privateKeySealed!);
      expect(json).not.toContain(r.nonce);
    }
    expect(json).not.toContain(dk.privateKey);
    expect(Object.keys(listed[0]).sort()).toEqual(
      [
        "activatedAt",
        "createdAt",
        "destroyedAt",
        "fingerprint",
        "graceEndsAt",
        "graceRemainingMs",
        "id",
        "lastPushAttemptAt",
        "pushError",
        "pushStatus",
        "pushedAt",
        "retiredAt",
        "status",
      ].sort(),
    );
    expect(listed[0].fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("authorization", () => {
  it("refuses key administration to non-admins, and writes nothing", async () => {
    await ensureActiveKey({ now: T0 });
    const before = await keyRows();
    const auditBefore = await auditActions();
    // requireRole answers a non-admin with notFound(): no hint that the page or action exists.
    await expect(runAs(clinician, () => rotateKey({ now: at(1) }))).rejects.toThrow(NOT_FOUND);
    await expect(runAs(clinician, () => retryKeyPush())).rejects.toThrow(NOT_FOUND);
    await expect(runAs(clinician, () => pushActiveKey(clinician))).rejects.toThrow(NOT_FOUND);
    await expect(runAs(clinician, () => listKeys())).rejects.toThrow(NOT_FOUND);
    expect(await keyRows()).toEqual(before);
    expect(await auditActions()).toEqual(auditBefore);
    expect(eka.keysets).toHaveLength(1);
  });

  it("a disabled admin is refused too (role and status are re-read from the database)", async () => {
    await ensureActiveKey({ now: T0 });
    await t.db.update(users).set({ status: "disabled" }).where(eq(users.id, admin.id));
    try {
      await expect(runAs(admin, () => rotateKey({ now: at(1) }))).rejects.toThrow(/NEXT_REDIRECT|NEXT_HTTP_ERROR_FALLBACK/);
    } finally {
      await t.db.update(users).set({ status: "active" }).where(eq(users.id, admin.id));
    }
    expect(await keyRows()).toHaveLength(1);
  });
});

describe("background lifecycle job", () => {
  it("creates and pushes the first key, retries a failed push at most hourly, and destroys expired keys", async () => {
    await runKeyLifecycle(T0);
    expect((await keyRows()).map((k) => [k.status, k.pushStatus])).toEqual([["active", "ok"]]);

    eka.fail = true;
    await runAs(admin, () => rotateKey({ now: at(1) }));
    eka.fail = false;
    await runKeyLifecycle(at(1, 30 * 60 * 1000));
    expect(eka.keysets).toHaveLength(1); // too soon after the failed attempt
    await runKeyLifecycle(at(1, 60 * 60 * 1000));
    expect(eka.keysets).toHaveLength(2);
    const [, active] = await keyRows();
    expect(active).toMatchObject({ status: "active", pushStatus: "ok", pushedAt: at(1, 60 * 60 * 1000) });

    await runKeyLifecycle(at(40));
    expect((await keyRows()).map((k) => k.status)).toEqual(["destroyed", "active"]);
    expect(eka.keysets).toHaveLength(2);
  });
});
