import "server-only";
import { env } from "@/lib/env";
import { registerJob } from "@/lib/jobs";
import { sweepConsents } from "./poller";

// Loaded by lib/jobs when the server starts (instrumentation.ts).
registerJob({
  name: "consents.poll",
  intervalMs: env().pollIntervalMs,
  run: async () => {
    // Drain what is due, a batch at a time, without starving the other jobs for long.
    for (let i = 0; i < 4; i++) {
      const r = await sweepConsents();
      if (r.claimed < 25) break;
    }
  },
});
