import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, consentRequests, patientAccess, patients } from "@/db/schema";
import { runAs, type Actor } from "@/lib/auth/session";
import { resetEnvForTests } from "@/lib/env";
import { createActor } from "@/tests/helpers/actors";
import { setupTestDb } from "@/tests/helpers/db";
import { ageFrom } from "./access";
import { findOrAddPatient, PatientError } from "./mutations";
import { getPatient, likePattern, listPatients } from "./queries";

const t = setupTestDb();
let drA: Actor;
let drB: Actor;
let admin: Actor;

beforeAll(async () => {
  process.env.DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "hiu-patients-"));
  delete process.env.EKA_BASE_URL;
  resetEnvForTests();
  drA = await createActor(t.db, "clinician", { name: "Dr A" });
  drB = await createActor(t.db, "clinician", { name: "Dr B" });
  admin = await createActor(t.db, "admin");
});

describe("findOrAddPatient", () => {
  it("adds a patient with a normalised address, gives the clinician access and audits it", async () => {
    const r = await runAs(drA, () => findOrAddPatient({ abhaAddress: "  Asha.Verma@SBX ", abhaNumber: "91000011110001", name: "Asha Verma" }));
    expect(r).toMatchObject({ abhaAddress: "asha.verma@sbx", created: true, accessGranted: true });
    const [p] = await t.db.select().from(patients).where(eq(patients.id, r.id));
    expect(p).toMatchObject({ abhaNumber: "91-0000-1111-0001", name: "Asha Verma", createdBy: drA.id });
    const access = await t.db.select().from(patientAccess).where(eq(patientAccess.patientId, r.id));
    expect(access.map((a) => a.userId)).toEqual([drA.id]);
    const events = await t.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, r.id), eq(auditEvents.action, "patient.added")));
    expect(events).toHaveLength(1);
    expect(events[0]!.actorId).toBe(drA.id);
  });

  it("appends @sbx to a bare handle (sandbox deployment), and finds the same patient again", async () => {
    const first = await runAs(drA, () => findOrAddPatient({ abhaAddress: "kabir.nair" }));
    expect(first.abhaAddress).toBe("kabir.nair@sbx");
    const again = await runAs(drA, () => findOrAddPatient({ abhaAddress: "KABIR.NAIR@sbx" }));
    expect(again).toMatchObject({ id: first.id, created: false, accessGranted: false });
  });

  it("another clinician finding the patient gets access of their own (audited), and fills blanks only", async () => {
    const mine = await runAs(drA, () => findOrAddPatient({ abhaAddress: "meera.joshi@sbx" }));
    const theirs = await runAs(drB, () => findOrAddPatient({ abhaAddress: "meera.joshi@sbx", abhaNumber: "91-0000-1111-0003", name: "Meera Joshi" }, "Covering for a colleague on the ward today"));
    expect(theirs).toMatchObject({ id: mine.id, created: false, accessGranted: true });
    const [p] = await t.db.select().from(patients).where(eq(patients.id, mine.id));
    expect(p).toMatchObject({ abhaNumber: "91-0000-1111-0003", name: "Meera Joshi" });
    await runAs(drB, () => findOrAddPatient({ abhaAddress: "meera.joshi@sbx", name: "Someone Else" }, "Covering for a colleague on the ward today"));
    const [after] = await t.db.select().from(patients).where(eq(patients.id, mine.id));
    expect(after!.name).toBe("Meera Joshi");
    const granted = await t.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, mine.id), eq(auditEvents.action, "patient.access_granted")));
    expect(granted.map((e) => e.actorId)).toEqual([drB.id]);
  });

  it("knowing a patient's ABHA address is not enough: joining their care needs a reason, which is audited", async () => {
    const mine = await runAs(drA, () => findOrAddPatient({ abhaAddress: "guessable.name@sbx" }));
    const refused = await runAs(drB, () => findOrAddPatient({ abhaAddress: "guessable.name@sbx" })).catch((e) => e);
    expect(refused).toMatchObject({ code: "access_reason_required", field: "accessReason" });
    const short = await runAs(drB, () => findOrAddPatient({ abhaAddress: "guessable.name@sbx" }, "because")).catch((e) => e);
    expect(short).toMatchObject({ code: "access_reason_required" });
    expect(short.message).toMatch(/at least 10 characters/);
    const access = await t.db.select().from(patientAccess).where(eq(patientAccess.patientId, mine.id));
    expect(access.map((a) => a.userId)).toEqual([drA.id]);
    await runAs(drB, () => findOrAddPatient({ abhaAddress: "guessable.name@sbx" }, "Admitted under my care in the ED"));
    const [event] = await t.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, mine.id), eq(auditEvents.action, "patient.access_granted")));
    expect(event.details).toEqual({ reason: "Admitted under my care in the ED" });
    // The clinician who added the patient is never asked.
    await expect(runAs(drA, () => findOrAddPatient({ abhaAddress: "guessable.name@sbx" }))).resolves.toMatchObject({ id: mine.id });
  });

  it("refuses an ABHA number that contradicts the one on record", async () => {
    await runAs(drA, () => findOrAddPatient({ abhaAddress: "devika.sen@sbx", abhaNumber: "91-0000-1111-0004" }));
    const err = await runAs(drB, () => findOrAddPatient({ abhaAddress: "devika.sen@sbx", abhaNumber: "91-0000-1111-9999" }, "Covering for a colleague on the ward today")).catch((e) => e);
    expect(err).toBeInstanceOf(PatientError);
    expect(err.message).toMatch(/different ABHA number \(ending 0004\)/);
    // Nothing was granted by the refused call.
    const access = await t.db.select().from(patientAccess).innerJoin(patients, eq(patients.id, patientAccess.patientId)).where(eq(patients.abhaAddress, "devika.sen@sbx"));
    expect(access.map((a) => a.patient_access.userId)).toEqual([drA.id]);
  });

  it("rejects malformed input before touching the database", async () => {
    await expect(runAs(drA, () => findOrAddPatient({ abhaAddress: "ravi@sbx@sbx" }))).rejects.toThrow(/more than one “@”/);
    const [none] = await t.db.select().from(patients).where(eq(patients.abhaAddress, "ravi@sbx@sbx"));
    expect(none).toBeUndefined();
  });

  it("is for clinicians only", async () => {
    await expect(runAs(admin, () => findOrAddPatient({ abhaAddress: "rohan.pillai@sbx" }))).rejects.toThrow();
  });
});

describe("listPatients / getPatient", () => {
  it("lists only the clinician's own patients, newest activity first", async () => {
    const a = await runAs(drA, () => listPatients());
    const b = await runAs(drB, () => listPatients());
    expect(a.rows.map((r) => r.abhaAddress).sort()).toEqual(["asha.verma@sbx", "devika.sen@sbx", "guessable.name@sbx", "kabir.nair@sbx", "meera.joshi@sbx"]);
    expect(b.rows.map((r) => r.abhaAddress).sort()).toEqual(["guessable.name@sbx", "meera.joshi@sbx"]);
    const times = a.rows.map((r) => r.lastActivityAt);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it("searches by name, address or number, server-side", async () => {
    expect((await runAs(drA, () => listPatients({ q: "asha" }))).rows.map((r) => r.abhaAddress)).toEqual(["asha.verma@sbx"]);
    expect((await runAs(drA, () => listPatients({ q: "KABIR.N" }))).rows.map((r) => r.abhaAddress)).toEqual(["kabir.nair@sbx"]);
    expect((await runAs(drA, () => listPatients({ q: "1111-0003" }))).rows.map((r) => r.abhaAddress)).toEqual(["meera.joshi@sbx"]);
    // Wildcards typed by the user are literal.
    expect((await runAs(drA, () => listPatients({ q: "%" }))).total).toBe(0);
    expect(likePattern("a_b%")).toBe("%a\\_b\\%%");
  });

  it("counts consent requests awaiting the patient", async () => {
    const [asha] = await t.db.select().from(patients).where(eq(patients.abhaAddress, "asha.verma@sbx"));
    await t.db.insert(consentRequests).values({
      patientId: asha!.id,
      requestedBy: drA.id,
      requesterName: drA.name,
      purpose: "Care management",
      hiTypes: ["Prescription"],
      dateFrom: new Date("2025-01-01"),
      dateTo: new Date("2025-12-31"),
      expiresAt: new Date(Date.now() + 86_400_000),
      status: "REQUESTED",
    });
    const row = (await runAs(drA, () => listPatients({ q: "asha" }))).rows[0]!;
    expect(row).toMatchObject({ awaitingConsents: 1, grantedConsents: 0 });
  });

  it("a patient the clinician has no access to is not found", async () => {
    const [asha] = await t.db.select().from(patients).where(eq(patients.abhaAddress, "asha.verma@sbx"));
    expect((await runAs(drA, () => getPatient(asha!.id))).abhaAddress).toBe("asha.verma@sbx");
    await expect(runAs(drB, () => getPatient(asha!.id))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404|not.?found/i);
    await expect(runAs(drA, () => getPatient("not-a-uuid"))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404|not.?found/i);
  });

  it("computes age from FHIR birth dates", () => {
    const now = new Date("2026-03-15T00:00:00Z");
    expect(ageFrom("1986-03-16", now)).toBe(39);
    expect(ageFrom("1986-03-15", now)).toBe(40);
    expect(ageFrom("1986", now)).toBe(40);
    expect(ageFrom("garbage", now)).toBeNull();
    expect(ageFrom(null, now)).toBeNull();
  });
});
