import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { patientAccess, patients } from "@/db/schema";
import { audit } from "@/lib/audit";
import { requireRole } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { addPatientSchema, type AbhaSuffix, type AddPatientInput } from "./schemas";

export class PatientError extends Error {
  constructor(
    public readonly code: "abha_number_conflict",
    message: string,
    public readonly field?: string,
  ) {
    super(message);
    this.name = "PatientError";
  }
}

/**
 * The suffix a bare handle gets: `@sbx` while we talk to the sandbox or EKA's dev environment
 * (ABDM's sandbox issues only @sbx addresses), `@abdm` against production EKA.
 */
export function defaultAbhaSuffix(): AbhaSuffix {
  const e = env().eka;
  return e.usingSandbox || /\.dev\.|sandbox|localhost|127\.0\.0\.1/.test(e.baseUrl) ? "sbx" : "abdm";
}

export function addPatientSchemaForDeployment() {
  return addPatientSchema(defaultAbhaSuffix());
}

export type FindOrAddResult = { id: string; abhaAddress: string; created: boolean; accessGranted: boolean };

/**
 * Finds the patient by ABHA address or adds them, and gives the signed-in clinician access (the
 * care relationship). Nothing is asked of ABDM here: whether the address exists is learnt when a
 * consent request is raised. Audited as `patient.added` or `patient.access_granted`.
 */
export async function findOrAddPatient(input: AddPatientInput): Promise<FindOrAddResult> {
  const actor = await requireRole("clinician");
  const data = addPatientSchemaForDeployment().parse(input);
  const db = await getDb();
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(patients)
      .values({ abhaAddress: data.abhaAddress, abhaNumber: data.abhaNumber, name: data.name, createdBy: actor.id })
      .onConflictDoNothing({ target: patients.abhaAddress })
      .returning({ id: patients.id });
    const created = inserted.length > 0;
    const [patient] = await tx.select().from(patients).where(eq(patients.abhaAddress, data.abhaAddress)).for("update");

    if (!created) {
      if (data.abhaNumber && patient.abhaNumber && patient.abhaNumber !== data.abhaNumber) {
        // One ABHA address belongs to one ABHA number: a mismatch is a typo or the wrong person.
        throw new PatientError(
          "abha_number_conflict",
          `This ABHA address is already on record with a different ABHA number (ending ${patient.abhaNumber.slice(-4)}). Check both with the patient.`,
          "abhaNumber",
        );
      }
      const fill: Partial<typeof patients.$inferInsert> = {};
      if (data.abhaNumber && !patient.abhaNumber) fill.abhaNumber = data.abhaNumber;
      if (data.name && !patient.name) fill.name = data.name;
      if (Object.keys(fill).length) await tx.update(patients).set(fill).where(eq(patients.id, patient.id));
    }

    const granted = await tx
      .insert(patientAccess)
      .values({ patientId: patient.id, userId: actor.id })
      .onConflictDoNothing()
      .returning({ patientId: patientAccess.patientId });
    const accessGranted = granted.length > 0;
    if (created || accessGranted) {
      await audit(
        actor,
        {
          action: created ? "patient.added" : "patient.access_granted",
          targetType: "patient",
          targetId: patient.id,
          patientId: patient.id,
        },
        tx,
      );
    }
    return { id: patient.id, abhaAddress: patient.abhaAddress, created, accessGranted };
  });
}

/** Remembers when this clinician last opened the patient (sorts "recent" and shows on the list). */
export async function recordPatientVisit(patientId: string): Promise<void> {
  const actor = await requireRole("clinician");
  const db = await getDb();
  await db
    .update(patientAccess)
    .set({ lastVisitedAt: sql`now()` })
    .where(and(eq(patientAccess.patientId, patientId), eq(patientAccess.userId, actor.id)));
}
