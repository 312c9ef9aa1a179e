import { describe, expect, it } from "vitest";
import { createUserSchema } from "@/lib/users/schemas";
import { patientSearchSchema } from "@/lib/patients/schemas";
import { timelineFilterSchema } from "@/lib/records/schemas";
import { hasUnsafeCharacters, stripUnsafeCharacters } from "./text";

describe("unsafe characters in typed text", () => {
  it("finds NUL, other C0 controls, DEL and bidi overrides, but not tabs, newlines or Devanagari", () => {
    for (const bad of ["a\u0000b", "x\u0007", "\u007F", "abc\u202Edcba", "\u2066x"]) expect(hasUnsafeCharacters(bad)).toBe(true);
    for (const good of ["line\none\tA", "मीरा अय्यर", "₹ 2,575", "O'Brien-Iyer"]) expect(hasUnsafeCharacters(good)).toBe(false);
    expect(stripUnsafeCharacters("gl\u0000uc\u202Eose")).toBe("glucose");
  });

  it("a user name with a NUL is refused with a message, never sent to the database", () => {
    const r = createUserSchema.safeParse({ name: "Dr\u0000 Evil", email: "e@h.in", role: "clinician" });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toMatch(/invisible control characters/);
    expect(createUserSchema.safeParse({ name: "Dr A", email: "a@h.in", role: "clinician", registrationNumber: "MH\u202E1" }).success).toBe(false);
  });

  it("searches drop the characters silently", () => {
    expect(patientSearchSchema.parse({ q: "as\u0000ha" }).q).toBe("asha");
    expect(patientSearchSchema.parse({ q: "\u0000" }).q).toBeUndefined();
    expect(timelineFilterSchema.parse({ q: "hb\u0000a1c" }).q).toBe("hba1c");
  });
});
