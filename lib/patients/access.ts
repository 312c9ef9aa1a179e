import "server-only";
import { and, eq } from "drizzle-orm";
import { notFound } from "next/navigation";
import type { DbOrTx } from "@/db";
import { patientAccess, patients, type Patient } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";

/**
 * Visibility rule for the whole portal: a clinician sees a patient when a `patient_access` row
 * links them (they added or looked the patient up). Everything about that patient — consent
 * requests, records — follows from it. Not visible ⇒ not found, never "forbidden".
 */
export async function findVisiblePatient(db: DbOrTx, actor: Actor, patientId: string): Promise<Patient | null> {
  if (actor.role !== "clinician" || !isUuid(patientId)) return null;
  const [row] = await db
    .select({ patient: patients })
    .from(patients)
    .innerJoin(patientAccess, and(eq(patientAccess.patientId, patients.id), eq(patientAccess.userId, actor.id)))
    .where(eq(patients.id, patientId))
    .limit(1);
  return row?.patient ?? null;
}

export async function requireVisiblePatient(db: DbOrTx, actor: Actor, patientId: string): Promise<Patient> {
  const p = await findVisiblePatient(db, actor, patientId);
  if (!p) notFound();
  return p;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids come from URLs: a malformed one is simply "not found" (and never reaches Postgres' uuid cast). */
export function isUuid(v: string): boolean {
  return UUID.test(v);
}

/** Whole years from a FHIR birth date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), or null. */
export function ageFrom(birthDate: string | null | undefined, now = new Date()): number | null {
  if (!birthDate) return null;
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(birthDate);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)];
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < mo || (now.getUTCMonth() + 1 === mo && now.getUTCDate() < d)) age--;
  return age >= 0 && age < 150 ? age : null;
}
