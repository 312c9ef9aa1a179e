import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { healthRecords, webhookInbox } from "@/db/schema";
import { env as appEnv } from "@/lib/env";
import { ensureActiveKey } from "@/lib/keys";
import { setupTestDb } from "@/tests/helpers/db";
import { setupIngestionEnv } from "@/tests/helpers/ingestion-env";
import { activeKeyset, buildDataPush, seedConsent, webhookRequest } from "@/tests/helpers/webhook-push";
import { receiveEkaWebhook } from "./intake";
import type { DataPushOutcome } from "./outcome";
import { claimDelivery, claimDue, LEASE_MS, processClaimed, processDeliveryNow } from "./process";
import { backoffMs } from "./retry";
import { sweepInbox } from "./sweeper";

const t = setupTestDb();
const env = setupIngestionEnv({ WEBHOOK_MAX_ATTEMPTS: "3" });

const bundle = () => JSON.stringify({ resourceType: "Bundle", id: randomUUID(), type: "collection", entry: [] });

async function intake(body: string): Promise<string> {
  const r = await receiveEkaWebhook(webhookRequest(body, { key: env.signingKey }));
  if (r.kind !== "accepted") throw new Error(`not accepted: ${r.kind}`);
  return r.inboxId;
}

async function row(id: string) {
  const [r] = await t.db.select().from(webhookInbox).where(eq(webhookInbox.id, id));
  return r;
}

/** Makes a failed delivery due now (instead of waiting out its backoff). */
async function makeDue(id: string) {
  await t.db.update(webhookInbox).set({ nextAttemptAt: new Date(Date.now() - 1000) }).where(eq(webhookInbox.id, id));
}

beforeAll(async () => {
  await ensureActiveKey({ push: false });
});

beforeEach(() => {
  env.eka.onPush.length = 0;
});

describe("inbox processing: retries, dead letters, leases", () => {
  it("backs off exponentially with jitter, capped at ten minutes", () => {
    expect(backoffMs(1, () => 0.5)).toBe(2_000);
    expect(backoffMs(2, () => 0.5)).toBe(4_000);
    expect(backoffMs(5, () => 0.5)).toBe(32_000);
    expect(backoffMs(30, () => 0.5)).toBe(600_000);
    expect(backoffMs(1, () => 0)).toBe(1_600);
    expect(backoffMs(1, () => 1)).toBe(2_400);
  });

  it("retries a push for an unknown consent, then gives up after the last attempt and tells EKA", async () => {
    expect(appEnv().webhook.maxAttempts).toBe(3);
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId: `nobody-${randomUUID()}`, abhaAddress: "ghost@sbx", entries: [{ careContextId: "cc-1", text: bundle() }] });
    const id = await intake(push.body);

    const first = await processDeliveryNow(id);
    expect(first).toMatchObject({ status: "failed", lastError: "The consent is not known to this HIU." });
    const afterFirst = await row(id);
    expect(afterFirst.attempts).toBe(1);
    expect(afterFirst.nextAttemptAt.getTime()).toBeGreaterThan(Date.now());
    expect(afterFirst.bodySealed).not.toBe("");
    // Not due yet: a sweep just before its retry time leaves it alone.
    expect((await sweepInbox({ now: new Date(afterFirst.nextAttemptAt.getTime() - 1) })).processed).toBe(0);

    await makeDue(id);
    await sweepInbox();
    expect(await row(id)).toMatchObject({ status: "failed", attempts: 2 });
    expect(env.eka.onPush).toHaveLength(0);

    await makeDue(id);
    await sweepInbox();
    const dead = await row(id);
    expect(dead).toMatchObject({ status: "dead", attempts: 3, lastError: "The consent is not known to this HIU." });
    expect(dead.bodySealed).not.toBe(""); // kept for "Process again"
    expect(env.eka.onPush).toEqual([
      {
        consent_id: push.envelope.data && (push.envelope.data as { consent_id: string }).consent_id,
        transaction_id: push.transactionId,
        status_response: [{ care_context_id: "cc-1", success: false, description: "The consent is not known to this HIU." }],
      },
    ]);
  });

  it("retries when EKA's on-push fails, without storing twice", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text: bundle() }] });
    const id = await intake(push.body);
    env.eka.failOnPush(503);
    expect(await processDeliveryNow(id)).toMatchObject({ status: "failed", lastError: "on-push report failed: http 503" });
    expect(await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, push.transactionId))).toHaveLength(1);

    await makeDue(id);
    await sweepInbox();
    expect(await row(id)).toMatchObject({ status: "done", attempts: 2, lastError: null });
    expect(await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, push.transactionId))).toHaveLength(1);
    expect(env.eka.onPush).toHaveLength(1);
    expect(((await row(id)).outcome as DataPushOutcome).entries[0]).toMatchObject({ ok: true, duplicate: true });
  });

  it("records a report EKA refuses for good (4xx) and finishes the delivery", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text: bundle() }] });
    const id = await intake(push.body);
    env.eka.failOnPush(400);
    expect(await processDeliveryNow(id)).toMatchObject({ status: "done", lastError: "on-push report failed: http 400" });
  });

  it("takes a delivery back from a worker whose lease ran out, and ignores that worker's late result", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text: bundle() }] });
    const id = await intake(push.body);

    const stalled = await claimDelivery(id);
    expect(stalled).toMatchObject({ status: "processing", attempts: 1 });
    // Another instance cannot take it while the lease holds…
    expect(await claimDelivery(id)).toBeNull();
    // …but can once it has run out.
    const later = new Date(Date.now() + LEASE_MS + 1000);
    expect(await sweepInbox({ now: later })).toEqual({ processed: 1 });
    expect(await row(id)).toMatchObject({ status: "done", attempts: 2 });

    // The stalled worker wakes up: its result is fenced off by the attempt number.
    await processClaimed(stalled!);
    expect(await row(id)).toMatchObject({ status: "done", attempts: 2 });
    expect(env.eka.onPush.length).toBeGreaterThanOrEqual(1);
  });

  it("never hands the same due delivery to two concurrent claimers", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const keyset = await activeKeyset(t.db);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const push = buildDataPush({ keyset, consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text: bundle() }] });
      ids.push(await intake(push.body));
    }
    const [a, b, c] = await Promise.all([claimDue(3), claimDue(3), claimDue(3)]);
    const claimed = [...a, ...b, ...c].map((r) => r.id).filter((x) => ids.includes(x));
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBe(6);
    for (const r of [...a, ...b, ...c]) await processClaimed(r);
  });
});
