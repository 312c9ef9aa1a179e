import "server-only";
import { and, eq, getTableColumns, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db";
import { consentArtefacts, consentRequests, healthRecords, patientAccess, timelineItems, type HealthRecord } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";
import { isUuid } from "./schemas";

/**
 * A stored record may be shown only while the consent it came under still stands. Purging is the
 * ingestion side's job and may lag, so a revoked or expired artefact (design §5 step 7) hides its
 * data at once, before any purge job has run; `purged_at` hides it for good.
 */
export function recordIsVisible(): SQL {
  return sql`(${healthRecords.purgedAt} is null
    and not exists (
      select 1 from ${consentArtefacts} ca
      where ca.id = ${healthRecords.artefactId}
        and (ca.purged_at is not null or ca.status in ('REVOKED', 'EXPIRED') or ca.expires_at <= now()))
    and not exists (
      select 1 from ${consentRequests} cr
      where cr.id = ${healthRecords.consentRequestId}
        and (cr.status in ('REVOKED', 'EXPIRED') or cr.granted_expires_at <= now())))`;
}

/**
 * Items of a patient's visible records, as a condition on `timeline_items`. Written as "not one of
 * the hidden records" rather than "one of the visible ones": hidden records are few (usually
 * none), so the planner keeps walking the (patient, date) index and stops after one page, where
 * an `in (visible…)` semi-join made it fetch and sort all 10,000 items first (20 ms → 1 ms).
 */
export function itemIsVisible(patientId: string): SQL {
  return sql`${timelineItems.recordId} not in (select ${healthRecords.id} from ${healthRecords}
    where ${healthRecords.patientId} = ${patientId} and not ${recordIsVisible()})`;
}

/** The clinician's care relationship with a patient, or null when they have none. */
export async function findAccess(
  db: DbOrTx,
  actor: Actor,
  patientId: string,
): Promise<{ lastVisitedAt: Date | null } | null> {
  if (actor.role !== "clinician" || !isUuid(patientId)) return null;
  const [row] = await db
    .select({ lastVisitedAt: patientAccess.lastVisitedAt })
    .from(patientAccess)
    .where(and(eq(patientAccess.patientId, patientId), eq(patientAccess.userId, actor.id)))
    .limit(1);
  return row ?? null;
}

/**
 * A record the clinician may see (care relationship with its patient, not purged, consent
 * standing), or null. The bundle is only loaded when asked for: it can be megabytes.
 */
export async function findVisibleRecord(
  db: DbOrTx,
  actor: Actor,
  recordId: string,
  opts: { withBundle: boolean },
): Promise<(Omit<HealthRecord, "bundle"> & { bundle: Record<string, unknown> | null }) | null> {
  if (actor.role !== "clinician" || !isUuid(recordId)) return null;
  const { bundle, ...meta } = getTableColumns(healthRecords);
  const [row] = await db
    .select({ ...meta, bundle: opts.withBundle ? bundle : sql<null>`null` })
    .from(healthRecords)
    .innerJoin(
      patientAccess,
      and(eq(patientAccess.patientId, healthRecords.patientId), eq(patientAccess.userId, actor.id)),
    )
    .where(and(eq(healthRecords.id, recordId), recordIsVisible()))
    .limit(1);
  return row ?? null;
}
