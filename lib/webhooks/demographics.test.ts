import { describe, expect, it } from "vitest";
import { mergeDemographics, type PatientDemographics } from "./demographics";

const empty: PatientDemographics = { name: null, gender: null, birthDate: null, demographicsSeen: {}, demographicsConflict: false };
const AT = "2026-01-01T00:00:00.000Z";

describe("mergeDemographics", () => {
  it("fills empty fields and records where each value came from", () => {
    const m = mergeDemographics(empty, { name: " Asha  Verma ", gender: "Female", birthDate: "1985-03-12" }, "HIP-1", AT)!;
    expect(m).toMatchObject({ name: "Asha Verma", gender: "female", birthDate: "1985-03-12", demographicsConflict: false });
    expect(m.demographicsSeen.name).toEqual([{ value: "Asha Verma", hipId: "HIP-1", at: AT }]);
  });

  it("returns null when a bundle teaches nothing new (no write, no lock)", () => {
    const once = mergeDemographics(empty, { name: "Asha Verma", gender: "female", birthDate: null }, "HIP-1", AT)!;
    expect(mergeDemographics(once, { name: "ASHA VERMA", gender: "female", birthDate: null }, "HIP-1", AT)).toBeNull();
  });

  it("keeps a conflicting value from another HIP beside the first, flags it, and never overwrites", () => {
    const a = mergeDemographics(empty, { name: "Asha Verma", gender: "female", birthDate: "1985-03-12" }, "HIP-1", AT)!;
    const b = mergeDemographics(a, { name: "Usha Verma", gender: "female", birthDate: "1986-01-01" }, "HIP-2", AT)!;
    expect(b.name).toBe("Asha Verma");
    expect(b.birthDate).toBe("1985-03-12");
    expect(b.demographicsConflict).toBe(true);
    expect(b.demographicsSeen.name?.map((s) => s.value)).toEqual(["Asha Verma", "Usha Verma"]);
    expect(b.demographicsSeen.gender).toHaveLength(2);
  });

  it("flags a difference from what the clinician entered", () => {
    const entered = { ...empty, name: "Asha Verma" };
    expect(mergeDemographics(entered, { name: "Anita Rao", gender: null, birthDate: null }, "HIP-1", AT)?.demographicsConflict).toBe(true);
  });

  it("treats a more precise birth date as the same date, and keeps the precise form", () => {
    const a = mergeDemographics(empty, { name: null, gender: null, birthDate: "1985" }, "HIP-1", AT)!;
    const b = mergeDemographics(a, { name: null, gender: null, birthDate: "1985-03-12" }, "HIP-2", AT)!;
    expect(b).toMatchObject({ birthDate: "1985-03-12", demographicsConflict: false });
  });

  it("keeps a raised flag even when later values agree", () => {
    const flagged = { ...empty, name: "Asha Verma", demographicsConflict: true };
    expect(mergeDemographics(flagged, { name: "Asha Verma", gender: null, birthDate: null }, "HIP-9", AT)?.demographicsConflict).toBe(true);
  });
});
