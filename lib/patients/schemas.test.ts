import { describe, expect, it } from "vitest";
import { addPatientSchema, formatAbhaNumber, normaliseAbhaAddress, patientSearchSchema } from "./schemas";

describe("normaliseAbhaAddress", () => {
  it.each([
    ["ravi.kumar@sbx", "ravi.kumar@sbx"],
    ["  Ravi.Kumar@SBX  ", "ravi.kumar@sbx"],
    ["asha_verma@abdm", "asha_verma@abdm"],
    ["abc@sbx", "abc@sbx"],
    ["ravi2024@sbx", "ravi2024@sbx"],
  ])("accepts %j as %j", (input, expected) => {
    expect(normaliseAbhaAddress(input, "sbx")).toEqual({ ok: true, value: expected, suffixAdded: false });
  });

  it("appends the deployment's suffix to a bare handle, once", () => {
    expect(normaliseAbhaAddress("ravi", "sbx")).toEqual({ ok: true, value: "ravi@sbx", suffixAdded: true });
    expect(normaliseAbhaAddress(" Ravi ", "abdm")).toEqual({ ok: true, value: "ravi@abdm", suffixAdded: true });
    // Normalising the result again changes nothing: the suffix is never appended twice.
    const once = normaliseAbhaAddress("ravi", "sbx");
    expect(once.ok && normaliseAbhaAddress(once.value, "sbx")).toEqual({ ok: true, value: "ravi@sbx", suffixAdded: false });
  });

  it.each([
    ["", /Enter the patient's ABHA address/],
    ["   ", /Enter the patient's ABHA address/],
    ["ravi@sbx@sbx", /more than one “@”/],
    ["ravi@@sbx", /more than one “@”/],
    ["ravi@", /Add the part after “@”: @sbx or @abdm/],
    ["@sbx", /Enter the name part before “@sbx”/],
    ["ravi@gmail.com", /end in @sbx or @abdm, not “@gmail.com”. It looks like an email address/],
    ["ravi@ndhm", /end in @sbx or @abdm, not “@ndhm”/],
    ["ravi kumar@sbx", /no spaces/],
    ["ra@sbx", /too short/],
    [`${"a".repeat(33)}@sbx`, /too long/],
    ["ravi-kumar@sbx", /only letters, numbers, dots/],
    ["ravi#1@sbx", /only letters, numbers, dots/],
    [".ravi@sbx", /start and end with a letter or number/],
    ["ravi.@sbx", /start and end with a letter or number/],
    ["ravi..kumar@sbx", /no two dots or underscores in a row/],
    ["ravi._kumar@sbx", /no two dots or underscores in a row/],
    ["91-1234-5678-9012", /looks like a 14-digit ABHA number/],
    ["91123456789012", /looks like a 14-digit ABHA number/],
  ])("refuses %j with a clear message", (input, message) => {
    const r = normaliseAbhaAddress(input, "sbx");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe("formatAbhaNumber", () => {
  it.each([
    ["91123456789012", "91-1234-5678-9012"],
    ["91-1234-5678-9012", "91-1234-5678-9012"],
    [" 91 1234 5678 9012 ", "91-1234-5678-9012"],
  ])("formats %j as XX-XXXX-XXXX-XXXX", (input, expected) => {
    expect(formatAbhaNumber(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ["9112345678901", /14 digits .*this one has 13/],
    ["911234567890123", /this one has 15/],
    ["91-1234-ABCD-9012", /only digits/],
    ["ravi@sbx", /ABHA address field/],
  ])("refuses %j", (input, message) => {
    const r = formatAbhaNumber(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe("addPatientSchema", () => {
  const schema = addPatientSchema("sbx");

  it("normalises every field and turns blanks into null", () => {
    expect(schema.parse({ abhaAddress: " Asha.Verma@SBX", abhaNumber: "91000011110001", name: "  Asha Verma " })).toEqual({
      abhaAddress: "asha.verma@sbx",
      abhaNumber: "91-0000-1111-0001",
      name: "Asha Verma",
    });
    expect(schema.parse({ abhaAddress: "asha.verma", abhaNumber: "", name: "" })).toEqual({
      abhaAddress: "asha.verma@sbx",
      abhaNumber: null,
      name: null,
    });
    expect(schema.parse({ abhaAddress: "asha.verma@sbx" })).toEqual({ abhaAddress: "asha.verma@sbx", abhaNumber: null, name: null });
  });

  it("reports each malformed field under its own name", () => {
    const r = schema.safeParse({ abhaAddress: "ravi@sbx@sbx", abhaNumber: "123" });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(["abhaAddress", "abhaNumber"]);
  });
});

describe("patientSearchSchema", () => {
  it("tolerates junk in the URL", () => {
    expect(patientSearchSchema.parse({ q: "  ", page: "abc" })).toEqual({ q: undefined, page: 1 });
    expect(patientSearchSchema.parse({ q: "asha", page: "3" })).toEqual({ q: "asha", page: 3 });
    expect(patientSearchSchema.parse({})).toEqual({ q: undefined, page: 1 });
  });
});
