import fs from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, consentArtefacts, consentRequests, healthRecords, patientAccess, timelineItems } from "@/db/schema";
import { runAs, type Actor } from "@/lib/auth/session";
import { HI_TYPES } from "@/lib/fhir/hi-type";
import { createActor } from "@/tests/helpers/actors";
import { setupTestDb } from "@/tests/helpers/db";
import { requireSharedFixtures } from "@/tests/helpers/shared-fixtures";
import { markVisited } from "./mutations";
import { getAttachment, getRecordForView, labTrends, listTimeline, unitKey, type TimelineEntry, type TimelinePage } from "./queries";
import { decodeCursor, encodeCursor, TIMELINE_PAGE_SIZE, timelineFilterSchema } from "./schemas";
import {
  createGrantedConsent,
  createPatient,
  grantAccess,
  labObservation,
  storeTestBundle,
  syntheticBundle,
  type Consent,
} from "./test-support";

const t = setupTestDb();
const NOT_FOUND = /NEXT_HTTP_ERROR_FALLBACK;404|NEXT_NOT_FOUND/;

async function allPages(actor: Actor, patientId: string, filter: Record<string, string> = {}): Promise<TimelineEntry[]> {
  const out: TimelineEntry[] = [];
  let page: TimelinePage = await runAs(actor, () => listTimeline(patientId, filter));
  out.push(...page.items);
  while (page.older) {
    const older = page.older;
    page = await runAs(actor, () => listTimeline(patientId, { ...filter, after: older }));
    out.push(...page.items);
  }
  return out;
}

function b64(text: string | Buffer): string {
  return Buffer.from(text).toString("base64");
}

describe("schemas", () => {
  it("round-trips cursors and ignores malformed ones", () => {
    const c = { dateSort: "2024-01-01T04:30:00.000Z", recordId: "0f0e3e2e-8a43-4d7b-9b0f-3b7c1b1f2a10", id: "7d7f3e2e-8a43-4d7b-9b0f-3b7c1b1f2a10" };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(decodeCursor(encodeCursor({ ...c, dateSort: null }))).toEqual({ ...c, dateSort: null });
    for (const bad of ["", "x", encodeCursor({ ...c, dateSort: "nope" }), Buffer.from("2024|not-a-uuid").toString("base64url")]) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });

  it("drops invalid filter values instead of failing, and swaps a reversed range", () => {
    const f = timelineFilterSchema.parse({ type: "Nonsense", from: "2024-05-01", to: "2023-01-01", q: "  ", hip: "", after: "junk" });
    expect(f).toMatchObject({ type: undefined, from: "2023-01-01", to: "2024-05-01", q: undefined, hip: undefined, after: undefined });
  });
});

describe("lib/records", () => {
  let clinician: Actor;
  let other: Actor;
  let admin: Actor;
  let patientId: string;
  let otherPatientId: string;
  let hipA: Consent;
  let hipB: Consent;
  let otherConsent: Consent;
  const recordOf: Record<string, string> = {};
  let otherRecordId: string;
  const real = requireSharedFixtures("fhir");
  const realFiles = real.dir ? fs.readdirSync(real.dir).filter((f) => f.endsWith(".json")).sort() : [];

  beforeAll(async () => {
    clinician = await createActor(t.db, "clinician");
    other = await createActor(t.db, "clinician");
    admin = await createActor(t.db, "admin");
    patientId = await createPatient(t.db, { name: "Asha Rao" });
    otherPatientId = await createPatient(t.db, { name: "Someone Else" });
    await grantAccess(t.db, patientId, clinician.id);
    await grantAccess(t.db, otherPatientId, other.id);
    hipA = await createGrantedConsent(t.db, patientId, clinician.id, { id: "HIP-A", name: "City Hospital" });
    hipB = await createGrantedConsent(t.db, patientId, clinician.id, { id: "HIP-B", name: "Lakeside Labs" });
    otherConsent = await createGrantedConsent(t.db, otherPatientId, other.id, { id: "HIP-A", name: "City Hospital" });
    // Real bundles split between two HIPs, so trends and HIP filters cross sources.
    for (const file of realFiles) {
      const bundle = JSON.parse(fs.readFileSync(path.join(real.dir!, file), "utf8"));
      const hip = /^(dischargesummary|immunization|prescription|wellness)/.test(file) ? hipB : hipA;
      recordOf[file] = (await storeTestBundle(t.db, patientId, hip, bundle)).recordId;
    }
    otherRecordId = (
      await storeTestBundle(
        t.db,
        otherPatientId,
        otherConsent,
        syntheticBundle([labObservation({ id: "o1", loinc: "718-7", name: "Haemoglobin", value: 13, unit: "g/dL", date: "2023-02-02" })]),
      )
    ).recordId;
  });

  describe("scoping", () => {
    it("another clinician without access gets not-found for the timeline, records, attachments and trends", async () => {
      const rec = Object.values(recordOf)[0] ?? otherRecordId;
      await expect(runAs(other, () => listTimeline(patientId))).rejects.toThrow(NOT_FOUND);
      await expect(runAs(other, () => markVisited(patientId))).rejects.toThrow(NOT_FOUND);
      await expect(runAs(other, () => labTrends(patientId, "loinc:718-7"))).rejects.toThrow(NOT_FOUND);
      if (rec !== otherRecordId) {
        await expect(runAs(other, () => getRecordForView(rec))).rejects.toThrow(NOT_FOUND);
        await expect(runAs(other, () => getAttachment(rec, "/entry/1/resource/content/0/attachment"))).rejects.toThrow(NOT_FOUND);
      }
    });

    it("a record id of another patient is not found, and nothing is audited", async () => {
      const before = await t.db.select().from(auditEvents).where(eq(auditEvents.targetId, otherRecordId));
      await expect(runAs(clinician, () => getRecordForView(otherRecordId))).rejects.toThrow(NOT_FOUND);
      await expect(runAs(clinician, () => getAttachment(otherRecordId, "/entry/1/resource/content/0/attachment"))).rejects.toThrow(NOT_FOUND);
      expect(await t.db.select().from(auditEvents).where(eq(auditEvents.targetId, otherRecordId))).toHaveLength(before.length);
    });

    it("non-clinicians and malformed ids are not found", async () => {
      await expect(runAs(admin, () => listTimeline(patientId))).rejects.toThrow(NOT_FOUND);
      await expect(runAs(clinician, () => listTimeline("not-a-uuid"))).rejects.toThrow(NOT_FOUND);
      await expect(runAs(clinician, () => getRecordForView("../../etc"))).rejects.toThrow(NOT_FOUND);
    });
  });

  real.describe("real bundles", () => {
    it("shows items of every HI type, newest first, as small DTOs with source and consent", async () => {
      const items = await allPages(clinician, patientId);
      const stored = await t.db.select({ id: timelineItems.id }).from(timelineItems).where(eq(timelineItems.patientId, patientId));
      expect(items).toHaveLength(stored.length);
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
      expect(new Set(items.map((i) => i.hiType))).toEqual(new Set(HI_TYPES));
      for (const i of items) {
        expect(i.hipName).toMatch(/City Hospital|Lakeside Labs/);
        expect([hipA.consentRequestId, hipB.consentRequestId]).toContain(i.consentRequestId);
        expect(i).not.toHaveProperty("bundle");
        expect(i).not.toHaveProperty("detail");
      }
      const sorts = items.map((i) => i.dateSort);
      const dated = sorts.filter((s): s is string => s !== null);
      expect([...dated].sort().reverse()).toEqual(dated);
      expect(sorts.slice(dated.length).every((s) => s === null)).toBe(true);
    });

    it("filters by HI type and by HIP, and lists both as facets", async () => {
      const page = await runAs(clinician, () => listTimeline(patientId, { type: "Prescription" }));
      expect(page.total).toBeGreaterThan(0);
      expect(page.items.every((i) => i.hiType === "Prescription")).toBe(true);
      expect(page.facets.hips.map((h) => h.name)).toEqual(["City Hospital", "Lakeside Labs"]);
      expect(page.facets.types.map((x) => x.hiType)).toEqual(expect.arrayContaining([...HI_TYPES]));
      const b = await allPages(clinician, patientId, { hip: "HIP-B" });
      expect(b.length).toBeGreaterThan(0);
      expect(b.every((i) => i.hipId === "HIP-B")).toBe(true);
    });

    it("views a record with its provenance, audited with patient and consent", async () => {
      const id = recordOf["diagnosticreport-1.json"];
      const view = await runAs(clinician, () => getRecordForView(id));
      expect(view.bundle.resourceType).toBe("Bundle");
      expect(view.record).toMatchObject({ id, patientId, hipName: "City Hospital", consentRequestId: hipA.consentRequestId, hiType: "DiagnosticReport" });
      const [row] = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "record.viewed"), eq(auditEvents.targetId, id)));
      expect(row).toMatchObject({ actorId: clinician.id, patientId, consentRequestId: hipA.consentRequestId });
      expect(JSON.stringify(row.details)).not.toMatch(/haemoglobin|hemoglobin/i);
    });

    it("charts a test seen in several records from two HIPs, BP components included", async () => {
      // opconsult-4 (HIP A), wellness-1 and wellness-2 (HIP B) all carry systolic BP (LOINC 8480-6).
      const trend = await runAs(clinician, () => labTrends(patientId, "loinc:8480-6"));
      expect(trend.points).toHaveLength(3);
      expect(new Set(trend.points.map((p) => p.hipName))).toEqual(new Set(["City Hospital", "Lakeside Labs"]));
      expect([...trend.points.map((p) => p.dateSort)].sort()).toEqual(trend.points.map((p) => p.dateSort));
      const view = await runAs(clinician, () => getRecordForView(recordOf["wellness-1.json"]));
      expect(view.trends.map((s) => s.code)).toEqual(expect.arrayContaining(["loinc:8480-6", "loinc:2339-0"]));
    });

    it("does not make a trend of one result quoted by two records", async () => {
      // diagnosticreport-1 (HIP A) and dischargesummary-1 (HIP B) carry the same lipid panel result.
      const trend = await runAs(clinician, () => labTrends(patientId, "loinc:35200-5"));
      expect(trend.points).toHaveLength(1);
      expect(trend.points[0].hipName?.split("; ").sort()).toEqual(["City Hospital", "Lakeside Labs"]);
      const view = await runAs(clinician, () => getRecordForView(recordOf["diagnosticreport-1.json"]));
      expect(view.trends.map((s) => s.code)).not.toContain("loinc:35200-5");
    });

    it("opens a real PDF strictly decoded, audited; a pointer to a non-attachment is not found", async () => {
      const id = recordOf["diagnosticreport-1.json"];
      const [item] = await t.db
        .select({ attachment: timelineItems.attachment })
        .from(timelineItems)
        .where(and(eq(timelineItems.recordId, id), eq(timelineItems.resourceType, "DiagnosticReport")));
      const ref = (item.attachment as { ref: string }).ref;
      const opened = await runAs(clinician, () => getAttachment(id, ref));
      expect(opened.serveAs).toBe("application/pdf");
      expect(Buffer.from(opened.bytes!).subarray(0, 5).toString("latin1")).toBe("%PDF-");
      expect(opened.filename).toMatch(/\.pdf$/);
      const audits = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "record.attachment_opened"), eq(auditEvents.targetId, id)));
      expect(audits).toHaveLength(1);
      expect(audits[0]).toMatchObject({ patientId, consentRequestId: hipA.consentRequestId });
      for (const bad of ["/entry/0/resource", "/entry/1/resource/subject", "/entry/1/resource/__proto__", "entry/1", "/entry/999/resource/content/0/attachment"]) {
        await expect(runAs(clinician, () => getAttachment(id, bad))).rejects.toThrow(NOT_FOUND);
      }
    });
  });

  describe("synthetic records", () => {
    let patient: string;
    let consent: Consent;
    let secondHip: Consent;

    beforeAll(async () => {
      patient = await createPatient(t.db, { name: "Synthetic" });
      await grantAccess(t.db, patient, clinician.id);
      consent = await createGrantedConsent(t.db, patient, clinician.id, { id: "HIP-S", name: "Sunrise Clinic" });
      secondHip = await createGrantedConsent(t.db, patient, clinician.id, { id: "HIP-T", name: "Tara Diagnostics" });
      await storeTestBundle(
        t.db,
        patient,
        consent,
        syntheticBundle(
          [
            labObservation({ id: "hb1", loinc: "718-7", name: "Haemoglobin", value: 11.2, unit: "g/dL", date: "2023-03-10T09:15:00+05:30", low: 12, high: 15 }),
            labObservation({ id: "glu", loinc: "2345-7", name: "Glucose fasting", value: 92, unit: "mg/dL", date: "2021-06", low: 70, high: 100 }),
            { resourceType: "Condition", id: "c1", code: { text: "Type 2 diabetes mellitus" }, onsetDateTime: "2019" },
            { resourceType: "Procedure", id: "p1", code: { text: "Appendicectomy" }, status: "completed" },
          ],
          { date: "2023-03-10T10:00:00+05:30" },
        ),
      );
      await storeTestBundle(
        t.db,
        patient,
        secondHip,
        syntheticBundle(
          [labObservation({ id: "hb2", loinc: "718-7", name: "Hemoglobin [Mass/volume] in Blood", value: 12.8, unit: "g/dL", date: "2024-01-05", low: 13, high: 17 })],
          { date: "2024-01-05T10:00:00+05:30" },
        ),
      );
    });

    it("searches by word prefix over the stored search text, and by code with punctuation", async () => {
      const hits = (q: string) => runAs(clinician, () => listTimeline(patient, { q })).then((p) => p.items.map((i) => i.title));
      expect(await hits("haemo")).toEqual(["Haemoglobin"]);
      expect(await hits("DIABETES type")).toEqual(["Type 2 diabetes mellitus"]);
      expect(await hits("2345-7")).toEqual(["Glucose fasting"]);
      expect(await hits("gl")).toEqual(["Glucose fasting"]);
      expect(await hits("zzz-nothing")).toEqual([]);
      // Regex and LIKE metacharacters are matched literally.
      expect(await hits("%_\\.*")).toEqual([]);
      expect(await hits("(")).toEqual([]);
    });

    it("date range: by IST calendar day, partial dates found by any range they overlap", async () => {
      const titles = (from?: string, to?: string) =>
        runAs(clinician, () => listTimeline(patient, { from, to })).then((p) => p.items.map((i) => i.title).sort());
      expect(await titles("2019-07-01", "2019-07-31")).toEqual(["Type 2 diabetes mellitus"]);
      expect(await titles("2021-06-15", "2021-06-15")).toEqual(["Glucose fasting"]);
      // The procedure has no date of its own and is placed on its record's day, so it is found too.
      expect(await titles("2023-03-10", "2023-03-10")).toEqual(["Appendicectomy", "Haemoglobin"]);
      expect(await titles("2023-03-11", undefined)).toEqual(["Hemoglobin [Mass/volume] in Blood"]);
      expect(await titles(undefined, "2018-12-31")).toEqual([]);
    });

    it("an undated resource keeps a null date and is ordered by its record's date", async () => {
      const items = await allPages(clinician, patient);
      const proc = items.find((i) => i.title === "Appendicectomy")!;
      expect(proc.dateText).toBeNull();
      expect(proc.dateFrom).toBe("document");
      expect(proc.dateSort).not.toBeNull();
      expect(items.filter((i) => i !== proc).map((i) => i.title)).toEqual([
        "Hemoglobin [Mass/volume] in Blood",
        "Haemoglobin",
        "Glucose fasting",
        "Type 2 diabetes mellitus",
      ]);
      const record = items.filter((i) => i.recordId === proc.recordId && i.dateText).map((i) => i.dateSort!);
      expect(proc.dateSort! >= record.reduce((a, b) => (a < b ? a : b))).toBe(true);
    });

    it("trends a test across HIPs with unit and reference band, oldest first", async () => {
      const trend = await runAs(clinician, () => labTrends(patient, "loinc:718-7"));
      expect(trend.units).toEqual(["g/dL"]);
      expect(trend.points.map((p) => [p.date, p.value, p.low, p.high, p.hipName, p.abnormal])).toEqual([
        ["2023-03-10T09:15:00+05:30", 11.2, 12, 15, "Sunrise Clinic", true],
        ["2024-01-05", 12.8, 13, 17, "Tara Diagnostics", true],
      ]);
      expect((await runAs(clinician, () => labTrends(patient, "loinc:0000-0"))).points).toEqual([]);
    });

    it("treats units differing only in case, spacing or micro sign as one unit", async () => {
      const c = await createGrantedConsent(t.db, patient, clinician.id, { id: "HIP-U", name: "Units Lab" });
      for (const [i, unit] of ["mmol/l", "mmol/L", "mmol / L"].entries()) {
        await storeTestBundle(
          t.db,
          patient,
          c,
          syntheticBundle([labObservation({ id: `ch${i}`, loinc: "2093-3", name: "Cholesterol", value: 5 + i, unit, date: `202${i}-01-01`, high: 4.5 })]),
        );
      }
      const trend = await runAs(clinician, () => labTrends(patient, "loinc:2093-3"));
      expect(trend.units).toEqual(["mmol/l"]);
      expect(trend.points.map((p) => [p.value, p.high])).toEqual([
        [5, 4.5],
        [6, 4.5],
        [7, 4.5],
      ]);
      expect(unitKey("10^3/µL")).toBe(unitKey("10^3/μL"));
    });

    it("counts one measurement quoted by two records once, naming both sources", async () => {
      const a = await createGrantedConsent(t.db, patient, clinician.id, { id: "HIP-Q1", name: "Quote Lab" });
      const b = await createGrantedConsent(t.db, patient, clinician.id, { id: "HIP-Q2", name: "Quote Hospital" });
      for (const [c, unit] of [
        [a, "mg/dl"],
        [b, "mg/dL"],
      ] as const) {
        await storeTestBundle(t.db, patient, c, syntheticBundle([labObservation({ id: "tg", loinc: "2571-8", name: "Triglyceride", value: 150, unit, date: "2022-02-02T10:00:00+05:30" })]));
      }
      const trend = await runAs(clinician, () => labTrends(patient, "loinc:2571-8"));
      expect(trend.points).toHaveLength(1);
      expect(trend.points[0].hipName).toBe("Quote Lab; Quote Hospital");
    });

    it("serves declared-PDF-that-is-not, HTML and URL-only attachments safely", async () => {
      const pdf = b64(Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.alloc(64, 0x20), Buffer.from("%%EOF")]));
      const { recordId } = await storeTestBundle(
        t.db,
        patient,
        consent,
        syntheticBundle(
          [
            {
              resourceType: "DocumentReference",
              id: "docs",
              status: "current",
              type: { text: "Scanned documents" },
              date: "2022-02-02",
              content: [
                { attachment: { contentType: "application/pdf", data: b64("not really a pdf"), title: "Fake.pdf" } },
                { attachment: { contentType: "text/html", data: b64("<script>alert(1)</script>"), title: "page" } },
                { attachment: { contentType: "application/pdf", url: "https://hip.example/report.pdf", title: "Remote" } },
                { attachment: { contentType: "application/pdf", data: pdf, title: "Real report" } },
              ],
            },
          ],
          { type: { code: "419891008", display: "Record artifact" } },
        ),
      );
      const ref = (i: number) => `/entry/1/resource/content/${i}/attachment`;
      const fake = await runAs(clinician, () => getAttachment(recordId, ref(0)));
      expect(fake.serveAs).toBe("application/octet-stream");
      expect(fake.info.mismatch).toBe(true);
      expect(fake.filename).toBe("Fake.bin");
      const html = await runAs(clinician, () => getAttachment(recordId, ref(1)));
      expect(html.serveAs).toBe("application/octet-stream");
      const remote = await runAs(clinician, () => getAttachment(recordId, ref(2)));
      expect(remote.bytes).toBeNull();
      expect(remote.info.url).toBe("https://hip.example/report.pdf");
      const good = await runAs(clinician, () => getAttachment(recordId, ref(3)));
      expect(good.serveAs).toBe("application/pdf");
      const audits = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "record.attachment_opened"), eq(auditEvents.targetId, recordId)));
      // Three opens with bytes; the URL-only one served nothing and fetched nothing.
      expect(audits).toHaveLength(3);
    });

    it("hides purged records, and records under a revoked or expired artefact", async () => {
      const p = await createPatient(t.db);
      await grantAccess(t.db, p, clinician.id);
      const make = async (hip: string) => {
        const c = await createGrantedConsent(t.db, p, clinician.id, { id: hip, name: hip });
        const r = await storeTestBundle(
          t.db,
          p,
          c,
          syntheticBundle([{ resourceType: "Condition", id: "x", code: { text: `Condition at ${hip}` }, recordedDate: "2020-01-01" }]),
        );
        return { ...c, recordId: r.recordId };
      };
      const [kept, purgedRecord, purgedArtefact, revoked, expired, requestRevoked] = await Promise.all(
        ["KEPT", "PR", "PA", "RV", "EX", "RR"].map((h) => make(h)),
      );
      await t.db.update(healthRecords).set({ purgedAt: new Date() }).where(eq(healthRecords.id, purgedRecord.recordId));
      await t.db.update(consentArtefacts).set({ purgedAt: new Date() }).where(eq(consentArtefacts.id, purgedArtefact.artefactId));
      await t.db.update(consentArtefacts).set({ status: "REVOKED" }).where(eq(consentArtefacts.id, revoked.artefactId));
      await t.db.update(consentArtefacts).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(consentArtefacts.id, expired.artefactId));
      await t.db.update(consentRequests).set({ status: "REVOKED" }).where(eq(consentRequests.id, requestRevoked.consentRequestId));

      const page = await runAs(clinician, () => listTimeline(p));
      expect(page.items.map((i) => i.title)).toEqual(["Condition at KEPT"]);
      expect(page.total).toBe(1);
      expect(page.facets.hips.map((h) => h.id)).toEqual(["KEPT"]);
      for (const hidden of [purgedRecord, purgedArtefact, revoked, expired, requestRevoked]) {
        await expect(runAs(clinician, () => getRecordForView(hidden.recordId))).rejects.toThrow(NOT_FOUND);
      }
      await expect(runAs(clinician, () => getRecordForView(kept.recordId))).resolves.toBeTruthy();
    });
  });

  describe("pagination and new since the last visit", () => {
    let patient: string;
    let consent: Consent;
    const total = TIMELINE_PAGE_SIZE * 2 + 7;

    beforeAll(async () => {
      patient = await createPatient(t.db);
      await grantAccess(t.db, patient, clinician.id);
      consent = await createGrantedConsent(t.db, patient, clinician.id, { id: "HIP-P", name: "Paging Hospital" });
      // Many items on the same instant exercise the id tie-break; a few are undated.
      const resources = Array.from({ length: total }, (_, i) => ({
        resourceType: "Condition",
        id: `c${i}`,
        code: { text: `Finding ${String(i).padStart(3, "0")}` },
        ...(i % 10 === 9 ? {} : { recordedDate: i % 3 === 0 ? "2020-05-05" : `2020-${String((i % 12) + 1).padStart(2, "0")}-01` }),
      }));
      // Three records share the same dates, so ties are broken across records too.
      for (let r = 0; r < 3; r++) {
        const bundle = syntheticBundle(resources.filter((_, i) => i % 3 === r));
        // No Composition/Bundle date at all, so undated items stay undated and sort last.
        delete bundle.timestamp;
        const entries = bundle.entry as { resource: Record<string, unknown> }[];
        delete entries[0].resource.date;
        await storeTestBundle(t.db, patient, consent, bundle);
      }
    });

    it("pages forward through every item exactly once, and back again", async () => {
      const seen: TimelineEntry[][] = [];
      let page = await runAs(clinician, () => listTimeline(patient));
      expect(page.total).toBe(total);
      expect(page.newer).toBeNull();
      seen.push(page.items);
      while (page.older) {
        const older = page.older;
        page = await runAs(clinician, () => listTimeline(patient, { after: older }));
        seen.push(page.items);
      }
      expect(seen.map((p) => p.length)).toEqual([TIMELINE_PAGE_SIZE, TIMELINE_PAGE_SIZE, 7]);
      const ids = seen.flat().map((i) => i.id);
      expect(new Set(ids).size).toBe(total);
      expect(seen.flat().slice(-total / 10 | 0).every((i) => i.dateText === null)).toBe(true);
      // At one instant, a record's items are contiguous (shown as one block).
      const runs = seen.flat().map((i) => `${i.dateSort}|${i.recordId}`);
      const firstAt = new Map<string, number>();
      runs.forEach((k, idx) => {
        if (!firstAt.has(k)) firstAt.set(k, idx);
        else expect(runs[idx - 1]).toBe(k);
      });

      // Back from the last page: the middle page again, then the first.
      const newer1 = page.newer!;
      const middle = await runAs(clinician, () => listTimeline(patient, { before: newer1 }));
      expect(middle.items.map((i) => i.id)).toEqual(seen[1].map((i) => i.id));
      const newer2 = middle.newer!;
      const first = await runAs(clinician, () => listTimeline(patient, { before: newer2 }));
      expect(first.items.map((i) => i.id)).toEqual(seen[0].map((i) => i.id));
      expect(first.newer).toBeNull();
    });

    it("marks items stored after the previous visit; a first visit marks nothing", async () => {
      const firstVisit = await runAs(clinician, () => listTimeline(patient));
      expect(firstVisit.since).toBeNull();
      expect(firstVisit.newCount).toBe(0);
      expect(firstVisit.items.some((i) => i.isNew)).toBe(false);
      await runAs(clinician, () => markVisited(patient));
      const [access] = await t.db
        .select()
        .from(patientAccess)
        .where(and(eq(patientAccess.patientId, patient), eq(patientAccess.userId, clinician.id)));
      expect(access.lastVisitedAt).toBeInstanceOf(Date);

      const { recordId } = await storeTestBundle(
        t.db,
        patient,
        consent,
        syntheticBundle([{ resourceType: "Condition", id: "late", code: { text: "Arrived later" }, recordedDate: "2010-01-01" }]),
      );
      const next = await runAs(clinician, () => listTimeline(patient));
      expect(next.newCount).toBe(1);
      expect(next.since).toBe(access.lastVisitedAt!.toISOString());
      const all = await allPages(clinician, patient);
      expect(all.filter((i) => i.isNew).map((i) => i.recordId)).toEqual([recordId]);

      // While paging, the page carries `since`, so marks survive the visit being recorded again.
      await runAs(clinician, () => markVisited(patient));
      const carried = await allPages(clinician, patient, { since: next.since! });
      expect(carried.filter((i) => i.isNew).map((i) => i.title)).toEqual(["Arrived later"]);
      const after = await runAs(clinician, () => listTimeline(patient));
      expect(after.newCount).toBe(0);
    });
  });
});
