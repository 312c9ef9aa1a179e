/**
 * `npm start`: everything a newcomer needs on one machine.
 * 1. checks the configuration (production mode names every missing variable and stops),
 * 2. builds the portal when there is no build or the sources changed since the last one,
 * 3. migrates the database (and seeds demo users) in a separate process,
 * 4. starts the EKA sandbox (unless EKA_BASE_URL points at the real EKA) and the portal.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ConfigError, env } from "../lib/env";

const root = path.resolve(__dirname, "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const SOURCE_DIRS = ["app", "components", "lib", "db", "public"];
const SOURCE_FILES = ["next.config.ts", "package-lock.json", "tsconfig.json", "postcss.config.mjs", "proxy.ts", "instrumentation.ts"];

function newestSourceMtime(): number {
  let newest = 0;
  const walk = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const entry of fs.readdirSync(p)) if (!entry.startsWith(".") && entry !== "node_modules") walk(path.join(p, entry));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const d of SOURCE_DIRS) walk(path.join(root, d));
  for (const f of SOURCE_FILES) walk(path.join(root, f));
  return newest;
}

function buildIfNeeded(): void {
  const buildId = path.join(root, ".next", "BUILD_ID");
  const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  if (built && built >= newestSourceMtime() && process.env.SKIP_BUILD !== "0") return;
  console.log("[start] building the portal (first run or sources changed)…");
  const t = Date.now();
  const r = spawnSync(bin("next"), ["build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) {
    console.error("[start] next build failed");
    process.exit(r.status ?? 1);
  }
  console.log(`[start] built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

function main() {
  // `next start` runs with NODE_ENV=production; judge the configuration the way the server will.
  (process.env as Record<string, string>).NODE_ENV ??= "production";
  let cfg;
  try {
    cfg = env();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`\n[start] ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const startedAt = Date.now();
  buildIfNeeded();

  const migrate = spawnSync(bin("tsx"), [path.join(root, "scripts", "migrate.ts")], { cwd: root, stdio: "inherit", env: process.env });
  if (migrate.status !== 0) process.exit(migrate.status ?? 1);

  const children: ChildProcess[] = [];
  const stopAll = (code: number) => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    setTimeout(() => process.exit(code), 500).unref();
  };
  process.on("SIGINT", () => stopAll(0));
  process.on("SIGTERM", () => stopAll(0));

  const childEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    // next-auth builds absolute redirect URLs from this; in demo mode it follows PORT.
    NEXTAUTH_URL: process.env.NEXTAUTH_URL || `http://localhost:${cfg.port}`,
  };
  if (cfg.eka.usingSandbox) {
    const sandbox = spawn(bin("tsx"), [path.join(root, "sandbox", "server.ts")], {
      cwd: root,
      stdio: "inherit",
      env: {
        ...childEnv,
        SANDBOX_PORT: String(cfg.sandboxPort),
        PORTAL_WEBHOOK_URL: process.env.PORTAL_WEBHOOK_URL ?? `http://127.0.0.1:${cfg.port}/api/webhooks/eka`,
      },
    });
    children.push(sandbox);
    sandbox.on("exit", (code) => {
      console.error(`[start] the EKA sandbox stopped (exit ${code}); stopping the portal too`);
      stopAll(code || 1);
    });
  }

  const portal = spawn(bin("next"), ["start", "-p", String(cfg.port)], { cwd: root, stdio: "inherit", env: childEnv });
  children.push(portal);
  portal.on("exit", (code) => {
    console.error(`[start] the portal stopped (exit ${code})`);
    stopAll(code || 1);
  });

  // Report when the portal answers, so "time from npm start to first page" is visible.
  let announced = false;
  const poll = setInterval(async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${cfg.port}/api/health`);
      if (res.ok && !announced) {
        announced = true;
        clearInterval(poll);
        console.log(`\n  Portal:       http://localhost:${cfg.port}   (ready ${((Date.now() - startedAt) / 1000).toFixed(1)} s after start)`);
        if (cfg.eka.usingSandbox) console.log(`  EKA sandbox:  http://localhost:${cfg.sandboxPort}   (play the patient here)`);
        if (cfg.mode === "demo") console.log(`  Demo logins:  ${path.join(cfg.dataDir, "demo-logins.json")}\n`);
      }
    } catch {
      /* not up yet */
    }
  }, 300);
}

main();
