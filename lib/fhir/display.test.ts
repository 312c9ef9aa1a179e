import { describe, expect, it } from "vitest";
import {
  conceptCodes,
  conceptText,
  describeDosage,
  formatDosage,
  formatHumanName,
  formatMoney,
  formatPeriod,
  formatQuantity,
  formatRange,
  formatTiming,
  formatValueX,
  humanizeResourceType,
  systemLabel,
} from "./display";

describe("conceptText", () => {
  it("prefers text, then the first coding display, then a labelled code", () => {
    expect(conceptText({ text: "Foot swelling", coding: [{ display: "Swelling of foot" }] })).toBe("Foot swelling");
    expect(conceptText({ coding: [{ code: "1" }, { code: "2", display: "Second" }] })).toBe("Second");
    expect(conceptText({ coding: [{ system: "https://projecteka.in/sct", code: "22298006" }] })).toBe("SNOMED 22298006");
    expect(conceptText({ coding: [{ system: "urn:fr:hip", code: "X1" }] })).toBe("urn:fr:hip X1");
  });

  it("returns null for nothing and survives junk", () => {
    expect(conceptText({})).toBeNull();
    expect(conceptText(null)).toBeNull();
    expect(conceptText({ coding: "not an array" })).toBeNull();
    expect(conceptText({ coding: [null, 5, { display: "  " }] })).toBeNull();
  });
});

describe("systemLabel", () => {
  it("recognises pseudo and typo systems by substring", () => {
    expect(systemLabel("http://snomed.info/sct")).toBe("SNOMED");
    expect(systemLabel("https://projecteka.in/sct")).toBe("SNOMED");
    expect(systemLabel("https://ndhm.in/sct")).toBe("SNOMED");
    expect(systemLabel("https://projecteka.insct/condition")).toBe("SNOMED");
    expect(systemLabel("https://projecteka.inloinc/test")).toBe("LOINC");
    expect(systemLabel("http://hl7.org/fhir/sid/ndc")).toBe("NDC");
    expect(systemLabel("https://www.max.in/codes")).toBe("max.in");
  });
});

describe("conceptCodes", () => {
  it("keeps codings without a code if they have a display, drops empty ones, dedupes", () => {
    expect(
      conceptCodes({ coding: [{ system: "s", display: "Wellness Record" }, {}, { system: "s", display: "Wellness Record" }] }),
    ).toEqual([{ system: "s", display: "Wellness Record" }]);
  });
});

describe("quantities, ranges, money", () => {
  it("strips float noise and uses clinical unit forms", () => {
    expect(formatQuantity({ value: 66.89999999999999, unit: "in" })).toBe("66.9 in");
    expect(formatQuantity({ value: 36.5, unit: "Cel" })).toBe("36.5 °C");
    expect(formatQuantity({ value: 95, unit: "%" })).toBe("95%");
    expect(formatQuantity({ value: 10000, code: "{steps}" })).toBe("10000");
    expect(formatQuantity({ value: "7.2", unit: "mmol/L", comparator: "<" })).toBe("<7.2 mmol/L");
    expect(formatQuantity({ unit: "mg" })).toBeNull();
  });

  it("formats ranges with one or both ends", () => {
    expect(formatRange({ low: { value: 13, unit: "g/dL" }, high: { value: 17, unit: "g/dL" } })).toBe("13–17 g/dL");
    expect(formatRange({ high: { value: 4.5, unit: "mmol/L" } })).toBe("≤ 4.5 mmol/L");
    expect(formatRange({ low: { value: 90 } })).toBe("≥ 90");
    expect(formatRange({})).toBeNull();
  });

  it("formats INR the Indian way", () => {
    expect(formatMoney({ value: 257500.5, currency: "INR" })).toBe("₹2,57,500.50");
    expect(formatMoney({ value: 12 })).toBe("₹12.00");
    expect(formatMoney({ value: 5, currency: "USD" })).toMatch(/5\.00/);
    expect(formatMoney({ value: 5, currency: "NOT-A-CURRENCY" })).toBe("5 NOT-A-CURRENCY");
  });

  it("formats periods honestly", () => {
    expect(formatPeriod({ start: "2020-04-20", end: "2020-05-01" })).toBe("20 Apr 2020 – 1 May 2020");
    expect(formatPeriod({ start: "2020-04-20" })).toBe("from 20 Apr 2020");
    expect(formatPeriod({})).toBeNull();
  });
});

describe("names", () => {
  it("uses text, else the parts, preferring the official name", () => {
    expect(formatHumanName([{ text: "Navjot Singhal" }])).toBe("Navjot Singhal");
    expect(formatHumanName([{ use: "nickname", text: "Nav" }, { use: "official", prefix: ["Dr"], given: ["Asha"], family: "Rao" }])).toBe(
      "Dr Asha Rao",
    );
    expect(formatHumanName([])).toBeNull();
    expect(formatHumanName("not a name")).toBe("not a name");
  });
});

describe("dosage", () => {
  it("breaks a structured dosage into prescription columns", () => {
    const d = describeDosage({
      doseAndRate: [{ doseQuantity: { value: 1, unit: "tablet" } }],
      timing: { repeat: { frequency: 2, period: 1, periodUnit: "d", when: ["PC"], boundsDuration: { value: 5, code: "d" } } },
      route: { coding: [{ display: "Oral route" }] },
      additionalInstruction: [{ text: "With plenty of water" }],
    });
    expect(d).toMatchObject({
      dose: "1 tablet",
      timing: "twice a day, after meals",
      duration: "for 5 days",
      route: "Oral route",
      instructions: ["With plenty of water"],
    });
  });

  it("keeps the free text and adds only what it does not already say", () => {
    expect(formatDosage({ text: "1 tablet 3 times a day", route: { text: "Oral" } })).toBe("1 tablet 3 times a day (Oral)");
    expect(formatTiming({ repeat: { frequency: 1, period: 8, periodUnit: "h" } })).toBe("every 8 hours");
    expect(formatTiming({ code: { text: "BID" } })).toBe("BID");
  });
});

describe("value[x] and names of types", () => {
  it("formats every value choice", () => {
    expect(formatValueX({ valueString: "B+" })).toBe("B+");
    expect(formatValueX({ valueBoolean: false })).toBe("No");
    expect(formatValueX({ valueInteger: 3 })).toBe("3");
    expect(formatValueX({ valueCodeableConcept: { text: "Vegan" } })).toBe("Vegan");
    expect(formatValueX({ valueQuantity: { value: 41021, unit: "MMDDYY", code: "{MMDDYY}" } })).toBe("41021 MMDDYY");
    expect(formatValueX({ valueDateTime: "2020-11-14" })).toBe("14 Nov 2020");
    expect(formatValueX({})).toBeNull();
  });

  it("humanises resource types", () => {
    expect(humanizeResourceType("MedicationRequest")).toBe("Medication request");
    expect(humanizeResourceType(undefined)).toBe("Record");
  });
});
