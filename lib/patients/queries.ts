import "server-only";
import { and, count, desc, eq, ilike, or, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { consentRequests, patientAccess, patients } from "@/db/schema";
import { requireRole } from "@/lib/auth/session";
import { ageFrom, requireVisiblePatient } from "./access";
import { patientSearchSchema } from "./schemas";

export const PATIENT_PAGE_SIZE = 25;

export type PatientRow = {
  id: string;
  name: string | null;
  abhaAddress: string;
  abhaNumber: string | null;
  gender: string | null;
  age: number | null;
  lastActivityAt: string;
  awaitingConsents: number;
  grantedConsents: number;
};

/** `%` and `_` typed into the search box are literal characters, not wildcards. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The signed-in clinician's patients (those with an access row), newest activity first. */
export async function listPatients(params: Record<string, unknown> = {}): Promise<{
  rows: PatientRow[];
  total: number;
  page: number;
  pageSize: number;
  q: string | undefined;
}> {
  const actor = await requireRole("clinician");
  const { q, page } = patientSearchSchema.parse(params);
  const db = await getDb();
  const where = and(
    eq(patientAccess.userId, actor.id),
    q
      ? or(
          ilike(patients.name, likePattern(q)),
          ilike(patients.abhaAddress, likePattern(q.toLowerCase())),
          ilike(patients.abhaNumber, likePattern(q)),
        )
      : undefined,
  );
  const awaiting = sql<number>`(select count(*)::int from ${consentRequests} where ${consentRequests.patientId} = ${patients.id} and ${consentRequests.status} in ('INITIATING', 'REQUESTED'))`;
  const granted = sql<number>`(select count(*)::int from ${consentRequests} where ${consentRequests.patientId} = ${patients.id} and ${consentRequests.status} = 'GRANTED')`;
  const [rows, [{ n }]] = await Promise.all([
    db
      .select({ patient: patients, awaiting, granted })
      .from(patients)
      .innerJoin(patientAccess, eq(patientAccess.patientId, patients.id))
      .where(where)
      .orderBy(desc(patients.lastActivityAt), patients.abhaAddress)
      .limit(PATIENT_PAGE_SIZE)
      .offset((page - 1) * PATIENT_PAGE_SIZE),
    db
      .select({ n: count() })
      .from(patients)
      .innerJoin(patientAccess, eq(patientAccess.patientId, patients.id))
      .where(where),
  ]);
  return {
    rows: rows.map(({ patient: p, awaiting: a, granted: g }) => ({
      id: p.id,
      name: p.name,
      abhaAddress: p.abhaAddress,
      abhaNumber: p.abhaNumber,
      gender: p.gender,
      age: ageFrom(p.birthDate),
      lastActivityAt: p.lastActivityAt.toISOString(),
      awaitingConsents: Number(a),
      grantedConsents: Number(g),
    })),
    total: Number(n),
    page,
    pageSize: PATIENT_PAGE_SIZE,
    q,
  };
}

export type PatientHeader = {
  id: string;
  name: string | null;
  abhaAddress: string;
  abhaNumber: string | null;
  gender: string | null;
  birthDate: string | null;
  age: number | null;
  demographicsConflict: boolean;
  lastActivityAt: string;
};

/** One patient the clinician may see; anything else is a 404. */
export async function getPatient(id: string): Promise<PatientHeader> {
  const actor = await requireRole("clinician");
  const db = await getDb();
  const p = await requireVisiblePatient(db, actor, id);
  return {
    id: p.id,
    name: p.name,
    abhaAddress: p.abhaAddress,
    abhaNumber: p.abhaNumber,
    gender: p.gender,
    birthDate: p.birthDate,
    age: ageFrom(p.birthDate),
    demographicsConflict: p.demographicsConflict,
    lastActivityAt: p.lastActivityAt.toISOString(),
  };
}
