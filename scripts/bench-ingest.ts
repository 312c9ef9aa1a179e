/**
 * `npm run bench:ingest`: webhook ingestion end to end, in-process. Signed `abha.hiu_data_push`
 * deliveries (each carrying two real public FHIR bundles, ≈50 KiB of FHIR JSON, encrypted as the
 * sandbox's HIP does) are sent to the route handler's `POST` as real `Request`s by 8 and by 32
 * concurrent senders, on embedded PGlite (on disk) and on PostgreSQL (TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test; a database is created for the run and dropped after).
 *
 * Reports pushes/s, p50/p99 time to the 2xx, time until every entry is stored (processing runs
 * after the response, as in production), and a count proving none was lost or stored twice.
 * The HIP side's encryption is done before the clock starts. EKA is a local stand-in that answers
 * on-push. Prints figures only: no keys, no bundles.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Module from "node:module";
import { randomBytes } from "node:crypto";

// lib/ modules import "server-only", which throws outside React Server Components; a script is
// server-side by definition, so resolve it to an empty module (as vitest's alias does).
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolveFilename = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (request === "server-only") return path.join(process.cwd(), "tests/stubs/empty.ts");
  return resolveFilename.call(this, request, ...rest);
};

const PUSHES = Number(process.env.BENCH_PUSHES ?? 200);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? "8,32").split(",").map(Number);
const PG_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const FIXTURES = process.env.SHARED_FIXTURES_DIR
  ? path.join(process.env.SHARED_FIXTURES_DIR, "fhir")
  : path.resolve(__dirname, "..", "..", "shared", "fixtures", "fhir");
// Pairs of real bundles of ≈50 KiB together (opconsult-4 23 KiB, invoice-1 27 KiB, dischargesummary-4 22 KiB).
const PAIRS: [string, string][] = [
  ["opconsult-4.json", "invoice-1.json"],
  ["dischargesummary-4.json", "invoice-1.json"],
  ["opconsult-4.json", "dischargesummary-4.json"],
];

type Run = {
  db: string;
  concurrency: number;
  pushes: number;
  bodyKiB: number;
  pushesPerSecond: number;
  p50: number;
  p99: number;
  allStoredMs: number;
  expectedRecords: number;
  records: number;
  distinctKeys: number;
  inboxDone: number;
  reports: number;
  non2xx: number;
  /** Deliveries that needed a second attempt (and why). */
  retried: number;
  retryReasons: string[];
};

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main() {
  if (!fs.existsSync(FIXTURES)) {
    console.error(`FHIR fixtures not found at ${FIXTURES} (set SHARED_FIXTURES_DIR).`);
    process.exit(1);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hiu-bench-ingest-"));
  const { startFakeEka } = await import("../tests/helpers/webhook-push");
  const eka = await startFakeEka();
  Object.assign(process.env, {
    EKA_BASE_URL: eka.url,
    EKA_CLIENT_ID: "EC_BENCH",
    EKA_CLIENT_SECRET: "bench",
    EKA_WEBHOOK_SIGNING_KEY: `whsec-${randomBytes(16).toString("hex")}`,
    KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    BACKGROUND_JOBS: "off",
    DATA_DIR: dataDir,
  });
  // Request logs are per delivery; keep the figures readable.
  const info = console.info;
  console.info = () => {};

  const runs: Run[] = [];
  try {
    runs.push(...(await benchOn("pglite", dataDir, eka)));
    try {
      runs.push(...(await benchOn("postgres", dataDir, eka)));
    } catch (err) {
      console.error(`PostgreSQL run skipped: ${err instanceof Error ? err.message : String(err)}`);
    }
  } finally {
    console.info = info;
    await eka.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  console.log(`\nWebhook ingestion, in-process route handler, ${os.cpus().length} CPU(s), Node ${process.version}`);
  console.log(`Each push: 2 real FHIR bundles (≈50 KiB of FHIR JSON), Fidelius-encrypted, signed.\n`);
  const header = ["db", "conc", "pushes", "body KiB", "pushes/s", "p50 2xx ms", "p99 2xx ms", "all stored ms", "records/expected", "distinct", "inbox done", "on-push", "non-2xx", "retried"];
  const rows = runs.map((r) => [
    r.db,
    String(r.concurrency),
    String(r.pushes),
    r.bodyKiB.toFixed(1),
    r.pushesPerSecond.toFixed(1),
    r.p50.toFixed(1),
    r.p99.toFixed(1),
    r.allStoredMs.toFixed(0),
    `${r.records}/${r.expectedRecords}`,
    String(r.distinctKeys),
    String(r.inboxDone),
    String(r.reports),
    String(r.non2xx),
    String(r.retried),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  for (const r of runs) if (r.retried) console.log(`${r.db}/${r.concurrency}: retried because: ${r.retryReasons.join("; ")}`);
  const ok = runs.every((r) => r.records === r.expectedRecords && r.distinctKeys === r.expectedRecords && r.inboxDone === r.pushes && r.non2xx === 0);
  console.log(ok ? "\nNone lost, none duplicated." : "\nMISMATCH: see the counts above.");
  if (!ok) process.exitCode = 1;
}

async function benchOn(kind: "pglite" | "postgres", dataDir: string, eka: { onPush: unknown[] }): Promise<Run[]> {
  const { openDb, setDbForTests } = await import("../db");
  const { resetEnvForTests, env } = await import("../lib/env");
  const { resetEkaClientForTests } = await import("../lib/eka");
  resetEnvForTests();
  resetEkaClientForTests();

  let handle: Awaited<ReturnType<typeof openDb>>;
  let drop: (() => Promise<void>) | undefined;
  if (kind === "pglite") {
    handle = await openDb({ pgliteDir: path.join(dataDir, `pglite-${Date.now()}`) });
  } else {
    const { default: postgres } = await import("postgres");
    const admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    const name = `hiu_bench_ingest_${process.pid}_${randomBytes(3).toString("hex")}`;
    await admin.unsafe(`create database ${name}`);
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    handle = await openDb({ url: url.toString() });
    drop = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
  }
  setDbForTests(handle);
  try {
    const { ensureActiveKey } = await import("../lib/keys");
    await ensureActiveKey({ push: false });
    const out: Run[] = [];
    for (const c of CONCURRENCY) out.push(await oneRun(kind, c, handle.db, env().webhook.signingKey, eka));
    return out;
  } finally {
    setDbForTests(undefined);
    await handle.close();
    await drop?.();
  }
}

async function oneRun(kind: string, concurrency: number, db: import("../db").Db, signingKey: string, eka: { onPush: unknown[] }): Promise<Run> {
  const { and, count, countDistinct, eq, inArray, sql } = await import("drizzle-orm");
  const { healthRecords, webhookInbox } = await import("../db/schema");
  const { activeKeyset, buildDataPush, seedConsent } = await import("../tests/helpers/webhook-push");
  const { signatureHeader } = await import("../lib/webhooks/signature");
  const { POST } = await import("../app/api/webhooks/eka/route");
  const { waitForProcessingIdle } = await import("../lib/webhooks/process");
  const { sweepInbox } = await import("../lib/webhooks/sweeper");

  const texts = new Map<string, string>();
  for (const f of new Set(PAIRS.flat())) texts.set(f, fs.readFileSync(path.join(FIXTURES, f), "utf8"));
  const ccIds = Array.from({ length: PUSHES * 2 }, (_, i) => `cc-${concurrency}-${i}`);
  const seeded = await seedConsent(db, { hips: [{ hipId: "HIP-BENCH", hipName: "Bench HIP", careContextIds: ccIds }] });
  const keyset = await activeKeyset(db);

  // The HIP's work (encryption) happens before the clock starts.
  const pushes = Array.from({ length: PUSHES }, (_, i) => {
    const [a, b] = PAIRS[i % PAIRS.length];
    return buildDataPush({
      keyset,
      consentId: seeded.consentId!,
      abhaAddress: seeded.abhaAddress,
      entries: [
        { careContextId: ccIds[2 * i], text: texts.get(a)! },
        { careContextId: ccIds[2 * i + 1], text: texts.get(b)! },
      ],
    });
  });
  const bodyKiB = pushes.reduce((s, p) => s + Buffer.byteLength(p.body), 0) / pushes.length / 1024;
  const reportsBefore = eka.onPush.length;

  const latencies: number[] = [];
  let non2xx = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < pushes.length; i = next++) {
        const p = pushes[i];
        const t0 = performance.now();
        const res = await POST(
          new Request("http://localhost/api/webhooks/eka", {
            method: "POST",
            headers: { "content-type": "application/json", "eka-webhook-signature": signatureHeader(signingKey, p.body) },
            body: p.body,
          }),
        );
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (res.status < 200 || res.status >= 300) non2xx++;
      }
    }),
  );
  const allAnswered = performance.now() - start;
  await waitForProcessingIdle();
  const txIds = pushes.map((p) => p.transactionId);
  // What did not finish first time (e.g. an on-push call that timed out) is retried by the sweeper
  // in production; here it is swept at once, as many times as needed, and counted.
  const unfinished = await db
    .select({ lastError: webhookInbox.lastError })
    .from(webhookInbox)
    .where(and(inArray(webhookInbox.transactionId, txIds), sql`${webhookInbox.status} <> 'done'`));
  for (let i = 0; i < 10; i++) {
    const swept = await sweepInbox({ limit: 100, now: new Date(Date.now() + 3_600_000) });
    if (swept.processed === 0) break;
  }
  const allStoredMs = performance.now() - start;

  const [{ records, distinctKeys }] = await db
    .select({
      records: count(),
      distinctKeys: countDistinct(sql`(${healthRecords.transactionId}, ${healthRecords.careContextId}, ${healthRecords.page})`),
    })
    .from(healthRecords)
    .where(inArray(healthRecords.transactionId, txIds));
  const [{ inboxDone }] = await db
    .select({ inboxDone: count() })
    .from(webhookInbox)
    .where(and(inArray(webhookInbox.transactionId, txIds), eq(webhookInbox.status, "done")));
  latencies.sort((a, b) => a - b);
  return {
    db: kind,
    concurrency,
    pushes: pushes.length,
    bodyKiB,
    pushesPerSecond: (pushes.length / allAnswered) * 1000,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    allStoredMs,
    expectedRecords: pushes.length * 2,
    records: Number(records),
    distinctKeys: Number(distinctKeys),
    inboxDone: Number(inboxDone),
    reports: eka.onPush.length - reportsBefore,
    non2xx,
    retried: unfinished.length,
    retryReasons: [...new Set(unfinished.map((u) => u.lastError ?? "?"))],
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
