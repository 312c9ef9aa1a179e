import "server-only";
import { and, eq, inArray, isNotNull, ne } from "drizzle-orm";
import { getDb } from "@/db";
import { hiuKeys, type HiuKey } from "@/db/schema";
import { audit } from "@/lib/audit";
import { requireRole, type Actor } from "@/lib/auth/session";
import { generateKeyMaterial, publicKeyFingerprint, selfTest } from "@/lib/crypto/fidelius";
import { reseal, seal, SealError } from "@/lib/crypto/seal";
import { getEkaClient } from "@/lib/eka";
import { env } from "@/lib/env";
import { graceEndsAt } from "./grace";
import { privateKeySealContext } from "./queries";

export class KeyError extends Error {
  constructor(
    public readonly code: "no_active_key" | "concurrent_change",
    message: string,
  ) {
    super(message);
    this.name = "KeyError";
  }
}

export type PushResult = { ok: true; keyId: string } | { ok: false; keyId: string; error: string };

let selfTested = false;

/** Runs the Fidelius self-test once per process before the first key is made or used. */
function ensureSelfTest(): void {
  if (selfTested) return;
  selfTest();
  selfTested = true;
}

function newKeyValues(now: Date) {
  const km = generateKeyMaterial();
  return {
    status: "active" as const,
    publicKeyRaw: km.publicKey,
    publicKeyX509: km.x509PublicKey,
    nonce: km.nonce,
    privateKeySealed: seal(Buffer.from(km.privateKey, "base64"), privateKeySealContext(km.publicKey)),
    kekVersion: env().kek.version,
    fingerprint: publicKeyFingerprint(km.publicKey),
    createdAt: now,
    activatedAt: now,
    pushStatus: "pending" as const,
  };
}

function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === "23505") return true;
  }
  return false;
}

/**
 * Start-up (system): makes sure an active key exists, generating one when there is none, and
 * pushes it to EKA when it has not reached EKA yet (`push: false` to skip). The unique partial
 * index `hiu_keys_one_active` makes concurrent first starts converge on one key.
 */
export async function ensureActiveKey(
  opts: { now?: Date; push?: boolean } = {},
): Promise<{ keyId: string; created: boolean; push: PushResult | null }> {
  ensureSelfTest();
  const now = opts.now ?? new Date();
  const db = await getDb();
  const [existing] = await db.select().from(hiuKeys).where(eq(hiuKeys.status, "active"));
  let key = existing;
  let created = false;
  if (!key) {
    const values = newKeyValues(now);
    key = await db.transaction(async (tx) => {
      const [row] = await tx.insert(hiuKeys).values(values).onConflictDoNothing().returning();
      if (!row) {
        const [winner] = await tx.select().from(hiuKeys).where(eq(hiuKeys.status, "active"));
        return winner;
      }
      created = true;
      await audit(
        "system",
        { action: "keys.generated", targetType: "hiu_key", targetId: row.id, details: { fingerprint: row.fingerprint, reason: "no active key" } },
        tx,
      );
      return row;
    });
  }
  const push = opts.push === false || key.pushStatus === "ok" ? null : await pushKey(key, "system", now);
  return { keyId: key.id, created, push };
}

/**
 * Admins: makes a new key active and pushes it to EKA; the previous key is retired but kept for
 * decryption through its grace period, since pushes already in flight were encrypted to it.
 */
export async function rotateKey(opts: { now?: Date } = {}): Promise<{ keyId: string; fingerprint: string; push: PushResult }> {
  const actor = await requireRole("admin");
  ensureSelfTest();
  const now = opts.now ?? new Date();
  const values = newKeyValues(now);
  const db = await getDb();
  let key: HiuKey;
  try {
    key = await db.transaction(async (tx) => {
      const retired = await tx
        .update(hiuKeys)
        .set({ status: "retired", retiredAt: now })
        .where(eq(hiuKeys.status, "active"))
        .returning({ id: hiuKeys.id, fingerprint: hiuKeys.fingerprint });
      const [row] = await tx.insert(hiuKeys).values(values).returning();
      await audit(
        actor,
        {
          action: "keys.rotated",
          targetType: "hiu_key",
          targetId: row.id,
          details: { fingerprint: row.fingerprint, retired: retired.map((r) => ({ id: r.id, fingerprint: r.fingerprint })) },
        },
        tx,
      );
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new KeyError("concurrent_change", "Another rotation happened at the same time. Reload to see the current key.");
    }
    throw err;
  }
  const push = await pushKey(key, actor, now);
  return { keyId: key.id, fingerprint: key.fingerprint, push };
}

/**
 * Sends the active key's public key and nonce to EKA (`PATCH /abdm/v1/hiu/keyset`) and records the
 * outcome on the key. `"system"` for start-up and background retries; any user must be an admin
 * (re-checked here, whatever the caller did).
 */
export async function pushActiveKey(by: Actor | "system", opts: { now?: Date } = {}): Promise<PushResult> {
  const actor = by === "system" ? "system" : await requireRole("admin");
  const db = await getDb();
  const [key] = await db.select().from(hiuKeys).where(eq(hiuKeys.status, "active"));
  if (!key) throw new KeyError("no_active_key", "There is no active key to push.");
  return pushKey(key, actor, opts.now ?? new Date());
}

/** Admins: "Retry push" on the keys page. */
export async function retryKeyPush(opts: { now?: Date } = {}): Promise<PushResult> {
  const actor = await requireRole("admin");
  return pushActiveKey(actor, opts);
}

/** Short, single-line, metadata-only description of a push failure for the admin page. */
function describePushError(err: unknown): string {
  // EkaError messages already read "EKA <operation>: HTTP <status> <ABDM code>: <detail>", without bodies or tokens.
  const isEka = err instanceof Error && err.name === "EkaError";
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ").trim();
  return (isEka ? message : `Unexpected error: ${message}`).slice(0, 500);
}

async function pushKey(key: HiuKey, actor: Actor | "system", now: Date): Promise<PushResult> {
  // ProjectEKA/Bahmni C# and NHA-wrapper HIPs accept only the raw 88-character key (fidelius.md §4).
  const format = env().eka.keysetFormat;
  const publicKey = format === "x509" ? key.publicKeyX509 : key.publicKeyRaw;
  let error: string | null = null;
  try {
    await getEkaClient().updateKeyset({ public_key: publicKey, nonce: key.nonce });
  } catch (err) {
    error = describePushError(err);
  }
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx
      .update(hiuKeys)
      .set(
        error
          ? { pushStatus: "failed", lastPushAttemptAt: now, pushError: error }
          : // pushedAt keeps the first success: it marks when EKA stopped handing out the previous key.
            { pushStatus: "ok", lastPushAttemptAt: now, pushError: null, pushedAt: key.pushedAt ?? now },
      )
      .where(eq(hiuKeys.id, key.id));
    await audit(
      actor,
      {
        action: error ? "keys.push_failed" : "keys.pushed",
        targetType: "hiu_key",
        targetId: key.id,
        details: { fingerprint: key.fingerprint, format, ...(error ? { error } : {}) },
      },
      tx,
    );
  });
  return error ? { ok: false, keyId: key.id, error } : { ok: true, keyId: key.id };
}

/**
 * System job: destroys retired keys whose grace period is over — the private key is wiped, the row
 * (public key, fingerprint, dates) is kept for the audit trail.
 */
export async function destroyExpiredKeys(now: Date = new Date()): Promise<{ destroyed: string[] }> {
  const db = await getDb();
  const days = env().keyRetirementDays;
  return db.transaction(async (tx) => {
    const all = await tx.select().from(hiuKeys).where(ne(hiuKeys.status, "destroyed")).for("update");
    const expired = all.filter((k) => {
      const ends = graceEndsAt(k, all, days);
      return ends !== null && ends.getTime() <= now.getTime();
    });
    if (!expired.length) return { destroyed: [] };
    await tx
      .update(hiuKeys)
      .set({ status: "destroyed", privateKeySealed: null, destroyedAt: now })
      .where(and(eq(hiuKeys.status, "retired"), inArray(hiuKeys.id, expired.map((k) => k.id))));
    for (const k of expired) {
      await audit(
        "system",
        { action: "keys.destroyed", targetType: "hiu_key", targetId: k.id, details: { fingerprint: k.fingerprint, retentionDays: days } },
        tx,
      );
    }
    return { destroyed: expired.map((k) => k.id) };
  });
}

/**
 * System job after a KEK rotation: re-seals private keys still sealed under an older
 * KEY_ENCRYPTION_KEY version, so that version can then be removed from KEY_ENCRYPTION_KEYS_PREVIOUS.
 */
export async function resealPrivateKeys(): Promise<{ resealed: number }> {
  const current = env().kek.version;
  const db = await getDb();
  return db.transaction(async (tx) => {
    const stale = await tx
      .select()
      .from(hiuKeys)
      .where(and(isNotNull(hiuKeys.privateKeySealed), ne(hiuKeys.kekVersion, current)))
      .for("update");
    for (const k of stale) {
      let sealed: string;
      try {
        sealed = reseal(k.privateKeySealed!, privateKeySealContext(k.publicKeyRaw));
      } catch (err) {
        if (err instanceof SealError) throw new SealError(err.code, `HIU key ${k.id}: ${err.message}`);
        throw err;
      }
      await tx.update(hiuKeys).set({ privateKeySealed: sealed, kekVersion: current }).where(eq(hiuKeys.id, k.id));
    }
    if (stale.length) {
      await audit("system", { action: "keys.resealed", targetType: "hiu_key", details: { count: stale.length, kekVersion: current } }, tx);
    }
    return { resealed: stale.length };
  });
}
