/**
 * Test helpers for the sandbox's own tests: an in-process sandbox on a free port with a temp data
 * directory, and a tiny webhook receiver that checks the HMAC signature the way the portal must.
 * (The portal's tests reach the sandbox as a child process over HTTP instead.)
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { startSandbox, type RunningSandbox, type SandboxOptions } from "./server";

export const TEST_CLIENT = { clientId: "EC_TEST_HIU", clientSecret: "test-secret-0001", signingKey: "whsec-test-key" };

export interface TestSandbox extends RunningSandbox {
  dir: string;
  control<T = unknown>(method: string, p: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Logs in with the test client and returns the access token. */
  token(): Promise<string>;
  api(method: string, p: string, opts?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<{
    status: number;
    body: unknown;
    text: string;
  }>;
  close(): Promise<void>;
}

export async function startTestSandbox(opts: SandboxOptions = {}): Promise<TestSandbox> {
  const dir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "eka-sbx-"));
  const s = await startSandbox({
    port: 0,
    host: "127.0.0.1",
    dataDir: dir,
    secretsDir: dir,
    ...TEST_CLIENT,
    webhookUrl: "http://127.0.0.1:9/unused",
    webhook: { maxAttempts: 3, backoffMs: 20, maxBackoffMs: 200, timeoutMs: 2000 },
    autoApproveDelayMs: 10,
    expiryCheckMs: 100,
    env: {},
    ...opts,
  });
  const call = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(s.url + p, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  };
  let cachedToken: string | undefined;
  const t: TestSandbox = {
    ...s,
    dir,
    async control<T>(method: string, p: string, body?: unknown) {
      const r = await call(method, `/__control${p}`, body ?? (method === "GET" || method === "DELETE" ? undefined : {}));
      return { status: r.status, body: r.body as T };
    },
    async token() {
      const r = await call("POST", "/connect-auth/v1/account/login", {
        client_id: TEST_CLIENT.clientId,
        client_secret: TEST_CLIENT.clientSecret,
      });
      if (r.status !== 200) throw new Error(`login failed: ${r.status}`);
      cachedToken = (r.body as { access_token: string }).access_token;
      return cachedToken;
    },
    async api(method, p, o = {}) {
      const token = o.token === undefined ? (cachedToken ?? (await t.token())) : o.token;
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...o.headers };
      return call(method, p, o.body, headers);
    },
    async close() {
      await s.stop();
      if (!opts.dataDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  raw: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke into webhook JSON freely
  json: { event: string; transaction_id: string; data: Record<string, any>; [k: string]: unknown };
  signatureValid: boolean;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Decide the answer per delivery (default: 200 if the signature verifies, else 401). */
  respond: (r: Received) => number | { status: number; delayMs?: number };
  waitFor(pred: (all: Received[]) => boolean, timeoutMs?: number): Promise<Received[]>;
  stop(): Promise<void>;
}

/** `Eka-Webhook-Signature: t=<unix>,v1=<hex>`, HMAC-SHA256(key UTF-8, `${t}.${raw}`), constant-time. */
export function verifySignature(header: string | undefined, raw: string, key: string, toleranceSeconds = 180): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(",").map((kv) => kv.trim().split("=") as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds || !parts.v1) return false;
  const want = createHmac("sha256", Buffer.from(key, "utf8")).update(`${parts.t}.${raw}`).digest();
  const got = Buffer.from(parts.v1, "hex");
  return got.length === want.length && timingSafeEqual(got, want);
}

export async function startReceiver(signingKey: string): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: "",
    received,
    respond: (r) => (r.signatureValid ? 200 : 401),
    async waitFor(pred, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (pred(received)) return received;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`receiver: condition not met within ${timeoutMs} ms (got ${received.length} deliveries)`);
    },
    stop: async () => {},
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const r: Received = {
      at: Date.now(),
      headers: req.headers,
      raw,
      json: JSON.parse(raw),
      signatureValid: verifySignature(req.headers["eka-webhook-signature"] as string | undefined, raw, signingKey),
    };
    received.push(r);
    const answer = receiver.respond(r);
    const { status, delayMs } = typeof answer === "number" ? { status: answer, delayMs: 0 } : answer;
    if (delayMs) await new Promise((x) => setTimeout(x, delayMs));
    if (!res.destroyed) {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: status < 300 }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/eka`;
  receiver.stop = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return receiver;
}

/** A small valid FHIR document bundle of the given HI type (SNOMED code on the Composition). */
export function miniBundle(id: string, snomed: string, title: string): string {
  return JSON.stringify(
    {
      resourceType: "Bundle",
      id,
      type: "document",
      timestamp: "2024-05-20T10:00:00+05:30",
      entry: [
        {
          fullUrl: `urn:uuid:${id}-c`,
          resource: {
            resourceType: "Composition",
            status: "final",
            type: { coding: [{ system: "http://snomed.info/sct", code: snomed }], text: title },
            title,
            date: "2024-05-20T10:00:00+05:30",
          },
        },
        { fullUrl: `urn:uuid:${id}-p`, resource: { resourceType: "Patient", id: `${id}-p`, name: [{ text: "Test Patient" }] } },
      ],
    },
    null,
    2,
  );
}

/** A temp folder with one small bundle per common HI type. */
export function writeMiniBundles(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eka-sbx-bundles-"));
  const set: [string, string, string][] = [
    ["opconsult-t1", "371530004", "Consultation Report"],
    ["prescription-t1", "440545006", "Prescription record"],
    ["diagnosticreport-t1", "721981007", "Diagnostic Report"],
    ["dischargesummary-t1", "373942005", "Discharge Summary"],
    ["immunization-t1", "41000179103", "Immunization record"],
    ["healthdocument-t1", "419891008", "Health Document"],
  ];
  for (const [name, code, title] of set) fs.writeFileSync(path.join(dir, `${name}.json`), miniBundle(name, code, title));
  return dir;
}

export const PERIOD = () => ({
  from: "2020-01-01T00:00:00.000Z",
  to: "2025-12-31T00:00:00.000Z",
  expiry: new Date(Date.now() + 7 * 86_400_000).toISOString(),
});

export function createBody(healthId = "asha.verma@sbx", extra: Record<string, unknown> = {}) {
  return {
    patient: { health_id: healthId },
    hiu: { clinic_id: "clinic-1", requester: { name: "Dr Test", identifier: { type: "REGNO", value: "T-1", system: "https://www.nmc.org.in" } } },
    purpose: "Care management",
    record_types: ["OPConsultation", "Prescription", "DiagnosticReport", "DischargeSummary"],
    period: PERIOD(),
    ...extra,
  };
}
