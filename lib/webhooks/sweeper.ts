import "server-only";
import { claimDue, processClaimed } from "./process";

/**
 * Picks up what immediate processing did not finish: deliveries whose retry is due, fresh ones
 * whose `after()` never ran (crash, restart), and rows whose worker died holding the lease.
 * Safe to run on every instance at once (rows are claimed with SKIP LOCKED).
 */
export async function sweepInbox(opts: { limit?: number; now?: Date } = {}): Promise<{ processed: number }> {
  const rows = await claimDue(opts.limit ?? 20, opts.now);
  // Claimed rows are leased to us; process them a few at a time.
  const queue = [...rows];
  const workers = Array.from({ length: Math.min(4, queue.length) }, async () => {
    for (let row = queue.shift(); row; row = queue.shift()) await processClaimed(row, { now: opts.now });
  });
  await Promise.all(workers);
  return { processed: rows.length };
}
