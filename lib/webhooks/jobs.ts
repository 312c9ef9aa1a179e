import "server-only";
import { registerJob } from "@/lib/jobs";
import { fetchEkaStoredRecords } from "./eka-stored";
import { sweepInbox } from "./sweeper";

registerJob({
  name: "webhooks.inbox-sweeper",
  intervalMs: 5_000,
  run: async () => {
    // Drain in batches so a backlog (e.g. after an outage) clears within one tick.
    for (let i = 0; i < 10; i++) if ((await sweepInbox({ limit: 20 })).processed < 20) break;
  },
});

registerJob({
  name: "webhooks.eka-stored-fetch",
  intervalMs: 10_000,
  run: async () => {
    await fetchEkaStoredRecords({ limit: 20 });
  },
});
