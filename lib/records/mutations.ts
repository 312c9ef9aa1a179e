import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { notFound } from "next/navigation";
import { getDb } from "@/db";
import { patientAccess } from "@/db/schema";
import { requireRole } from "@/lib/auth/session";
import { isUuid } from "./schemas";

/**
 * Records that the clinician has seen the patient's timeline now. Call it after `listTimeline`
 * has read the previous visit, which the "New" marks are relative to.
 */
export async function markVisited(patientId: string): Promise<void> {
  const actor = await requireRole("clinician");
  if (!isUuid(patientId)) notFound();
  const db = await getDb();
  const updated = await db
    .update(patientAccess)
    .set({ lastVisitedAt: sql`now()` })
    .where(and(eq(patientAccess.patientId, patientId), eq(patientAccess.userId, actor.id)))
    .returning({ patientId: patientAccess.patientId });
  if (updated.length === 0) notFound();
}
