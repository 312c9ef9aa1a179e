import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditEvents, careContexts, consentArtefacts, consentRequests, healthRecords, patients, timelineItems, webhookInbox } from "@/db/schema";
import { runAs, type Actor } from "@/lib/auth/session";
import { findOrAddPatient } from "@/lib/patients/mutations";
import { createActor } from "@/tests/helpers/actors";
import { setupTestDb } from "@/tests/helpers/db";
import { nextStepFor } from "./errors";
import { ConsentRequestError, createConsentRequest, pokeConsent } from "./mutations";
import { purgeArtefactData } from "./purge";
import { ConsentNotYetKnownError, handleConsentUpdateEvent, refreshConsent, STALE_INITIATING_MS } from "./refresh";
import { consentFormDefaults, type ConsentFormValues } from "./schemas";
import { startConsentTestRig, type ConsentTestRig } from "@/tests/helpers/consent-sandbox";

const t = setupTestDb();
let rig: ConsentTestRig;
let dr: Actor;
let other: Actor;
const pid: Record<string, string> = {};

beforeAll(async () => {
  rig = await startConsentTestRig();
  dr = await createActor(t.db, "clinician", { name: "Dr Meera Iyer" });
  other = await createActor(t.db, "clinician", { name: "Dr Other" });
  for (const a of ["asha.verma", "kabir.nair", "meera.joshi", "devika.sen", "rohan.pillai", "nobody.here"]) {
    pid[a] = (await runAs(dr, () => findOrAddPatient({ abhaAddress: `${a}@sbx` }))).id;
  }
});
afterAll(async () => {
  await rig?.close();
});
beforeEach(async () => {
  rig.pointAt(rig.sbx.url);
  await rig.control("DELETE", "/faults");
});

const raise = (patient: string, over: Partial<ConsentFormValues> = {}, as: Actor = dr) =>
  runAs(as, () => createConsentRequest({ ...consentFormDefaults(pid[patient]!), ...over }));
const rowOf = async (id: string) => (await t.db.select().from(consentRequests).where(eq(consentRequests.id, id)))[0]!;
const artefactsOf = (id: string) => t.db.select().from(consentArtefacts).where(eq(consentArtefacts.consentRequestId, id)).orderBy(consentArtefacts.hipId);
const ccOf = (artefactId: string) => t.db.select().from(careContexts).where(eq(careContexts.artefactId, artefactId));
const auditsOf = async (id: string) => (await t.db.select().from(auditEvents).where(eq(auditEvents.consentRequestId, id))).map((e) => e.action);

async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("raising a consent request", () => {
  it("writes the row as INITIATING before calling EKA, then stores consent_init_id and REQUESTED", async () => {
    await rig.control("PATCH", "/faults", { api: { delayMs: 400, delayPath: "/abdm/v1/consents/create" } });
    const pending = raise("kabir.nair", { hiTypes: ["Prescription"] });
    const staged = await waitFor(async () => {
      const [r] = await t.db.select().from(consentRequests).where(eq(consentRequests.patientId, pid["kabir.nair"]!));
      return r;
    });
    expect(staged).toMatchObject({ status: "INITIATING", consentInitId: null, requestedBy: dr.id, requesterName: "Dr Meera Iyer" });
    // A consent_update that overtakes the create answer: the inbox is told to retry, not to drop it.
    await expect(handleConsentUpdateEvent({ notification: { consentRequestId: "not-yet-known", status: "GRANTED" } })).rejects.toBeInstanceOf(ConsentNotYetKnownError);

    const res = await pending;
    expect(res).toMatchObject({ kind: "created", id: staged.id, status: "REQUESTED" });
    const row = await rowOf(staged.id);
    expect(row.consentInitId).toMatch(/[0-9a-f-]{36}/);
    expect(row).toMatchObject({ status: "REQUESTED", requesterRegNo: dr.registrationNumber, hiTypes: ["Prescription"], errorCode: null });
    expect(await auditsOf(staged.id)).toEqual(["consent.requested", "consent.sent"]);

    const { consent } = await rig.control<{ consent: Record<string, any> }>("GET", `/consents/${row.consentInitId}`); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(consent).toMatchObject({
      purpose: "Care management",
      hiTypes: ["Prescription"],
      hiu: { requester: { name: "Dr Meera Iyer", identifier: { type: "REGNO", value: dr.registrationNumber } } },
    });
    expect(Date.parse(consent.period.to)).toBeLessThanOrEqual(Date.now());
  });

  it("an identical pending request is not sent again: the existing one is returned", async () => {
    const first = await raise("meera.joshi", { hiTypes: ["ImmunizationRecord", "OPConsultation"] });
    const again = await raise("meera.joshi", { hiTypes: ["OPConsultation", "ImmunizationRecord"], expiryPreset: "90" });
    expect(again).toEqual({ kind: "duplicate", id: first.id });
    // Another clinician asking the same is also pointed at it.
    await runAs(other, () => findOrAddPatient({ abhaAddress: "meera.joshi@sbx" }, "Covering for a colleague on the ward today"));
    expect(await raise("meera.joshi", { hiTypes: ["OPConsultation", "ImmunizationRecord"] }, other)).toEqual({ kind: "duplicate", id: first.id });
    // Different HI types, range or HIP: a new request.
    expect((await raise("meera.joshi", { hiTypes: ["OPConsultation"] })).kind).toBe("created");
    expect((await raise("meera.joshi", { hiTypes: ["ImmunizationRecord", "OPConsultation"], rangePreset: "3" })).kind).toBe("created");
    const { consents } = await rig.control<{ consents: { consent_init_id: string }[] }>("GET", "/consents");
    expect(consents.filter((c) => c.consent_init_id === (first as { id: string }).id)).toHaveLength(0);
  });

  it("blocks a clinician without a registration number, with a clear message", async () => {
    const noReg = await createActor(t.db, "clinician", { registrationNumber: null });
    await runAs(noReg, () => findOrAddPatient({ abhaAddress: "rohan.pillai@sbx" }, "Covering for a colleague on the ward today"));
    const err = await raise("rohan.pillai", {}, noReg).catch((e) => e);
    expect(err).toBeInstanceOf(ConsentRequestError);
    expect(err.message).toMatch(/no medical registration number/);
  });

  it("a patient the clinician cannot see is not found", async () => {
    const stranger = await createActor(t.db, "clinician");
    await expect(raise("asha.verma", {}, stranger)).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
  });

  it("an ABHA address unknown to ABDM: FAILED with EKA's code and message verbatim, and a plain next step", async () => {
    const r = await raise("nobody.here");
    expect(r).toMatchObject({ kind: "created", status: "FAILED" });
    const row = await rowOf(r.id);
    expect(row).toMatchObject({ status: "FAILED", errorCode: "ABDM-1010", errorMessage: "Patient not found for the given ABHA address", consentInitId: null });
    expect(nextStepFor(row.errorCode, row.errorMessage)).toMatch(/not known to ABDM — check it with the patient/);
    expect(await auditsOf(r.id)).toEqual(["consent.requested", "consent.failed"]);
    // A failed request is not "pending": asking again is allowed.
    expect((await raise("nobody.here")).kind).toBe("created");
  });

  it.each([
    ["ABDM-1046", 500, "Invalid purpose of use"],
    ["ABDM-1063", 400, "Invalid date range"],
  ])("ABDM %s is stored with its message", async (code, status, message) => {
    await rig.control("PATCH", "/faults", { api: { failNext: [{ path: "/abdm/v1/consents/create", status, code, message }] } });
    const r = await raise("devika.sen", { hiTypes: ["Invoice"], rangePreset: code === "ABDM-1046" ? "3" : "6" });
    expect(await rowOf(r.id)).toMatchObject({ status: "FAILED", errorCode: code, errorMessage: message });
  });

  it("EKA unreachable: FAILED with a network code; nothing was sent", async () => {
    rig.pointAt("http://127.0.0.1:9");
    const r = await raise("devika.sen", { hiTypes: ["WellnessRecord"] });
    const row = await rowOf(r.id);
    expect(row).toMatchObject({ status: "FAILED", errorMessage: "EKA could not be reached." });
    expect(row.errorCode).toMatch(/^NETWORK/);
    expect(nextStepFor(row.errorCode, row.errorMessage)).toBe("EKA could not be reached; nothing was sent twice — try again.");
  });

  it("EKA too slow: FAILED as a timeout, and the create is not retried", async () => {
    await rig.control("PATCH", "/faults", { api: { delayMs: 2500, delayPath: "/abdm/v1/consents/create" } });
    const before = (await rig.control<{ consents: unknown[] }>("GET", "/consents")).consents.length;
    const r = await raise("devika.sen", { hiTypes: ["HealthDocumentRecord"] });
    expect(await rowOf(r.id)).toMatchObject({ status: "FAILED", errorCode: "TIMEOUT" });
    await new Promise((res) => setTimeout(res, 1200));
    // At most the one attempt that timed out reached the sandbox: an ambiguous create is never resent.
    expect((await rig.control<{ consents: unknown[] }>("GET", "/consents")).consents.length).toBeLessThanOrEqual(before + 1);
  });
});

describe("refreshing from EKA", () => {
  it("approve: GRANTED, one artefact per HIP with its care contexts awaiting data", async () => {
    const r = await raise("asha.verma");
    const initId = (await rowOf(r.id)).consentInitId!;
    await rig.control("POST", `/consents/${initId}/approve`, {});
    const res = await refreshConsent(r.id);
    expect(res).toMatchObject({ found: true, status: "GRANTED", statusChanged: true });
    const row = await rowOf(r.id);
    expect(row.consentId).toBeTruthy();
    expect(row.grantedHiTypes).toEqual(row.hiTypes);
    expect(row.grantedExpiresAt?.getTime()).toBe(row.expiresAt.getTime());
    const arts = await artefactsOf(r.id);
    expect(arts.map((a) => [a.hipId, a.status, a.hipName])).toEqual([
      ["SBX-HIP-LOTUS", "GRANTED", "Lotus Diagnostics Lab (sandbox)"],
      ["SBX-HIP-RIVERSIDE", "GRANTED", "Riverside General Hospital (sandbox)"],
      ["SBX-HIP-SUNRISE", "GRANTED", "Sunrise Community Clinic (sandbox)"],
    ]);
    const lotus = await ccOf(arts[0]!.id);
    expect(lotus.map((c) => [c.careContextId, c.stage]).sort()).toEqual([
      ["LOT-LAB-2024-0520", "awaiting"],
      ["LOT-LAB-2025-0211", "awaiting"],
    ]);
    expect(await auditsOf(r.id)).toContain("consent.status_changed");
    // A second refresh changes nothing (idempotent).
    expect(await refreshConsent(r.id)).toMatchObject({ status: "GRANTED", statusChanged: false });
    expect(await artefactsOf(r.id)).toHaveLength(3);
  });

  it("deny: DENIED, final; a later approve attempt changes nothing", async () => {
    const r = await raise("kabir.nair", { hiTypes: ["DischargeSummary"] });
    const initId = (await rowOf(r.id)).consentInitId!;
    await rig.control("POST", `/consents/${initId}/deny`, { reason: "I only want my cardiologist to see these" });
    expect(await refreshConsent(r.id)).toMatchObject({ status: "DENIED", statusChanged: true });
    expect(await artefactsOf(r.id)).toHaveLength(0);
    expect(await refreshConsent(r.id)).toMatchObject({ status: "DENIED", statusChanged: false });
  });

  it("revoke one artefact: that HIP's records are purged (tombstone kept), the others stay; revoking the rest ends the request", async () => {
    const r = await raise("devika.sen");
    const initId = (await rowOf(r.id)).consentInitId!;
    const approved = await rig.control<{ artefacts: { id: string; hip_id: string }[] }>("POST", `/consents/${initId}/approve`, {});
    await refreshConsent(r.id);
    const lotus = (await artefactsOf(r.id)).find((a) => a.hipId === "SBX-HIP-LOTUS")!;
    const [rec] = await t.db
      .insert(healthRecords)
      .values({
        patientId: pid["devika.sen"]!,
        consentRequestId: r.id,
        artefactId: lotus.id,
        hipId: lotus.hipId,
        careContextId: "LOT-IMG-2024-0722",
        transactionId: "txn-1",
        contentHash: "h1",
        bundle: { resourceType: "Bundle" },
      })
      .returning();
    await t.db.insert(timelineItems).values({ recordId: rec!.id, patientId: pid["devika.sen"]!, consentRequestId: r.id, resourceType: "Observation", title: "X-ray" });

    await rig.control("POST", `/consents/${initId}/revoke`, { artefact_ids: [approved.artefacts.find((a) => a.hip_id === "SBX-HIP-LOTUS")!.id] });
    expect(await refreshConsent(r.id)).toMatchObject({ status: "GRANTED", statusChanged: false });
    const after = await artefactsOf(r.id);
    expect(after.map((a) => [a.hipId, a.status, Boolean(a.purgedAt)])).toEqual([
      ["SBX-HIP-LOTUS", "REVOKED", true],
      ["SBX-HIP-NEEMTREE", "GRANTED", false],
      ["SBX-HIP-RIVERSIDE", "GRANTED", false],
    ]);
    const [purgedRec] = await t.db.select().from(healthRecords).where(eq(healthRecords.id, rec!.id));
    expect(purgedRec!.purgedAt).toBeTruthy();
    expect(purgedRec!.bundle).toBeNull();
    expect(await t.db.select().from(timelineItems).where(eq(timelineItems.recordId, rec!.id))).toHaveLength(0);
    expect((await ccOf(lotus.id)).map((c) => c.stage)).toEqual(["purged"]);
    const purges = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, "records.purged"), eq(auditEvents.targetId, lotus.id)));
    expect(purges).toHaveLength(1);
    expect(purges[0]).toMatchObject({ actorLabel: "system", patientId: pid["devika.sen"], details: { reason: "REVOKED", hipId: "SBX-HIP-LOTUS", records: 1 } });

    // Sealed copies of pushes in the webhook inbox go once nothing of the request may be kept.
    const consentId = (await rowOf(r.id)).consentId!;
    const inbox = (deliveryId: string, id: string) => ({ deliveryId, event: "abha.hiu_data_push", bodySealed: "sealed", bodyBytes: 6, signatureOk: true, consentId: id });
    await t.db.insert(webhookInbox).values([inbox(`d-${r.id}-1`, consentId), inbox(`d-${r.id}-2`, lotus.artefactId!), inbox(`d-${r.id}-3`, "someone-else")]);
    await purgeArtefactData(lotus.id, "REVOKED");
    const bodies = async () => (await t.db.select().from(webhookInbox)).filter((w) => w.deliveryId.startsWith(`d-${r.id}`)).map((w) => [w.consentId, w.bodySealed]);
    expect(await bodies()).toEqual(
      expect.arrayContaining([
        [consentId, "sealed"],
        [lotus.artefactId, ""],
        ["someone-else", "sealed"],
      ]),
    );

    await rig.control("POST", `/consents/${initId}/revoke`, {});
    expect(await refreshConsent(r.id)).toMatchObject({ status: "REVOKED", statusChanged: true });
    expect((await artefactsOf(r.id)).every((a) => a.status === "REVOKED" && a.purgedAt)).toBe(true);
    expect(await bodies()).toEqual(
      expect.arrayContaining([
        [consentId, ""],
        [lotus.artefactId, ""],
        ["someone-else", "sealed"],
      ]),
    );
  });

  it("expiry at EKA: EXPIRED, and every artefact's data purged", async () => {
    const r = await raise("rohan.pillai");
    const initId = (await rowOf(r.id)).consentInitId!;
    await rig.control("POST", `/consents/${initId}/approve`, {});
    await refreshConsent(r.id);
    await rig.control("POST", `/consents/${initId}/expire`, {});
    expect(await refreshConsent(r.id)).toMatchObject({ status: "EXPIRED", statusChanged: true });
    const arts = await artefactsOf(r.id);
    expect(arts.length).toBe(2);
    expect(arts.every((a) => a.status === "EXPIRED" && a.purgedAt)).toBe(true);
  });

  it("expiry by the clock also when EKA cannot be reached", async () => {
    const r = await raise("kabir.nair", { hiTypes: ["OPConsultation", "Invoice"] });
    await t.db.update(consentRequests).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(consentRequests.id, r.id));
    rig.pointAt("http://127.0.0.1:9");
    await expect(refreshConsent(r.id)).rejects.toMatchObject({ kind: "network" });
    expect(await rowOf(r.id)).toMatchObject({ status: "EXPIRED" });
  });

  it("an INITIATING row that never got EKA's answer becomes FAILED (NO-RESPONSE) after a while", async () => {
    const [row] = await t.db
      .insert(consentRequests)
      .values({
        patientId: pid["asha.verma"]!,
        requestedBy: dr.id,
        requesterName: dr.name,
        purpose: "Care management",
        hiTypes: ["Prescription"],
        dateFrom: new Date("2025-01-01"),
        dateTo: new Date("2025-06-01"),
        expiresAt: new Date(Date.now() + 86_400_000),
        createdAt: new Date(Date.now() - STALE_INITIATING_MS - 1000),
      })
      .returning();
    expect(await refreshConsent(row!.id)).toMatchObject({ status: "FAILED", statusChanged: true });
    expect(await rowOf(row!.id)).toMatchObject({ errorCode: "NO-RESPONSE" });
    expect(nextStepFor("NO-RESPONSE", null)).toMatch(/unknown whether the patient received/);
  });

  it("pokeConsent re-reads at most every couple of seconds, for clinicians who can see it", async () => {
    const r = await raise("meera.joshi", { hiTypes: ["WellnessRecord"] });
    const initId = (await rowOf(r.id)).consentInitId!;
    await t.db.update(consentRequests).set({ lastPolledAt: null }).where(eq(consentRequests.id, r.id));
    await runAs(dr, () => pokeConsent(r.id));
    await rig.control("POST", `/consents/${initId}/approve`, {});
    await runAs(dr, () => pokeConsent(r.id)); // within the gap: no EKA call
    expect((await rowOf(r.id)).status).toBe("REQUESTED");
    await t.db.update(consentRequests).set({ lastPolledAt: new Date(Date.now() - 5000) }).where(eq(consentRequests.id, r.id));
    await runAs(dr, () => pokeConsent(r.id));
    expect((await rowOf(r.id)).status).toBe("GRANTED");
    const stranger = await createActor(t.db, "clinician");
    await expect(runAs(stranger, () => pokeConsent(r.id))).rejects.toThrow(/NEXT_HTTP_ERROR_FALLBACK;404/);
  });
});

describe("abha.consent_update", () => {
  it("applies GRANTED at once, then re-reads details (webhook payload as the sandbox sends it)", async () => {
    const r = await raise("asha.verma", { hiTypes: ["DiagnosticReport"] });
    const initId = (await rowOf(r.id)).consentInitId!;
    await rig.control("POST", `/consents/${initId}/approve`, { hips: [{ hip_id: "SBX-HIP-LOTUS" }] });
    const update = await waitFor(async () => rig.consentUpdates().find((u) => (u.data.notification as { consentRequestId: string }).consentRequestId === initId));
    const out = await handleConsentUpdateEvent(update.data);
    expect(out).toEqual({ matched: true, consentRequestId: r.id, status: "GRANTED", refreshed: true });
    const [a] = await artefactsOf(r.id);
    expect(a).toMatchObject({ hipId: "SBX-HIP-LOTUS", status: "GRANTED" });
    // One HIP, one artefact id in the notification: the pairing is learnt.
    expect(a!.artefactId).toBe(((update.data.notification as { consentArtefacts: { id: string }[] }).consentArtefacts)[0]!.id);
    expect(await auditsOf(r.id)).toContain("consent.status_changed");
  });

  it("a revocation naming our only artefact ends the request at once, even while EKA cannot be read; a late GRANTED is ignored", async () => {
    const r = await raise("kabir.nair", { hiTypes: ["DiagnosticReport"], hipId: "SBX-HIP-LOTUS" });
    const initId = (await rowOf(r.id)).consentInitId!;
    await rig.control("PATCH", "/settings", { assumptions: { artefactsShape: "object" } });
    try {
      await rig.control("POST", `/consents/${initId}/approve`, {});
      const granted = await waitFor(async () => rig.consentUpdates().find((u) => (u.data.notification as { consentRequestId: string }).consentRequestId === initId && u.status === "GRANTED"));
      expect(Array.isArray((granted.data.notification as { consentArtefacts: unknown }).consentArtefacts)).toBe(false);
      await handleConsentUpdateEvent(granted.data);
      expect((await artefactsOf(r.id))[0]!.artefactId).toBeTruthy();

      await rig.control("POST", `/consents/${initId}/revoke`, {});
      const revoked = await waitFor(async () => rig.consentUpdates().find((u) => (u.data.notification as { consentRequestId: string }).consentRequestId === initId && u.status === "REVOKED"));
      rig.pointAt("http://127.0.0.1:9");
      expect(await handleConsentUpdateEvent(revoked.data)).toMatchObject({ matched: true, status: "REVOKED" });
      const [a] = await artefactsOf(r.id);
      expect(a).toMatchObject({ status: "REVOKED" });
      expect(a!.purgedAt).toBeTruthy();

      rig.pointAt(rig.sbx.url);
      expect(await handleConsentUpdateEvent(granted.data)).toMatchObject({ status: "REVOKED" });
      expect((await rowOf(r.id)).status).toBe("REVOKED");
    } finally {
      await rig.control("PATCH", "/settings", { assumptions: { artefactsShape: "array" } });
    }
  });

  it("DENIED with a reason (when EKA sends one) is stored; lower-case statuses and consent_id lookups work", async () => {
    const r = await raise("rohan.pillai", { hiTypes: ["ImmunizationRecord"] });
    const row = await rowOf(r.id);
    rig.pointAt("http://127.0.0.1:9");
    const out = await handleConsentUpdateEvent({ status: "denied", reason: "Not now", notification: { consentRequestId: row.consentInitId, status: "denied", consentArtefacts: [] } });
    expect(out).toMatchObject({ matched: true, status: "DENIED" });
    expect(await rowOf(r.id)).toMatchObject({ status: "DENIED", denialReason: "Not now" });
  });

  it("an unknown status is recorded verbatim and the known one kept", async () => {
    const r = await raise("asha.verma", { hiTypes: ["WellnessRecord"] });
    const row = await rowOf(r.id);
    rig.pointAt("http://127.0.0.1:9");
    await handleConsentUpdateEvent({ notification: { consentRequestId: row.consentInitId, status: "ON_HOLD" } });
    expect(await rowOf(r.id)).toMatchObject({ status: "REQUESTED", rawStatus: "ON_HOLD" });
  });

  it("ids of other systems' consents and malformed payloads are answered, not thrown", async () => {
    expect(await handleConsentUpdateEvent({ notification: { consentRequestId: "someone-elses", status: "GRANTED" } })).toEqual({ matched: false, reason: "unknown_consent" });
    expect(await handleConsentUpdateEvent({ notification: {} })).toEqual({ matched: false, reason: "invalid" });
    expect(await handleConsentUpdateEvent("nonsense")).toEqual({ matched: false, reason: "invalid" });
  });
});

describe("purgeArtefactData", () => {
  it("is idempotent: one tombstone, one audit row, late rows swept too", async () => {
    const r = await raise("meera.joshi", { hiTypes: ["OPConsultation", "WellnessRecord"] });
    const initId = (await rowOf(r.id)).consentInitId!;
    await rig.control("POST", `/consents/${initId}/approve`, {});
    await refreshConsent(r.id);
    const [a] = await artefactsOf(r.id);
    expect(await purgeArtefactData(a!.id, "REVOKED")).toEqual({ purged: true, records: 0 });
    await t.db.insert(healthRecords).values({
      patientId: pid["meera.joshi"]!,
      consentRequestId: r.id,
      artefactId: a!.id,
      careContextId: "late",
      transactionId: "txn-late",
      contentHash: "h-late",
      bundle: { resourceType: "Bundle" },
    });
    expect(await purgeArtefactData(a!.id, "REVOKED")).toEqual({ purged: false, records: 1 });
    expect(await purgeArtefactData(a!.id, "REVOKED")).toEqual({ purged: false, records: 0 });
    const audits = await t.db.select().from(auditEvents).where(and(eq(auditEvents.action, "records.purged"), eq(auditEvents.targetId, a!.id)));
    expect(audits).toHaveLength(1);
    const [p] = await t.db.select().from(patients).where(eq(patients.id, pid["meera.joshi"]!));
    expect(p).toBeTruthy();
  });
});
