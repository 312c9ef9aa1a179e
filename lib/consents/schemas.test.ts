import { describe, expect, it } from "vitest";
import { addMonths, endOfIstDay, istDay, relativeTime, startOfIstDay } from "./dates";
import { failureFromError, nextStepFor } from "./errors";
import {
  consentFormDefaults,
  createConsentRequestSchema,
  formDataToConsentValues,
  worklistParamsSchema,
  worklistQuery,
  type ConsentFormValues,
} from "./schemas";

// 2026-03-15 10:00 IST
const NOW = new Date("2026-03-15T04:30:00.000Z");
const PID = "8b0f7c3e-6a44-4c55-9f1e-0a7d4c2b1e90";

function form(over: Partial<ConsentFormValues> = {}): ConsentFormValues {
  return { ...consentFormDefaults(PID, NOW), ...over };
}

function errorsOf(values: Partial<ConsentFormValues>) {
  const r = createConsentRequestSchema(NOW).safeParse(values);
  expect(r.success).toBe(false);
  const out: Record<string, string> = {};
  for (const i of r.error!.issues) out[i.path.join(".")] = i.message;
  return out;
}

describe("dates (IST)", () => {
  it("maps instants to IST days and back", () => {
    expect(istDay(new Date("2026-03-14T18:29:59.999Z"))).toBe("2026-03-14");
    expect(istDay(new Date("2026-03-14T18:30:00.000Z"))).toBe("2026-03-15");
    expect(startOfIstDay("2026-03-15").toISOString()).toBe("2026-03-14T18:30:00.000Z");
    expect(endOfIstDay("2026-03-15").toISOString()).toBe("2026-03-15T18:29:59.999Z");
  });

  it("moves by months, clamping to the month's end", () => {
    expect(addMonths("2026-03-31", -1)).toBe("2026-02-28");
    expect(addMonths("2024-03-31", -1)).toBe("2024-02-29");
    expect(addMonths("2026-03-15", -12)).toBe("2025-03-15");
  });

  it("says how far away something is", () => {
    expect(relativeTime(new Date(NOW.getTime() + 3 * 86_400_000), NOW)).toBe("in 3 days");
    expect(relativeTime(new Date(NOW.getTime() + 5 * 3_600_000), NOW)).toBe("in 5 hours");
    expect(relativeTime(new Date(NOW.getTime() - 90_000), NOW)).toBe("2 minutes ago");
  });
});

describe("createConsentRequestSchema", () => {
  it("the defaults make a valid request: care management, clinical types, last 12 months, 30 days", () => {
    const d = createConsentRequestSchema(NOW).parse(form());
    expect(d.purpose).toBe("Care management");
    expect(d.hiTypes).toEqual(["OPConsultation", "Prescription", "DischargeSummary", "DiagnosticReport", "ImmunizationRecord", "HealthDocumentRecord"]);
    expect(d.dateFrom.toISOString()).toBe(startOfIstDay("2025-03-15").toISOString());
    // A range ending today ends now, never in the future.
    expect(d.dateTo.toISOString()).toBe(NOW.toISOString());
    expect(d.expiresAt.toISOString()).toBe(endOfIstDay("2026-04-14").toISOString());
    expect(d.hip).toBeNull();
  });

  it.each([
    ["3", "2025-12-15"],
    ["6", "2025-09-15"],
    ["12", "2025-03-15"],
  ])("range preset %s months starts on %s, whatever dates the form carried", (preset, from) => {
    const d = createConsentRequestSchema(NOW).parse(form({ rangePreset: preset, dateFrom: "1999-01-01", dateTo: "junk" }));
    expect(istDay(d.dateFrom)).toBe(from);
  });

  it.each([
    ["7", "2026-03-22"],
    ["30", "2026-04-14"],
    ["90", "2026-06-13"],
  ])("expiry preset %s days ends on %s", (preset, day) => {
    expect(istDay(createConsentRequestSchema(NOW).parse(form({ expiryPreset: preset })).expiresAt)).toBe(day);
  });

  it("takes custom dates as whole IST days", () => {
    const d = createConsentRequestSchema(NOW).parse(
      form({ rangePreset: "custom", dateFrom: "2024-01-01", dateTo: "2024-06-30", expiryPreset: "custom", expiryDate: "2026-05-01" }),
    );
    expect(d.dateFrom.toISOString()).toBe(startOfIstDay("2024-01-01").toISOString());
    expect(d.dateTo.toISOString()).toBe(endOfIstDay("2024-06-30").toISOString());
    expect(d.expiresAt.toISOString()).toBe(endOfIstDay("2026-05-01").toISOString());
  });

  it("keeps HI types in EKA's order without duplicates", () => {
    const d = createConsentRequestSchema(NOW).parse(form({ hiTypes: ["Invoice", "Prescription", "Invoice"] }));
    expect(d.hiTypes).toEqual(["Prescription", "Invoice"]);
  });

  it("an optional HIP restriction", () => {
    expect(createConsentRequestSchema(NOW).parse(form({ hipId: " SBX-HIP-LOTUS ", hipName: "Lotus" })).hip).toEqual({ id: "SBX-HIP-LOTUS", name: "Lotus" });
    expect(createConsentRequestSchema(NOW).parse(form({ hipId: "IN2710000123" })).hip).toEqual({ id: "IN2710000123" });
  });

  it("reports every problem at once, each under its field", () => {
    expect(
      errorsOf(
        form({ purpose: "Curiosity", hiTypes: [], rangePreset: "custom", dateFrom: "", dateTo: "2026-13-01", expiryPreset: "custom", expiryDate: "" }),
      ),
    ).toEqual({
      purpose: "Choose the purpose of the request.",
      hiTypes: "Choose at least one type of record.",
      dateFrom: "Enter the first day of records to ask for.",
      dateTo: "Enter the end as a valid date.",
      expiryDate: "Enter the day the consent should end.",
    });
  });

  it("refuses an end before the start, and an end after today", () => {
    expect(errorsOf(form({ rangePreset: "custom", dateFrom: "2025-06-01", dateTo: "2025-05-31" }))).toEqual({
      dateTo: "The end date must be on or after the start date.",
    });
    expect(errorsOf(form({ rangePreset: "custom", dateFrom: "2025-06-01", dateTo: "2026-03-16" })).dateTo).toMatch(/cannot be after today/);
    expect(errorsOf(form({ rangePreset: "custom", dateFrom: "2026-03-20", dateTo: "2026-03-15" }))).toEqual({
      dateFrom: "The start date cannot be after today (15 Mar 2026).",
    });
  });

  it("a range that is exactly today is fine", () => {
    const d = createConsentRequestSchema(NOW).parse(form({ rangePreset: "custom", dateFrom: "2026-03-15", dateTo: "2026-03-15" }));
    expect(d.dateTo.getTime()).toBe(NOW.getTime());
  });

  it("the consent must end after today, and within two years", () => {
    expect(errorsOf(form({ expiryPreset: "custom", expiryDate: "2026-03-15" }))).toEqual({ expiryDate: "The consent must end after today." });
    expect(errorsOf(form({ expiryPreset: "custom", expiryDate: "2026-03-01" }))).toEqual({ expiryDate: "The consent must end after today." });
    expect(errorsOf(form({ expiryPreset: "custom", expiryDate: "2030-01-01" }))).toEqual({ expiryDate: "The consent can last at most two years." });
    expect(createConsentRequestSchema(NOW).safeParse(form({ expiryPreset: "custom", expiryDate: "2026-03-16" })).success).toBe(true);
  });

  it("refuses unknown presets, unknown record types and odd HIP ids", () => {
    expect(errorsOf(form({ rangePreset: "24" }))).toEqual({ rangePreset: "Choose how far back to ask for records." });
    expect(errorsOf(form({ expiryPreset: "forever" }))).toEqual({ expiryPreset: "Choose how long the consent should last." });
    expect(errorsOf(form({ hiTypes: ["XRay"] }))).toEqual({ hiTypes: "Unknown record type: XRay." });
    expect(errorsOf(form({ hipId: "two words" }))).toEqual({ hipId: "A facility (HIP) id has no spaces, for example IN2710000123." });
    expect(errorsOf(form({ hipId: "", hipName: "Lotus" }))).toEqual({ hipId: "Enter the facility's HIP id too, or clear the name." });
    expect(errorsOf(form({ patientId: "not-a-uuid" }))).toEqual({ patientId: "Choose a patient first." });
  });

  it("reads FormData, including repeated HI type checkboxes", () => {
    const fd = new FormData();
    fd.set("patientId", PID);
    fd.set("purpose", "Public Health");
    fd.append("hiTypes", "Prescription");
    fd.append("hiTypes", "DiagnosticReport");
    fd.set("rangePreset", "6");
    fd.set("expiryPreset", "7");
    const v = formDataToConsentValues(fd);
    expect(v.hiTypes).toEqual(["Prescription", "DiagnosticReport"]);
    expect(createConsentRequestSchema(NOW).parse(v).purpose).toBe("Public Health");
  });
});

describe("worklist parameters", () => {
  it("tolerate junk and keep defaults out of shared URLs", () => {
    const p = worklistParamsSchema.parse({ status: "NOPE", purpose: "Care management", page: "-3", size: "7", sort: "x", dir: "up", from: "2026-02-30", requester: "me" });
    expect(p).toMatchObject({ status: undefined, purpose: "Care management", page: 1, size: 25, sort: "created", dir: "desc", from: undefined, requester: "me" });
    expect(worklistQuery(p)).toBe("?purpose=Care+management&requester=me");
    expect(worklistQuery({ ...p, page: 2, sort: "expires", dir: "asc" })).toBe("?purpose=Care+management&requester=me&sort=expires&dir=asc&page=2");
  });
});

describe("failure messages", () => {
  it("keeps EKA/ABDM's code and message verbatim", () => {
    expect(failureFromError({ kind: "http", status: 400, sourceCode: "ABDM-1010", sourceMessage: "Patient not found for the given ABHA address", message: "x" })).toEqual({
      code: "ABDM-1010",
      message: "Patient not found for the given ABHA address",
    });
    expect(failureFromError({ kind: "network", networkCode: "ECONNREFUSED", message: "x" })).toEqual({ code: "NETWORK-ECONNREFUSED", message: "EKA could not be reached." });
    expect(failureFromError({ kind: "timeout", message: "x" }).code).toBe("TIMEOUT");
    expect(failureFromError({ kind: "http", status: 401, message: "x" })).toEqual({ code: "HTTP-401", message: "EKA refused the portal's credentials." });
    expect(failureFromError(new TypeError("boom")).code).toBe("PORTAL-ERROR");
  });

  it("gives a plain next step for the common codes", () => {
    expect(nextStepFor("ABDM-1010", "Patient not found for the given ABHA address")).toMatch(/not known to ABDM — check it with the patient/);
    expect(nextStepFor("ABDM-1063", "Invalid date range")).toMatch(/date range/);
    expect(nextStepFor("ABDM-1046", "Invalid purpose")).toMatch(/purpose/);
    expect(nextStepFor("ABDM-1047", "Purpose does not exist")).toMatch(/purpose/);
    expect(nextStepFor("NETWORK-ECONNREFUSED", "EKA could not be reached.")).toBe("EKA could not be reached; nothing was sent twice — try again.");
    expect(nextStepFor("TIMEOUT", "")).toMatch(/nothing was sent twice/);
    expect(nextStepFor("ABDM-1022", "")).toMatch(/too many requests/);
    expect(nextStepFor("XYZ", "")).toMatch(/give this code to your administrator/);
  });
});
