import { describe, expect, it } from "vitest";
import { trendKeysWithHistory, trendSeries } from "./trends";
import { bundleToTimelineItems } from "./timeline";

function lab(date: string, value: number, unit = "g/dL", code = "718-7") {
  return {
    resourceType: "Bundle",
    type: "collection",
    entry: [
      {
        resource: {
          resourceType: "Observation",
          code: { coding: [{ system: "http://loinc.org", code, display: "Hemoglobin" }], text: "Haemoglobin" },
          effectiveDateTime: date,
          valueQuantity: { value, unit },
          referenceRange: [{ low: { value: 12, unit }, high: { value: 15.5, unit } }],
        },
      },
    ],
  };
}

describe("trendSeries", () => {
  it("orders points by clinical instant across records, keeping dates as written", () => {
    const items = [
      ...bundleToTimelineItems(lab("2025-02-11", 12.6)).map((i) => ({ ...i, source: "Lab B" })),
      ...bundleToTimelineItems(lab("2024-05-20T08:40:00+05:30", 11.2)).map((i) => ({ ...i, source: "Lab A" })),
    ];
    const s = trendSeries(items, "loinc:718-7")!;
    expect(s.points).toEqual([
      { date: "2024-05-20T08:40:00+05:30", value: 11.2, source: "Lab A", abnormal: true },
      { date: "2025-02-11", value: 12.6, source: "Lab B", abnormal: false },
    ]);
    expect(s).toMatchObject({ title: "Haemoglobin", unit: "g/dL", referenceRange: { low: 12, high: 15.5 } });
    expect(trendKeysWithHistory(items)).toEqual(["loinc:718-7"]);
  });

  it("works on stored rows (dateText) and keeps one unit per axis", () => {
    const rows = [
      ...bundleToTimelineItems(lab("2024-01-01", 7.0, "mmol/L", "2339-0")),
      ...bundleToTimelineItems(lab("2024-02-01", 126, "mg/dL", "2339-0")),
      ...bundleToTimelineItems(lab("2024-03-01", 110, "mg/dL", "2339-0")),
    ].map((i) => ({ dateText: i.date, title: i.title, abnormal: i.abnormal, detail: i.detail, hipName: "HIP" }));
    const s = trendSeries(rows, "loinc:2339-0")!;
    expect(s.unit).toBe("mg/dL");
    expect(s.points.map((p) => p.value)).toEqual([126, 110]);
    expect(s.skippedOtherUnits).toBe(1);
  });

  it("trends BP components on their own keys and ignores undated or non-numeric items", () => {
    const bp = (date: string | undefined, sys: number) => ({
      resourceType: "Bundle",
      entry: [
        {
          resource: {
            resourceType: "Observation",
            code: { coding: [{ system: "http://loinc.org", code: "85354-9" }], text: "Blood pressure" },
            ...(date ? { effectiveDateTime: date } : {}),
            component: [
              { code: { coding: [{ system: "http://loinc.org", code: "8480-6", display: "Systolic" }] }, valueQuantity: { value: sys, unit: "mmHg" } },
              { code: { coding: [{ system: "http://loinc.org", code: "8462-4", display: "Diastolic" }] }, valueQuantity: { value: 80, unit: "mmHg" } },
            ],
          },
        },
      ],
    });
    const items = [...bundleToTimelineItems(bp("2024-01-01", 150)), ...bundleToTimelineItems(bp("2024-06-01", 132)), ...bundleToTimelineItems(bp(undefined, 170))];
    expect(trendSeries(items, "loinc:8480-6")!.points.map((p) => p.value)).toEqual([150, 132]);
    expect(trendSeries(items, "loinc:0000-0")).toBeNull();
  });
});
