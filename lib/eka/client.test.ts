/**
 * Contract tests: the client against the offline EKA sandbox, started as a child process and
 * reached only over HTTP (as the portal reaches EKA). Every operation round-trips; error envelopes,
 * token expiry and refresh, 401 → re-login, timeouts and the retry rules are exercised with the
 * sandbox's control API.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateKeyMaterial } from "@/lib/crypto/fidelius";
import { EkaClient, createEkaClient, type EkaClientConfig, type EkaRequestEvent } from "./client";
import { EkaError } from "./errors";
import type { ConsentCreateRequest } from "./schemas";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLIENT_ID = "EC_CONTRACT_TEST";
const CLIENT_SECRET = "contract-secret-0001";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Sandbox {
  url: string;
  control<T = Json>(method: string, p: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** `tsx sandbox/server.ts` on a free port with a temp data dir; resolves once it listens. */
async function spawnSandbox(): Promise<Sandbox> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eka-contract-"));
  const bundles = path.join(dir, "bundles");
  fs.mkdirSync(bundles);
  fs.writeFileSync(
    path.join(bundles, "diagnosticreport-c1.json"),
    JSON.stringify({
      resourceType: "Bundle",
      type: "document",
      entry: [{ resource: { resourceType: "Composition", type: { coding: [{ code: "721981007" }] }, title: "Lab" } }],
    }),
  );
  const child: ChildProcess = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), ["sandbox/server.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      SANDBOX_PORT: "0",
      SANDBOX_HOST: "127.0.0.1",
      DATA_DIR: dir,
      SANDBOX_DATA_DIR: path.join(dir, "sandbox"),
      SANDBOX_BUNDLES_DIR: bundles,
      EKA_CLIENT_ID: CLIENT_ID,
      EKA_CLIENT_SECRET: CLIENT_SECRET,
      EKA_WEBHOOK_SIGNING_KEY: "contract-signing-key",
      EKA_DATA_MODE: "webhook",
      PORTAL_WEBHOOK_URL: "http://127.0.0.1:9/no-portal-in-this-test",
      SANDBOX_WEBHOOK_MAX_ATTEMPTS: "1",
      SANDBOX_AUTO_APPROVE_DELAY_MS: "10",
      SANDBOX_LOG: "0",
    },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${out}`)), 20_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`sandbox exited (${code}): ${out}`)));
  });
  return {
    url,
    async control<T>(method: string, p: string, body?: unknown) {
      const res = await fetch(`${url}/__control${p}`, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "GET" || method === "DELETE" ? undefined : JSON.stringify(body ?? {}),
      });
      return (await res.json()) as T;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let sbx: Sandbox;
let events: EkaRequestEvent[];
let sent: { url: string; headers: Record<string, string>; method: string }[];

beforeAll(async () => {
  sbx = await spawnSandbox();
});
afterAll(async () => {
  await sbx?.stop();
});
beforeEach(async () => {
  await sbx.control("POST", "/reset");
  await sbx.control("POST", "/tokens/revoke");
  events = [];
  sent = [];
});
afterEach(async () => {
  await sbx.control("DELETE", "/faults");
  await sbx.control("PATCH", "/settings", { tokenTtlSeconds: 900, refreshTtlSeconds: 86_400, dataMode: "webhook", assumptions: { tokenHeader: "any" } });
});

function client(over: Partial<EkaClientConfig> = {}): EkaClient {
  return createEkaClient({
    baseUrl: sbx.url,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    timeoutMs: 3000,
    maxRetries: 2,
    retryBaseMs: 5,
    retryMaxMs: 20,
    hipId: "OUR-HFR-ID",
    onRequest: (e) => events.push(e),
    fetch: (input, init) => {
      sent.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) }, method: init?.method ?? "GET" });
      return fetch(input, init);
    },
    ...over,
  });
}

const attemptsOf = (op: string) => events.filter((e) => e.operation === op).length;
const period = () => ({
  from: "2020-01-01T00:00:00.000Z",
  to: "2025-12-31T00:00:00.000Z",
  expiry: new Date(Date.now() + 7 * 86_400_000).toISOString(),
});
const createReq = (healthId = "asha.verma@sbx", over: Partial<ConsentCreateRequest> = {}): ConsentCreateRequest => ({
  patient: { health_id: healthId },
  hiu: { clinic_id: "clinic-1", requester: { name: "Dr Contract", identifier: { type: "REGNO", value: "C-1", system: "https://www.nmc.org.in" } } },
  purpose: "Care management",
  record_types: ["OPConsultation", "DiagnosticReport"],
  period: period(),
  ...over,
});

async function expectEkaError(p: Promise<unknown>): Promise<EkaError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EkaError);
    return e as EkaError;
  }
  throw new Error("expected an EkaError");
}

describe("every operation round-trips", () => {
  it("HIU: create → list → (patient approves) → details → keyset → on-push", async () => {
    const c = client();
    const { consent_init_id } = await c.createConsent(createReq(), { ptId: "sbx-oid-0001", partnerPtId: "our-patient-7" });
    expect(consent_init_id).toMatch(/^[0-9a-f-]{36}$/);

    let list = await c.listConsents({ patient: { health_id: "asha.verma@sbx" } });
    expect(list.consents).toHaveLength(1);
    expect(list.consents[0]).toMatchObject({ consent_init_id, consent_id: null, status: "REQUESTED", hi_types: ["OPConsultation", "DiagnosticReport"] });

    const inbox = await c.listRequests({ status: "requested", type: "consent", oid: "sbx-oid-0001" });
    expect(inbox.consents.map((r) => r.id)).toEqual([consent_init_id]);
    const request = await c.getRequest({ id: consent_init_id, oid: "sbx-oid-0001" });
    expect(request.providers.length).toBe(3);
    const lotus = request.providers.find((p) => p.hip.id === "SBX-HIP-LOTUS")!;
    await c.approveConsent(
      {
        id: consent_init_id,
        consent_artefacts: [
          {
            hip_id: "SBX-HIP-LOTUS",
            care_contexts: lotus.care_contexts.map((cc) => ({ id: cc.id, display: cc.display ?? undefined })),
            hi_types: ["DiagnosticReport"],
            duration: { from: "2021-01-01T00:00:00.000Z", to: "2025-06-01T00:00:00.000Z" },
            erase_at: new Date(Date.now() + 86_400_000).toISOString(),
          },
        ],
      },
      { ptId: "sbx-oid-0001" },
    );

    list = await c.listConsents({ patient: { health_id: "asha.verma@sbx" } });
    const consentId = list.consents[0].consent_id!;
    expect(list.consents[0].status).toBe("GRANTED");
    const details = await c.getConsentDetails({ consent_id: consentId, health_id: "asha.verma@sbx" });
    expect(details.data).toHaveLength(1);
    expect(details.data[0].hip).toMatchObject({ id: "SBX-HIP-LOTUS" });
    expect(details.data[0].care_contexts.map((cc) => cc.id)).toEqual(["LOT-LAB-2024-0520", "LOT-LAB-2025-0211"]);

    const km = generateKeyMaterial();
    await c.updateKeyset({ public_key: km.publicKey, nonce: km.nonce });
    await c.reportOnPush({
      consent_id: consentId,
      transaction_id: "txn-contract-1",
      status_response: [{ care_context_id: "LOT-LAB-2024-0520", success: true, description: "stored" }],
    });
    const reports = (await sbx.control("GET", "/on-push")).reports;
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ consent_id: consentId, transaction_id: "txn-contract-1" });

    // Headers: token, client-id, context headers; one login for all of the above.
    const create = sent.find((s) => s.url.endsWith("/abdm/v1/consents/create"))!;
    expect(create.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(create.headers["client-id"]).toBe(CLIENT_ID);
    expect(create.headers["X-Pt-Id"]).toBe("sbx-oid-0001");
    expect(create.headers["X-Partner-Pt-Id"]).toBe("our-patient-7");
    expect(create.headers["X-Hip-Id"]).toBe("OUR-HFR-ID");
    expect(sent.find((s) => s.url.includes("/consents/approve"))!.url).toContain("oid=sbx-oid-0001");
    expect(attemptsOf("auth.login")).toBe(1);
  });

  it("PHR: deny, revoke one artefact, auto-approval get/update", async () => {
    const c = client();
    const a = await c.createConsent(createReq("kabir.nair@sbx"));
    await c.denyConsent({ id: a.consent_init_id, reason: "not now" }, { ptId: "sbx-oid-0002" });
    expect((await c.listRequests({ status: "denied", type: "all", oid: "sbx-oid-0002" })).consents).toHaveLength(1);

    const b = await c.createConsent(createReq("kabir.nair@sbx"));
    await sbx.control("POST", `/consents/${b.consent_init_id}/approve`);
    const granted = await c.getRequest({ id: b.consent_init_id, oid: "sbx-oid-0002", status: "granted" });
    const artefactIds = granted.providers.map((p) => p.consent_artefact_id!);
    expect(artefactIds).toHaveLength(2);
    await c.revokeConsent({ consent_artefacts: [artefactIds[0]] }, { ptId: "sbx-oid-0002" });
    const after = await c.getRequest({ id: b.consent_init_id, oid: "sbx-oid-0002" });
    expect(after.status).toBe("granted");
    const list = await c.listConsents({ patient: { oid: "sbx-oid-0002" } });
    expect(list.consents.map((x) => x.status).sort()).toEqual(["DENIED", "GRANTED"]);

    expect(await c.getAutoApproval({ oid: "sbx-oid-0003" })).toEqual({ status: "disabled" });
    expect(await c.updateAutoApproval({ oid: "sbx-oid-0003", enable: true })).toEqual({ status: "enabled" });
    expect(await c.updateAutoApproval({ oid: "sbx-oid-0003", enable: true })).toEqual({ status: "enabled" });
    const auto = await c.createConsent(createReq("meera.joshi@sbx"));
    await sbx.control("POST", "/wait-idle", { timeout_ms: 3000 });
    const autoList = await c.listConsents({ patient: { health_id: "meera.joshi@sbx" } });
    expect(autoList.consents.find((x) => x.consent_init_id === auto.consent_init_id)!.status).toBe("GRANTED");
    // Without `enable` the call toggles (sandbox reading of the spec).
    expect(await c.updateAutoApproval({ oid: "sbx-oid-0003" })).toEqual({ status: "disabled" });
  });

  it("EKA-stored mode: retrieveFhir returns the Bundle, null on 404", async () => {
    await sbx.control("PATCH", "/settings", { dataMode: "eka-stored" });
    const c = client();
    const { consent_init_id } = await c.createConsent(createReq());
    await sbx.control("POST", `/consents/${consent_init_id}/approve`, { hips: [{ hip_id: "SBX-HIP-LOTUS" }] });
    const consentId = (await c.listConsents()).consents[0].consent_id!;
    const details = await c.getConsentDetails({ consent_id: consentId, health_id: "asha.verma@sbx" });
    const cc = details.data[0].care_contexts[0];
    expect(cc.documents[0].fhir_url).toContain("/health/api/v1/fhir/retrieve");
    const bundle = await c.retrieveFhir({ identifier: cc.id, hip_id: "SBX-HIP-LOTUS", health_id: "asha.verma@sbx", ptId: "sbx-oid-0001" });
    expect(bundle?.resourceType).toBe("Bundle");
    const sentRetrieve = sent.find((s) => s.url.includes("/fhir/retrieve"))!;
    expect(sentRetrieve.headers["X-Pt-Id"]).toBe("sbx-oid-0001");
    const missing = await c.retrieveFhir({ identifier: "NOPE", hip_id: "SBX-HIP-LOTUS", health_id: "asha.verma@sbx", ptId: "sbx-oid-0001" });
    expect(missing).toBeNull();
  });

  it("sends the token as `auth: <token>` when configured (and the sandbox insists on it)", async () => {
    await sbx.control("PATCH", "/settings", { assumptions: { tokenHeader: "auth" } });
    const c = client({ tokenHeader: "auth" });
    await c.listConsents();
    const call = sent.find((s) => s.url.endsWith("/consents/list"))!;
    expect(call.headers.auth).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(call.headers.authorization).toBeUndefined();
  });
});

describe("error envelopes → EkaError", () => {
  it("unknown purpose: 500 ABDM-1046, not retried", async () => {
    const c = client();
    const e = await expectEkaError(c.createConsent(createReq("asha.verma@sbx", { purpose: "Care Management" as never })));
    expect(e).toMatchObject({ kind: "http", status: 500, ekaCode: 500, sourceCode: "ABDM-1046", retryable: false, operation: "consents.create" });
    expect(e.sourceMessage).toBeTruthy();
    expect(e.message).toContain("ABDM-1046");
    expect(attemptsOf("consents.create")).toBe(1);
  });

  it("bad date range: 400 ABDM-1063; unknown patient: 400 ABDM-1010; unknown consent: 500 ABDM-1039 — none retried", async () => {
    const c = client();
    const range = await expectEkaError(
      c.createConsent(createReq("asha.verma@sbx", { period: { ...period(), from: "2025-01-01T00:00:00Z", to: "2024-01-01T00:00:00Z" } })),
    );
    expect(range).toMatchObject({ status: 400, sourceCode: "ABDM-1063", retryable: false });
    const nobody = await expectEkaError(c.createConsent(createReq("nobody@sbx")));
    expect(nobody).toMatchObject({ status: 400, sourceCode: "ABDM-1010" });
    const unknown = await expectEkaError(c.getConsentDetails({ consent_id: "nope", health_id: "asha.verma@sbx" }));
    expect(unknown).toMatchObject({ status: 500, sourceCode: "ABDM-1039", retryable: false });
    expect(attemptsOf("consents.details")).toBe(1);
  });

  it("bad client credentials: 401 from login with EKA's {code, error}", async () => {
    const c = client({ clientSecret: "wrong" });
    const e = await expectEkaError(c.listConsents());
    expect(e).toMatchObject({ kind: "http", status: 401, ekaCode: 401, operation: "auth.login", retryable: false });
    expect(e.isUnauthorized).toBe(true);
    expect(attemptsOf("auth.login")).toBe(1);
  });

  it("491 (ABHA session expired) is surfaced, not retried", async () => {
    await sbx.control("PATCH", "/faults", { api: { failNext: [{ path: "/abdm/v1/consents/approve", status: 491, count: 1 }] } });
    const c = client();
    const e = await expectEkaError(c.approveConsent({ id: "x", consent_artefacts: [] }, { ptId: "sbx-oid-0001" }));
    expect(e.isSessionExpired).toBe(true);
    expect(attemptsOf("phr.approve")).toBe(1);
  });

  it("a 2xx with an empty body: create fails as validation, list reads as empty", async () => {
    await sbx.control("PATCH", "/faults", { api: { declared204: true } });
    const c = client();
    const e = await expectEkaError(c.createConsent(createReq()));
    expect(e).toMatchObject({ kind: "validation", status: 204, retryable: false });
    expect(await c.listConsents()).toEqual({ consents: [] });
    const { consent_init_id } = await sbx.control("POST", "/consents", createReq());
    const granted = await sbx.control("POST", `/consents/${consent_init_id}/approve`);
    expect(await c.getConsentDetails({ consent_id: granted.consent.consent_id, health_id: "asha.verma@sbx" })).toEqual({ data: [] });
  });
});

describe("tokens", () => {
  it("caches one token across calls, also for concurrent first calls", async () => {
    const c = client();
    await Promise.all([c.listConsents(), c.listConsents(), c.getAutoApproval({ oid: "sbx-oid-0001" }), c.listConsents()]);
    await c.listConsents();
    expect(attemptsOf("auth.login")).toBe(1);
  });

  it("refreshes before expiry (short TTL) instead of logging in again", async () => {
    await sbx.control("PATCH", "/settings", { tokenTtlSeconds: 2 });
    const c = client();
    await c.listConsents();
    const firstExpiry = c.tokenExpiresAt!;
    expect(firstExpiry - Date.now()).toBeLessThanOrEqual(2000);
    // Refresh window = a fifth of the 2 s lifetime before expiry.
    await new Promise((r) => setTimeout(r, 1700));
    await c.listConsents();
    expect(events.filter((e) => e.operation === "auth.refresh" && e.outcome === "ok")).toHaveLength(1);
    expect(attemptsOf("auth.login")).toBe(1);
    expect(c.tokenExpiresAt!).toBeGreaterThan(firstExpiry);
    const refreshCall = sent.find((s) => s.url.endsWith("/refresh-token"))!;
    expect(refreshCall.headers["client-id"]).toBe(CLIENT_ID);
    expect(refreshCall.headers.authorization).toMatch(/^Bearer /);
    expect(events.some((e) => e.status === 401)).toBe(false);
  });

  it("logs in again when the refresh token is refused", async () => {
    await sbx.control("PATCH", "/settings", { tokenTtlSeconds: 1 });
    const c = client();
    await c.listConsents();
    await sbx.control("POST", "/tokens/revoke");
    await new Promise((r) => setTimeout(r, 1000));
    await c.listConsents();
    expect(events.find((e) => e.operation === "auth.refresh")?.status).toBe(401);
    expect(attemptsOf("auth.login")).toBe(2);
  });

  it("on a 401 drops the token and logs in again, once", async () => {
    const c = client();
    await c.listConsents();
    await sbx.control("POST", "/tokens/revoke");
    await c.listConsents();
    expect(events.filter((e) => e.outcome === "relogin")).toHaveLength(1);
    expect(attemptsOf("auth.login")).toBe(2);

    // A 401 that persists (the sandbox now only accepts `auth`): one re-login, then the error.
    events = [];
    await sbx.control("PATCH", "/settings", { assumptions: { tokenHeader: "auth" } });
    const e = await expectEkaError(c.listConsents());
    expect(e.status).toBe(401);
    expect(attemptsOf("auth.login")).toBe(1);
    expect(events.filter((x) => x.operation === "consents.list")).toHaveLength(2);
  });
});

describe("timeouts and retries", () => {
  it("times out an idempotent call per attempt and retries it, bounded", async () => {
    const c = client({ timeoutMs: 150, maxRetries: 1 });
    await c.listConsents(); // log in first, outside the delay
    events = [];
    await sbx.control("PATCH", "/faults", { api: { delayMs: 600, delayPath: "/abdm/v1/consents/list" } });
    const e = await expectEkaError(c.listConsents());
    expect(e).toMatchObject({ kind: "timeout", retryable: true, operation: "consents.list" });
    expect(attemptsOf("consents.list")).toBe(2);
  });

  it("does not retry a timed-out create (it may have been applied)", async () => {
    const c = client({ timeoutMs: 150, maxRetries: 3 });
    await c.listConsents();
    events = [];
    await sbx.control("PATCH", "/faults", { api: { delayMs: 600, delayPath: "/abdm/v1/consents/create" } });
    const e = await expectEkaError(c.createConsent(createReq()));
    expect(e.kind).toBe("timeout");
    expect(attemptsOf("consents.create")).toBe(1);
  });

  it("retries retryable 5xx (ABDM-1022, bare 503) until success", async () => {
    const c = client({ maxRetries: 2 });
    await sbx.control("PATCH", "/faults", {
      api: {
        failNext: [
          { path: "/abdm/v1/consents/list", status: 500, code: "ABDM-1022", count: 1 },
          { path: "/abdm/v1/consents/list", status: 503, count: 1 },
        ],
      },
    });
    const list = await c.listConsents();
    expect(list.consents).toEqual([]);
    expect(events.filter((e) => e.operation === "consents.list").map((e) => e.outcome)).toEqual(["retry", "retry", "ok"]);
  });

  it("gives up after maxRetries", async () => {
    const c = client({ maxRetries: 2 });
    await sbx.control("PATCH", "/faults", { api: { failNext: [{ path: "/abdm/v1/consents/list", status: 500, code: "ABDM-1028", count: 5 }] } });
    const e = await expectEkaError(c.listConsents());
    expect(e).toMatchObject({ status: 500, sourceCode: "ABDM-1028", retryable: true });
    expect(attemptsOf("consents.list")).toBe(3);
  });

  it("never retries 4xx or validation 500s", async () => {
    const c = client({ maxRetries: 3 });
    await sbx.control("PATCH", "/faults", {
      api: {
        failNext: [
          { path: "/abdm/v1/consents/list", status: 400, code: "ABDM-1006", count: 1 },
          { path: "/abdm/v1/consents/details", status: 500, code: "ABDM-1047", count: 1 },
        ],
      },
    });
    await expectEkaError(c.listConsents());
    await expectEkaError(c.getConsentDetails({ consent_id: "x", health_id: "asha.verma@sbx" }));
    expect(attemptsOf("consents.list")).toBe(1);
    expect(attemptsOf("consents.details")).toBe(1);
  });

  it("retries a create only when it cannot have taken effect", async () => {
    const c = client({ maxRetries: 2 });
    await sbx.control("PATCH", "/faults", { api: { failNext: [{ path: "/abdm/v1/consents/create", status: 500, code: "ABDM-1022", count: 1 }] } });
    const ok = await c.createConsent(createReq());
    expect(ok.consent_init_id).toBeTruthy();
    expect(attemptsOf("consents.create")).toBe(2);

    events = [];
    await sbx.control("PATCH", "/faults", { api: { failNext: [{ path: "/abdm/v1/consents/create", status: 500, count: 1 }] } });
    const e = await expectEkaError(c.createConsent(createReq()));
    expect(e).toMatchObject({ status: 500, retryable: true });
    expect(attemptsOf("consents.create")).toBe(1);
  });

  it("retries connection failures, bounded", async () => {
    const closed = createEkaClient({
      baseUrl: "http://127.0.0.1:59999",
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      maxRetries: 2,
      retryBaseMs: 5,
      onRequest: (e) => events.push(e),
    });
    const e = await expectEkaError(closed.createConsent(createReq()));
    expect(e).toMatchObject({ kind: "network", networkCode: "ECONNREFUSED", retryable: true, operation: "auth.login" });
    expect(attemptsOf("auth.login")).toBe(3);
  });

  it("a caller's abort stops the call without retries", async () => {
    const c = client({ maxRetries: 3 });
    await c.listConsents();
    events = [];
    await sbx.control("PATCH", "/faults", { api: { delayMs: 500, delayPath: "/abdm/v1/consents/list" } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const e = await expectEkaError(c.listConsents({}, { signal: ac.signal }));
    expect(e).toMatchObject({ kind: "network", retryable: false });
    expect(attemptsOf("consents.list")).toBe(1);
  });
});
