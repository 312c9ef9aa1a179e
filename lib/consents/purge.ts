import "server-only";
import { and, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { getDb, type DbOrTx } from "@/db";
import { careContexts, consentArtefacts, consentRequests, healthRecords, timelineItems } from "@/db/schema";
import { audit } from "@/lib/audit";

export type PurgeReason = "REVOKED" | "EXPIRED" | (string & {});

/**
 * Once an artefact is revoked or expired, its records must stop being shown and be deleted
 * (ABDM: data may be kept only while the consent lives). What stays is a tombstone: the artefact
 * and record rows with `purged_at` set and no content, care contexts at stage "purged", and the
 * `records.purged` audit event — so "we had it and erased it" remains provable.
 *
 * Idempotent: a second call for the same artefact changes nothing and writes no second audit row.
 * System-level (no user): callers are the refresh path, the webhook handler and ingestion, which
 * must also call it when data arrives for an artefact that is already purged.
 */
export async function purgeArtefactData(
  artefactId: string,
  reason: PurgeReason,
  tx?: DbOrTx,
): Promise<{ purged: boolean; records: number }> {
  const run = async (db: DbOrTx) => {
    const [artefact] = await db
      .update(consentArtefacts)
      .set({ purgedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(eq(consentArtefacts.id, artefactId), isNull(consentArtefacts.purgedAt)))
      .returning({ id: consentArtefacts.id, consentRequestId: consentArtefacts.consentRequestId, hipId: consentArtefacts.hipId });
    // Rows stored after an earlier purge (a late push) are swept too, without a second tombstone.
    const records = await db
      .update(healthRecords)
      .set({ purgedAt: sql`coalesce(${healthRecords.purgedAt}, now())`, bundle: null })
      .where(and(eq(healthRecords.artefactId, artefactId), sql`(${healthRecords.purgedAt} is null or ${healthRecords.bundle} is not null)`))
      .returning({ id: healthRecords.id });
    const recordIds = (
      await db.select({ id: healthRecords.id }).from(healthRecords).where(eq(healthRecords.artefactId, artefactId))
    ).map((r) => r.id);
    if (recordIds.length) await db.delete(timelineItems).where(inArray(timelineItems.recordId, recordIds));
    await db
      .update(careContexts)
      .set({ stage: "purged", stageReason: purgeText(reason), updatedAt: sql`now()` })
      .where(and(eq(careContexts.artefactId, artefactId), sql`${careContexts.stage} <> 'purged'`));
    if (artefact) {
      const [owner] = await db
        .select({ patientId: consentRequests.patientId })
        .from(consentRequests)
        .where(eq(consentRequests.id, artefact.consentRequestId));
      await audit(
        "system",
        {
          action: "records.purged",
          targetType: "consent_artefact",
          targetId: artefact.id,
          patientId: owner?.patientId ?? null,
          consentRequestId: artefact.consentRequestId,
          details: { reason, hipId: artefact.hipId, records: records.length },
        },
        db,
      );
    }
    return { purged: Boolean(artefact), records: records.length };
  };
  if (tx) return run(tx);
  const db = await getDb();
  const result = await db.transaction((t) => run(t));
  const [owner] = await db.select({ id: consentArtefacts.consentRequestId }).from(consentArtefacts).where(eq(consentArtefacts.id, artefactId));
  if (owner) await dropPurgedPayloads(owner.id);
  return result;
}

/**
 * After a purge has committed: the webhook inbox keeps sealed copies of pushes for reprocessing;
 * those of purged artefacts go too (rows stay as metadata). Callers that passed their own
 * transaction to `purgeArtefactData` call this once it has committed. Best effort: a failure
 * is logged and retried by the next purge or refresh of the same request.
 */
export async function dropPurgedPayloads(consentRequestId: string): Promise<void> {
  try {
    const db = await getDb();
    const [req] = await db
      .select({ status: consentRequests.status, consentId: consentRequests.consentId, consentInitId: consentRequests.consentInitId })
      .from(consentRequests)
      .where(eq(consentRequests.id, consentRequestId));
    if (!req) return;
    const purged = await db
      .select({ artefactId: consentArtefacts.artefactId })
      .from(consentArtefacts)
      .where(and(eq(consentArtefacts.consentRequestId, consentRequestId), isNotNull(consentArtefacts.purgedAt)));
    const ids = purged.map((a) => a.artefactId).filter((v): v is string => Boolean(v));
    // Pushes are keyed by the consent id unless EKA sends artefact ids; consent-level copies can
    // only go once nothing of the request may be kept.
    if (req.status === "REVOKED" || req.status === "EXPIRED") ids.push(...[req.consentId, req.consentInitId].filter((v): v is string => Boolean(v)));
    if (ids.length === 0) return;
    const { dropInboxPayloads } = await import("@/lib/webhooks/mutations");
    await dropInboxPayloads([...new Set(ids)]);
  } catch (err) {
    console.warn(`[consents] could not drop inbox payloads for ${consentRequestId}: ${err instanceof Error ? err.name : "error"}`);
  }
}

function purgeText(reason: PurgeReason): string {
  if (reason === "REVOKED") return "The patient revoked this consent; its records were deleted.";
  if (reason === "EXPIRED") return "The consent expired; its records were deleted.";
  return `Records deleted (${reason}).`;
}
