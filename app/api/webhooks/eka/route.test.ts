import fs from "node:fs";
import path from "node:path";
import { createHash, randomUUID } from "node:crypto";
import { and, desc, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setDbForTests, type Db, type DbHandle } from "@/db";
import {
  auditEvents,
  careContexts,
  consentRequests,
  healthRecords,
  hiuKeys,
  patients,
  timelineItems,
  users,
  webhookInbox,
} from "@/db/schema";
import { runAs, type Actor } from "@/lib/auth/session";
import { resetEnvForTests } from "@/lib/env";
import { ensureActiveKey, rotateKey } from "@/lib/keys";
import type { DataPushOutcome } from "@/lib/webhooks/outcome";
import { waitForProcessingIdle } from "@/lib/webhooks/process";
import { setupTestDb } from "@/tests/helpers/db";
import { setupIngestionEnv } from "@/tests/helpers/ingestion-env";
import { requireSharedFixtures } from "@/tests/helpers/shared-fixtures";
import {
  activeKeyset,
  buildDataPush,
  consentUpdateEnvelope,
  seedConsent,
  webhookRequest,
} from "@/tests/helpers/webhook-push";
import { POST } from "./route";

const t = setupTestDb();
const env = setupIngestionEnv();
const fhir = requireSharedFixtures("fhir");

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** A small but real-shaped bundle for tests that do not need the public fixtures. */
function tinyBundle(name = "Asha Verma", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    resourceType: "Bundle",
    id: randomUUID(),
    type: "document",
    timestamp: "2024-03-01T10:00:00+05:30",
    entry: [
      {
        fullUrl: "urn:uuid:p1",
        resource: { resourceType: "Patient", id: "p1", name: [{ text: name }], gender: "female", birthDate: "1985-03-12" },
      },
      {
        fullUrl: "urn:uuid:o1",
        resource: {
          resourceType: "Observation",
          id: "o1",
          status: "final",
          code: { text: "Haemoglobin" },
          subject: { reference: "urn:uuid:p1" },
          effectiveDateTime: "2024-02-28",
          valueQuantity: { value: 13.2, unit: "g/dL" },
        },
      },
    ],
    ...extra,
  });
}

async function post(body: string, opts: { key?: string | null; t?: number; headers?: Record<string, string> } = {}) {
  const res = await POST(webhookRequest(body, { key: opts.key === undefined ? env.signingKey : opts.key, t: opts.t, headers: opts.headers }));
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function inboxRow(db: Db, deliveryId: string) {
  const [row] = await db.select().from(webhookInbox).where(eq(webhookInbox.deliveryId, deliveryId));
  return row;
}

function reportsFor(transactionId: string) {
  return env.eka.onPush.filter((r) => r.transaction_id === transactionId);
}

beforeAll(async () => {
  await ensureActiveKey({ push: false });
});

beforeEach(() => {
  env.eka.onPush.length = 0;
});

fhir.describe("every public FHIR fixture, pushed encrypted", () => {
  it("stores each bundle under the right patient, consent and care context, with its timeline, and reports success", async () => {
    const files = fs.readdirSync(fhir.dir!).filter((f) => f.endsWith(".json")).sort();
    expect(files.length).toBeGreaterThanOrEqual(20);
    const ccIds = files.map((f) => `cc-${path.basename(f, ".json")}`);
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-PUBLIC", hipName: "Public HIP", careContextIds: ccIds }] });
    const keyset = await activeKeyset(t.db);
    const texts = new Map<string, string>();
    const transactions: string[] = [];
    for (const [i, file] of files.entries()) {
      const text = fs.readFileSync(path.join(fhir.dir!, file), "utf8");
      texts.set(ccIds[i], text);
      const push = buildDataPush({ keyset, consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: ccIds[i], text }] });
      transactions.push(push.transactionId);
      const res = await post(push.body);
      expect(res.status, file).toBe(202);
      expect(res.json).toEqual({ status: "accepted", delivery_id: push.deliveryId });
    }
    await waitForProcessingIdle();

    const records = await t.db.select().from(healthRecords).where(eq(healthRecords.consentRequestId, seeded.consentRequestId));
    expect(records).toHaveLength(files.length);
    for (const r of records) {
      const text = texts.get(r.careContextId)!;
      expect(text, r.careContextId).toBeDefined();
      expect(r.patientId).toBe(seeded.patientId);
      expect(r.artefactId).toBe(seeded.artefacts[0].id);
      expect(r.hipId).toBe("HIP-PUBLIC");
      expect(r.contentHash).toBe(sha256(text));
      expect(r.checksumMatches).toBe(true);
      expect(r.bundle).toEqual(JSON.parse(text));
    }
    const withItems = await t.db
      .selectDistinct({ recordId: timelineItems.recordId })
      .from(timelineItems)
      .where(eq(timelineItems.consentRequestId, seeded.consentRequestId));
    expect(withItems.length).toBe(files.length);

    const stages = await t.db.select({ stage: careContexts.stage }).from(careContexts).where(eq(careContexts.artefactId, seeded.artefacts[0].id));
    expect(stages.every((s) => s.stage === "stored")).toBe(true);

    const reports = env.eka.onPush.filter((r) => transactions.includes(r.transaction_id));
    expect(reports).toHaveLength(files.length);
    expect(reports.every((r) => r.consent_id === seeded.consentId && r.status_response.every((s) => s.success))).toBe(true);

    const inbox = await t.db.select().from(webhookInbox).where(eq(webhookInbox.consentId, seeded.consentId!));
    expect(inbox.every((r) => r.status === "done" && r.attempts === 1)).toBe(true);
    // Processed for good: the raw payload is not kept beside the records.
    expect(inbox.every((r) => r.bodySealed === "")).toBe(true);

    const [req] = await t.db.select().from(consentRequests).where(eq(consentRequests.id, seeded.consentRequestId));
    expect(req.lastRecordAt).not.toBeNull();
    const [patient] = await t.db.select().from(patients).where(eq(patients.id, seeded.patientId));
    expect(patient.name).toBeTruthy();
    expect(patient.demographicsSeen.name?.length).toBeGreaterThan(0);
  }, 120_000);
});

describe("POST /api/webhooks/eka: delivery semantics", () => {
  it("keeps the raw body sealed at rest until processed, then answers a repeated delivery with 2xx and stores nothing new", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text: tinyBundle() }] });

    const first = await post(push.body);
    expect(first.status).toBe(202);
    const landed = await inboxRow(t.db, push.deliveryId);
    expect(landed.bodySealed).toMatch(/^v\d+:/);
    expect(landed.bodySealed).not.toContain(push.transactionId);
    expect(landed.bodyBytes).toBe(Buffer.byteLength(push.body));
    expect(landed.headers).not.toHaveProperty("eka-webhook-signature");
    await waitForProcessingIdle();

    const again = await post(push.body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ status: "duplicate", delivery_id: push.deliveryId });
    await waitForProcessingIdle();

    expect(await t.db.select().from(webhookInbox).where(eq(webhookInbox.deliveryId, push.deliveryId))).toHaveLength(1);
    expect(await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, push.transactionId))).toHaveLength(1);
    expect(reportsFor(push.transactionId)).toHaveLength(1);
  });

  it("stores the same data only once when EKA re-sends it as a new delivery", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const keyset = await activeKeyset(t.db);
    const text = tinyBundle();
    const a = buildDataPush({ keyset, consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text }] });
    const b = buildDataPush({ keyset, consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text }], transactionId: a.transactionId });
    expect((await post(a.body)).status).toBe(202);
    await waitForProcessingIdle();
    expect((await post(b.body)).status).toBe(202);
    await waitForProcessingIdle();
    const records = await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, a.transactionId));
    expect(records).toHaveLength(1);
    const items = await t.db.select().from(timelineItems).where(eq(timelineItems.recordId, records[0].id));
    expect(items.length).toBeGreaterThan(0);
    const second = (await inboxRow(t.db, b.deliveryId)).outcome as DataPushOutcome;
    expect(second.entries[0]).toMatchObject({ ok: true, duplicate: true, recordId: records[0].id });
    expect(reportsFor(a.transactionId).map((r) => r.status_response[0].success)).toEqual([true, true]);
  });

  it("merges one transaction sent as several pages, out of order", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1", "cc-2", "cc-3"] }] });
    const keyset = await activeKeyset(t.db);
    const transactionId = randomUUID();
    const pages = [1, 2, 3].map((n) =>
      buildDataPush({
        keyset,
        consentId: seeded.consentId!,
        abhaAddress: seeded.abhaAddress,
        transactionId,
        page: { number: n, count: 3 },
        entries: [{ careContextId: `cc-${n}`, text: tinyBundle(`Asha Verma`, { id: `bundle-${n}` }) }],
      }),
    );
    for (const p of [pages[2], pages[0], pages[1]]) expect((await post(p.body)).status).toBe(202);
    await waitForProcessingIdle();
    const records = await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, transactionId));
    expect(records.map((r) => [r.page, r.careContextId, r.pageCount]).sort()).toEqual([
      [1, "cc-1", 3],
      [2, "cc-2", 3],
      [3, "cc-3", 3],
    ]);
    const stages = await t.db.select({ stage: careContexts.stage }).from(careContexts).where(eq(careContexts.artefactId, seeded.artefacts[0].id));
    expect(stages.map((s) => s.stage)).toEqual(["stored", "stored", "stored"]);
    expect(reportsFor(transactionId)).toHaveLength(3);
  });

  it("fails a corrupted entry alone: its siblings are stored and EKA is told which one failed", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1", "cc-2", "cc-3"] }] });
    const push = buildDataPush({
      keyset: await activeKeyset(t.db),
      consentId: seeded.consentId!,
      abhaAddress: seeded.abhaAddress,
      corruptIndex: 1,
      entries: ["cc-1", "cc-2", "cc-3"].map((cc) => ({ careContextId: cc, text: tinyBundle("Asha Verma", { id: cc }) })),
    });
    expect((await post(push.body)).status).toBe(202);
    await waitForProcessingIdle();

    const records = await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, push.transactionId));
    expect(records.map((r) => r.careContextId).sort()).toEqual(["cc-1", "cc-3"]);
    const ccs = await t.db.select().from(careContexts).where(eq(careContexts.artefactId, seeded.artefacts[0].id));
    const byId = Object.fromEntries(ccs.map((c) => [c.careContextId, c]));
    expect(byId["cc-1"].stage).toBe("stored");
    expect(byId["cc-3"].stage).toBe("stored");
    expect(byId["cc-2"].stage).toBe("failed");
    expect(byId["cc-2"].stageReason).toMatch(/Decryption failed/);

    const [report] = reportsFor(push.transactionId);
    expect(report.status_response).toEqual([
      { care_context_id: "cc-1", success: true, description: "Decrypted and stored." },
      { care_context_id: "cc-2", success: false, description: expect.stringMatching(/Decryption failed/) },
      { care_context_id: "cc-3", success: true, description: "Decrypted and stored." },
    ]);
    const row = await inboxRow(t.db, push.deliveryId);
    expect(row.status).toBe("done");
    expect(row.lastError).toBe("1 of 3 entries failed");
  });

  it("fails an entry whose bundle holds a \\u0000 at once (jsonb cannot store it), keeps its sibling, and tells EKA", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1", "cc-2"] }] });
    const push = buildDataPush({
      keyset: await activeKeyset(t.db),
      consentId: seeded.consentId!,
      abhaAddress: seeded.abhaAddress,
      entries: [
        { careContextId: "cc-1", text: tinyBundle("Asha Verma", { id: "nul\u0000id" }) },
        { careContextId: "cc-2", text: tinyBundle("Asha Verma", { id: "fine" }) },
      ],
    });
    expect((await post(push.body)).status).toBe(202);
    await waitForProcessingIdle();
    const records = await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, push.transactionId));
    expect(records.map((r) => r.careContextId)).toEqual(["cc-2"]);
    const [report] = reportsFor(push.transactionId);
    expect(report.status_response).toEqual([
      { care_context_id: "cc-1", success: false, description: expect.stringMatching(/NUL characters/) },
      { care_context_id: "cc-2", success: true, description: "Decrypted and stored." },
    ]);
    const row = await inboxRow(t.db, push.deliveryId);
    expect(row.status).toBe("done");
    expect(row.attempts).toBe(1);
  });
});

describe("POST /api/webhooks/eka: refusals", () => {
  it.each([
    ["unsigned", { key: null }, "signature_missing"],
    ["signed with the wrong key", { key: "not-the-shared-key" }, "signature_mismatch"],
    ["signed 10 minutes ago", { t: Math.floor(Date.now() / 1000) - 600 }, "signature_stale"],
    ["signed 10 minutes ahead", { t: Math.floor(Date.now() / 1000) + 600 }, "signature_stale"],
    ["with a malformed signature", { headers: { "eka-webhook-signature": "sha256=abc" }, key: null }, "signature_malformed"],
  ] as const)("answers 401 to a delivery %s, audits it and stores nothing", async (_label, opts, code) => {
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId: "c-x", abhaAddress: "x@sbx", entries: [{ careContextId: "cc", text: tinyBundle() }] });
    const res = await post(push.body, opts as { key?: string | null; t?: number; headers?: Record<string, string> });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { code, message: expect.any(String) } });
    expect(await inboxRow(t.db, push.deliveryId)).toBeUndefined();
    const [auditRow] = await t.db.select().from(auditEvents).where(eq(auditEvents.action, "webhook.rejected")).orderBy(desc(auditEvents.at)).limit(1);
    expect(auditRow.details).toMatchObject({ reason: code.replace("signature_", "") });
    expect(JSON.stringify(auditRow.details)).not.toContain(push.transactionId);
  });

  it("accepts a signature over the compact re-serialised JSON (EKA's Python sample)", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text: tinyBundle() }] });
    const pretty = JSON.stringify(push.envelope, null, 2);
    const { signatureHeader } = await import("@/lib/webhooks/signature");
    const res = await post(pretty, { key: null, headers: { "eka-webhook-signature": signatureHeader(env.signingKey, push.body) } });
    expect(res.status).toBe(202);
    expect((await inboxRow(t.db, push.deliveryId)).headers).toMatchObject({ "x-signature-variant": "compact" });
    await waitForProcessingIdle();
  });

  it("answers 400 with a typed error to a body that is not JSON or not an envelope", async () => {
    const notJson = await post("this is not json");
    expect(notJson.status).toBe(400);
    expect(notJson.json).toEqual({ error: { code: "invalid_json", message: expect.any(String) } });

    const notEnvelope = await post(JSON.stringify({ hello: "world" }));
    expect(notEnvelope.status).toBe(400);
    expect(notEnvelope.json).toMatchObject({ error: { code: "invalid_envelope" } });

    const badData = await post(JSON.stringify({ event: "abha.hiu_data_push", transaction_id: randomUUID(), data: { consent_id: "x" } }));
    expect(badData.status).toBe(400);
    expect(badData.json).toMatchObject({ error: { code: "invalid_event_data", issues: expect.arrayContaining([expect.stringMatching(/^entries/)]) } });
  });

  it("acknowledges an unknown event without keeping it", async () => {
    const id = randomUUID();
    const res = await post(JSON.stringify({ event_type: "abha.locker_created", transaction_id: id, data: { auto_approval_id: "a" } }));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ignored", delivery_id: id });
    expect(await inboxRow(t.db, id)).toBeUndefined();
  });

  describe("size cap", () => {
    beforeAll(() => {
      process.env.WEBHOOK_MAX_BYTES = "4096";
      resetEnvForTests();
    });
    afterAll(() => {
      delete process.env.WEBHOOK_MAX_BYTES;
      resetEnvForTests();
    });

    it("answers 413 to a declared oversize body", async () => {
      const res = await post(JSON.stringify({ event: "abha.hiu_data_push", transaction_id: "big", data: { pad: "x".repeat(10_000) } }));
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ error: { code: "payload_too_large" } });
    });

    it("stops reading a streamed body (no Content-Length) as soon as it passes the cap", async () => {
      let pulled = 0;
      const chunk = new Uint8Array(1024).fill(0x20);
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += chunk.byteLength;
          if (pulled > 10 * 1024 * 1024) controller.close();
          else controller.enqueue(chunk);
        },
      });
      const req = new Request("http://localhost/api/webhooks/eka", {
        method: "POST",
        headers: { "content-type": "application/json", "eka-webhook-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
        body: stream,
        duplex: "half",
      } as RequestInit);
      const res = await POST(req);
      expect(res.status).toBe(413);
      expect(pulled).toBeLessThan(64 * 1024);
    });
  });
});

describe("consent state decides what is kept", () => {
  it("refuses data for a revoked consent: nothing stored, EKA told why, payload dropped", async () => {
    const seeded = await seedConsent(t.db, { status: "REVOKED", hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text: tinyBundle() }] });
    expect((await post(push.body)).status).toBe(202);
    await waitForProcessingIdle();
    expect(await t.db.select().from(healthRecords).where(eq(healthRecords.consentRequestId, seeded.consentRequestId))).toHaveLength(0);
    const [cc] = await t.db.select().from(careContexts).where(eq(careContexts.artefactId, seeded.artefacts[0].id));
    expect(cc.stage).toBe("awaiting");
    const [report] = reportsFor(push.transactionId);
    expect(report.status_response).toEqual([{ care_context_id: "cc-1", success: false, description: "Refused: The consent is REVOKED." }]);
    const row = await inboxRow(t.db, push.deliveryId);
    expect(row).toMatchObject({ status: "done", lastError: "Refused: The consent is REVOKED.", bodySealed: "" });
    expect((row.outcome as DataPushOutcome).refused).toMatch(/REVOKED/);
  });

  it("refuses entries of a revoked artefact while storing those of a live one", async () => {
    const seeded = await seedConsent(t.db, {
      hips: [
        { hipId: "HIP-LIVE", careContextIds: ["cc-live"] },
        { hipId: "HIP-GONE", careContextIds: ["cc-gone"], status: "REVOKED" },
      ],
    });
    const push = buildDataPush({
      keyset: await activeKeyset(t.db),
      consentId: seeded.consentId!,
      abhaAddress: seeded.abhaAddress,
      entries: [
        { careContextId: "cc-live", text: tinyBundle() },
        { careContextId: "cc-gone", text: tinyBundle("Asha V", { id: "other" }) },
      ],
    });
    expect((await post(push.body)).status).toBe(202);
    await waitForProcessingIdle();
    const records = await t.db.select().from(healthRecords).where(eq(healthRecords.consentRequestId, seeded.consentRequestId));
    expect(records.map((r) => [r.careContextId, r.hipId])).toEqual([["cc-live", "HIP-LIVE"]]);
    const [report] = reportsFor(push.transactionId);
    expect(report.status_response.map((s) => [s.care_context_id, s.success])).toEqual([
      ["cc-live", true],
      ["cc-gone", false],
    ]);
    expect(report.status_response[1].description).toBe("Refused: The consent artefact is REVOKED.");
  });

  it("still decrypts a push encrypted to the key that was rotated out after the grant", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const oldKeyset = await activeKeyset(t.db);
    const [oldKey] = await t.db.select({ id: hiuKeys.id }).from(hiuKeys).where(eq(hiuKeys.status, "active"));
    const push = buildDataPush({ keyset: oldKeyset, consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text: tinyBundle() }] });

    const [admin] = await t.db.insert(users).values({ email: `admin-${randomUUID()}@hospital.test`, name: "Admin", role: "admin" }).returning();
    const actor: Actor = { id: admin.id, email: admin.email, name: admin.name, role: "admin", registrationNumber: null, registrationSystem: null };
    const rotated = await runAs(actor, () => rotateKey());
    expect(rotated.keyId).not.toBe(oldKey.id);
    expect((await activeKeyset(t.db)).publicKey).not.toBe(oldKeyset.publicKey);

    expect((await post(push.body)).status).toBe(202);
    await waitForProcessingIdle();
    const outcome = (await inboxRow(t.db, push.deliveryId)).outcome as DataPushOutcome;
    expect(outcome.entries[0]).toMatchObject({ ok: true, keyId: oldKey.id });
    expect(await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, push.transactionId))).toHaveLength(1);
  });

  it("waits for a consent it does not know as GRANTED yet: re-reads it from EKA, then stores", async () => {
    // The push overtook the consent_update: locally still REQUESTED, no consent id, no artefacts.
    const seeded = await seedConsent(t.db, { status: "REQUESTED", consentId: null, hips: [] });
    const consentId = `consent-${randomUUID()}`;
    env.eka.consentList.set(seeded.abhaAddress, [
      { consent_id: consentId, consent_init_id: seeded.consentInitId, status: "GRANTED", hi_types: ["OPConsultation"], period: null, c_at: null, u_at: null },
    ]);
    env.eka.consentDetails.set(consentId, {
      data: [{ hip: { id: "HIP-LATE", name: "Late HIP" }, care_contexts: [{ id: "cc-late", display: "OPD", status: "GRANTED", created_at: null, documents: [] }] }],
    });
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-late", text: tinyBundle() }] });
    expect((await post(push.body)).status).toBe(202);
    await waitForProcessingIdle();
    const records = await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, push.transactionId));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ consentRequestId: seeded.consentRequestId, hipId: "HIP-LATE", careContextId: "cc-late", patientId: seeded.patientId });
  });

  it("takes a care context the consent details add on re-read, and fails one they do not know", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    env.eka.consentList.set(seeded.abhaAddress, [
      { consent_id: seeded.consentId, consent_init_id: seeded.consentInitId, status: "GRANTED", hi_types: null, period: null, c_at: null, u_at: null },
    ]);
    env.eka.consentDetails.set(seeded.consentId!, {
      data: [
        { hip: { id: "HIP-A", name: "HIP A" }, care_contexts: [{ id: "cc-1", status: "GRANTED" }] },
        { hip: { id: "HIP-B", name: "HIP B" }, care_contexts: [{ id: "cc-new", status: "GRANTED" }] },
      ],
    });
    const push = buildDataPush({
      keyset: await activeKeyset(t.db),
      consentId: seeded.consentId!,
      abhaAddress: seeded.abhaAddress,
      entries: [
        { careContextId: "cc-new", text: tinyBundle() },
        { careContextId: "cc-stranger", text: tinyBundle("Asha V", { id: "x" }) },
      ],
    });
    expect((await post(push.body)).status).toBe(202);
    await waitForProcessingIdle();
    const records = await t.db.select().from(healthRecords).where(eq(healthRecords.transactionId, push.transactionId));
    expect(records.map((r) => [r.careContextId, r.hipId])).toEqual([["cc-new", "HIP-B"]]);
    const [report] = reportsFor(push.transactionId);
    expect(report.status_response[1]).toEqual({ care_context_id: "cc-stranger", success: false, description: "The care context is not part of this consent." });
  });

  it("learns demographics: fills empty fields, keeps conflicting values per HIP and flags them", async () => {
    const seeded = await seedConsent(t.db, {
      patient: { name: "Asha Verma" },
      hips: [
        { hipId: "HIP-1", careContextIds: ["cc-a"] },
        { hipId: "HIP-2", careContextIds: ["cc-b"] },
      ],
    });
    const keyset = await activeKeyset(t.db);
    const first = buildDataPush({ keyset, consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-a", text: tinyBundle("asha  verma") }] });
    expect((await post(first.body)).status).toBe(202);
    await waitForProcessingIdle();
    let [p] = await t.db.select().from(patients).where(eq(patients.id, seeded.patientId));
    expect(p).toMatchObject({ name: "Asha Verma", gender: "female", birthDate: "1985-03-12", demographicsConflict: false });

    const second = buildDataPush({ keyset, consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-b", text: tinyBundle("Usha Sharma") }] });
    expect((await post(second.body)).status).toBe(202);
    await waitForProcessingIdle();
    [p] = await t.db.select().from(patients).where(eq(patients.id, seeded.patientId));
    expect(p.name).toBe("Asha Verma");
    expect(p.demographicsConflict).toBe(true);
    expect(p.demographicsSeen.name?.map((s) => [s.value, s.hipId])).toEqual([
      ["asha verma", "HIP-1"],
      ["Usha Sharma", "HIP-2"],
    ]);
  });
});

describe("abha.consent_update goes through the same inbox", () => {
  it("is stored, then applied by the consent workflow", async () => {
    const seeded = await seedConsent(t.db, { status: "REQUESTED", consentId: null, hips: [] });
    const consentId = `consent-${randomUUID()}`;
    env.eka.consentList.set(seeded.abhaAddress, [
      { consent_id: consentId, consent_init_id: seeded.consentInitId, status: "GRANTED", hi_types: null, period: null, c_at: null, u_at: null },
    ]);
    env.eka.consentDetails.set(consentId, { data: [{ hip: { id: "HIP-U", name: "U" }, care_contexts: [{ id: "cc-u", status: "GRANTED" }] }] });
    const update = consentUpdateEnvelope({ consentRequestId: seeded.consentInitId, consentId, status: "GRANTED", artefactIds: ["art-1"] });
    const res = await post(update.body);
    expect(res.status).toBe(202);
    await waitForProcessingIdle();
    const row = await inboxRow(t.db, update.deliveryId);
    expect(row).toMatchObject({ status: "done", event: "abha.consent_update", consentId: seeded.consentInitId });
    const [req] = await t.db.select().from(consentRequests).where(eq(consentRequests.id, seeded.consentRequestId));
    expect(req).toMatchObject({ status: "GRANTED", consentId });
  });
});

describe("the database failing mid-intake", () => {
  /** The real database, except that an UPDATE inside a transaction fails like a dropped connection. */
  function failingUpdatesInTransactions(handle: DbHandle): DbHandle {
    const bind = <T extends object>(target: T, prop: string | symbol) => {
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    };
    const db = new Proxy(handle.db, {
      get(target, prop) {
        if (prop !== "transaction") return bind(target, prop);
        return (fn: (tx: unknown) => Promise<unknown>, config?: unknown) =>
          target.transaction(
            (tx) =>
              fn(
                new Proxy(tx, {
                  get(txTarget, p) {
                    if (p === "update") {
                      return () => {
                        throw Object.assign(new Error("Connection terminated unexpectedly"), { code: "08006" });
                      };
                    }
                    return bind(txTarget, p);
                  },
                }),
              ),
            config as never,
          );
      },
    });
    return { ...handle, db, close: async () => {} };
  }

  it("answers 503, leaves nothing half-stored, and the retry succeeds", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-A", careContextIds: ["cc-1"] }] });
    const push = buildDataPush({ keyset: await activeKeyset(t.db), consentId: seeded.consentId!, abhaAddress: seeded.abhaAddress, entries: [{ careContextId: "cc-1", text: tinyBundle() }] });

    setDbForTests(failingUpdatesInTransactions(t.handle));
    let res;
    try {
      res = await post(push.body);
    } finally {
      setDbForTests(t.handle);
    }
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ error: { code: "unavailable" } });
    // The inbox insert ran before the failing statement; the rollback took it back.
    expect(await inboxRow(t.db, push.deliveryId)).toBeUndefined();
    const [cc] = await t.db.select().from(careContexts).where(eq(careContexts.id, seeded.artefacts[0].careContexts["cc-1"]));
    expect(cc.stage).toBe("awaiting");

    const retry = await post(push.body);
    expect(retry.status).toBe(202);
    await waitForProcessingIdle();
    expect(await t.db.select().from(healthRecords).where(and(eq(healthRecords.transactionId, push.transactionId), inArray(healthRecords.careContextId, ["cc-1"])))).toHaveLength(1);
    expect((await inboxRow(t.db, push.deliveryId)).status).toBe("done");
  });
});
