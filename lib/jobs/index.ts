import "server-only";

/**
 * Background work started with the server (instrumentation.ts). Each job takes its rows with
 * `FOR UPDATE SKIP LOCKED` leases, so several portal instances can run the same jobs safely.
 */
export type Job = { name: string; intervalMs: number; run: () => Promise<void> };

const jobs: Job[] = [];

/** Registered by each domain's `jobs.ts` (see `loadJobs`). */
export function registerJob(job: Job): void {
  if (!jobs.some((j) => j.name === job.name)) jobs.push(job);
}

async function loadJobs(): Promise<void> {
  // One import per domain that has background work; each module calls registerJob().
  await Promise.allSettled([
    import("@/lib/keys/jobs"),
    import("@/lib/consents/jobs"),
    import("@/lib/webhooks/jobs"),
  ]).then((results) => {
    for (const r of results) if (r.status === "rejected") console.error("[jobs] a job module failed to load:", r.reason?.message ?? r.reason);
  });
}

let started = false;

export async function startBackgroundJobs(): Promise<void> {
  if (started) return;
  started = true;
  await loadJobs();
  for (const job of jobs) {
    let running = false;
    const tick = async () => {
      if (running) return; // never overlap with ourselves
      running = true;
      try {
        await job.run();
      } catch (err) {
        console.error(`[jobs] ${job.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        running = false;
      }
    };
    setTimeout(tick, 500).unref();
    setInterval(tick, job.intervalMs).unref();
  }
  console.info(`[jobs] started: ${jobs.map((j) => j.name).join(", ") || "none"}`);
}
