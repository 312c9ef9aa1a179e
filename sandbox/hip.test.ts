/**
 * The HIP simulator: bundles are encrypted to the keyset the portal registered, with a fresh HIP
 * key (sent as X.509) per push, and decrypt with the portal's Fidelius; pages, out-of-order pages,
 * a corrupted tag, a missing keyset, and HI type detection on the real public bundles.
 */
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FideliusError, decrypt, generateKeyMaterial, type KeyMaterial } from "../lib/crypto/fidelius";
import { requireSharedFixtures } from "../tests/helpers/shared-fixtures";
import { assignBundles, detectHiType, loadBundles } from "./hip";
import {
  TEST_CLIENT,
  createBody,
  startReceiver,
  startTestSandbox,
  writeMiniBundles,
  type Receiver,
  type Received,
  type TestSandbox,
} from "./testing";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const bundlesDir = writeMiniBundles();
let sbx: TestSandbox;
let rx: Receiver;
let hiu: KeyMaterial;

beforeAll(async () => {
  rx = await startReceiver(TEST_CLIENT.signingKey);
  sbx = await startTestSandbox({ webhookUrl: rx.url, bundlesDir });
});
afterAll(async () => {
  fs.rmSync(bundlesDir, { recursive: true, force: true });
  await sbx.close();
  await rx.stop();
});
beforeEach(async () => {
  await sbx.control("POST", "/reset");
  rx.received.length = 0;
  hiu = generateKeyMaterial();
});
afterEach(async () => {
  await sbx.control("DELETE", "/faults");
});

const pushes = () => rx.received.filter((r) => r.json.event === "abha.hiu_data_push");
const idle = () => sbx.control("POST", "/wait-idle", { timeout_ms: 8000 });

async function registerKeyset(form: "raw" | "x509" = "raw") {
  const r = await sbx.api("PATCH", "/abdm/v1/hiu/keyset", {
    body: { public_key: form === "raw" ? hiu.publicKey : hiu.x509PublicKey, nonce: hiu.nonce },
  });
  expect(r.status).toBe(200);
}

async function createAndApprove(healthId = "asha.verma@sbx", approve: Record<string, unknown> = {}) {
  const r = await sbx.api("POST", "/abdm/v1/consents/create", {
    body: createBody(healthId),
    headers: { "X-Hip-Id": "OUR-FACILITY-1", "X-Partner-Pt-Id": "partner-42" },
  });
  const initId = (r.body as Json).consent_init_id as string;
  const granted = await sbx.control<Json>("POST", `/consents/${initId}/approve`, approve);
  expect(granted.status).toBe(200);
  return { initId, consentId: granted.body.consent.consent_id as string, artefacts: granted.body.artefacts as Json[] };
}

function decryptEntry(push: Received, i: number): string {
  const d = push.json.data as Json;
  return decrypt({
    encryptedData: d.entries[i].content,
    receiverPrivateKey: hiu.privateKey,
    receiverNonce: hiu.nonce,
    senderPublicKey: d.key_information.dh_public_key.key_value,
    senderNonce: d.key_information.nonce,
  });
}

describe("data push", () => {
  it("one push per artefact; entries decrypt to the bundle files; §4.4 fields; on-push recorded", async () => {
    await registerKeyset("raw");
    const { consentId, artefacts } = await createAndApprove();
    await idle();
    const got = pushes();
    expect(got).toHaveLength(artefacts.length);
    const files = new Map(fs.readdirSync(bundlesDir).map((f) => [f, fs.readFileSync(path.join(bundlesDir, f), "utf8")]));
    const keys = new Set<string>();
    for (const p of got) {
      expect(p.signatureValid).toBe(true);
      expect(p.json.service).toBe("abdm");
      const d = p.json.data as Json;
      expect(d).toMatchObject({
        abha_address: "asha.verma@sbx",
        abha_number: "",
        hip_id: "OUR-FACILITY-1",
        oid: "sbx-oid-0001",
        partner_patient_id: "partner-42",
        consent_id: consentId,
        page_number: 1,
        page_count: 1,
      });
      expect(d.transaction_id).not.toBe(p.json.transaction_id);
      expect(d.key_information).toMatchObject({ crypto_alg: "ECDH", curve: "Curve25519" });
      expect(d.key_information.dh_public_key.parameters).toBe("Curve25519/32byte random key");
      // X.509 SPKI with explicit parameters, like the reference HIPs.
      expect(d.key_information.dh_public_key.key_value).toMatch(/^MIIBMTCB6gYHKoZIzj0CATCB3gIBATAr/);
      expect(Buffer.from(d.key_information.nonce, "base64")).toHaveLength(32);
      keys.add(d.key_information.dh_public_key.key_value);
      for (let i = 0; i < d.entries.length; i++) {
        const plain = decryptEntry(p, i);
        expect([...files.values()]).toContain(plain);
        expect(d.entries[i].media).toBe("application/fhir+json");
        expect(d.entries[i].checksum).toBe(createHash("md5").update(plain).digest("hex"));
      }
    }
    expect(keys.size).toBe(got.length);

    // Matching HI types: the Lotus lab care contexts get diagnostic reports.
    const lotus = got.find((p) => (p.json.data as Json).entries.some((e: Json) => e.care_context_id === "LOT-LAB-2024-0520"))!;
    expect(JSON.parse(decryptEntry(lotus, 0)).entry[0].resource.type.coding[0].code).toBe("721981007");

    const d0 = got[0].json.data as Json;
    const onPush = await sbx.api("POST", "/abdm/v1/hiu/care-context/data/on-push", {
      body: {
        consent_id: consentId,
        transaction_id: d0.transaction_id,
        status_response: d0.entries.map((e: Json) => ({ care_context_id: e.care_context_id, success: true, description: "stored" })),
      },
    });
    expect(onPush.status).toBe(202);
    const reports = (await sbx.control<Json>("GET", "/on-push")).body.reports;
    expect(reports[0]).toMatchObject({ knownConsent: true, knownTransaction: true });
  });

  it("works with an X.509 HIU keyset too", async () => {
    await registerKeyset("x509");
    await createAndApprove("kabir.nair@sbx");
    await idle();
    expect(pushes().length).toBeGreaterThan(0);
    expect(() => decryptEntry(pushes()[0], 0)).not.toThrow();
  });

  it("splits a push into pages, out of order on request; each page has its own HIP key", async () => {
    await registerKeyset();
    await sbx.control("PATCH", "/faults", { pages: 2, outOfOrder: true });
    await createAndApprove("asha.verma@sbx", { hips: [{ hip_id: "SBX-HIP-LOTUS" }] });
    await idle();
    const got = pushes();
    expect(got).toHaveLength(2);
    const [first, second] = got.map((g) => g.json.data as Json);
    expect(first.transaction_id).toBe(second.transaction_id);
    expect([first.page_number, second.page_number]).toEqual([2, 1]);
    expect(first.page_count).toBe(2);
    expect(first.key_information.nonce).not.toBe(second.key_information.nonce);
    expect(got.map((g) => decryptEntry(g, 0))).toHaveLength(2);
  });

  it("corrupts exactly one entry's tag; its siblings still decrypt", async () => {
    await registerKeyset();
    await sbx.control("PATCH", "/faults", { corruptEntryIndex: 1 });
    await createAndApprove("asha.verma@sbx", { hips: [{ hip_id: "SBX-HIP-LOTUS" }] });
    await idle();
    const [p] = pushes();
    expect((p.json.data as Json).entries).toHaveLength(2);
    expect(() => decryptEntry(p, 0)).not.toThrow();
    let err: unknown;
    try {
      decryptEntry(p, 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FideliusError);
    expect((err as FideliusError).code).toBe("authentication");
  });

  it("without a registered keyset: a notice on the PHR page, no crash; a re-push after registering works", async () => {
    const { initId } = await createAndApprove("rohan.pillai@sbx");
    await idle();
    expect(pushes()).toHaveLength(0);
    const notices = (await sbx.control<Json>("GET", "/notices")).body.notices;
    expect(notices.at(-1)).toMatchObject({ level: "error", healthId: "rohan.pillai@sbx" });
    const page = await fetch(`${sbx.url}/?patient=rohan.pillai%40sbx`).then((r) => r.text());
    expect(page).toContain("No HIU keyset registered");

    await registerKeyset();
    const again = await sbx.control<Json>("POST", `/consents/${initId}/push`);
    expect(again.body.pushed).toBe(2);
    await idle();
    expect(pushes()).toHaveLength(2);
  });

  it("pushData answers artefact ids in data.consent_id when that reading is switched on", async () => {
    await registerKeyset();
    await sbx.control("PATCH", "/settings", { assumptions: { pushConsentId: "artefact" } });
    const { artefacts } = await createAndApprove("kabir.nair@sbx");
    await idle();
    const ids = pushes().map((p) => (p.json.data as Json).consent_id);
    expect(ids.sort()).toEqual(artefacts.map((a) => a.id).sort());
  });
});

describe("bundle assignment", () => {
  const pool = loadBundles(bundlesDir).bundles;

  it("prefers the care context's own HI type, then any granted type, then anything", () => {
    const cursor: Record<string, number> = {};
    const a = assignBundles(pool, [{ id: "cc1", hiType: "Prescription" }, { id: "cc2", hiType: "Invoice" }], ["Prescription", "DiagnosticReport"], cursor);
    expect(a.get("cc1")).toEqual(["prescription-t1.json"]);
    expect(["prescription-t1.json", "diagnosticreport-t1.json"]).toContain(a.get("cc2")![0]);
    const b = assignBundles(pool, [{ id: "cc3", hiType: "Invoice" }], ["Invoice"], cursor);
    expect(b.get("cc3")).toHaveLength(1);
  });

  it("prefers the bundle written for this patient and care context (the repo's synthetic set)", () => {
    const own = loadBundles(path.join(__dirname, "bundles")).bundles;
    if (own.length === 0) return; // the synthetic set is optional for this rule
    const a = assignBundles(
      own,
      [
        { id: "LOT-LAB-2024-0520", hiType: "DiagnosticReport" },
        { id: "LOT-LAB-2025-0211", hiType: "DiagnosticReport" },
      ],
      ["DiagnosticReport"],
      {},
      { healthId: "asha.verma@sbx", patientRef: "LOT-77310" },
    );
    expect(a.get("LOT-LAB-2024-0520")).toEqual(["diagnostic-report-lab-2024-05.json"]);
    expect(a.get("LOT-LAB-2025-0211")).toEqual(["diagnostic-report-lab-2025-02.json"]);
  });

  it("rotates round-robin within a type", () => {
    const two = [...pool, { ...pool.find((b) => b.hiType === "Prescription")!, file: "prescription-t2.json" }];
    const cursor: Record<string, number> = {};
    const picks = [0, 1, 2].map((i) => assignBundles(two, [{ id: `c${i}`, hiType: "Prescription" }], ["Prescription"], cursor).get(`c${i}`)![0]);
    expect(picks).toEqual(["prescription-t1.json", "prescription-t2.json", "prescription-t1.json"]);
  });
});

const fhir = requireSharedFixtures("fhir");
fhir.describe("HI type detection on the real public bundles", () => {
  it("agrees with the HI type in each file name", () => {
    const { bundles, problems } = loadBundles(fhir.dir!);
    expect(problems).toEqual([]);
    expect(bundles.length).toBeGreaterThanOrEqual(20);
    const expected: Record<string, string> = {
      opconsult: "OPConsultation",
      prescription: "Prescription",
      diagnosticreport: "DiagnosticReport",
      dischargesummary: "DischargeSummary",
      immunization: "ImmunizationRecord",
      healthdocument: "HealthDocumentRecord",
      wellness: "WellnessRecord",
      invoice: "Invoice",
    };
    for (const b of bundles) {
      const prefix = b.file.split("-")[0];
      expect(`${b.file}: ${detectHiType(JSON.parse(b.text), "x.json")}`).toBe(`${b.file}: ${expected[prefix]}`);
    }
  });
});
