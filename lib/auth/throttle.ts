import "server-only";
import { eq, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { signInThrottle } from "@/db/schema";
import { env } from "@/lib/env";

/**
 * Failed sign-ins are counted per account and per IP in the database (so every portal instance
 * sees them). After `maxFailures` in the window, each further try is refused until a delay that
 * doubles per extra failure (capped at the window) has passed.
 */
export async function throttleCheck(keys: string[], now = new Date()): Promise<{ blocked: boolean; retryAfterSeconds: number }> {
  const db = await getDb();
  let wait = 0;
  for (const key of keys) {
    const [row] = await db.select().from(signInThrottle).where(eq(signInThrottle.key, key));
    if (row?.blockedUntil && row.blockedUntil > now) {
      wait = Math.max(wait, Math.ceil((row.blockedUntil.getTime() - now.getTime()) / 1000));
    }
  }
  return { blocked: wait > 0, retryAfterSeconds: wait };
}

export async function recordFailure(keys: string[], now = new Date()): Promise<void> {
  const db = await getDb();
  const { maxFailures, windowSeconds } = env().auth;
  for (const key of keys) {
    const windowStart = new Date(now.getTime() - windowSeconds * 1000);
    await db
      .insert(signInThrottle)
      .values({ key, failures: 1, windowStartedAt: now })
      .onConflictDoUpdate({
        target: signInThrottle.key,
        set: {
          failures: sql`case when ${signInThrottle.windowStartedAt} < ${windowStart.toISOString()}::timestamptz then 1 else ${signInThrottle.failures} + 1 end`,
          windowStartedAt: sql`case when ${signInThrottle.windowStartedAt} < ${windowStart.toISOString()}::timestamptz then ${now.toISOString()}::timestamptz else ${signInThrottle.windowStartedAt} end`,
        },
      });
    const [row] = await db.select().from(signInThrottle).where(eq(signInThrottle.key, key));
    if (row && row.failures >= maxFailures) {
      const delay = Math.min(windowSeconds, 2 ** Math.min(row.failures - maxFailures, 10) * 15);
      await db
        .update(signInThrottle)
        .set({ blockedUntil: new Date(now.getTime() + delay * 1000) })
        .where(eq(signInThrottle.key, key));
    }
  }
}

export async function clearFailures(key: string): Promise<void> {
  const db = await getDb();
  await db.delete(signInThrottle).where(eq(signInThrottle.key, key));
}

export const throttleKeys = (email: string, ip: string | null) =>
  [`email:${email.toLowerCase()}`, ip ? `ip:${ip}` : null].filter((k): k is string => k !== null);
