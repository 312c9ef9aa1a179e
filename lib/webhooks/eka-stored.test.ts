import { eq } from "drizzle-orm";
import { expect, it } from "vitest";
import { careContexts, healthRecords, timelineItems } from "@/db/schema";
import { setupTestDb } from "@/tests/helpers/db";
import { setupIngestionEnv } from "@/tests/helpers/ingestion-env";
import { requireSharedFixtures } from "@/tests/helpers/shared-fixtures";
import { seedConsent } from "@/tests/helpers/webhook-push";
import { ekaStoredTransactionId, fetchEkaStoredRecords } from "./eka-stored";

const t = setupTestDb();
const env = setupIngestionEnv({ EKA_DATA_MODE: "eka-stored", WEBHOOK_MAX_ATTEMPTS: "3" });
const fhir = requireSharedFixtures("fhir");

async function cc(id: string) {
  const [row] = await t.db.select().from(careContexts).where(eq(careContexts.id, id));
  return row;
}

fhir.describe("EKA-stores mode: FHIR retrieve per care context after GRANTED", () => {
  it("stores what EKA returns through the same path, retries what is not there yet, and gives up on refusals", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-E", careContextIds: ["cc-ok", "cc-later", "cc-refused"] }] });
    const ids = seeded.artefacts[0].careContexts;
    env.eka.retrieve.set("cc-ok", JSON.stringify(fhir.readJson("opconsult-4.json")));
    env.eka.retrieve.set("cc-refused", 400);
    // cc-later: 404 (EKA's empty Bundle shell) until the HIP has delivered to EKA.

    const first = await fetchEkaStoredRecords();
    expect(first).toEqual({ claimed: 3, stored: 1, retrying: 1, failed: 1 });

    const [record] = await t.db.select().from(healthRecords).where(eq(healthRecords.careContextId, "cc-ok"));
    expect(record).toMatchObject({
      patientId: seeded.patientId,
      consentRequestId: seeded.consentRequestId,
      hipId: "HIP-E",
      transactionId: ekaStoredTransactionId(seeded.consentId, seeded.consentRequestId),
      sourceChecksum: null,
    });
    expect((await t.db.select().from(timelineItems).where(eq(timelineItems.recordId, record.id))).length).toBeGreaterThan(0);
    expect(await cc(ids["cc-ok"])).toMatchObject({ stage: "stored", fetchAttempts: 1, nextFetchAt: null });

    const later = await cc(ids["cc-later"]);
    expect(later).toMatchObject({ stage: "awaiting", fetchAttempts: 1, stageReason: "EKA has no record for this care context yet." });
    expect(later.nextFetchAt!.getTime()).toBeGreaterThan(Date.now());

    expect(await cc(ids["cc-refused"])).toMatchObject({ stage: "failed", fetchAttempts: 3 });
    expect((await cc(ids["cc-refused"])).stageReason).toMatch(/FHIR retrieve failed: http 400/);

    // Nothing is due until the backoff has passed.
    expect((await fetchEkaStoredRecords({ now: new Date(later.nextFetchAt!.getTime() - 1) })).claimed).toBe(0);

    // The HIP's data reaches EKA; the next due attempt stores it. Stored ones are not fetched again.
    env.eka.retrieve.set("cc-later", JSON.stringify(fhir.readJson("prescription-3.json")));
    const calls = env.eka.retrieveCalls.length;
    const due = new Date(Date.now() + 60 * 60_000);
    expect(await fetchEkaStoredRecords({ now: due })).toEqual({ claimed: 1, stored: 1, retrying: 0, failed: 0 });
    expect(env.eka.retrieveCalls.slice(calls)).toEqual(["cc-later"]);
    expect(await cc(ids["cc-later"])).toMatchObject({ stage: "stored", fetchAttempts: 2 });
  });

  it("gives up after the configured attempts when EKA never has the record", async () => {
    const seeded = await seedConsent(t.db, { hips: [{ hipId: "HIP-E", careContextIds: ["cc-never"] }] });
    const id = seeded.artefacts[0].careContexts["cc-never"];
    let now = Date.now();
    for (let i = 0; i < 3; i++) {
      await fetchEkaStoredRecords({ now: new Date(now) });
      now += 60 * 60_000;
    }
    expect(await cc(id)).toMatchObject({ stage: "failed", fetchAttempts: 3 });
    expect((await cc(id)).stageReason).toMatch(/Gave up after 3 attempts/);
    expect((await fetchEkaStoredRecords({ now: new Date(now) })).claimed).toBe(0);
  });

  it("does not fetch for consents that are not GRANTED", async () => {
    await seedConsent(t.db, { status: "REVOKED", hips: [{ hipId: "HIP-E", careContextIds: ["cc-revoked"] }] });
    const calls = env.eka.retrieveCalls.length;
    await fetchEkaStoredRecords({ now: new Date(Date.now() + 24 * 3600_000) });
    expect(env.eka.retrieveCalls.slice(calls)).not.toContain("cc-revoked");
  });
});
