import "server-only";
import { desc, inArray } from "drizzle-orm";
import { getDb } from "@/db";
import { hiuKeys, type HiuKey, type KeyStatus } from "@/db/schema";
import { requireRole } from "@/lib/auth/session";
import { SealError, unseal } from "@/lib/crypto/seal";
import { env } from "@/lib/env";
import { graceEndsAt, inGrace } from "./grace";

/** What the admin page may see about a key: public metadata only, never private material. */
export type KeyRow = {
  id: string;
  status: KeyStatus;
  fingerprint: string;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
  destroyedAt: string | null;
  /** Retired keys: when the grace period ends; null while no successor has reached EKA yet. */
  graceEndsAt: string | null;
  /** Retired keys: milliseconds of grace left (0 when over); null when not applicable or not started. */
  graceRemainingMs: number | null;
  pushStatus: "pending" | "ok" | "failed";
  pushedAt: string | null;
  lastPushAttemptAt: string | null;
  pushError: string | null;
};

export type DecryptionKey = {
  id: string;
  status: "active" | "retired";
  fingerprint: string;
  /** base64 private key, for `decrypt({ receiverPrivateKey })`. Keep it in memory only. */
  privateKey: string;
  /** base64 nonce registered with EKA, for `decrypt({ receiverNonce })`. */
  nonce: string;
};

/** The seal context binds a sealed private key to its own row's public key. */
export function privateKeySealContext(publicKeyRaw: string): string {
  return `hiu_keys.private_key/${publicKeyRaw}`;
}

const STATUS_ORDER: Record<KeyStatus, number> = { active: 0, retired: 1, destroyed: 2 };
const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Admins only: every key (active first, then retired, then destroyed), newest first within each. */
export async function listKeys(opts: { now?: Date } = {}): Promise<KeyRow[]> {
  await requireRole("admin");
  const now = opts.now ?? new Date();
  const db = await getDb();
  const rows = await db
    .select({
      id: hiuKeys.id,
      status: hiuKeys.status,
      fingerprint: hiuKeys.fingerprint,
      createdAt: hiuKeys.createdAt,
      activatedAt: hiuKeys.activatedAt,
      retiredAt: hiuKeys.retiredAt,
      destroyedAt: hiuKeys.destroyedAt,
      pushStatus: hiuKeys.pushStatus,
      pushedAt: hiuKeys.pushedAt,
      lastPushAttemptAt: hiuKeys.lastPushAttemptAt,
      pushError: hiuKeys.pushError,
    })
    .from(hiuKeys)
    .orderBy(desc(hiuKeys.createdAt));
  const days = env().keyRetirementDays;
  return rows
    .map((k) => {
      const ends = graceEndsAt(k, rows, days);
      return {
        id: k.id,
        status: k.status,
        fingerprint: k.fingerprint,
        createdAt: k.createdAt.toISOString(),
        activatedAt: iso(k.activatedAt),
        retiredAt: iso(k.retiredAt),
        destroyedAt: iso(k.destroyedAt),
        graceEndsAt: iso(ends),
        graceRemainingMs: ends ? Math.max(0, ends.getTime() - now.getTime()) : null,
        pushStatus: k.pushStatus,
        pushedAt: iso(k.pushedAt),
        lastPushAttemptAt: iso(k.lastPushAttemptAt),
        pushError: k.pushError,
      };
    })
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}

/**
 * For webhook ingestion (no user session): the private keys a push may be encrypted to — the
 * active key first, then retired keys still in their grace period, newest first. A key whose
 * private part cannot be unsealed (its KEK version was dropped) is skipped with a metadata-only log.
 */
export async function getDecryptionKeys(opts: { now?: Date } = {}): Promise<DecryptionKey[]> {
  const now = opts.now ?? new Date();
  const db = await getDb();
  const rows: HiuKey[] = await db
    .select()
    .from(hiuKeys)
    .where(inArray(hiuKeys.status, ["active", "retired"]))
    .orderBy(desc(hiuKeys.createdAt));
  const days = env().keyRetirementDays;
  const usable = rows
    .filter((k) => k.privateKeySealed && (k.status === "active" || inGrace(k, rows, days, now)))
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
  const out: DecryptionKey[] = [];
  for (const k of usable) {
    try {
      const privateKey = unseal(k.privateKeySealed!, privateKeySealContext(k.publicKeyRaw)).toString("base64");
      out.push({ id: k.id, status: k.status as "active" | "retired", fingerprint: k.fingerprint, privateKey, nonce: k.nonce });
    } catch (err) {
      if (!(err instanceof SealError)) throw err;
      console.error(`[keys] cannot unseal HIU key ${k.id} (${k.fingerprint}): ${err.code}`);
    }
  }
  return out;
}
