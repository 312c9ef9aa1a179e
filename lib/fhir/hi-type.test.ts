import { describe, expect, it } from "vitest";
import { detectHiType, hiTypeFromProfile } from "./hi-type";

const doc = (composition: Record<string, unknown>, more: unknown[] = []) => ({
  resourceType: "Bundle",
  type: "document",
  entry: [{ resource: { resourceType: "Composition", ...composition } }, ...more.map((resource) => ({ resource }))],
});

describe("detectHiType", () => {
  it("uses the Composition profile first, with or without version and scheme", () => {
    expect(hiTypeFromProfile("https://nrces.in/ndhm/fhir/r4/StructureDefinition/OPConsultRecord")).toBe("OPConsultation");
    expect(hiTypeFromProfile("http://nrces.in/ndhm/fhir/r4/StructureDefinition/InvoiceRecord|6.5.0")).toBe("Invoice");
    expect(
      detectHiType(doc({ meta: { profile: ["https://nrces.in/ndhm/fhir/r4/StructureDefinition/WellnessRecord"] }, type: { text: "Prescription" } })),
    ).toBe("WellnessRecord");
  });

  it("matches SNOMED type codes whatever the system says", () => {
    expect(detectHiType(doc({ type: { coding: [{ system: "https://projecteka.in/sct", code: "440545006" }] } }))).toBe("Prescription");
    expect(detectHiType(doc({ type: { coding: [{ system: "http://loinc.org", code: "373942005" }] } }))).toBe("DischargeSummary");
    expect(detectHiType(doc({ type: { coding: [{ system: "https://ndhm.in/sct", code: "419891008" }] } }))).toBe("HealthDocumentRecord");
  });

  it("lets the code win over a contradicting type.text", () => {
    expect(
      detectHiType(doc({ type: { coding: [{ system: "https://projecteka.in/sct", code: "721981007" }], text: "Prescription record" } })),
    ).toBe("DiagnosticReport");
  });

  it("falls back to type.text, a coding display without code, then the title", () => {
    expect(detectHiType(doc({ type: { text: "Wellness Record" } }))).toBe("WellnessRecord");
    expect(detectHiType(doc({ type: { text: "Invoice Record" } }))).toBe("Invoice");
    expect(detectHiType(doc({ type: { coding: [{ system: "https://projecteka.in/sct", display: "Wellness Record" }] } }))).toBe(
      "WellnessRecord",
    );
    expect(detectHiType(doc({ title: "OP Consultation Document" }))).toBe("OPConsultation");
    expect(detectHiType(doc({ type: { coding: [{ code: "28655-9" }] } }))).toBe("DischargeSummary");
  });

  it("judges collection bundles without a Composition by their content", () => {
    const coll = (...resources: unknown[]) => ({ resourceType: "Bundle", type: "collection", entry: resources.map((resource) => ({ resource })) });
    expect(detectHiType(coll({ resourceType: "DiagnosticReport" }))).toBe("DiagnosticReport");
    expect(detectHiType(coll({ resourceType: "DocumentReference" }))).toBe("HealthDocumentRecord");
    expect(detectHiType(coll({ resourceType: "MedicationRequest" }, { resourceType: "Medication" }))).toBe("Prescription");
  });

  it("says unknown when nothing fits, and never throws", () => {
    expect(detectHiType(doc({ type: { text: "Random note" } }))).toBe("unknown");
    for (const junk of [null, undefined, 1, "x", {}, { entry: [null, 1, { resource: "x" }] }]) expect(detectHiType(junk)).toBe("unknown");
  });
});
