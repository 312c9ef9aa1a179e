import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { careContexts, consentArtefacts, consentRequests, type ConsentStatus } from "@/db/schema";
import { runAs, type Actor } from "@/lib/auth/session";
import { resetEnvForTests } from "@/lib/env";
import { findOrAddPatient } from "@/lib/patients/mutations";
import { createActor } from "@/tests/helpers/actors";
import { setupTestDb } from "@/tests/helpers/db";
import { addDays, istDay } from "./dates";
import { markRecordsViewed } from "./mutations";
import { getConsentDetail, getConsentVersion, getRequestAgainValues, listPatientConsents, listWorklist } from "./queries";

const t = setupTestDb();
const NOW = new Date();
const H = 3_600_000;
let drA: Actor;
let drB: Actor;
let outsider: Actor;
const pid: Record<string, string> = {};
const ids: Record<string, string> = {};

async function insert(key: string, patient: string, by: Actor, over: Partial<typeof consentRequests.$inferInsert> = {}) {
  const [row] = await t.db
    .insert(consentRequests)
    .values({
      patientId: pid[patient]!,
      requestedBy: by.id,
      requesterName: by.name,
      purpose: "Care management",
      hiTypes: ["OPConsultation", "Prescription"],
      dateFrom: new Date("2025-01-01T00:00:00Z"),
      dateTo: new Date("2025-12-31T00:00:00Z"),
      expiresAt: new Date(NOW.getTime() + 30 * 24 * H),
      status: "REQUESTED",
      ...over,
    })
    .returning();
  ids[key] = row!.id;
  return row!;
}

beforeAll(async () => {
  process.env.DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "hiu-worklist-"));
  delete process.env.EKA_BASE_URL;
  resetEnvForTests();
  drA = await createActor(t.db, "clinician", { name: "Dr Asha Rao" });
  drB = await createActor(t.db, "clinician", { name: "Dr Bina Das" });
  outsider = await createActor(t.db, "clinician", { name: "Dr Outsider" });
  for (const [who, name] of [
    ["ravi", "Ravi Kumar"],
    ["sita", "Sita Devi"],
    ["zoya", "Zoya Khan"],
  ] as const) {
    pid[who] = (await runAs(drA, () => findOrAddPatient({ abhaAddress: `${who}.test@sbx`, name }))).id;
  }
  await runAs(drB, () => findOrAddPatient({ abhaAddress: "sita.test@sbx" }, "Covering for a colleague on the ward today"));
  pid.hidden = (await runAs(outsider, () => findOrAddPatient({ abhaAddress: "hidden.one@sbx" }))).id;

  const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * H);
  await insert("awaiting", "ravi", drA, { createdAt: at(10) });
  await insert("granted", "sita", drA, {
    status: "GRANTED",
    createdAt: at(9),
    purpose: "Public Health",
    grantedHiTypes: ["Prescription"],
    grantedFrom: new Date("2025-06-01T00:00:00Z"),
    grantedTo: new Date("2025-12-31T00:00:00Z"),
    grantedExpiresAt: new Date(NOW.getTime() + 24 * H),
    lastRecordAt: at(1),
  });
  await insert("failed", "zoya", drA, { status: "FAILED", createdAt: at(8), errorCode: "ABDM-1010", errorMessage: "Patient not found for the given ABHA address" });
  await insert("byB", "sita", drB, { createdAt: at(7), hiTypes: ["Invoice"] });
  await insert("denied", "ravi", drA, { status: "DENIED", createdAt: at(30 * 24), denialReason: "Not now" });
  await insert("expiringSoon", "zoya", drA, { createdAt: at(6), expiresAt: new Date(NOW.getTime() + 10 * H) });
  await insert("hidden", "hidden", outsider, { createdAt: at(5) });

  const [art] = await t.db
    .insert(consentArtefacts)
    .values({ consentRequestId: ids.granted!, hipId: "HIP-1", hipName: "City Lab", status: "GRANTED", hiTypes: ["Prescription"] })
    .returning();
  await t.db.insert(consentArtefacts).values({ consentRequestId: ids.granted!, hipId: "HIP-2", hipName: "Town Clinic", status: "REVOKED", purgedAt: NOW });
  await t.db.insert(careContexts).values({ artefactId: art!.id, careContextId: "CC-1", display: "Lipid panel", stage: "stored" });
});

const list = (as: Actor, q: Record<string, string> = {}) => runAs(as, () => listWorklist(q, NOW));
const keysOf = (rows: { id: string }[]) => rows.map((r) => Object.entries(ids).find(([, v]) => v === r.id)?.[0]);

describe("listWorklist", () => {
  it("shows only consents of patients the clinician may see, newest first", async () => {
    const a = await list(drA);
    expect(keysOf(a.rows)).toEqual(["expiringSoon", "byB", "failed", "granted", "awaiting", "denied"]);
    const b = await list(drB);
    expect(keysOf(b.rows)).toEqual(["byB", "granted"]);
    expect(keysOf((await list(outsider)).rows)).toEqual(["hidden"]);
  });

  it("counts what drives the day, and each counter is a filter", async () => {
    const a = await list(drA);
    expect(a.counters).toEqual({ awaiting: 3, unread: 1, expiring: 2, failed: 1 });
    expect(keysOf((await list(drA, { view: "awaiting" })).rows)).toEqual(["expiringSoon", "byB", "awaiting"]);
    expect(keysOf((await list(drA, { view: "unread" })).rows)).toEqual(["granted"]);
    expect(keysOf((await list(drA, { view: "expiring" })).rows)).toEqual(["expiringSoon", "granted"]);
    expect(keysOf((await list(drA, { view: "failed" })).rows)).toEqual(["failed"]);
  });

  it("filters by status, purpose, requester, created date and patient", async () => {
    expect(keysOf((await list(drA, { status: "GRANTED" })).rows)).toEqual(["granted"]);
    expect(keysOf((await list(drA, { purpose: "Public Health" })).rows)).toEqual(["granted"]);
    expect(keysOf((await list(drA, { requester: drB.id })).rows)).toEqual(["byB"]);
    expect((await list(drA, { requester: "me" })).rows).toHaveLength(5);
    const today = istDay(NOW);
    expect(keysOf((await list(drA, { from: addDays(today, -20) })).rows)).not.toContain("denied");
    expect(keysOf((await list(drA, { to: addDays(today, -20) })).rows)).toEqual(["denied"]);
    expect(keysOf((await list(drA, { q: "ravi" })).rows)).toEqual(["awaiting", "denied"]);
    expect(keysOf((await list(drA, { q: "Sita D" })).rows)).toEqual(["byB", "granted"]);
  });

  it("sorts by each sortable column, both ways", async () => {
    const byStatus = keysOf((await list(drA, { sort: "status", dir: "asc" })).rows);
    expect(byStatus[0]).toBe("failed");
    expect(byStatus.at(-1)).toBe("denied");
    expect(keysOf((await list(drA, { sort: "created", dir: "asc" })).rows)[0]).toBe("denied");
    const byPatient = (await list(drA, { sort: "patient", dir: "asc" })).rows.map((r) => r.patientName);
    expect(byPatient).toEqual([...byPatient].sort());
    const byExpiry = keysOf((await list(drA, { sort: "expires", dir: "asc" })).rows);
    expect(byExpiry.slice(0, 2)).toEqual(["expiringSoon", "granted"]);
    expect(keysOf((await list(drA, { sort: "purpose", dir: "desc" })).rows)[0]).toBe("granted");
  });

  it("pages on the server", async () => {
    const p1 = await list(drA, { size: "10", page: "1", sort: "created", dir: "asc" });
    expect(p1.total).toBe(6);
    const small = await runAs(drA, () => listWorklist({ size: "10" }, NOW));
    expect(small.rows).toHaveLength(6);
    // Page size must be one of the offered ones; page past the end is simply empty.
    expect((await list(drA, { size: "3" })).params.size).toBe(25);
    expect((await list(drA, { page: "9" })).rows).toHaveLength(0);
  });

  it("lists requesters once each, marking me", async () => {
    expect((await list(drA)).requesters.map((r) => r.name).sort()).toEqual(["Dr Asha Rao (me)", "Dr Bina Das"]);
  });
});

describe("getConsentDetail", () => {
  it("shows asked vs granted and one entry per artefact with its care contexts", async () => {
    const d = await runAs(drA, () => getConsentDetail(ids.granted!));
    expect(d.asked.hiTypes).toEqual(["OPConsultation", "Prescription"]);
    expect(d.granted).toMatchObject({ hiTypes: ["Prescription"], from: "2025-06-01T00:00:00.000Z" });
    expect(d.granted!.hips.map((h) => [h.name, h.status])).toEqual([
      ["City Lab", "GRANTED"],
      ["Town Clinic", "REVOKED"],
    ]);
    expect(d.artefacts[0]!.careContexts).toMatchObject([{ careContextId: "CC-1", display: "Lipid panel", stage: "stored" }]);
    expect(d.artefacts[1]!.purgedAt).toBeTruthy();
    expect(d).toMatchObject({ live: true, canRequestAgain: false });
  });

  it("FAILED carries the code, message and next step; DENIED the reason", async () => {
    const f = await runAs(drA, () => getConsentDetail(ids.failed!));
    expect(f.error).toMatchObject({ code: "ABDM-1010", message: "Patient not found for the given ABHA address" });
    expect(f.error!.nextStep).toMatch(/not known to ABDM/);
    expect(f).toMatchObject({ live: false, canRequestAgain: true, granted: null });
    expect((await runAs(drA, () => getConsentDetail(ids.denied!))).denialReason).toBe("Not now");
  });

  it("is not found for a clinician who cannot see the patient", async () => {
    await expect(runAs(drB, () => getConsentDetail(ids.failed!))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
    await expect(runAs(drA, () => getConsentDetail(ids.hidden!))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
    await expect(runAs(drA, () => getConsentDetail("nope"))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
    await expect(runAs(drB, () => listPatientConsents(pid.ravi!))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
  });

  it("its version changes when anything shown changes", async () => {
    const v1 = (await runAs(drA, () => getConsentVersion(ids.granted!))).version;
    expect((await runAs(drA, () => getConsentVersion(ids.granted!))).version).toBe(v1);
    await t.db.update(careContexts).set({ stage: "failed", stageReason: "bad tag", updatedAt: new Date(NOW.getTime() + 1000) }).where(eq(careContexts.careContextId, "CC-1"));
    expect((await runAs(drA, () => getConsentVersion(ids.granted!))).version).not.toBe(v1);
    expect((await runAs(drA, () => getConsentDetail(ids.granted!))).version).toBe((await runAs(drA, () => getConsentVersion(ids.granted!))).version);
  });
});

describe("records viewed and request again", () => {
  it("a revoked consent's purged records are not 'arrived and unread'", async () => {
    await t.db.update(consentRequests).set({ status: "REVOKED" }).where(eq(consentRequests.id, ids.granted!));
    try {
      expect((await list(drA)).counters.unread).toBe(0);
      expect(keysOf((await list(drA, { view: "unread" })).rows)).toEqual([]);
      expect((await list(drA)).rows.find((r) => r.id === ids.granted)?.unread).toBe(false);
    } finally {
      await t.db.update(consentRequests).set({ status: "GRANTED" }).where(eq(consentRequests.id, ids.granted!));
    }
  });

  it("opening the consent marks its records read; the unread counter drops", async () => {
    expect((await list(drA)).counters.unread).toBe(1);
    await runAs(drA, () => markRecordsViewed(ids.granted!));
    expect((await list(drA)).counters.unread).toBe(0);
    // New records later make it unread again.
    await t.db.update(consentRequests).set({ lastRecordAt: new Date(Date.now() + 60_000) }).where(eq(consentRequests.id, ids.granted!));
    expect((await list(drA)).counters.unread).toBe(1);
  });

  it("prefills from the earlier request, with dates that lapsed moved to today", async () => {
    const v = await runAs(drA, () => getRequestAgainValues(ids.denied!, NOW));
    expect(v).toMatchObject({ patientId: pid.ravi, purpose: "Care management", hiTypes: ["OPConsultation", "Prescription"], rangePreset: "custom" });
    expect(v.dateFrom).toBe(istDay(new Date("2025-01-01T00:00:00Z")));
    expect(v.expiryDate > istDay(NOW)).toBe(true);
  });

  it("lists a patient's consents for the patient page", async () => {
    const rows = await runAs(drA, () => listPatientConsents(pid.ravi!));
    expect(rows.map((r) => r.status as ConsentStatus)).toEqual(["REQUESTED", "DENIED"]);
  });
});
