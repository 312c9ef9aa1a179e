/** Runs once when the Next.js server starts: background jobs (consent poller, inbox sweeper, key lifecycle). */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { env } = await import("@/lib/env");
  if (!env().backgroundJobs) return;
  const { startBackgroundJobs } = await import("@/lib/jobs");
  await startBackgroundJobs();
}
