import "server-only";
import { and, eq, inArray, ne } from "drizzle-orm";
import { getDb } from "@/db";
import { webhookInbox } from "@/db/schema";
import { audit } from "@/lib/audit";
import { requireRole } from "@/lib/auth/session";
import { scheduleProcessing } from "./process";
import { REPROCESSABLE } from "./queries";

export class InboxError extends Error {
  constructor(
    public readonly code: "not_found" | "not_reprocessable" | "payload_gone",
    message: string,
  ) {
    super(message);
    this.name = "InboxError";
  }
}

/**
 * Admins: "Process again" for a failed or dead delivery. Its attempts start over (the automatic
 * retries apply again), the action is audited in the same transaction, and processing starts
 * after the response.
 */
export async function reprocessDelivery(inboxId: string): Promise<{ deliveryId: string }> {
  const actor = await requireRole("admin");
  const db = await getDb();
  const row = await db.transaction(async (tx) => {
    const [current] = await tx.select().from(webhookInbox).where(eq(webhookInbox.id, inboxId)).for("update");
    if (!current) throw new InboxError("not_found", "That delivery does not exist.");
    if (!REPROCESSABLE.includes(current.status)) {
      throw new InboxError("not_reprocessable", `Only failed or dead deliveries can be processed again (this one is ${current.status}).`);
    }
    if (!current.bodySealed) throw new InboxError("payload_gone", "The payload of this delivery is no longer kept.");
    await tx
      .update(webhookInbox)
      .set({ status: "pending", attempts: 0, nextAttemptAt: new Date(), leaseUntil: null, lastError: null })
      .where(eq(webhookInbox.id, inboxId));
    await audit(
      actor,
      {
        action: "webhook.reprocessed",
        targetType: "webhook",
        targetId: current.deliveryId,
        details: { event: current.event, previousStatus: current.status, previousAttempts: current.attempts, lastError: current.lastError },
      },
      tx,
    );
    return current;
  });
  scheduleProcessing(row.id);
  return { deliveryId: row.deliveryId };
}

/**
 * System (consent purge on revocation/expiry): drops the kept payloads of every delivery for these
 * consent ids, so no copy of withdrawn data survives in the inbox. Rows stay, as metadata.
 */
export async function dropInboxPayloads(consentIds: string[]): Promise<number> {
  if (consentIds.length === 0) return 0;
  const db = await getDb();
  const rows = await db
    .update(webhookInbox)
    .set({ bodySealed: "" })
    .where(and(inArray(webhookInbox.consentId, consentIds), ne(webhookInbox.bodySealed, "")))
    .returning({ id: webhookInbox.id });
  return rows.length;
}
