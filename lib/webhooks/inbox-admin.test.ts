import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, users, webhookInbox } from "@/db/schema";
import { runAs, type Actor } from "@/lib/auth/session";
import { ensureActiveKey } from "@/lib/keys";
import { setupTestDb } from "@/tests/helpers/db";
import { setupIngestionEnv } from "@/tests/helpers/ingestion-env";
import { activeKeyset, buildDataPush, seedConsent, webhookRequest } from "@/tests/helpers/webhook-push";
import { receiveEkaWebhook } from "./intake";
import { InboxError, dropInboxPayloads, reprocessDelivery } from "./mutations";
import { processDeliveryNow, waitForProcessingIdle } from "./process";
import { listInboxDeliveries } from "./queries";

const t = setupTestDb();
const env = setupIngestionEnv({ WEBHOOK_MAX_ATTEMPTS: "1" });

async function actor(role: "admin" | "clinician"): Promise<Actor> {
  const [u] = await t.db.insert(users).values({ email: `${role}-${randomUUID()}@hospital.test`, name: role, role }).returning();
  return { id: u.id, email: u.email, name: u.name, role, registrationNumber: null, registrationSystem: null };
}

async function deadDelivery(): Promise<{ inboxId: string; deliveryId: string; consentId: string; transactionId: string }> {
  const consentId = `late-${randomUUID()}`;
  const push = buildDataPush({
    keyset: await activeKeyset(t.db),
    consentId,
    abhaAddress: "later@sbx",
    entries: [{ careContextId: "cc-1", text: JSON.stringify({ resourceType: "Bundle", type: "collection", entry: [] }) }],
  });
  const r = await receiveEkaWebhook(webhookRequest(push.body, { key: env.signingKey }));
  if (r.kind !== "accepted") throw new Error("not accepted");
  // One attempt allowed: the unknown consent makes it dead at once.
  expect(await processDeliveryNow(r.inboxId)).toMatchObject({ status: "dead" });
  return { inboxId: r.inboxId, deliveryId: push.deliveryId, consentId, transactionId: push.transactionId };
}

beforeAll(async () => {
  await ensureActiveKey({ push: false });
});

describe("admin webhook inbox", () => {
  it("lists deliveries with metadata only, filters by status, and is admin-only", async () => {
    const dead = await deadDelivery();
    const admin = await actor("admin");
    const all = await runAs(admin, () => listInboxDeliveries({ page: 1 }));
    const mine = all.deliveries.find((d) => d.id === dead.inboxId)!;
    expect(mine).toMatchObject({
      deliveryId: dead.deliveryId,
      event: "abha.hiu_data_push",
      consentId: dead.consentId,
      transactionId: dead.transactionId,
      status: "dead",
      attempts: 1,
      lastError: "The consent is not known to this HIU.",
      canReprocess: true,
    });
    expect(Object.keys(mine)).not.toContain("bodySealed");
    expect(JSON.stringify(all)).not.toMatch(/"v\d+:[A-Za-z0-9+/]{20,}/);
    expect(all.byStatus.dead).toBeGreaterThanOrEqual(1);

    const onlyDone = await runAs(admin, () => listInboxDeliveries({ page: 1, status: "done" }));
    expect(onlyDone.deliveries.every((d) => d.status === "done")).toBe(true);

    const clinician = await actor("clinician");
    await expect(runAs(clinician, () => listInboxDeliveries({ page: 1 }))).rejects.toThrow();
  });

  it("processes a dead delivery again on request, audited, and it succeeds once the consent is known", async () => {
    const dead = await deadDelivery();
    const admin = await actor("admin");
    // The consent arrives (as the workflow would record it) after the delivery went dead.
    await seedConsent(t.db, { consentId: dead.consentId, hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });

    await runAs(admin, () => reprocessDelivery(dead.inboxId));
    const [trail] = await t.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "webhook.reprocessed"), eq(auditEvents.targetId, dead.deliveryId)));
    expect(trail).toMatchObject({ actorId: admin.id, targetType: "webhook" });
    expect(trail.details).toMatchObject({ previousStatus: "dead", previousAttempts: 1, event: "abha.hiu_data_push" });

    await waitForProcessingIdle();
    const [row] = await t.db.select().from(webhookInbox).where(eq(webhookInbox.id, dead.inboxId));
    expect(row).toMatchObject({ status: "done", attempts: 1, lastError: null });

    await expect(runAs(admin, () => reprocessDelivery(dead.inboxId))).rejects.toBeInstanceOf(InboxError);
    const clinician = await actor("clinician");
    const other = await deadDelivery();
    await expect(runAs(clinician, () => reprocessDelivery(other.inboxId))).rejects.toThrow();
    const [untouched] = await t.db.select().from(webhookInbox).where(eq(webhookInbox.id, other.inboxId));
    expect(untouched.status).toBe("dead");
  });

  it("drops kept payloads of a consent's deliveries on request (revocation purge)", async () => {
    const dead = await deadDelivery();
    expect(await dropInboxPayloads([dead.consentId])).toBe(1);
    const [row] = await t.db.select().from(webhookInbox).where(eq(webhookInbox.id, dead.inboxId));
    expect(row.bodySealed).toBe("");
    const admin = await actor("admin");
    await expect(runAs(admin, () => reprocessDelivery(dead.inboxId))).rejects.toMatchObject({ code: "payload_gone" });
  });
});
