import { describe, expect, it } from "vitest";
import { checkBundle } from "./checks";
import { analyseBundle, bundleToTimelineItems, documentDate, extractDemographics, parseBundleText, toTimelineColumns } from "./timeline";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const PDF = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

function document(sections: { title: string; refs: string[] }[], entries: { fullUrl?: string; resource: unknown }[], extra: Record<string, unknown> = {}) {
  return {
    resourceType: "Bundle",
    type: "document",
    timestamp: "2024-03-05T10:00:00+05:30",
    entry: [
      {
        fullUrl: "urn:uuid:comp",
        resource: {
          resourceType: "Composition",
          id: "comp",
          status: "final",
          type: { coding: [{ system: "http://snomed.info/sct", code: "371530004" }] },
          date: "2024-03-05T10:00:00+05:30",
          title: "Consultation",
          section: sections.map((s) => ({ title: s.title, entry: s.refs.map((reference) => ({ reference })) })),
          ...extra,
        },
      },
      ...entries,
    ],
  };
}

describe("bundleToTimelineItems: messy shapes from fhir-notes", () => {
  it("missing ids: resourceId null, item still made, reference by fullUrl works", () => {
    const items = bundleToTimelineItems(
      document([{ title: "Vitals", refs: ["urn:uuid:o1"] }], [
        { fullUrl: "urn:uuid:o1", resource: { resourceType: "Observation", code: { text: "Pulse" }, valueQuantity: { value: 72, unit: "/min" }, effectiveDateTime: "2024-03-05" } },
      ]),
    );
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ resourceType: "Observation", resourceId: null, title: "Pulse", value: "72 /min", section: "Vitals" });
  });

  it("missing fullUrls: Type/id references still resolve and sections are kept", () => {
    const a = analyseBundle(
      document([{ title: "Chief complaints", refs: ["Condition/c1"] }], [{ resource: { resourceType: "Condition", id: "c1", code: { text: "Fever" }, onsetDateTime: "2024-03-03" } }]),
    );
    expect(a.sections[0].items.map((i) => i.title)).toEqual(["Fever"]);
    expect(a.items[0].date).toBe("2024-03-03");
  });

  it("display-only references: medication named from Reference.display, unresolved section entries listed", () => {
    const a = analyseBundle(
      document(
        [
          { title: "Medications", refs: ["urn:uuid:mr"] },
          { title: "Advice", refs: ["urn:uuid:missing"] },
        ],
        [
          {
            fullUrl: "urn:uuid:mr",
            resource: {
              resourceType: "MedicationRequest",
              id: "mr",
              authoredOn: "2024-03-05",
              medicationReference: { reference: "Medication/not-here", display: "Dolo 650 tablet" },
              requester: { display: "Dr. Meena Iyer" },
              dosageInstruction: [{ text: "1-0-1 after food" }],
            },
          },
        ],
      ),
    );
    expect(a.items[0]).toMatchObject({ title: "Dolo 650 tablet", summary: "1-0-1 after food" });
    expect(a.items[0].detail.requester).toBe("Dr. Meena Iyer");
    expect(a.sections[1].unresolved).toEqual(["urn:uuid:missing"]);
  });

  it("pseudo code systems: codes kept as sent, title from display", () => {
    const [item] = bundleToTimelineItems(
      document([{ title: "Dx", refs: ["Condition/1"] }], [
        { fullUrl: "Condition/1", resource: { resourceType: "Condition", id: "1", code: { coding: [{ system: "https://projecteka.insct/condition", code: "38341003" }] } } },
      ]),
    );
    expect(item.title).toBe("SNOMED 38341003");
    expect(item.codes).toEqual([{ system: "https://projecteka.insct/condition", code: "38341003" }]);
  });

  it("dates without zones and partial dates: kept verbatim, sorted in IST, precision recorded", () => {
    const items = bundleToTimelineItems(
      document([{ title: "History", refs: ["Condition/a", "Procedure/b", "Observation/c"] }], [
        { resource: { resourceType: "Condition", id: "a", code: { text: "Asthma" }, onsetDateTime: "2019" } },
        { resource: { resourceType: "Procedure", id: "b", code: { text: "Appendicectomy" }, performedDateTime: "2021-06" } },
        { resource: { resourceType: "Observation", id: "c", code: { text: "Weight" }, effectiveDateTime: "2019-08-01T10:00:00.818234", valueQuantity: { value: 61, unit: "kg" } } },
      ]),
    );
    expect(items.map((i) => [i.date, i.datePrecision, i.dateSort])).toEqual([
      ["2019", "year", "2018-12-31T18:30:00.000Z"],
      ["2021-06", "month", "2021-05-31T18:30:00.000Z"],
      ["2019-08-01T10:00:00.818234", "datetime", "2019-08-01T04:30:00.818Z"],
    ]);
  });

  it("free-text onset is not taken as a date; recordedDate is used instead", () => {
    const [item] = bundleToTimelineItems(
      document([{ title: "History", refs: ["Condition/a"] }], [
        { resource: { resourceType: "Condition", id: "a", code: { text: "Eczema" }, onsetString: "since childhood", recordedDate: "2023-01-10" } },
      ]),
    );
    expect(item.date).toBe("2023-01-10");
    expect(item.detail.onsetText).toBe("since childhood");
  });

  it("PDFs that are not PDFs are flagged; data never reaches the item", () => {
    const [item] = bundleToTimelineItems(
      document([{ title: "Documents", refs: ["DocumentReference/d"] }], [
        {
          resource: {
            resourceType: "DocumentReference",
            id: "d",
            type: { text: "Discharge note" },
            content: [{ attachment: { contentType: "application/pdf", data: b64("see the paper copy"), creation: "2024-03-01" } }],
          },
        },
      ]),
    );
    expect(item.date).toBe("2024-03-01");
    expect(item.attachment).toMatchObject({ mismatch: true, viewer: "download" });
    expect(JSON.stringify(item)).not.toContain(b64("see the paper copy"));
  });

  it("collection bundles without a Composition: every clinical resource still yields an item", () => {
    const bundle = {
      resourceType: "Bundle",
      type: "collection",
      entry: [
        { resource: { resourceType: "DocumentReference", id: "x", description: "Scanned OPD card", content: [{ attachment: { contentType: "application/pdf", data: b64(PDF) } }] } },
      ],
    };
    const a = analyseBundle(bundle);
    expect(a.hiType).toBe("HealthDocumentRecord");
    expect(a.items).toHaveLength(1);
    expect(a.items[0]).toMatchObject({ title: "Scanned OPD card", section: null, date: null });
    expect(a.other).toHaveLength(1);
    expect(checkBundle(bundle).problems).toEqual([]);
  });

  it("contained resources: results held in `contained` become items with their parent", () => {
    const a = analyseBundle(
      document([{ title: "Lab", refs: ["DiagnosticReport/r"] }], [
        {
          resource: {
            resourceType: "DiagnosticReport",
            id: "r",
            code: { text: "Complete blood count" },
            effectiveDateTime: "2024-03-04T08:15:00+05:30",
            contained: [
              { resourceType: "Observation", id: "hb", code: { text: "Haemoglobin" }, valueQuantity: { value: 10.1, unit: "g/dL" }, referenceRange: [{ low: { value: 12, unit: "g/dL" }, high: { value: 15, unit: "g/dL" } }] },
            ],
            result: [{ reference: "#hb" }],
          },
        },
      ]),
    );
    const hb = a.items.find((i) => i.resourceId === "hb")!;
    expect(hb).toMatchObject({ kind: "lab-result", abnormal: true, section: "Lab", date: null });
    expect(hb.detail.pointer).toBe("/entry/1/resource/contained/0");
    expect(hb.dateSort).toBe("2024-03-04T02:45:00.000Z");
    expect(a.childrenOf("/entry/1/resource")).toEqual([hb]);
    expect(a.items.find((i) => i.resourceId === "r")!.abnormal).toBe(true);
  });

  it("the same resource referenced twice, or duplicated as an entry, yields one item", () => {
    const items = bundleToTimelineItems(
      document(
        [
          { title: "Complaints", refs: ["Condition/c"] },
          { title: "Diagnosis", refs: ["Condition/c"] },
          { title: "Medications", refs: ["MedicationRequest/m"] },
        ],
        [
          { resource: { resourceType: "Condition", id: "c", code: { text: "Migraine" } } },
          { resource: { resourceType: "Condition", id: "c", code: { text: "Migraine" } } },
          { resource: { resourceType: "MedicationRequest", id: "m", authoredOn: "2024-03-05", medicationCodeableConcept: { text: "Sumatriptan 50 mg" }, reasonReference: [{ reference: "Condition/c" }] } },
        ],
      ),
    );
    expect(items.map((i) => `${i.resourceType}/${i.resourceId}:${i.section}`)).toEqual(["Condition/c:Complaints", "MedicationRequest/m:Medications"]);
  });

  it("a section's items include resources reached only through its entries, but not report results", () => {
    const a = analyseBundle(
      document([{ title: "Prescription", refs: ["MedicationRequest/m", "DiagnosticReport/r"] }], [
        { resource: { resourceType: "MedicationRequest", id: "m", authoredOn: "2024-03-05", medicationCodeableConcept: { text: "Azithromycin 500 mg" }, reasonReference: [{ reference: "Condition/c" }] } },
        { resource: { resourceType: "Condition", id: "c", code: { text: "Pharyngitis" } } },
        { resource: { resourceType: "DiagnosticReport", id: "r", code: { text: "Throat swab" }, result: [{ reference: "Observation/o" }] } },
        { resource: { resourceType: "Observation", id: "o", code: { text: "Culture" }, valueString: "No growth" } },
      ]),
    );
    expect(a.sections[0].items.map((i) => i.resourceId)).toEqual(["m", "c", "r"]);
    expect(a.childrenOf(a.sections[0].items[2].detail.pointer!).map((i) => i.resourceId)).toEqual(["o"]);
  });

  it("a resource listed directly in a later section keeps that section even if reached earlier", () => {
    const items = bundleToTimelineItems(
      document(
        [
          { title: "Medications", refs: ["MedicationRequest/m"] },
          { title: "Diagnosis", refs: ["Condition/c"] },
        ],
        [
          { resource: { resourceType: "MedicationRequest", id: "m", authoredOn: "2024-03-05", medicationCodeableConcept: { text: "Amoxicillin" }, reasonReference: [{ reference: "Condition/c" }] } },
          { resource: { resourceType: "Condition", id: "c", code: { text: "Otitis media" } } },
        ],
      ),
    );
    expect(items.find((i) => i.resourceId === "c")!.section).toBe("Diagnosis");
  });

  it("undated resources are ordered at the record's date, without inventing a date", () => {
    const bundle = document([{ title: "Complaints", refs: ["Condition/c"] }], [
      { resource: { resourceType: "Condition", id: "c", code: { text: "Cough" } } },
      { resource: { resourceType: "Encounter", id: "e", class: { code: "AMB" }, period: { start: "2024-03-05T09:30:00+05:30" } } },
    ], { encounter: { reference: "Encounter/e" } });
    const [cough] = bundleToTimelineItems(bundle);
    expect(cough).toMatchObject({ date: null, datePrecision: null, dateSort: "2024-03-05T04:00:00.000Z" });
    expect(cough.detail.dateSortFrom).toBe("document");
    expect(documentDate(bundle)).toBe("2024-03-05T09:30:00+05:30");
  });

  it("unknown clinical resource types get a generic item; supporting ones none", () => {
    const items = bundleToTimelineItems(
      document([], [
        { resource: { resourceType: "NutritionOrder", id: "n", dateTime: "2024-03-05", status: "active" } },
        { resource: { resourceType: "Practitioner", id: "p" } },
        { resource: { resourceType: "Medication", id: "m" } },
      ]),
    );
    expect(items.map((i) => [i.resourceType, i.title, i.date])).toEqual([["NutritionOrder", "Nutrition order", "2024-03-05"]]);
  });

  it("search text is lower-cased, includes notes and codes, never attachment data", () => {
    const [item] = bundleToTimelineItems(
      document([{ title: "Findings", refs: ["Observation/o"] }], [
        {
          resource: {
            resourceType: "Observation",
            id: "o",
            code: { coding: [{ system: "http://loinc.org", code: "2339-0", display: "Glucose [Mass/volume] in Blood" }] },
            valueQuantity: { value: 180, unit: "mg/dL" },
            interpretation: [{ coding: [{ code: "H" }] }],
            note: [{ text: "Post-prandial SAMPLE" }],
            valueAttachment: undefined,
          },
        },
      ]),
    );
    expect(item.searchText).toContain("glucose [mass/volume] in blood");
    expect(item.searchText).toContain("2339-0");
    expect(item.searchText).toContain("post-prandial sample");
    expect(item.searchText).toBe(item.searchText.toLowerCase());
    expect(item.abnormal).toBe(true);
    expect(item.detail.trendKey).toBe("loinc:2339-0");
  });

  it("never throws on junk", () => {
    const junk: unknown[] = [
      null,
      undefined,
      42,
      "bundle",
      [],
      {},
      { resourceType: "Bundle" },
      { resourceType: "Bundle", entry: "x" },
      { resourceType: "Bundle", entry: [null, 1, "x", { resource: 5 }, { resource: { resourceType: 7 } }] },
      document([{ title: "S", refs: ["Observation/o"] }], [
        { resource: { resourceType: "Observation", id: "o", code: "not a concept", valueQuantity: "12", effectiveDateTime: 20240305, component: "x", referenceRange: [null, { low: "a" }], interpretation: {} } },
      ]),
      document([{ title: "S", refs: [] }], [
        { resource: { resourceType: "MedicationRequest", dosageInstruction: [{ timing: { repeat: "x" } }, null], medicationReference: 5 } },
        { resource: { resourceType: "Invoice", lineItem: [{ priceComponent: [{ amount: { value: "x" } }] }, null], totalGross: 5 } },
        { resource: { resourceType: "Immunization", protocolApplied: "x", vaccineCode: [] } },
        { resource: { resourceType: "DocumentReference", content: [null, { attachment: { data: 5 } }] } },
        { resource: { resourceType: "Encounter", class: "x", period: "y", diagnosis: [{ condition: 5 }] } },
      ]),
    ];
    for (const j of junk) {
      expect(() => analyseBundle(j)).not.toThrow();
      for (const item of bundleToTimelineItems(j)) expect(item.title.length).toBeGreaterThan(0);
    }
  });

  it("maps onto timeline_items columns", () => {
    const [item] = bundleToTimelineItems(
      document([{ title: "Vitals", refs: ["Observation/o"] }], [
        { resource: { resourceType: "Observation", id: "o", code: { text: "Pulse" }, effectiveDateTime: "2024-03-05", valueQuantity: { value: 80 } } },
      ]),
    );
    const cols = toTimelineColumns(item);
    expect(cols).toMatchObject({ dateText: "2024-03-05", datePrecision: "day", hiType: "OPConsultation", kind: "observation", title: "Pulse" });
    expect(cols.dateSort?.toISOString()).toBe("2024-03-04T18:30:00.000Z");
  });
});

describe("parseBundleText", () => {
  it("parses strict JSON, repairs raw newlines/tabs inside strings, reports the rest", () => {
    expect(parseBundleText('{"resourceType":"Bundle","entry":[]}')).toMatchObject({ repaired: false, error: null });
    const raw = '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Composition","text":{"div":"<div>line one\n\tline two</div>"}}}]}'; // a raw newline and tab inside a JSON string
    expect(() => JSON.parse(raw)).toThrow();
    const parsed = parseBundleText(raw);
    expect(parsed.repaired).toBe(true);
    expect((parsed.bundle!.entry![0].resource as { text: { div: string } }).text.div).toBe("<div>line one\n\tline two</div>");
    expect(parseBundleText("{nope").error).toMatch(/not valid JSON/);
    expect(parseBundleText("[1,2]").error).toMatch(/not a FHIR resource/);
    expect(parseBundleText('{"resourceType":"Observation"}').bundle?.type).toBe("collection");
  });
});

describe("extractDemographics", () => {
  it("reads the subject Patient and its ABHA identifiers", () => {
    const d = extractDemographics(
      document([], [
        {
          fullUrl: "urn:uuid:p",
          resource: {
            resourceType: "Patient",
            id: "p",
            name: [{ given: ["Kavya"], family: "Menon" }],
            gender: "female",
            birthDate: "1990-04",
            identifier: [
              { system: "https://healthid.abdm.gov.in", type: { coding: [{ code: "ABHA" }] }, value: "91-1234-5678-9012" },
              { system: "urn:health:information:provider:system", type: { coding: [{ code: "ABHAAddress" }] }, value: "kavya.menon@sbx" },
            ],
          },
        },
      ], { subject: { reference: "urn:uuid:p" } }),
    );
    expect(d).toMatchObject({ name: "Kavya Menon", gender: "female", birthDate: "1990-04", abhaNumber: "91-1234-5678-9012", abhaAddress: "kavya.menon@sbx" });
  });

  it("falls back to the subject's display when there is no Patient", () => {
    expect(extractDemographics(document([], [], { subject: { display: "Ravi Kumar" } })).name).toBe("Ravi Kumar");
    expect(extractDemographics(null)).toMatchObject({ name: null, gender: null, birthDate: null });
  });
});
