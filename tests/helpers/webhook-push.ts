/**
 * Test and bench support for webhook ingestion: a stand-in EKA HTTP server that records what the
 * portal reports, consent rows seeded straight into the database, and signed
 * `abha.hiu_data_push` deliveries encrypted exactly as the sandbox's HIP simulator does
 * (Fidelius to the HIU's registered key, a fresh HIP key per page, sent as X.509).
 *
 * No vitest import: `scripts/bench-ingest.ts` uses it too.
 */
import http from "node:http";
import { createHash, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import {
  careContexts,
  consentArtefacts,
  consentRequests,
  hiuKeys,
  patients,
  users,
  type ConsentStatus,
} from "@/db/schema";
import { encrypt, generateKeyMaterial } from "@/lib/crypto/fidelius";
import { signatureHeader } from "@/lib/webhooks/signature";

// ---------------------------------------------------------------------------------------------
// A minimal EKA: login, on-push (recorded), FHIR retrieve (scripted), consents list/details.

export type OnPushReport = {
  consent_id: string;
  transaction_id: string;
  status_response: { care_context_id: string; success: boolean; description: string }[];
};

export type FakeEka = {
  url: string;
  onPush: OnPushReport[];
  /** Next on-push calls answer this HTTP status (then 202 again). */
  failOnPush: (status: number, times?: number) => void;
  /** `retrieve[careContextId]`: the bundle text to return, or a status to answer. */
  retrieve: Map<string, string | number>;
  retrieveCalls: string[];
  /** consents/list and consents/details answers, keyed by ABHA address / consent id. */
  consentList: Map<string, unknown[]>;
  consentDetails: Map<string, unknown>;
  close: () => Promise<void>;
};

export async function startFakeEka(): Promise<FakeEka> {
  const onPush: OnPushReport[] = [];
  const retrieve = new Map<string, string | number>();
  const retrieveCalls: string[] = [];
  const consentList = new Map<string, unknown[]>();
  const consentDetails = new Map<string, unknown>();
  let onPushFailures: { status: number; left: number } | null = null;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      if (url.pathname === "/connect-auth/v1/account/login" || url.pathname === "/connect-auth/v1/account/refresh-token") {
        return json(200, { access_token: "fake-token", refresh_token: "fake-refresh", expires_in: 3600, refresh_expires_in: 7200 });
      }
      if (url.pathname === "/abdm/v1/hiu/keyset") {
        res.writeHead(200);
        return res.end();
      }
      if (url.pathname === "/abdm/v1/hiu/care-context/data/on-push") {
        if (onPushFailures && onPushFailures.left > 0) {
          onPushFailures.left--;
          return json(onPushFailures.status, { code: onPushFailures.status, error: "scripted failure" });
        }
        onPush.push(body as OnPushReport);
        res.writeHead(202);
        return res.end();
      }
      if (url.pathname === "/health/api/v1/fhir/retrieve") {
        const id = url.searchParams.get("identifier") ?? "";
        retrieveCalls.push(id);
        const answer = retrieve.get(id);
        if (typeof answer === "string") {
          res.writeHead(200, { "content-type": "application/fhir+json" });
          return res.end(answer);
        }
        if (typeof answer === "number") return json(answer, { code: answer, error: "scripted" });
        return json(404, { resourceType: "Bundle", type: "document", entry: [] });
      }
      if (url.pathname === "/abdm/v1/consents/list") {
        const healthId = (body as { patient?: { health_id?: string } }).patient?.health_id ?? "";
        return json(200, { consents: consentList.get(healthId) ?? [] });
      }
      if (url.pathname === "/abdm/v1/consents/details") {
        const d = consentDetails.get((body as { consent_id?: string }).consent_id ?? "");
        if (!d) return json(500, { code: 500, error: "Invalid consent request id", source_error: { code: "ABDM-1039", message: "unknown" } });
        return json(200, d);
      }
      json(404, { code: 404, error: "not found" });
    });
  });
  // Longer than any test or bench run: a keep-alive socket closed by the server while the client
  // reuses it shows up as a spurious network error.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    onPush,
    failOnPush: (status, times = 1) => {
      onPushFailures = { status, left: times };
    },
    retrieve,
    retrieveCalls,
    consentList,
    consentDetails,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Consent rows, as the consent workflow leaves them after a GRANTED refresh.

export type SeedHip = { hipId: string; hipName?: string; careContextIds: string[]; artefactId?: string; status?: ConsentStatus };

export type SeededConsent = {
  userId: string;
  patientId: string;
  consentRequestId: string;
  consentId: string | null;
  consentInitId: string;
  abhaAddress: string;
  artefacts: { id: string; hipId: string; artefactId: string | null; careContexts: Record<string, string> }[];
};

export async function seedConsent(
  db: Db,
  opts: { abhaAddress?: string; consentId?: string | null; status?: ConsentStatus; hips: SeedHip[]; patient?: { name?: string; gender?: string; birthDate?: string } },
): Promise<SeededConsent> {
  const tag = randomUUID().slice(0, 8);
  const abhaAddress = opts.abhaAddress ?? `patient-${tag}@sbx`;
  const [user] = await db
    .insert(users)
    .values({ email: `clinician-${tag}@hospital.test`, name: "Dr Test", role: "clinician", registrationNumber: "MH1001" })
    .returning({ id: users.id });
  const [existingPatient] = await db.select({ id: patients.id }).from(patients).where(eq(patients.abhaAddress, abhaAddress));
  const patientId =
    existingPatient?.id ??
    (
      await db
        .insert(patients)
        .values({ abhaAddress, name: opts.patient?.name ?? null, gender: opts.patient?.gender ?? null, birthDate: opts.patient?.birthDate ?? null })
        .returning({ id: patients.id })
    )[0].id;
  const consentId = opts.consentId === undefined ? `consent-${tag}` : opts.consentId;
  const status = opts.status ?? "GRANTED";
  const [req] = await db
    .insert(consentRequests)
    .values({
      patientId,
      requestedBy: user.id,
      requesterName: "Dr Test",
      purpose: "Care management",
      hiTypes: ["OPConsultation", "DiagnosticReport", "Prescription"],
      dateFrom: new Date("2015-01-01T00:00:00Z"),
      dateTo: new Date(),
      expiresAt: new Date(Date.now() + 30 * 86_400_000),
      status,
      consentInitId: `init-${tag}`,
      consentId,
    })
    .returning({ id: consentRequests.id });
  const artefacts: SeededConsent["artefacts"] = [];
  for (const hip of opts.hips) {
    const [a] = await db
      .insert(consentArtefacts)
      .values({
        consentRequestId: req.id,
        artefactId: hip.artefactId ?? null,
        hipId: hip.hipId,
        hipName: hip.hipName ?? hip.hipId,
        status: hip.status ?? (status === "GRANTED" ? "GRANTED" : status),
      })
      .returning({ id: consentArtefacts.id });
    const ccs: Record<string, string> = {};
    for (const ccId of hip.careContextIds) {
      const [cc] = await db.insert(careContexts).values({ artefactId: a.id, careContextId: ccId, display: `Visit ${ccId}` }).returning({ id: careContexts.id });
      ccs[ccId] = cc.id;
    }
    artefacts.push({ id: a.id, hipId: hip.hipId, artefactId: hip.artefactId ?? null, careContexts: ccs });
  }
  return { userId: user.id, patientId, consentRequestId: req.id, consentId, consentInitId: `init-${tag}`, abhaAddress, artefacts };
}

/** The public half of the active HIU key, as EKA would hand it to a HIP. */
export async function activeKeyset(db: Db): Promise<{ publicKey: string; nonce: string }> {
  const [k] = await db.select({ publicKey: hiuKeys.publicKeyRaw, nonce: hiuKeys.nonce }).from(hiuKeys).where(eq(hiuKeys.status, "active"));
  if (!k) throw new Error("no active HIU key (call ensureActiveKey first)");
  return k;
}

// ---------------------------------------------------------------------------------------------
// Deliveries

export type PushEntry = { careContextId: string; text: string };

/** Flips one bit of the GCM tag, as the sandbox's "corrupt entry" fault does. */
export function corruptTag(content: string): string {
  const b = Buffer.from(content, "base64");
  b[b.length - 1] ^= 0x01;
  return b.toString("base64");
}

/** One `abha.hiu_data_push` envelope (one page), encrypted to `keyset`. */
export function buildDataPush(opts: {
  keyset: { publicKey: string; nonce: string };
  consentId: string;
  abhaAddress: string;
  entries: PushEntry[];
  transactionId?: string;
  deliveryId?: string;
  page?: { number: number; count: number };
  corruptIndex?: number;
  checksum?: (text: string) => string;
}): { deliveryId: string; transactionId: string; envelope: Record<string, unknown>; body: string } {
  const hip = generateKeyMaterial();
  const entries = opts.entries.map((e, i) => {
    let content = encrypt({
      plaintext: e.text,
      senderPrivateKey: hip.privateKey,
      senderNonce: hip.nonce,
      receiverPublicKey: opts.keyset.publicKey,
      receiverNonce: opts.keyset.nonce,
    });
    if (opts.corruptIndex === i) content = corruptTag(content);
    return {
      care_context_id: e.careContextId,
      checksum: opts.checksum ? opts.checksum(e.text) : createHash("md5").update(e.text, "utf8").digest("hex"),
      content,
      media: "application/fhir+json",
    };
  });
  const transactionId = opts.transactionId ?? randomUUID();
  const deliveryId = opts.deliveryId ?? randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const envelope = {
    service: "abdm",
    event: "abha.hiu_data_push",
    event_time: now,
    timestamp: now,
    transaction_id: deliveryId,
    business_id: "BIZ-TEST",
    client_id: "EC_TEST",
    data: {
      abha_address: opts.abhaAddress,
      abha_number: "",
      hip_id: "HIU-FACILITY",
      oid: "",
      partner_patient_id: "",
      consent_id: opts.consentId,
      transaction_id: transactionId,
      ...(opts.page ? { page_number: opts.page.number, page_count: opts.page.count } : {}),
      entries,
      key_information: {
        crypto_alg: "ECDH",
        curve: "Curve25519",
        dh_public_key: {
          expiry: new Date(Date.now() + 86_400_000).toISOString(),
          parameters: "Curve25519/32byte random key",
          key_value: hip.x509PublicKey,
        },
        nonce: hip.nonce,
      },
    },
  };
  return { deliveryId, transactionId, envelope, body: JSON.stringify(envelope) };
}

export function consentUpdateEnvelope(opts: { consentRequestId: string; consentId?: string; status: string; artefactIds?: string[]; deliveryId?: string }) {
  const now = Math.floor(Date.now() / 1000);
  const deliveryId = opts.deliveryId ?? randomUUID();
  return {
    deliveryId,
    body: JSON.stringify({
      service: "abha",
      event: "abha.consent_update",
      event_time: now,
      timestamp: now,
      transaction_id: deliveryId,
      business_id: "BIZ-TEST",
      client_id: "EC_TEST",
      data: {
        timestamp: new Date().toISOString(),
        status: opts.status.toLowerCase(),
        consent_id: opts.consentId ?? "",
        notification: {
          consentRequestId: opts.consentRequestId,
          status: opts.status,
          consentArtefacts: (opts.artefactIds ?? []).map((id) => ({ id })),
        },
      },
    }),
  };
}

/** A POST to the webhook route, signed with `key` (unsigned when `key` is null). */
export function webhookRequest(
  body: string,
  opts: { key: string | null; t?: number; headers?: Record<string, string>; url?: string },
): Request {
  const headers: Record<string, string> = { "content-type": "application/json", ...(opts.headers ?? {}) };
  if (opts.key !== null) headers["eka-webhook-signature"] = signatureHeader(opts.key, body, opts.t);
  return new Request(opts.url ?? "http://localhost/api/webhooks/eka", { method: "POST", headers, body });
}
