import "server-only";
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { getDb, type DbOrTx } from "@/db";
import { consentRequests, type ConsentStatus } from "@/db/schema";
import { EkaError, type ConsentListItem } from "@/lib/eka";
import { env } from "@/lib/env";
import { refreshConsent } from "./refresh";

/**
 * The background sweep over consent requests that are not final.
 *
 * Rows are claimed with `SELECT … FOR UPDATE SKIP LOCKED` inside one UPDATE that writes a lease
 * (`poll_lease_until`): while one instance holds a row's lock, others skip it; once the claim
 * commits, the lease keeps them off until it lapses. So N portal instances never poll the same
 * consent at the same time, and a crashed instance's rows come back after the lease.
 * After each refresh the row gets its next poll time with exponential backoff; a status change
 * resets the backoff (the refresh zeroes `poll_attempts`).
 */

export const POLLED_STATUSES: ConsentStatus[] = ["INITIATING", "REQUESTED", "GRANTED"];
export const DEFAULT_LEASE_MS = 60_000;

const MAX_DELAY_MS: Partial<Record<ConsentStatus, number>> = {
  // Waiting for the patient: EKA's webhook is the fast path; polling is the safety net.
  REQUESTED: 10 * 60_000,
  // Granted: revocation by the patient is what we look for, at most every 15 minutes.
  GRANTED: 15 * 60_000,
  INITIATING: 5 * 60_000,
};

/** Delay before the next poll: base · 2^attempts, capped per status. */
export function nextPollDelayMs(status: ConsentStatus, attempts: number, baseMs: number): number {
  const cap = MAX_DELAY_MS[status] ?? 15 * 60_000;
  return Math.min(cap, baseMs * 2 ** Math.min(attempts, 20));
}

/** Claims up to `limit` due rows for `leaseMs`; returns their ids. Safe to run concurrently. */
export async function claimDueConsents(opts: { now?: Date; limit?: number; leaseMs?: number; db?: DbOrTx } = {}): Promise<string[]> {
  const now = opts.now ?? new Date();
  const db = opts.db ?? (await getDb());
  const leaseUntil = new Date(now.getTime() + (opts.leaseMs ?? DEFAULT_LEASE_MS));
  const due = db
    .select({ id: consentRequests.id })
    .from(consentRequests)
    .where(
      and(
        inArray(consentRequests.status, POLLED_STATUSES),
        lte(consentRequests.nextPollAt, now),
        or(isNull(consentRequests.pollLeaseUntil), lt(consentRequests.pollLeaseUntil, now)),
      ),
    )
    .orderBy(asc(consentRequests.nextPollAt))
    .limit(opts.limit ?? 25)
    .for("update", { skipLocked: true });
  const claimed = await db
    .update(consentRequests)
    .set({ pollLeaseUntil: leaseUntil })
    .where(inArray(consentRequests.id, due))
    .returning({ id: consentRequests.id });
  return claimed.map((r) => r.id);
}

/** Ends a lease and schedules the next poll. */
async function release(id: string, now: Date, failed: boolean): Promise<void> {
  const db = await getDb();
  const [row] = await db
    .select({ status: consentRequests.status, attempts: consentRequests.pollAttempts })
    .from(consentRequests)
    .where(eq(consentRequests.id, id));
  if (!row) return;
  const attempts = row.attempts + 1;
  const delay = nextPollDelayMs(row.status, failed ? attempts : row.attempts, env().pollIntervalMs);
  await db
    .update(consentRequests)
    .set({
      pollLeaseUntil: null,
      lastPolledAt: now,
      pollAttempts: sql`${consentRequests.pollAttempts} + 1`,
      nextPollAt: new Date(now.getTime() + delay),
    })
    .where(eq(consentRequests.id, id));
}

export type SweepResult = { claimed: number; refreshed: number; failed: number; changed: number };

/** One pass: claim, refresh each (one `consents/list` per patient), release with backoff. */
export async function sweepConsents(opts: { now?: Date; limit?: number; leaseMs?: number } = {}): Promise<SweepResult> {
  const ids = await claimDueConsents(opts);
  const result: SweepResult = { claimed: ids.length, refreshed: 0, failed: 0, changed: 0 };
  const listCache = new Map<string, Promise<ConsentListItem[]>>();
  for (const id of ids) {
    const now = opts.now ?? new Date();
    let failed = false;
    try {
      const r = await refreshConsent(id, { now, source: "poll", listCache });
      result.refreshed++;
      if (r.statusChanged) result.changed++;
    } catch (err) {
      failed = true;
      result.failed++;
      // Metadata only — never the patient or the payload.
      console.warn(`[consents] poll of ${id} failed: ${err instanceof EkaError ? `${err.kind} ${err.status ?? ""} ${err.sourceCode ?? ""}`.trim() : "error"}`);
    } finally {
      await release(id, opts.now ?? new Date(), failed);
    }
  }
  return result;
}
