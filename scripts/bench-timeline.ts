/**
 * `npm run bench:timeline`: server time of the patient timeline for a patient with 10,000 stored
 * items (and other patients' items around them), on embedded PGlite and — when reachable — on
 * PostgreSQL (`BENCH_PG_URL`, default postgres://postgres@127.0.0.1:5432/test; a database is
 * created for the run and dropped after). Times `listTimeline` as a page calls it (under `runAs`,
 * including the role and access checks, counts and facets): the first page, a filtered page, a
 * deep page, and searches. Prints figures only; the data is synthetic.
 */
import { randomBytes, randomUUID } from "node:crypto";
import Module from "node:module";
import path from "node:path";

// lib/ modules import "server-only", which throws outside React Server Components; a script is
// server-side by definition, so resolve it to an empty module (as vitest's alias does).
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolveFilename = resolver._resolveFilename;
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (request === "server-only") return path.join(process.cwd(), "tests/stubs/empty.ts");
  return resolveFilename.call(this, request, ...rest);
};

const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000);
const OTHER_PATIENTS = Number(process.env.BENCH_OTHER_PATIENTS ?? 10);
const OTHER_ITEMS = Number(process.env.BENCH_OTHER_ITEMS ?? 2_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const HIPS = [
  ["HIP-AIIMS", "AIIMS New Delhi"],
  ["HIP-APOLLO", "Apollo Hospitals, Chennai"],
  ["HIP-MAX", "Max Healthcare Saket"],
  ["HIP-NARAYANA", "Narayana Health City"],
  ["HIP-LAB", "Thyrocare Diagnostics"],
  ["HIP-PHC", "PHC Hoskote"],
] as const;

// HI type → (resource type, weight, titles): roughly what a chronic patient's record mix looks like.
const TYPES: [string, string, number, string[]][] = [
  ["DiagnosticReport", "Observation", 40, ["Haemoglobin", "Glucose fasting", "HbA1c", "Serum creatinine", "TSH", "LDL cholesterol", "Platelet count", "WBC count"]],
  ["WellnessRecord", "Observation", 15, ["Body weight", "Blood pressure", "Pulse rate", "Body temperature", "SpO2"]],
  ["Prescription", "MedicationRequest", 15, ["Metformin 500 mg tablet", "Amlodipine 5 mg", "Atorvastatin 10 mg", "Paracetamol 650 mg", "Telmisartan 40 mg"]],
  ["OPConsultation", "Condition", 10, ["Type 2 diabetes mellitus", "Essential hypertension", "Acute pharyngitis", "Low back pain"]],
  ["DischargeSummary", "Procedure", 5, ["Appendicectomy", "Cataract extraction", "Coronary angiography"]],
  ["ImmunizationRecord", "Immunization", 5, ["COVISHIELD dose 2", "Influenza vaccine", "Tetanus toxoid"]],
  ["HealthDocumentRecord", "DocumentReference", 5, ["Discharge summary scan", "X-ray chest PA report", "MRI lumbar spine report"]],
  ["Invoice", "Invoice", 5, ["Pharmacy invoice", "OPD consultation bill"]],
];
const WORDS = "fasting postprandial random venous serum plasma whole blood sample advised repeat review follow up normal high low borderline within range tablet once daily twice after food before food".split(" ");
const LOINC = ["718-7", "1558-6", "4548-4", "2160-0", "3016-3", "13457-7", "777-3", "6690-2", "29463-7", "85354-9"];

type Rng = () => number;
function rng(seed: number): Rng {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const pick = <T,>(r: Rng, xs: readonly T[]) => xs[Math.floor(r() * xs.length)];

function weightedType(r: Rng) {
  const total = TYPES.reduce((s, t) => s + t[2], 0);
  let x = r() * total;
  for (const t of TYPES) if ((x -= t[2]) < 0) return t;
  return TYPES[0];
}

function dateFor(r: Rng, start: number): { text: string | null; sort: Date | null; precision: "year" | "month" | "day" | "datetime" | null } {
  const u = r();
  const d = new Date(start - Math.floor(r() * 12 * 365 * 86_400_000));
  const iso = d.toISOString();
  if (u < 0.02) return { text: null, sort: null, precision: null };
  if (u < 0.03) return { text: iso.slice(0, 4), sort: new Date(`${iso.slice(0, 4)}-01-01T00:00:00+05:30`), precision: "year" };
  if (u < 0.05) return { text: iso.slice(0, 7), sort: new Date(`${iso.slice(0, 7)}-01T00:00:00+05:30`), precision: "month" };
  if (u < 0.4) return { text: iso.slice(0, 10), sort: new Date(`${iso.slice(0, 10)}T00:00:00+05:30`), precision: "day" };
  return { text: iso.replace("Z", "+00:00"), sort: d, precision: "datetime" };
}

async function seed(db: import("../db").Db, patientId: string, clinicianId: string, count: number, r: Rng) {
  const { consentRequests, consentArtefacts, healthRecords, timelineItems } = await import("../db/schema");
  const consents: { id: string; artefactId: string; hipId: string; hipName: string }[] = [];
  for (const [hipId, hipName] of HIPS) {
    const [cr] = await db
      .insert(consentRequests)
      .values({
        patientId,
        requestedBy: clinicianId,
        requesterName: "Dr Bench",
        purpose: "CAREMGT",
        hiTypes: TYPES.map((t) => t[0]),
        dateFrom: new Date("2010-01-01"),
        dateTo: new Date(),
        expiresAt: new Date(Date.now() + 365 * 86_400_000),
        status: "GRANTED",
      })
      .returning({ id: consentRequests.id });
    const [a] = await db
      .insert(consentArtefacts)
      .values({ consentRequestId: cr.id, hipId, hipName, status: "GRANTED" })
      .returning({ id: consentArtefacts.id });
    consents.push({ id: cr.id, artefactId: a.id, hipId, hipName });
  }
  const now = Date.now();
  let made = 0;
  const createdBase = now - 30 * 86_400_000;
  while (made < count) {
    const c = pick(r, consents);
    const t = weightedType(r);
    const size = Math.min(count - made, 1 + Math.floor(r() * 30));
    const [rec] = await db
      .insert(healthRecords)
      .values({
        patientId,
        consentRequestId: c.id,
        artefactId: c.artefactId,
        hipId: c.hipId,
        hipName: c.hipName,
        careContextId: `cc-${randomUUID().slice(0, 8)}`,
        transactionId: randomUUID(),
        contentHash: randomBytes(16).toString("hex"),
        hiType: t[0],
        bundle: { resourceType: "Bundle", type: "document", entry: [] },
        receivedAt: new Date(createdBase + made * 60_000),
      })
      .returning({ id: healthRecords.id });
    const rows = Array.from({ length: size }, (_, i) => {
      const d = dateFor(r, now);
      const title = pick(r, t[3]);
      const loinc = pick(r, LOINC);
      const value = (r() * 200).toFixed(1);
      const words = Array.from({ length: 6 + Math.floor(r() * 20) }, () => pick(r, WORDS)).join(" ");
      return {
        recordId: rec.id,
        patientId,
        consentRequestId: c.id,
        hipId: c.hipId,
        hipName: c.hipName,
        hiType: t[0],
        resourceType: t[1],
        resourceId: `r-${made + i}`,
        dateText: d.text,
        dateSort: d.sort,
        datePrecision: d.precision,
        kind: "lab-result",
        title,
        summary: `${value} ${words.slice(0, 40)}`,
        value,
        abnormal: r() < 0.15,
        codes: [{ system: "http://loinc.org", code: loinc, display: title }],
        section: "Results",
        detail: { trendKey: `loinc:${loinc}`, valueNumber: Number(value), unit: "mg/dL", referenceRange: [] },
        searchText: `${title} ${value} mg/dl loinc ${loinc} ${words}`.toLowerCase(),
        createdAt: new Date(createdBase + (made + i) * 60_000),
      };
    });
    await db.insert(timelineItems).values(rows);
    made += size;
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function benchOn(kind: "pglite" | "postgres", url?: string) {
  const { openDb, setDbForTests } = await import("../db");
  const { users, patients, patientAccess } = await import("../db/schema");
  const { runAs } = await import("../lib/auth/session");
  const { listTimeline } = await import("../lib/records/queries");

  const handle = await openDb(kind === "postgres" ? { url } : { pgliteDir: "memory://" });
  setDbForTests(handle);
  const db = handle.db;
  try {
    const [u] = await db
      .insert(users)
      .values({ email: "bench@hiu.test", name: "Bench Clinician", role: "clinician" })
      .returning();
    const actor = { id: u.id, email: u.email, name: u.name, role: u.role, registrationNumber: null, registrationSystem: null };
    const r = rng(42);
    const t0 = performance.now();
    const [target] = await db.insert(patients).values({ abhaAddress: "bench.target@sbx", name: "Bench Target" }).returning();
    await db.insert(patientAccess).values({ patientId: target.id, userId: u.id, lastVisitedAt: new Date(Date.now() - 5 * 86_400_000) });
    await seed(db, target.id, u.id, ITEMS, r);
    for (let i = 0; i < OTHER_PATIENTS; i++) {
      const [p] = await db.insert(patients).values({ abhaAddress: `bench.other${i}@sbx` }).returning();
      await seed(db, p.id, u.id, OTHER_ITEMS, r);
    }
    await db.execute("analyze");
    const seedMs = performance.now() - t0;
    process.stderr.write(`${kind}: seeded in ${(seedMs / 1000).toFixed(1)} s\n`);

    const first = await runAs(actor, () => listTimeline(target.id));
    let deepCursor = first.older!;
    for (let i = 0; i < 20 && deepCursor; i++) {
      const c = deepCursor;
      deepCursor = (await runAs(actor, () => listTimeline(target.id, { after: c }))).older!;
    }
    const scenarios: [string, Record<string, string>][] = [
      ["first page", {}],
      ["filtered: HI type + HIP", { type: "DiagnosticReport", hip: "HIP-APOLLO" }],
      ["filtered: date range (1 year)", { from: "2020-01-01", to: "2020-12-31" }],
      ["page 21 (keyset)", { after: deepCursor }],
      ["search: word prefix 'glucos'", { q: "glucos" }],
      ["search: two words 'fasting review'", { q: "fasting review" }],
      ["search: code '4548-4' (phrase)", { q: "4548-4" }],
      ["search: short prefix 'hb'", { q: "hb" }],
      ["search + HI type filter", { q: "creatinine", type: "DiagnosticReport" }],
    ];
    const results: { name: string; p50: number; p95: number; total: string; shown: number }[] = [];
    for (const [name, filter] of scenarios) {
      const times: number[] = [];
      let last = first;
      for (let i = 0; i < RUNS + 5; i++) {
        const s = performance.now();
        last = await runAs(actor, () => listTimeline(target.id, filter));
        if (i >= 5) times.push(performance.now() - s);
      }
      process.stderr.write(`  ${name}: done\n`);
      results.push({
        name,
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        total: `${last.total}${last.totalCapped ? "+" : ""}`,
        shown: last.items.length,
      });
    }
    console.log(`\n${kind}: ${ITEMS} items for the patient (+${OTHER_PATIENTS}×${OTHER_ITEMS} others), seeded in ${(seedMs / 1000).toFixed(1)} s; ${RUNS} runs each`);
    console.log("scenario".padEnd(38), "p50 ms".padStart(8), "p95 ms".padStart(8), "matches".padStart(8), "shown".padStart(6));
    for (const x of results) {
      console.log(x.name.padEnd(38), x.p50.toFixed(1).padStart(8), x.p95.toFixed(1).padStart(8), x.total.padStart(8), String(x.shown).padStart(6));
    }
  } finally {
    setDbForTests(undefined);
    await handle.close();
  }
}

async function main() {
  console.log(`bench:timeline — node ${process.version}`);
  await benchOn("pglite");

  const { default: postgres } = await import("postgres");
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  const name = `hiu_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
  try {
    await admin.unsafe(`create database ${name}`);
  } catch (err) {
    console.log(`\npostgres: skipped (${PG_URL} not reachable: ${(err as Error).message})`);
    await admin.end();
    return;
  }
  try {
    const u = new URL(PG_URL);
    u.pathname = `/${name}`;
    await benchOn("postgres", u.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
