/**
 * lib/fhir over every real public ABDM bundle in ../shared/fixtures/fhir (read in place, never
 * copied into the repo).
 */
import fs from "node:fs";
import { expect, it } from "vitest";
import { requireSharedFixtures } from "@/tests/helpers/shared-fixtures";
import { checkBundle, clinicalResources } from "./checks";
import { formatFhirDate } from "./dates";
import type { DetectedHiType } from "./hi-type";
import { analyseBundle, bundleToTimelineItems, detectHiType, documentDate, extractDemographics } from "./timeline";

const fixtures = requireSharedFixtures("fhir");

const PREFIX_TO_HI_TYPE: Record<string, DetectedHiType> = {
  opconsult: "OPConsultation",
  prescription: "Prescription",
  diagnosticreport: "DiagnosticReport",
  dischargesummary: "DischargeSummary",
  immunization: "ImmunizationRecord",
  healthdocument: "HealthDocumentRecord",
  wellness: "WellnessRecord",
  invoice: "Invoice",
};

/**
 * The date rule written out independently of the implementation: per resource type, the
 * fields to try in order (fhir-notes §3). A `?` suffix marks free-text choices that count only
 * when they look like a date.
 */
const EXPECTED_DATE_FIELDS: Record<string, string[]> = {
  Observation: ["effectiveDateTime", "effectiveInstant", "effectivePeriod.start", "issued"],
  DiagnosticReport: ["effectiveDateTime", "effectiveInstant", "effectivePeriod.start", "issued"],
  Condition: ["onsetDateTime", "onsetPeriod.start", "onsetString?", "recordedDate"],
  Procedure: ["performedDateTime", "performedPeriod.start", "performedString?"],
  MedicationRequest: ["authoredOn"],
  MedicationStatement: ["effectiveDateTime", "effectivePeriod.start", "dateAsserted"],
  Immunization: ["occurrenceDateTime", "occurrenceString?", "recorded"],
  ImmunizationRecommendation: ["date"],
  AllergyIntolerance: ["onsetDateTime", "onsetPeriod.start", "onsetString?", "recordedDate"],
  DocumentReference: ["date", "content.0.attachment.creation"],
  CarePlan: ["period.start", "created"],
  ServiceRequest: ["authoredOn", "occurrenceDateTime", "occurrencePeriod.start"],
  Appointment: ["start", "created"],
  Invoice: ["date"],
  FamilyMemberHistory: ["date"],
  Media: ["createdDateTime", "createdPeriod.start", "issued", "content.creation"],
  ImagingStudy: ["started"],
  Encounter: ["period.start"],
  Binary: [],
};

function get(obj: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), obj);
}

function expectedDate(resource: Record<string, unknown>): string | null {
  const fields = EXPECTED_DATE_FIELDS[String(resource.resourceType)];
  if (!fields) throw new Error(`no expected-date rule for ${String(resource.resourceType)}`);
  for (const f of fields) {
    const lenient = f.endsWith("?");
    const v = get(resource, lenient ? f.slice(0, -1) : f);
    if (typeof v !== "string" || v === "") continue;
    if (lenient && !/^\d{4}(-\d{2}){0,2}/.test(v)) continue;
    return v;
  }
  return null;
}

const files = fixtures.dir ? fs.readdirSync(fixtures.dir).filter((f) => f.endsWith(".json")).sort() : [];

fixtures.describe("real ABDM bundles", () => {
  it("finds all 28 bundles", () => {
    expect(files).toHaveLength(28);
  });

  for (const file of files) {
    const prefix = file.replace(/-\d+\.json$/, "");
    it(`${file}: HI type, one item per clinical resource, dates as written, readable titles`, () => {
      const bundle = fixtures.readJson<Record<string, unknown>>(file);
      const expectedType = PREFIX_TO_HI_TYPE[prefix];
      expect(expectedType, `unknown prefix ${prefix}`).toBeDefined();
      expect(detectHiType(bundle)).toBe(expectedType);

      const result = checkBundle(bundle, { expectHiType: expectedType });
      expect(result.problems).toEqual([]);

      const items = result.items;
      expect(items.length).toBeGreaterThan(0);
      for (const { resource, pointer } of clinicalResources(bundle)) {
        const item = items.find((i) => i.detail.pointer === pointer);
        if (!item) continue; // a duplicated Type/id entry; checkBundle already verified coverage
        expect(item.date, `${file} ${pointer} date`).toBe(expectedDate(resource));
        expect(item.title.trim().length, `${file} ${pointer} title`).toBeGreaterThan(1);
        expect(item.hiType).toBe(expectedType);
      }
      expect(documentDate(bundle)).not.toBeNull();
    });
  }

  it("never puts base64 into items (the largest bundle's items stay small)", () => {
    const bundle = fixtures.readJson("dischargesummary-1.json");
    const size = JSON.stringify(bundleToTimelineItems(bundle)).length;
    expect(size).toBeLessThan(60_000);
  });
});

fixtures.describe("real bundles: hand-checked values", () => {
  const load = (f: string) => fixtures.readJson<Record<string, unknown>>(f);

  it("prescription-1: authoredOn (2020-07-09), not Composition.date (2017-05-27)", () => {
    const items = bundleToTimelineItems(load("prescription-1.json"));
    const meds = items.filter((i) => i.resourceType === "MedicationRequest");
    expect(meds.map((m) => m.date)).toEqual(["2020-07-09", "2020-07-09"]);
    expect(meds[0].datePrecision).toBe("day");
    expect(meds[0].dateSort).toBe("2020-07-08T18:30:00.000Z");
    expect(documentDate(load("prescription-1.json"))).toBe("2020-07-09");
    const binary = items.find((i) => i.resourceType === "Binary")!;
    expect(binary.attachment).toMatchObject({ contentType: "application/pdf", sniffedType: "application/pdf", viewer: "pdf" });
  });

  it("prescription-3: medicationReference resolved and text-only concept both titled", () => {
    const titles = bundleToTimelineItems(load("prescription-3.json"))
      .filter((i) => i.resourceType === "MedicationRequest")
      .map((i) => i.title);
    expect(titles).toEqual(["ibuprofen 500 mg", "azithromycin 500mg"]);
  });

  it("diagnosticreport-1: issued in +11:00 kept as written; results abnormal by range", () => {
    const items = bundleToTimelineItems(load("diagnosticreport-1.json"));
    const dr = items.find((i) => i.resourceType === "DiagnosticReport")!;
    expect(dr.date).toBe("2020-07-10T11:45:33+11:00");
    expect(dr.dateSort).toBe("2020-07-10T00:45:33.000Z");
    expect(formatFhirDate(dr.date)).toBe("10 Jul 2020, 11:45 UTC+11:00");
    const chol = items.find((i) => i.resourceId === "cholesterol")!;
    expect(chol).toMatchObject({ abnormal: true, date: null, section: "Hematology report" });
    expect(chol.detail.parent).toMatchObject({ resourceType: "DiagnosticReport", resourceId: "1" });
    expect(chol.detail.dateSortFrom).toBe("parent");
    expect(dr.abnormal).toBe(true);
  });

  it("diagnosticreport-6: collection without Composition, URL-only presentedForm offered as a link", () => {
    const bundle = load("diagnosticreport-6.json");
    const items = bundleToTimelineItems(bundle);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ resourceType: "DiagnosticReport", date: "2012-12-01T12:00:00+01:00", section: null });
    expect(items[0].attachment).toMatchObject({ inline: false, viewer: "link", url: "http://www.africau.edu/images/default/sample.pdf" });
  });

  it("diagnosticreport-4: inline DICOM is download-only; Media titled from the DR's link display", () => {
    const media = bundleToTimelineItems(load("diagnosticreport-4.json")).find((i) => i.resourceType === "Media")!;
    expect(media.title).toBe("Radiology: XRay PA View Chest");
    expect(media.attachment).toMatchObject({ sniffedType: "application/dicom", viewer: "download" });
  });

  it("opconsult-3 / healthdocument-2: double-base64 PDFs are recognised, not passed off as raw PDFs", () => {
    const doc = bundleToTimelineItems(load("healthdocument-2.json")).find((i) => i.resourceType === "DocumentReference")!;
    expect(doc.attachment).toMatchObject({ doubleEncoded: true, sniffedType: "application/pdf", mismatch: false });
  });

  it("opconsult-1: sections in Composition order, appointment time in Z kept", () => {
    const a = analyseBundle(load("opconsult-1.json"));
    expect(a.sections.map((s) => s.title)).toEqual([
      "Chief complaints",
      "Allergies",
      "Medical History",
      "Investigation Advice",
      "Medications",
      "Procedure",
      "Follow Up",
      "Document Reference",
    ]);
    const appt = a.items.find((i) => i.resourceType === "Appointment")!;
    expect(appt.date).toBe("2020-07-12T09:00:00Z");
    expect(a.documentDate).toMatchObject({ date: "2020-07-09T14:58:58.181+05:30", source: "encounter" });
  });

  it("immunization-1: vaccination date (2021-02-21) after the document date is kept", () => {
    const imm = bundleToTimelineItems(load("immunization-1.json")).find((i) => i.resourceType === "Immunization")!;
    expect(imm.date).toBe("2021-02-21");
    expect(imm.detail).toMatchObject({ lotNumber: "BSCD12344SS" });
  });

  it("invoice-1: one invoice item with its four lines resolved to medicines, totals in ₹", () => {
    const items = bundleToTimelineItems(load("invoice-1.json"));
    expect(items).toHaveLength(1);
    const inv = items[0];
    expect(inv.date).toBe("2023-05-01T10:00:00.181+05:30");
    const lines = inv.detail.lines as { item: string; components: unknown[] }[];
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.item !== "Medication" && !/^Item \d/.test(l.item))).toBe(true);
    expect(inv.detail.totalGross).toBe("₹2,575.00");
  });

  it("wellness-1: BP components summarised, unreferenced BP kept as 'other'", () => {
    const a = analyseBundle(load("wellness-1.json"));
    const bp = a.items.find((i) => i.resourceId === "blood-pressure")!;
    expect(bp.value).toBe("107/60 mmHg");
    expect(bp.abnormal).toBe(true);
    expect(a.other).toContain(bp);
  });

  it("dischargesummary-1: discharge date range from the Encounter", () => {
    const a = analyseBundle(load("dischargesummary-1.json"));
    expect(a.documentDate).toMatchObject({ source: "encounter", date: "2020-04-20T15:32:26.605+05:30" });
    expect(a.documentDate?.end).toBeTruthy();
  });

  it("demographics from the Patient, and from a display-only subject", () => {
    expect(extractDemographics(load("opconsult-1.json"))).toMatchObject({
      name: "ABC",
      gender: "male",
      birthDate: "1981-01-12",
      abhaNumber: "22-7225-4829-5255",
    });
    expect(extractDemographics(load("diagnosticreport-6.json")).name).toBeNull();
  });
});
