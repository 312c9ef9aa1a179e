import "server-only";
import { and, eq, inArray, or } from "drizzle-orm";
import { getDb } from "@/db";
import { careContexts, consentArtefacts, consentRequests, webhookInbox } from "@/db/schema";
import { audit } from "@/lib/audit";
import { seal } from "@/lib/crypto/seal";
import { env } from "@/lib/env";
import {
  CONSENT_UPDATE_EVENT,
  DATA_PUSH_EVENT,
  consentUpdateSchema,
  dataPushSchema,
  describeIssues,
  envelopeSchema,
  eventName,
  isKnownEvent,
} from "./envelope";
import { verifySignature, type SignatureFailure } from "./signature";

/**
 * The durable landing pad for EKA webhooks (design.md §5 step 4): raw body under a size cap →
 * signature → envelope → one committed inbox row → 2xx. Nothing is processed here; nothing of a
 * payload reaches a log or an error message.
 */

export const SIGNATURE_HEADER = "eka-webhook-signature";

/** The AAD context the raw body is sealed under; binds a sealed body to its own delivery. */
export function bodySealContext(deliveryId: string): string {
  return `webhook_inbox.body/${deliveryId}`;
}

export type WebhookErrorCode =
  | "payload_too_large"
  | "signature_missing"
  | "signature_malformed"
  | "signature_stale"
  | "signature_mismatch"
  | "invalid_json"
  | "invalid_envelope"
  | "invalid_event_data"
  | "not_configured"
  | "unavailable";

export type IntakeResult =
  | { kind: "accepted"; status: 202; deliveryId: string; inboxId: string; event: string }
  | { kind: "duplicate"; status: 200; deliveryId: string; event: string }
  | { kind: "ignored"; status: 200; deliveryId: string; event: string }
  | { kind: "error"; status: 400 | 401 | 413 | 503; code: WebhookErrorCode; message: string; issues?: string[] };

/** The JSON answer for an intake result: `{ status, delivery_id }` or `{ error: { code, message } }`. */
export function intakeResponse(result: IntakeResult): Response {
  if (result.kind === "error") {
    return Response.json(
      { error: { code: result.code, message: result.message, ...(result.issues ? { issues: result.issues } : {}) } },
      { status: result.status, headers: result.status === 503 ? { "retry-after": "30" } : undefined },
    );
  }
  return Response.json({ status: result.kind, delivery_id: result.deliveryId }, { status: result.status });
}

const fail = (
  status: 400 | 401 | 413 | 503,
  code: WebhookErrorCode,
  message: string,
  issues?: string[],
): IntakeResult => ({ kind: "error", status, code, message, issues });

type CappedBody = { ok: true; bytes: Buffer } | { ok: false };

/**
 * Reads the body up to `maxBytes`, chunk by chunk: a body that declares (Content-Length) or turns
 * out to be larger is refused as soon as the cap is passed, and the rest is never read.
 */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<CappedBody> {
  const declared = req.headers.get("content-length");
  if (declared && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    await req.body?.cancel().catch(() => undefined);
    return { ok: false };
  }
  if (!req.body) return { ok: true, bytes: Buffer.alloc(0) };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false };
    }
    chunks.push(value);
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}

const KEPT_HEADERS = ["content-type", "content-length", "user-agent", "x-forwarded-for", "x-real-ip", "x-request-id"];

function keptHeaders(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = req.headers.get(name);
    if (v) out[name] = v.slice(0, 200);
  }
  return out;
}

// Rejections are audited, but an unauthenticated flood must not be able to fill the audit table:
// at most this many rows per minute per process; the rest are counted in the log.
const REJECTION_AUDITS_PER_MINUTE = 60;
const rejectionWindow = { startedAt: 0, count: 0, suppressed: 0 };

async function auditRejection(reason: SignatureFailure, details: Record<string, unknown>): Promise<void> {
  const now = Date.now();
  if (now - rejectionWindow.startedAt > 60_000) {
    if (rejectionWindow.suppressed > 0) {
      console.warn(`[webhooks] ${rejectionWindow.suppressed} further rejected deliveries were not audited (rate cap)`);
    }
    Object.assign(rejectionWindow, { startedAt: now, count: 0, suppressed: 0 });
  }
  if (rejectionWindow.count >= REJECTION_AUDITS_PER_MINUTE) {
    rejectionWindow.suppressed++;
    return;
  }
  rejectionWindow.count++;
  try {
    await audit("system", { action: "webhook.rejected", targetType: "webhook", details: { reason, ...details } });
  } catch (err) {
    // The 401 stands whether or not the trail could be written.
    console.error(`[webhooks] could not audit a rejected delivery: ${err instanceof Error ? err.name : "error"}`);
  }
}

const SIGNATURE_MESSAGES: Record<SignatureFailure, string> = {
  missing: "The Eka-Webhook-Signature header is missing.",
  malformed: "The Eka-Webhook-Signature header is not of the form t=<unix seconds>,v1=<hex>.",
  stale: "The signature timestamp is outside the accepted window.",
  mismatch: "The signature does not match the body.",
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Everything the route does before it answers; see the module comment for the order. */
export async function receiveEkaWebhook(req: Request, opts: { now?: Date } = {}): Promise<IntakeResult> {
  const cfg = env().webhook;
  if (!cfg.signingKey) {
    console.error("[webhooks] EKA_WEBHOOK_SIGNING_KEY is not configured; refusing deliveries");
    return fail(503, "not_configured", "The webhook signing key is not configured.");
  }
  // Unsigned requests are refused before a single body byte is read.
  const header = req.headers.get(SIGNATURE_HEADER);
  if (!header?.trim()) {
    await req.body?.cancel().catch(() => undefined);
    await auditRejection("missing", { bytes: req.headers.get("content-length") });
    return fail(401, "signature_missing", SIGNATURE_MESSAGES.missing);
  }

  const body = await readBodyCapped(req, cfg.maxBytes);
  if (!body.ok) {
    return fail(413, "payload_too_large", `The body is larger than the ${cfg.maxBytes}-byte limit.`);
  }
  const raw = body.bytes;

  let parsed: unknown;
  let parseOk = false;
  try {
    parsed = JSON.parse(utf8.decode(raw));
    parseOk = true;
  } catch {
    parsed = undefined;
  }

  const nowSeconds = Math.floor((opts.now?.getTime() ?? Date.now()) / 1000);
  const sig = verifySignature({
    header,
    rawBody: raw,
    parsedBody: parseOk ? parsed : undefined,
    key: cfg.signingKey,
    toleranceSeconds: cfg.toleranceSeconds,
    nowSeconds,
  });
  if (!sig.ok) {
    await auditRejection(sig.reason, { bytes: raw.length, skewSeconds: sig.skewSeconds });
    return fail(401, `signature_${sig.reason}`, SIGNATURE_MESSAGES[sig.reason]);
  }

  if (!parseOk) return fail(400, "invalid_json", "The body is not valid UTF-8 JSON.");
  const envelope = envelopeSchema.safeParse(parsed);
  if (!envelope.success) {
    return fail(400, "invalid_envelope", "The body is not an EKA webhook envelope.", describeIssues(envelope.error));
  }
  const event = eventName(envelope.data);
  const deliveryId = envelope.data.transaction_id;

  if (!isKnownEvent(event)) {
    // Other EKA events (locker, subscription…) are acknowledged and not kept: we have no use for
    // their payloads. Name and id only in the log.
    console.info(`[webhooks] ignored event=${event.slice(0, 60)} delivery=${deliveryId.slice(0, 80)}`);
    return { kind: "ignored", status: 200, deliveryId, event };
  }

  let consentId: string | null = null;
  let transactionId: string | null = null;
  let careContextIds: string[] = [];
  if (event === DATA_PUSH_EVENT) {
    const d = dataPushSchema.safeParse(envelope.data.data);
    if (!d.success) return fail(400, "invalid_event_data", `The ${event} data is not valid.`, describeIssues(d.error));
    consentId = d.data.consent_id;
    transactionId = d.data.transaction_id;
    careContextIds = [...new Set(d.data.entries.map((e) => e.care_context_id))];
  } else if (event === CONSENT_UPDATE_EVENT) {
    const d = consentUpdateSchema.safeParse(envelope.data.data);
    if (!d.success) return fail(400, "invalid_event_data", `The ${event} data is not valid.`, describeIssues(d.error));
    consentId = d.data.notification?.consentRequestId || d.data.consent_id || null;
  }

  try {
    const db = await getDb();
    const inserted = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(webhookInbox)
        .values({
          deliveryId,
          event,
          headers: { ...keptHeaders(req), "x-signature-variant": sig.variant },
          bodySealed: seal(raw, bodySealContext(deliveryId)),
          bodyBytes: raw.length,
          signatureOk: true,
          consentId,
          transactionId,
        })
        .onConflictDoNothing({ target: webhookInbox.deliveryId })
        .returning({ id: webhookInbox.id });
      if (!row) return null;
      if (careContextIds.length && consentId) {
        // The clinician sees "received" the moment the data is safe with us, before decryption.
        const now = opts.now ?? new Date();
        const liveArtefacts = tx
          .select({ id: consentArtefacts.id })
          .from(consentArtefacts)
          .innerJoin(consentRequests, eq(consentRequests.id, consentArtefacts.consentRequestId))
          .where(
            and(
              eq(consentArtefacts.status, "GRANTED"),
              or(eq(consentRequests.consentId, consentId), eq(consentArtefacts.artefactId, consentId)),
            ),
          );
        await tx
          .update(careContexts)
          .set({ stage: "received", stageReason: null, receivedAt: now, updatedAt: now })
          .where(
            and(
              inArray(careContexts.artefactId, liveArtefacts),
              inArray(careContexts.careContextId, careContextIds),
              inArray(careContexts.stage, ["awaiting", "failed"]),
            ),
          );
      }
      return row;
    });
    if (!inserted) {
      console.info(`[webhooks] duplicate event=${event} delivery=${deliveryId.slice(0, 80)}`);
      return { kind: "duplicate", status: 200, deliveryId, event };
    }
    console.info(`[webhooks] accepted event=${event} delivery=${deliveryId.slice(0, 80)} bytes=${raw.length}`);
    return { kind: "accepted", status: 202, deliveryId, inboxId: inserted.id, event };
  } catch (err) {
    // Not acknowledged, so EKA delivers it again; the transaction left nothing behind.
    console.error(`[webhooks] intake failed for delivery=${deliveryId.slice(0, 80)}: ${describeDbError(err)}`);
    return fail(503, "unavailable", "The delivery could not be stored; please retry.");
  }
}

/** Error class and SQLSTATE only: driver messages can quote parameter values. */
export function describeDbError(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { name?: string; code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    parts.push(`${e.name ?? "Error"}${typeof e.code === "string" ? `(${e.code})` : ""}`);
  }
  return parts.join(" ← ") || "error";
}
