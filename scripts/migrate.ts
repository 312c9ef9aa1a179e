/**
 * `npm run db:migrate`: applies committed migrations, and in demo mode seeds one user per role.
 * Runs in its own process before the server so PGlite's initdb memory is not kept by the server.
 */
import path from "node:path";
import { openDb } from "../db/index";
import { printLogins, seedDemoUsers } from "../db/seed";
import { ConfigError, env } from "../lib/env";

async function main() {
  const cfg = env();
  const started = Date.now();
  const handle = await openDb();
  try {
    console.log(`[migrate] ${handle.kind} database up to date in ${Date.now() - started} ms`);
    if (cfg.mode === "demo") {
      const logins = await seedDemoUsers(handle.db, cfg.dataDir);
      if (logins) printLogins(logins, path.join(cfg.dataDir, "demo-logins.json"));
    }
  } finally {
    await handle.close();
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(`\n${err.message}\n`);
  else console.error("[migrate] failed:", err instanceof Error ? err.message : err);
  process.exit(1);
});
