import "server-only";
import { count, desc, eq, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { getDb } from "@/db";
import { WEBHOOK_STATUSES, webhookInbox, type WebhookStatus } from "@/db/schema";
import { requireRole } from "@/lib/auth/session";
import type { DeliveryOutcome } from "./outcome";

export const inboxFilterSchema = z.object({
  status: z.enum(WEBHOOK_STATUSES).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
export type InboxFilter = z.infer<typeof inboxFilterSchema>;

/** One delivery as the admin page shows it: metadata only, never the payload. */
export type InboxDelivery = {
  id: string;
  deliveryId: string;
  event: string;
  consentId: string | null;
  transactionId: string | null;
  receivedAt: string;
  status: WebhookStatus;
  attempts: number;
  nextAttemptAt: string | null;
  processedAt: string | null;
  lastError: string | null;
  bodyBytes: number;
  /** A short human summary of the outcome (counts and our own reasons). */
  summary: string | null;
  /** "Process again" is offered for failed and dead deliveries whose payload is still kept. */
  canReprocess: boolean;
};

const PAGE_SIZE = 50;

export const REPROCESSABLE: WebhookStatus[] = ["failed", "dead"];

/** Counts and reasons from an outcome; exported for tests. */
export function summariseOutcome(outcome: DeliveryOutcome | null): string | null {
  if (!outcome) return null;
  if (outcome.kind === "consent_update") return outcome.status ? `Consent ${outcome.status}` : "Consent update";
  const parts: string[] = [];
  if (outcome.pageCount && outcome.pageCount > 1) parts.push(`page ${outcome.page} of ${outcome.pageCount}`);
  if (outcome.refused) parts.push(outcome.refused);
  else {
    const ok = outcome.entries.filter((e) => e.ok).length;
    const dup = outcome.entries.filter((e) => e.ok && e.duplicate).length;
    parts.push(`${ok} of ${outcome.entries.length} stored${dup ? ` (${dup} already stored)` : ""}`);
    const failed = outcome.entries.filter((e) => !e.ok);
    for (const f of failed) parts.push(`${f.careContextId}: ${f.reason ?? "failed"}`);
  }
  if (outcome.report) parts.push(outcome.report.sent ? "EKA notified" : (outcome.report.error ?? "EKA not notified"));
  return parts.join(" · ");
}

/** Admins only: deliveries newest first, optionally by status, with per-status counts. */
export async function listInboxDeliveries(filter: InboxFilter) {
  await requireRole("admin");
  const db = await getDb();
  const where: SQL | undefined = filter.status ? eq(webhookInbox.status, filter.status) : undefined;
  const [rows, [{ total }], counts] = await Promise.all([
    db
      .select({
        id: webhookInbox.id,
        deliveryId: webhookInbox.deliveryId,
        event: webhookInbox.event,
        consentId: webhookInbox.consentId,
        transactionId: webhookInbox.transactionId,
        receivedAt: webhookInbox.receivedAt,
        status: webhookInbox.status,
        attempts: webhookInbox.attempts,
        nextAttemptAt: webhookInbox.nextAttemptAt,
        processedAt: webhookInbox.processedAt,
        lastError: webhookInbox.lastError,
        bodyBytes: webhookInbox.bodyBytes,
        outcome: webhookInbox.outcome,
        // Whether the payload is still kept — never the payload itself.
        bodyKept: sql<boolean>`${webhookInbox.bodySealed} <> ''`,
      })
      .from(webhookInbox)
      .where(where)
      .orderBy(desc(webhookInbox.receivedAt))
      .limit(PAGE_SIZE)
      .offset((filter.page - 1) * PAGE_SIZE),
    db.select({ total: count() }).from(webhookInbox).where(where),
    db.select({ status: webhookInbox.status, n: count() }).from(webhookInbox).groupBy(webhookInbox.status),
  ]);
  const deliveries: InboxDelivery[] = rows.map((r) => ({
    id: r.id,
    deliveryId: r.deliveryId,
    event: r.event,
    consentId: r.consentId,
    transactionId: r.transactionId,
    receivedAt: r.receivedAt.toISOString(),
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === "failed" || r.status === "pending" ? r.nextAttemptAt.toISOString() : null,
    processedAt: r.processedAt?.toISOString() ?? null,
    lastError: r.lastError,
    bodyBytes: r.bodyBytes,
    summary: summariseOutcome(r.outcome as DeliveryOutcome | null),
    canReprocess: REPROCESSABLE.includes(r.status) && Boolean(r.bodyKept),
  }));
  const byStatus = Object.fromEntries(WEBHOOK_STATUSES.map((s) => [s, 0])) as Record<WebhookStatus, number>;
  for (const c of counts) byStatus[c.status] = Number(c.n);
  return { deliveries, total: Number(total), pageSize: PAGE_SIZE, byStatus };
}
