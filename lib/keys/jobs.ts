import "server-only";
import { eq } from "drizzle-orm";
import { getDb } from "@/db";
import { hiuKeys } from "@/db/schema";
import { registerJob } from "@/lib/jobs";
import { destroyExpiredKeys, ensureActiveKey, pushActiveKey, resealPrivateKeys } from "./mutations";

const INTERVAL_MS = 10 * 60 * 1000;
/** A failed push is retried in the background at most this often (each attempt is audited). */
const FAILED_PUSH_RETRY_MS = 60 * 60 * 1000;

/**
 * Key lifecycle, first run right after start-up: the Fidelius self-test and an active key (pushed
 * to EKA), then periodically: retry a pending/failed push, re-seal keys left on an old KEK, and
 * destroy retired keys whose grace period is over. Every step is idempotent across instances.
 */
export async function runKeyLifecycle(now: Date = new Date()): Promise<void> {
  await ensureActiveKey({ now, push: false });
  const db = await getDb();
  const [active] = await db.select().from(hiuKeys).where(eq(hiuKeys.status, "active"));
  if (active) {
    const due =
      active.pushStatus === "pending" ||
      (active.pushStatus === "failed" &&
        (!active.lastPushAttemptAt || now.getTime() - active.lastPushAttemptAt.getTime() >= FAILED_PUSH_RETRY_MS));
    if (due) {
      const result = await pushActiveKey("system", { now });
      if (!result.ok) console.warn(`[keys] push of key ${active.fingerprint} to EKA failed: ${result.error}`);
    }
  }
  await resealPrivateKeys();
  const { destroyed } = await destroyExpiredKeys(now);
  if (destroyed.length) console.info(`[keys] destroyed ${destroyed.length} retired key(s) after their grace period`);
}

registerJob({ name: "keys", intervalMs: INTERVAL_MS, run: () => runKeyLifecycle() });
