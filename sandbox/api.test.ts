/**
 * The sandbox's EKA API, seen from the wire: auth, validation with EKA's error envelope and ABDM
 * codes, the consent life cycle, the PHR-side calls, expiry by the clock, EKA-stored retrieval and
 * persistence across restarts.
 */
import fs from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateKeyMaterial } from "../lib/crypto/fidelius";
import { PERIOD, TEST_CLIENT, createBody, startTestSandbox, writeMiniBundles, type TestSandbox } from "./testing";

let sbx: TestSandbox;
const bundlesDir = writeMiniBundles();

beforeAll(async () => {
  sbx = await startTestSandbox({ bundlesDir });
});
afterAll(async () => {
  fs.rmSync(bundlesDir, { recursive: true, force: true });
  await sbx.close();
});
beforeEach(async () => {
  await sbx.control("POST", "/reset");
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function create(healthId = "asha.verma@sbx", extra: Record<string, unknown> = {}): Promise<string> {
  const r = await sbx.api("POST", "/abdm/v1/consents/create", { body: createBody(healthId, extra) });
  expect(r.status).toBe(200);
  return (r.body as Json).consent_init_id;
}

describe("auth", () => {
  it("issues JWT tokens with expires_in and refresh tokens", async () => {
    const r = await sbx.api("POST", "/connect-auth/v1/account/login", {
      token: null,
      body: { client_id: TEST_CLIENT.clientId, client_secret: TEST_CLIENT.clientSecret },
    });
    expect(r.status).toBe(200);
    const b = r.body as Json;
    expect(b.access_token.split(".")).toHaveLength(3);
    expect(b.expires_in).toBe(900);
    expect(typeof b.refresh_token).toBe("string");
    expect(b.refresh_expires_in).toBeGreaterThan(0);
  });

  it("rejects bad client credentials with 401 {code, error}", async () => {
    const r = await sbx.api("POST", "/connect-auth/v1/account/login", {
      token: null,
      body: { client_id: TEST_CLIENT.clientId, client_secret: "wrong" },
    });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ code: 401, error: "invalid client credentials" });
  });

  it("answers 401 without a token, with a garbage token, and with a revoked one", async () => {
    expect((await sbx.api("POST", "/abdm/v1/consents/list", { token: null, body: {} })).status).toBe(401);
    expect((await sbx.api("POST", "/abdm/v1/consents/list", { token: "a.b.c", body: {} })).status).toBe(401);
    const token = await sbx.token();
    expect((await sbx.api("POST", "/abdm/v1/consents/list", { token, body: {} })).status).toBe(200);
    await sbx.control("POST", "/tokens/revoke");
    const r = await sbx.api("POST", "/abdm/v1/consents/list", { token, body: {} });
    expect(r.status).toBe(401);
    expect((r.body as Json).code).toBe(401);
  });

  it("accepts the token in `auth` as well as `Authorization: Bearer`", async () => {
    const token = await sbx.token();
    const r = await sbx.api("POST", "/abdm/v1/consents/list", { token: null, headers: { auth: token }, body: {} });
    expect(r.status).toBe(200);
  });

  it("expires access tokens by the clock and refreshes them", async () => {
    await sbx.control("PATCH", "/settings", { tokenTtlSeconds: 1 });
    const login = await sbx.api("POST", "/connect-auth/v1/account/login", {
      token: null,
      body: { client_id: TEST_CLIENT.clientId, client_secret: TEST_CLIENT.clientSecret },
    });
    const { access_token, refresh_token } = login.body as Json;
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await sbx.api("POST", "/abdm/v1/consents/list", { token: access_token, body: {} });
    expect(expired.status).toBe(401);
    expect((expired.body as Json).error).toMatch(/expired/);
    const refreshed = await sbx.api("POST", "/connect-auth/v1/account/refresh-token", {
      token: access_token,
      headers: { "client-id": TEST_CLIENT.clientId },
      body: { refresh_token, access_token },
    });
    expect(refreshed.status).toBe(200);
    const again = await sbx.api("POST", "/abdm/v1/consents/list", { token: (refreshed.body as Json).access_token, body: {} });
    expect(again.status).toBe(200);
    const bad = await sbx.api("POST", "/connect-auth/v1/account/refresh-token", { token: null, body: { refresh_token: access_token } });
    expect(bad.status).toBe(401);
    await sbx.control("PATCH", "/settings", { tokenTtlSeconds: 900 });
  });
});

describe("consents/create validation", () => {
  const cases: [string, Record<string, unknown>, number, string][] = [
    ["unknown purpose", { purpose: "Care Management" }, 500, "ABDM-1046"],
    ["from after to", { period: { ...PERIOD(), from: "2025-01-01T00:00:00Z", to: "2024-01-01T00:00:00Z" } }, 400, "ABDM-1063"],
    ["expiry in the past", { period: { ...PERIOD(), expiry: "2020-01-01T00:00:00Z" } }, 400, "ABDM-1063"],
    ["unknown HI type", { record_types: ["XRay"] }, 400, "ABDM-1010"],
    ["HIP not linked", { hip_identifier: { id: "SBX-HIP-NEEMTREE" } }, 400, "ABDM-1010"],
    ["unknown care context", { care_contexts: [{ cc_ref: "NOPE", patient_ref: "x" }] }, 400, "ABDM-1010"],
    ["period missing", { period: undefined }, 400, "ABDM-1006"],
  ];
  for (const [name, extra, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const r = await sbx.api("POST", "/abdm/v1/consents/create", { body: createBody("asha.verma@sbx", extra) });
      expect(r.status).toBe(status);
      const b = r.body as Json;
      expect(b.code).toBe(status);
      expect(typeof b.error).toBe("string");
      expect(b.source_error.code).toBe(code);
      expect(typeof b.source_error.message).toBe("string");
    });
  }

  it("unknown ABHA address → 400 ABDM-1010 patient not found (without echoing the address)", async () => {
    const r = await sbx.api("POST", "/abdm/v1/consents/create", { body: createBody("nobody@sbx") });
    expect(r.status).toBe(400);
    expect((r.body as Json).source_error.code).toBe("ABDM-1010");
    expect(r.text).not.toContain("nobody@sbx");
  });

  it("missing health_id → 400 ABDM-1006; malformed JSON → 400 ABDM-1006", async () => {
    const r = await sbx.api("POST", "/abdm/v1/consents/create", { body: { purpose: "Care management", period: PERIOD() } });
    expect(r.status).toBe(400);
    expect((r.body as Json).source_error.code).toBe("ABDM-1006");
    const m = await sbx.api("POST", "/abdm/v1/consents/create", { body: "{not json" });
    expect(m.status).toBe(400);
    expect((m.body as Json).source_error.code).toBe("ABDM-1006");
  });

  it("record_types null means every HI type", async () => {
    const id = await create("kabir.nair@sbx", { record_types: null });
    const list = await sbx.api("POST", "/abdm/v1/consents/list", { body: { patient: { health_id: "kabir.nair@sbx" } } });
    const item = (list.body as Json).consents.find((c: Json) => c.consent_init_id === id);
    expect(item.hi_types).toHaveLength(8);
  });
});

describe("consent life cycle (HIU + PHR sides)", () => {
  it("create → list (REQUESTED, blank consent_id) → inbox → approve → details → revoke one artefact", async () => {
    const initId = await create();
    let list = (await sbx.api("POST", "/abdm/v1/consents/list", { body: { patient: { health_id: "asha.verma@sbx" } } })).body as Json;
    expect(list.consents).toHaveLength(1);
    expect(list.consents[0]).toMatchObject({ consent_init_id: initId, consent_id: "", status: "REQUESTED" });

    const notGranted = await sbx.api("POST", "/abdm/v1/consents/details", { body: { consent_id: initId, health_id: "asha.verma@sbx" } });
    expect(notGranted.status).toBe(400);
    expect((notGranted.body as Json).source_error.code).toBe("ABDM-1062");

    const inbox = await sbx.api("GET", "/abdm/v1/requests?status=requested&type=consent&oid=sbx-oid-0001");
    expect(inbox.status).toBe(200);
    expect((inbox.body as Json).consents[0]).toMatchObject({ id: initId, purpose: { code: "CAREMGT", text: "Care management" } });
    expect((inbox.body as Json).subscriptions).toEqual([]);

    const detail = (await sbx.api("GET", `/abdm/v1/request?id=${initId}&type=consent&oid=sbx-oid-0001`)).body as Json;
    expect(detail.status).toBe("requested");
    expect(detail.providers.map((p: Json) => p.hip.id).sort()).toEqual(["SBX-HIP-LOTUS", "SBX-HIP-RIVERSIDE", "SBX-HIP-SUNRISE"]);
    expect(detail.providers.every((p: Json) => p.consent_artefact_id === null)).toBe(true);

    const approve = await sbx.api("POST", "/abdm/v1/consents/approve?oid=sbx-oid-0001", {
      body: {
        id: initId,
        consent_artefacts: [
          {
            hip_id: "SBX-HIP-SUNRISE",
            care_contexts: [{ id: "SUN-OPD-2024-0113" }],
            hi_types: ["OPConsultation"],
            access_mode: "view",
            duration: { from: "2021-01-01T00:00:00.000Z", to: "2025-01-01T00:00:00.000Z" },
            erase_at: new Date(Date.now() + 86_400_000).toISOString(),
          },
          { hip_id: "SBX-HIP-LOTUS", care_contexts: [{ id: "LOT-LAB-2024-0520" }, { id: "LOT-LAB-2025-0211" }] },
        ],
      },
    });
    expect(approve.status).toBe(204);
    expect(approve.text).toBe("");

    list = (await sbx.api("POST", "/abdm/v1/consents/list", { body: { patient: { health_id: "asha.verma@sbx" } } })).body as Json;
    const consentId = list.consents[0].consent_id;
    expect(list.consents[0].status).toBe("GRANTED");
    expect(consentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(consentId).not.toBe(initId);

    const details = (await sbx.api("POST", "/abdm/v1/consents/details", { body: { consent_id: consentId, health_id: "asha.verma@sbx" } })).body as Json;
    expect(details.data).toHaveLength(2);
    const lotus = details.data.find((d: Json) => d.hip.id === "SBX-HIP-LOTUS");
    expect(lotus.hip.name).toMatch(/Lotus/);
    expect(lotus.care_contexts.map((c: Json) => c.id)).toEqual(["LOT-LAB-2024-0520", "LOT-LAB-2025-0211"]);
    expect(lotus.care_contexts[0]).toMatchObject({ status: "GRANTED", documents: [] });
    // Undocumented extras (README "Assumptions"): which artefact id belongs to which HIP.
    expect(lotus).toMatchObject({ status: "GRANTED", hi_types: expect.any(Array), erase_at: expect.any(String) });
    expect(lotus.consent_artefact_id).toMatch(/^[0-9a-f-]{36}$/);
    await sbx.control("PATCH", "/settings", { assumptions: { detailsExtras: false } });
    const plain = (await sbx.api("POST", "/abdm/v1/consents/details", { body: { consent_id: consentId, health_id: "asha.verma@sbx" } })).body as Json;
    expect(Object.keys(plain.data[0]).sort()).toEqual(["care_contexts", "hip"]);
    await sbx.control("PATCH", "/settings", { assumptions: { detailsExtras: true } });

    const granted = (await sbx.api("GET", `/abdm/v1/request?id=${initId}&oid=asha.verma@sbx`)).body as Json;
    const artefactIds = granted.providers.map((p: Json) => p.consent_artefact_id);
    expect(artefactIds.every((id: unknown) => typeof id === "string")).toBe(true);

    const revoke = await sbx.api("POST", "/abdm/v1/consents/revoke?oid=sbx-oid-0001", { body: { consent_artefacts: [artefactIds[0]] } });
    expect(revoke.status).toBe(204);
    const again = await sbx.api("POST", "/abdm/v1/consents/revoke?oid=sbx-oid-0001", { body: { consent_artefacts: [artefactIds[0]] } });
    expect(again.status).toBe(400);
    expect((again.body as Json).source_error.code).toBe("ABDM-1062");
    list = (await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).body as Json;
    expect(list.consents[0].status).toBe("GRANTED");
    await sbx.api("POST", "/abdm/v1/consents/revoke?oid=sbx-oid-0001", { body: { consent_artefacts: [artefactIds[1]] } });
    list = (await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).body as Json;
    expect(list.consents[0].status).toBe("REVOKED");
    const revokedInbox = (await sbx.api("GET", "/abdm/v1/requests?status=revoked&type=all&oid=sbx-oid-0001")).body as Json;
    expect(revokedInbox.consents).toHaveLength(1);
  });

  it("approve validation: foreign care context, widened dates, unknown id, twice", async () => {
    const initId = await create();
    const bad = async (artefact: Record<string, unknown>, code: string, id = initId) => {
      const r = await sbx.api("POST", "/abdm/v1/consents/approve?oid=sbx-oid-0001", { body: { id, consent_artefacts: [artefact] } });
      expect([400, 500]).toContain(r.status);
      expect((r.body as Json).source_error.code).toBe(code);
    };
    await bad({ hip_id: "SBX-HIP-SUNRISE", care_contexts: [{ id: "LOT-LAB-2024-0520" }] }, "ABDM-1010");
    await bad({ hip_id: "SBX-HIP-NEEMTREE", care_contexts: [{ id: "NTH-RX-2024-0801" }] }, "ABDM-1010");
    await bad({ hip_id: "SBX-HIP-SUNRISE", care_contexts: [{ id: "SUN-OPD-2024-0113" }], duration: { from: "2010-01-01T00:00:00Z", to: "2024-01-01T00:00:00Z" } }, "ABDM-1063");
    await bad({ hip_id: "SBX-HIP-SUNRISE", care_contexts: [{ id: "SUN-OPD-2024-0113" }], hi_types: ["Invoice"] }, "ABDM-1010");
    await bad({ hip_id: "SBX-HIP-SUNRISE", care_contexts: [{ id: "SUN-OPD-2024-0113" }] }, "ABDM-1039", "00000000-0000-0000-0000-000000000000");
    const missing = await sbx.api("POST", "/abdm/v1/consents/approve?oid=sbx-oid-0001", { body: { id: initId } });
    expect((missing.body as Json).source_error.code).toBe("ABDM-1006");
    const ok = await sbx.api("POST", "/abdm/v1/consents/approve?oid=sbx-oid-0001", {
      body: { id: initId, consent_artefacts: [{ hip_id: "SBX-HIP-SUNRISE", care_contexts: [{ id: "SUN-OPD-2024-0113" }] }] },
    });
    expect(ok.status).toBe(204);
    await bad({ hip_id: "SBX-HIP-SUNRISE", care_contexts: [{ id: "SUN-OPD-2024-0113" }] }, "ABDM-1010");
  });

  it("deny with a reason; a second decision is refused", async () => {
    const initId = await create();
    expect((await sbx.api("POST", "/abdm/v1/consents/deny?oid=sbx-oid-0001", { body: { id: initId, reason: "Not my doctor" } })).status).toBe(204);
    const list = (await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).body as Json;
    expect(list.consents[0].status).toBe("DENIED");
    const twice = await sbx.api("POST", "/abdm/v1/consents/deny?oid=sbx-oid-0001", { body: { id: initId } });
    expect(twice.status).toBe(400);
    const other = await sbx.api("POST", "/abdm/v1/consents/deny?oid=sbx-oid-0002", { body: { id: initId } });
    expect((other.body as Json).source_error.code).toBe("ABDM-1039");
  });

  it("unknown consent in details → 500 ABDM-1039; PHR calls need a known patient", async () => {
    const r = await sbx.api("POST", "/abdm/v1/consents/details", { body: { consent_id: "nope", health_id: "asha.verma@sbx" } });
    expect(r.status).toBe(500);
    expect((r.body as Json).source_error.code).toBe("ABDM-1039");
    expect((await sbx.api("GET", "/abdm/v1/requests?status=requested&type=consent")).status).toBe(400);
    const unknown = await sbx.api("GET", "/abdm/v1/requests?status=requested&type=consent&oid=zzz");
    expect((unknown.body as Json).source_error.code).toBe("ABDM-1010");
    const badStatus = await sbx.api("GET", "/abdm/v1/requests?status=open&type=consent&oid=sbx-oid-0001");
    expect((badStatus.body as Json).source_error.code).toBe("ABDM-1006");
  });

  it("list filters by patient and clinic", async () => {
    await create("asha.verma@sbx");
    await create("kabir.nair@sbx");
    const all = (await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).body as Json;
    expect(all.consents).toHaveLength(2);
    const one = (await sbx.api("POST", "/abdm/v1/consents/list", { body: { patient: { oid: "sbx-oid-0002" } } })).body as Json;
    expect(one.consents).toHaveLength(1);
    const none = (await sbx.api("POST", "/abdm/v1/consents/list", { body: { hiu: { clinic_id: "other" } } })).body as Json;
    expect(none.consents).toEqual([]);
  });
});

describe("expiry by the clock", () => {
  it("a granted consent expires at period.expiry; details then answer ABDM-1061", async () => {
    const initId = await create("asha.verma@sbx", { period: { ...PERIOD(), expiry: new Date(Date.now() + 1500).toISOString() } });
    await sbx.control("POST", `/consents/${initId}/approve`);
    let list = (await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).body as Json;
    expect(list.consents[0].status).toBe("GRANTED");
    await new Promise((r) => setTimeout(r, 1700));
    list = (await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).body as Json;
    expect(list.consents[0].status).toBe("EXPIRED");
    const d = await sbx.api("POST", "/abdm/v1/consents/details", { body: { consent_id: list.consents[0].consent_id, health_id: "asha.verma@sbx" } });
    expect((d.body as Json).source_error.code).toBe("ABDM-1061");
  });

  it("a pending request expires too, and cannot be approved afterwards", async () => {
    const initId = await create("asha.verma@sbx", { period: { ...PERIOD(), expiry: new Date(Date.now() + 400).toISOString() } });
    await new Promise((r) => setTimeout(r, 600));
    const r = await sbx.control<Json>("POST", `/consents/${initId}/approve`);
    expect(r.status).toBe(400);
    expect(r.body.source_error.code).toBe("ABDM-1061");
  });
});

describe("auto-approval", () => {
  it("GET/PATCH (form-encoded) with toggle, and new requests are granted at once for all linked HIPs", async () => {
    const get = await sbx.api("GET", "/abdm/v1/consents/auto-approval?oid=sbx-oid-0003");
    expect(get.body).toEqual({ status: "disabled" });
    const token = await sbx.token();
    const res = await fetch(`${sbx.url}/abdm/v1/consents/auto-approval`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
      body: "oid=sbx-oid-0003",
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "enabled" });
    const initId = await create("meera.joshi@sbx", { record_types: ["ImmunizationRecord", "OPConsultation"] });
    await sbx.control("POST", "/wait-idle", { timeout_ms: 3000 });
    const list = (await sbx.api("POST", "/abdm/v1/consents/list", { body: { patient: { health_id: "meera.joshi@sbx" } } })).body as Json;
    expect(list.consents[0]).toMatchObject({ consent_init_id: initId, status: "GRANTED" });
    const details = (await sbx.api("POST", "/abdm/v1/consents/details", { body: { consent_id: list.consents[0].consent_id, health_id: "meera.joshi@sbx" } })).body as Json;
    expect(details.data.map((d: Json) => d.hip.id).sort()).toEqual(["SBX-HIP-NEEMTREE", "SBX-HIP-SUNRISE"]);
    const off = await sbx.api("PATCH", "/abdm/v1/consents/auto-approval?oid=sbx-oid-0003", { body: { oid: "sbx-oid-0003", enable: false } });
    expect(off.body).toEqual({ status: "disabled" });
  });
});

describe("keyset, on-push, EKA-stored retrieval", () => {
  it("accepts raw and X.509 keys, rejects junk with ABDM-1006", async () => {
    const km = generateKeyMaterial();
    expect((await sbx.api("PATCH", "/abdm/v1/hiu/keyset", { body: { public_key: km.publicKey, nonce: km.nonce } })).status).toBe(200);
    expect((await sbx.control<Json>("GET", "/state")).body.keyset.format).toBe("raw");
    expect((await sbx.api("PATCH", "/abdm/v1/hiu/keyset", { body: { public_key: km.x509PublicKey, nonce: km.nonce } })).status).toBe(200);
    expect((await sbx.control<Json>("GET", "/state")).body.keyset.format).toBe("x509");
    const junk = await sbx.api("PATCH", "/abdm/v1/hiu/keyset", { body: { public_key: "AAAA", nonce: km.nonce } });
    expect(junk.status).toBe(400);
    expect((junk.body as Json).source_error.code).toBe("ABDM-1006");
    const shortNonce = await sbx.api("PATCH", "/abdm/v1/hiu/keyset", { body: { public_key: km.publicKey, nonce: "AAAA" } });
    expect(shortNonce.status).toBe(400);
    const missing = await sbx.api("PATCH", "/abdm/v1/hiu/keyset", { body: { public_key: km.publicKey } });
    expect(missing.status).toBe(400);
  });

  it("records on-push reports (202) and refuses unknown consents", async () => {
    const initId = await create();
    await sbx.control("POST", `/consents/${initId}/approve`);
    const consentId = ((await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).body as Json).consents[0].consent_id;
    const ok = await sbx.api("POST", "/abdm/v1/hiu/care-context/data/on-push", {
      body: { consent_id: consentId, transaction_id: "t-1", status_response: [{ care_context_id: "SUN-OPD-2024-0113", success: true, description: "ok" }] },
    });
    expect(ok.status).toBe(202);
    const reports = (await sbx.control<Json>("GET", "/on-push")).body.reports;
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ consent_id: consentId, transaction_id: "t-1", knownConsent: true, knownTransaction: false });
    const unknown = await sbx.api("POST", "/abdm/v1/hiu/care-context/data/on-push", {
      body: { consent_id: "nope", transaction_id: "t", status_response: [] },
    });
    expect((unknown.body as Json).source_error.code).toBe("ABDM-1039");
  });

  it("EKA-stored mode: retrieve serves the bundle of a granted care context; 404 shell otherwise", async () => {
    await sbx.control("PATCH", "/settings", { dataMode: "eka-stored" });
    try {
      const initId = await create();
      await sbx.control("POST", `/consents/${initId}/approve`);
      const consentId = ((await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).body as Json).consents[0].consent_id;
      const details = (await sbx.api("POST", "/abdm/v1/consents/details", { body: { consent_id: consentId, health_id: "asha.verma@sbx" } })).body as Json;
      const lotus = details.data.find((d: Json) => d.hip.id === "SBX-HIP-LOTUS");
      expect(lotus.care_contexts[0].documents[0].fhir_url).toContain("/health/api/v1/fhir/retrieve?identifier=LOT-LAB-2024-0520");
      const q = "identifier=LOT-LAB-2024-0520&hip_id=SBX-HIP-LOTUS&health_id=asha.verma%40sbx";
      const ok = await sbx.api("GET", `/health/api/v1/fhir/retrieve?${q}`, { headers: { "X-Pt-Id": "sbx-oid-0001" } });
      expect(ok.status).toBe(200);
      expect((ok.body as Json).resourceType).toBe("Bundle");
      expect(JSON.stringify(ok.body)).toContain("721981007");
      const noPt = await sbx.api("GET", `/health/api/v1/fhir/retrieve?${q}`);
      expect(noPt.status).toBe(400);
      const unauth = await sbx.api("GET", `/health/api/v1/fhir/retrieve?${q}`, { token: null, headers: { "X-Pt-Id": "sbx-oid-0001" } });
      expect(unauth.status).toBe(401);
      expect(unauth.body).toEqual({ message: "Unauthorized" });
      const miss = await sbx.api("GET", `/health/api/v1/fhir/retrieve?identifier=NTH-RX-2024-0801&hip_id=SBX-HIP-NEEMTREE&health_id=asha.verma%40sbx`, {
        headers: { "X-Pt-Id": "sbx-oid-0001" },
      });
      expect(miss.status).toBe(404);
      expect((miss.body as Json).resourceType).toBe("Bundle");
      // No push in this mode.
      const deliveries = (await sbx.control<Json>("GET", "/deliveries")).body.deliveries;
      expect(deliveries.some((d: Json) => d.event === "abha.hiu_data_push")).toBe(false);
    } finally {
      await sbx.control("PATCH", "/settings", { dataMode: "webhook" });
    }
  });
});

describe("faults and persistence", () => {
  afterEach(async () => {
    await sbx.control("DELETE", "/faults");
  });

  it("declared204 answers create with a bare 204", async () => {
    await sbx.control("PATCH", "/faults", { api: { declared204: true } });
    const r = await sbx.api("POST", "/abdm/v1/consents/create", { body: createBody() });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
  });

  it("failNext injects an error envelope for the next matching calls only", async () => {
    await sbx.control("PATCH", "/faults", { api: { failNext: [{ path: "/abdm/v1/consents/list", status: 500, code: "ABDM-1022", count: 2 }] } });
    const a = await sbx.api("POST", "/abdm/v1/consents/list", { body: {} });
    expect(a.status).toBe(500);
    expect((a.body as Json).source_error.code).toBe("ABDM-1022");
    expect((await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).status).toBe(500);
    expect((await sbx.api("POST", "/abdm/v1/consents/list", { body: {} })).status).toBe(200);
  });

  it("state survives a restart on the same data directory", async () => {
    const initId = await create();
    const dir = sbx.dir;
    const second = await startTestSandbox({ dataDir: dir, bundlesDir });
    try {
      const r = await second.control<Json>("GET", `/consents/${initId}`);
      expect(r.status).toBe(200);
      expect(r.body.consent.status).toBe("REQUESTED");
    } finally {
      await second.close();
    }
  });
});
