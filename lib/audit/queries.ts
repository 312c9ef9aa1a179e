import "server-only";
import { and, count, desc, eq, gte, ilike, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { searchText } from "@/lib/forms/text";
import { getDb } from "@/db";
import { auditEvents } from "@/db/schema";
import { requireRole } from "@/lib/auth/session";

export const auditFilterSchema = z.object({
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
  action: searchText(80),
  actor: searchText(200),
  from: z.iso.date().optional().catch(undefined),
  to: z.iso.date().optional().catch(undefined),
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

const PAGE_SIZE = 50;

/** Admins and auditors read the trail; nobody can change it through the portal. */
export async function listAuditEvents(filter: AuditFilter) {
  await requireRole("admin", "auditor");
  const db = await getDb();
  const where: SQL[] = [];
  if (filter.action) where.push(ilike(auditEvents.action, `${filter.action.replace(/[%_]/g, "")}%`));
  if (filter.actor) where.push(eq(auditEvents.actorLabel, filter.actor.toLowerCase()));
  if (filter.from) where.push(gte(auditEvents.at, new Date(`${filter.from}T00:00:00+05:30`)));
  if (filter.to) where.push(lt(auditEvents.at, new Date(new Date(`${filter.to}T00:00:00+05:30`).getTime() + 86_400_000)));
  const cond = where.length ? and(...where) : undefined;
  const [rows, [{ total }]] = await Promise.all([
    db
      .select()
      .from(auditEvents)
      .where(cond)
      .orderBy(desc(auditEvents.at))
      .limit(PAGE_SIZE)
      .offset((filter.page - 1) * PAGE_SIZE),
    db.select({ total: count() }).from(auditEvents).where(cond),
  ]);
  return {
    rows: rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actorLabel,
      action: r.action,
      target: r.targetType ? `${r.targetType}${r.targetId ? ` ${r.targetId.slice(0, 8)}` : ""}` : "",
      patientId: r.patientId,
      consentRequestId: r.consentRequestId,
      ip: r.ip,
      details: r.details ? JSON.stringify(r.details) : "",
    })),
    total,
    pageSize: PAGE_SIZE,
  };
}
