/**
 * Webhook delivery to a tiny local receiver that verifies the HMAC like the portal must:
 * envelope shape, signature, at-least-once retries with backoff, timeouts, and the fault switches.
 */
import fs from "node:fs";
import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateKeyMaterial } from "../lib/crypto/fidelius";
import { signatureHeader } from "./webhooks";
import {
  TEST_CLIENT,
  createBody,
  startReceiver,
  startTestSandbox,
  verifySignature,
  writeMiniBundles,
  type Receiver,
  type TestSandbox,
} from "./testing";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let sbx: TestSandbox;
const bundlesDir = writeMiniBundles();
let rx: Receiver;

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
  await sbx.control("PATCH", "/settings", { webhookUrl: rx.url, webhook: { maxAttempts: 3, backoffMs: 20, timeoutMs: 2000 } });
  rx.received.length = 0;
  rx.respond = (r) => (r.signatureValid ? 200 : 401);
});
afterEach(async () => {
  await sbx.control("DELETE", "/faults");
});

async function create(healthId = "asha.verma@sbx", extra: Record<string, unknown> = {}): Promise<string> {
  const r = await sbx.api("POST", "/abdm/v1/consents/create", { body: createBody(healthId, extra) });
  expect(r.status).toBe(200);
  return (r.body as Json).consent_init_id;
}
const idle = () => sbx.control("POST", "/wait-idle", { timeout_ms: 8000 });
const consentUpdates = () => rx.received.filter((r) => r.json.event === "abha.consent_update");

describe("signature", () => {
  it("matches t=<unix>,v1=hex(HMAC-SHA256(key, t.body)) and the verifier rejects a tampered body", () => {
    const h = signatureHeader("k", '{"a":1}', 1700000000);
    expect(h).toBe("t=1700000000,v1=" + createHmac("sha256", "k").update('1700000000.{"a":1}').digest("hex"));
    const now = Math.floor(Date.now() / 1000);
    expect(verifySignature(signatureHeader("k", "body", now), "body", "k")).toBe(true);
    expect(verifySignature(signatureHeader("k", "body", now), "body!", "k")).toBe(false);
    expect(verifySignature(signatureHeader("k", "body", now - 1000), "body", "k")).toBe(false);
  });
});

describe("consent_update", () => {
  it("is sent on grant with the §4.3 envelope, a valid signature, and ids the portal can join on", async () => {
    const initId = await create();
    const approved = await sbx.control<Json>("POST", `/consents/${initId}/approve`);
    await idle();
    const [u] = consentUpdates();
    expect(u.signatureValid).toBe(true);
    expect(u.headers["content-type"]).toBe("application/json");
    const e = u.json;
    expect(e).toMatchObject({
      service: "abha",
      event: "abha.consent_update",
      business_id: expect.any(String),
      client_id: TEST_CLIENT.clientId,
    });
    expect(e.transaction_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isInteger(e.event_time) && Number.isInteger(e.timestamp)).toBe(true);
    expect(e.data).toMatchObject({
      status: "granted",
      consent_id: approved.body.consent.consent_id,
      notification: { consentRequestId: initId, status: "GRANTED" },
    });
    expect(e.data.notification.consentArtefacts.map((a: Json) => a.id).sort()).toEqual(
      approved.body.artefacts.map((a: Json) => a.id).sort(),
    );
  });

  it("is sent on deny (no artefacts), revoke (the revoked artefact) and expiry", async () => {
    const a = await create();
    await sbx.control("POST", `/consents/${a}/deny`, { reason: "no" });
    const b = await create();
    const granted = await sbx.control<Json>("POST", `/consents/${b}/approve`);
    const artefact = granted.body.artefacts[0].id;
    await sbx.control("POST", `/consents/${b}/revoke`, { artefact_ids: [artefact] });
    await sbx.control("POST", `/consents/${b}/expire`);
    await idle();
    const statuses = consentUpdates().map((u) => [u.json.data.notification.consentRequestId, u.json.data.notification.status]);
    expect(statuses).toEqual([
      [a, "DENIED"],
      [b, "GRANTED"],
      [b, "REVOKED"],
      [b, "EXPIRED"],
    ]);
    const updates = consentUpdates();
    expect(updates[0].json.data.notification.consentArtefacts).toEqual([]);
    expect(updates[2].json.data.notification.consentArtefacts).toEqual([{ id: artefact }]);
    expect(updates[3].json.data.notification.consentArtefacts).not.toContainEqual({ id: artefact });
    expect(new Set(updates.map((u) => u.json.transaction_id)).size).toBe(4);
  });

  it("assumption switches: consentRequestId = consent_id, consentArtefacts as one object", async () => {
    await sbx.control("PATCH", "/settings", { assumptions: { consentUpdateId: "consent", artefactsShape: "object" } });
    const initId = await create("kabir.nair@sbx");
    const granted = await sbx.control<Json>("POST", `/consents/${initId}/approve`);
    await idle();
    const n = consentUpdates()[0].json.data.notification;
    expect(n.consentRequestId).toBe(granted.body.consent.consent_id);
    expect(n.consentArtefacts).toEqual({ id: expect.any(String) });
  });
});

describe("at-least-once delivery", () => {
  it("retries non-2xx with growing backoff; the delivery id and body stay the same", async () => {
    let n = 0;
    rx.respond = () => (++n <= 2 ? 500 : 200);
    const initId = await create();
    await sbx.control("POST", `/consents/${initId}/deny`);
    await idle();
    const got = consentUpdates();
    expect(got).toHaveLength(3);
    expect(new Set(got.map((g) => g.json.transaction_id)).size).toBe(1);
    expect(new Set(got.map((g) => g.raw)).size).toBe(1);
    expect(got.every((g) => g.signatureValid)).toBe(true);
    expect(got[1].at - got[0].at).toBeGreaterThanOrEqual(14);
    expect(got[2].at - got[1].at).toBeGreaterThanOrEqual(28);
    const log = (await sbx.control<Json>("GET", "/deliveries")).body.deliveries;
    expect(log[0]).toMatchObject({ status: "delivered", attempts: 3 });
    expect(log[0].history.map((h: Json) => h.status)).toEqual([500, 500, 200]);
  });

  it("gives up after maxAttempts, and after one attempt with the stop-retrying fault", async () => {
    rx.respond = () => 503;
    await sbx.control("POST", `/consents/${await create()}/deny`);
    await idle();
    expect(consentUpdates()).toHaveLength(3);
    expect((await sbx.control<Json>("GET", "/deliveries")).body.deliveries[0]).toMatchObject({ status: "failed", attempts: 3 });

    rx.received.length = 0;
    await sbx.control("PATCH", "/faults", { noRetry: true });
    await sbx.control("POST", `/consents/${await create()}/deny`);
    await idle();
    expect(consentUpdates()).toHaveLength(1);
  });

  it("treats a slow receiver as a timeout and retries", async () => {
    await sbx.control("PATCH", "/settings", { webhook: { timeoutMs: 150 } });
    let n = 0;
    rx.respond = () => (++n === 1 ? { status: 200, delayMs: 400 } : 200);
    await sbx.control("POST", `/consents/${await create()}/deny`);
    await idle();
    const log = (await sbx.control<Json>("GET", "/deliveries")).body.deliveries[0];
    expect(log.status).toBe("delivered");
    expect(log.history[0].error).toMatch(/timeout/);
    expect(consentUpdates().length).toBeGreaterThanOrEqual(2);
  });

  it("keeps retrying while the portal is down, then delivers", async () => {
    await sbx.control("PATCH", "/settings", { webhookUrl: "http://127.0.0.1:1/down", webhook: { maxAttempts: 50, backoffMs: 30, maxBackoffMs: 60 } });
    await sbx.control("POST", `/consents/${await create()}/deny`);
    await new Promise((r) => setTimeout(r, 200));
    const pending = (await sbx.control<Json>("GET", "/deliveries")).body.deliveries[0];
    expect(pending.status).toBe("pending");
    expect(pending.attempts).toBeGreaterThan(1);
    await sbx.control("PATCH", "/settings", { webhookUrl: rx.url });
    await idle();
    expect(consentUpdates()).toHaveLength(1);
  });
});

describe("fault switches", () => {
  it("deliver twice: the same delivery id and body arrive twice, both signed", async () => {
    await sbx.control("PATCH", "/faults", { duplicate: true });
    await sbx.control("POST", `/consents/${await create()}/deny`);
    await idle();
    const got = consentUpdates();
    expect(got).toHaveLength(2);
    expect(got[0].json.transaction_id).toBe(got[1].json.transaction_id);
    expect(got[0].raw).toBe(got[1].raw);
    expect(got.every((g) => g.signatureValid)).toBe(true);
  });

  it("wrong signing key: the receiver rejects every attempt", async () => {
    await sbx.control("PATCH", "/faults", { wrongSignature: true });
    await sbx.control("POST", `/consents/${await create()}/deny`);
    await idle();
    expect(consentUpdates()).toHaveLength(3);
    expect(consentUpdates().every((g) => !g.signatureValid)).toBe(true);
  });

  it("delay holds the first attempt", async () => {
    await sbx.control("PATCH", "/faults", { delayMs: 300 });
    const t0 = Date.now();
    await sbx.control("POST", `/consents/${await create()}/deny`);
    await idle();
    expect(consentUpdates()[0].at - t0).toBeGreaterThanOrEqual(290);
  });

  it("reorder: a grant's data pushes arrive before its consent_update", async () => {
    const km = generateKeyMaterial();
    await sbx.api("PATCH", "/abdm/v1/hiu/keyset", { body: { public_key: km.publicKey, nonce: km.nonce } });
    await sbx.control("PATCH", "/faults", { reorder: true });
    await sbx.control("POST", `/consents/${await create()}/approve`);
    await idle();
    const events = rx.received.map((r) => r.json.event);
    expect(events.at(-1)).toBe("abha.consent_update");
    expect(events.filter((e) => e === "abha.hiu_data_push").length).toBeGreaterThan(0);
    expect(events[0]).toBe("abha.hiu_data_push");
  });
});
