import "server-only";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db";
import { patientAccess, patients } from "@/db/schema";
import { audit } from "@/lib/audit";
import { requireRole } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { accessReasonSchema, addPatientSchema, type AbhaSuffix, type AddPatientInput } from "./schemas";

export class PatientError extends Error {
  constructor(
    public readonly code: "abha_number_conflict" | "access_reason_required",
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
export async function findOrAddPatient(input: AddPatientInput, accessReason?: string): Promise<FindOrAddResult> {
  const actor = await requireRole("clinician");
  const data = addPatientSchemaForDeployment().parse(input);
  const reason = accessReasonSchema.safeParse(accessReason ?? "");
  const db = await getDb();
  return db.transaction(async (tx) => {
    // Joining the care of a patient other clinicians already hold is a deliberate, justified act:
    // knowing an ABHA address (often guessable) must not be enough to read someone's records.
    const [known] = await tx
      .select({ id: patients.id, mine: patientAccess.userId })
      .from(patients)
      .leftJoin(patientAccess, and(eq(patientAccess.patientId, patients.id), eq(patientAccess.userId, actor.id)))
      .where(eq(patients.abhaAddress, data.abhaAddress));
    if (known && !known.mine && !reason.success) {
      throw new PatientError(
        "access_reason_required",
        accessReason
          ? reason.error!.issues[0].message
          : "This patient is already under the care of other clinicians here. To see their consents and records, say why you need access; it is recorded in the audit log.",
        "accessReason",
      );
    }
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
          details: !created && reason.success ? { reason: reason.data } : undefined,
        },
        tx,
      );
    }
    return { id: patient.id, abhaAddress: patient.abhaAddress, created, accessGranted };
  });
}
