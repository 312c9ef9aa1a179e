import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { consentArtefacts, consentRequests } from "@/db/schema";
import { runAs, type Actor } from "@/lib/auth/session";
import { findOrAddPatient } from "@/lib/patients/mutations";
import { createActor } from "@/tests/helpers/actors";
import { setupTestDb } from "@/tests/helpers/db";
import { createConsentRequest } from "./mutations";
import { claimDueConsents, nextPollDelayMs, sweepConsents } from "./poller";
import { consentFormDefaults } from "./schemas";
import { startConsentTestRig, type ConsentTestRig } from "@/tests/helpers/consent-sandbox";

const t = setupTestDb();
let rig: ConsentTestRig;
let dr: Actor;
let asha: string;

beforeAll(async () => {
  rig = await startConsentTestRig();
  dr = await createActor(t.db, "clinician");
  asha = (await runAs(dr, () => findOrAddPatient({ abhaAddress: "asha.verma@sbx" }))).id;
});
afterAll(async () => {
  await rig?.close();
});
beforeEach(async () => {
  rig.pointAt(rig.sbx.url);
  await rig.control("DELETE", "/faults");
  // Each test starts with nothing due.
  await t.db.update(consentRequests).set({ nextPollAt: new Date(Date.now() + 3_600_000), pollLeaseUntil: null });
});

/** Rows straight in the table (the poller does not care how they were made). */
async function insertDue(n: number, status: "REQUESTED" | "GRANTED" | "DENIED" = "REQUESTED"): Promise<string[]> {
  const rows = await t.db
    .insert(consentRequests)
    .values(
      Array.from({ length: n }, (_, i) => ({
        patientId: asha,
        requestedBy: dr.id,
        requesterName: dr.name,
        purpose: "Care management",
        hiTypes: ["Prescription"],
        dateFrom: new Date("2025-01-01"),
        dateTo: new Date("2025-06-01"),
        expiresAt: new Date(Date.now() + 86_400_000),
        status,
        consentInitId: `not-at-eka-${status}-${Date.now()}-${i}-${Math.random()}`,
        nextPollAt: new Date(Date.now() - 1000 - i),
      })),
    )
    .returning({ id: consentRequests.id });
  return rows.map((r) => r.id);
}

describe("nextPollDelayMs", () => {
  it("doubles per attempt and is capped per status", () => {
    expect([0, 1, 2, 3].map((a) => nextPollDelayMs("REQUESTED", a, 15_000))).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect(nextPollDelayMs("REQUESTED", 30, 15_000)).toBe(10 * 60_000);
    expect(nextPollDelayMs("GRANTED", 30, 15_000)).toBe(15 * 60_000);
    expect(nextPollDelayMs("INITIATING", 30, 15_000)).toBe(5 * 60_000);
  });
});

describe("claimDueConsents (FOR UPDATE SKIP LOCKED + lease)", () => {
  it("two concurrent sweeps never take the same row, and together take every due row", async () => {
    const ids = await insertDue(30);
    const [a, b] = await Promise.all([claimDueConsents({ limit: 20 }), claimDueConsents({ limit: 20 })]);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect(new Set([...a, ...b])).toEqual(new Set(ids));
  });

  it("many concurrent claimers: still no row twice", async () => {
    const ids = await insertDue(40);
    const batches = await Promise.all(Array.from({ length: 8 }, () => claimDueConsents({ limit: 7 })));
    const all = batches.flat();
    expect(all.length).toBe(new Set(all).size);
    expect(new Set(all)).toEqual(new Set(ids));
  });

  it("a leased row is left alone until its lease lapses; final rows are never claimed", async () => {
    const [id] = await insertDue(1);
    const [denied] = await insertDue(1, "DENIED");
    const now = new Date();
    expect(await claimDueConsents({ now, leaseMs: 60_000 })).toEqual([id]);
    expect(await claimDueConsents({ now: new Date(now.getTime() + 30_000) })).toEqual([]);
    expect(await claimDueConsents({ now: new Date(now.getTime() + 61_000) })).toEqual([id]);
    const [row] = await t.db.select().from(consentRequests).where(eq(consentRequests.id, denied!));
    expect(row!.pollLeaseUntil).toBeNull();
  });
});

describe("sweepConsents against the sandbox", () => {
  it("picks up a grant, releases the lease and schedules the next poll with backoff", async () => {
    const created = await runAs(dr, () => createConsentRequest({ ...consentFormDefaults(asha), hiTypes: ["DiagnosticReport"] }));
    const [row] = await t.db.select().from(consentRequests).where(eq(consentRequests.id, created.id));
    await rig.control("POST", `/consents/${row!.consentInitId}/approve`, {});
    await t.db.update(consentRequests).set({ nextPollAt: new Date(Date.now() - 1) }).where(eq(consentRequests.id, created.id));

    const before = Date.now();
    const r = await sweepConsents();
    expect(r).toMatchObject({ claimed: 1, refreshed: 1, failed: 0, changed: 1 });
    const [after] = await t.db.select().from(consentRequests).where(eq(consentRequests.id, created.id));
    expect(after).toMatchObject({ status: "GRANTED", pollLeaseUntil: null, pollAttempts: 1 });
    // Status changed: backoff restarts at the base interval (POLL_INTERVAL_MS=1000 here).
    expect(after!.nextPollAt.getTime() - before).toBeGreaterThanOrEqual(1000);
    expect(after!.nextPollAt.getTime() - before).toBeLessThan(3000);
    expect(await t.db.select().from(consentArtefacts).where(eq(consentArtefacts.consentRequestId, created.id))).toHaveLength(3);

    // Not due again yet.
    expect((await sweepConsents()).claimed).toBe(0);
    // Due again, nothing new: the next delay doubles.
    await t.db.update(consentRequests).set({ nextPollAt: new Date(Date.now() - 1) }).where(eq(consentRequests.id, created.id));
    const t2 = Date.now();
    expect(await sweepConsents()).toMatchObject({ claimed: 1, changed: 0 });
    const [again] = await t.db.select().from(consentRequests).where(eq(consentRequests.id, created.id));
    expect(again!.pollAttempts).toBe(2);
    expect(again!.nextPollAt.getTime() - t2).toBeGreaterThanOrEqual(2000);
  });

  it("EKA failing: the row is released with a longer wait, and other rows are still refreshed", async () => {
    const ids = await insertDue(2);
    await rig.control("PATCH", "/faults", { api: { failNext: [{ path: "/abdm/v1/consents/list", status: 503, count: 5 }] } });
    const r = await sweepConsents();
    expect(r).toMatchObject({ claimed: 2, failed: 2 });
    const rows = await t.db.select().from(consentRequests).where(inArray(consentRequests.id, ids));
    for (const row of rows) {
      expect(row.pollLeaseUntil).toBeNull();
      expect(row.pollAttempts).toBe(1);
      expect(row.nextPollAt.getTime()).toBeGreaterThan(Date.now() + 1000);
      expect(row.status).toBe("REQUESTED");
    }
  });

  it("expires overdue consents by the clock during the sweep", async () => {
    const [id] = await insertDue(1, "GRANTED");
    await t.db.update(consentRequests).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(consentRequests.id, id!));
    await sweepConsents();
    const [row] = await t.db.select().from(consentRequests).where(eq(consentRequests.id, id!));
    expect(row!.status).toBe("EXPIRED");
  });
});
