import "server-only";
import { and, eq, inArray } from "drizzle-orm";
import { getDb } from "@/db";
import {
  careContexts,
  consentArtefacts,
  consentRequests,
  patients,
  type ConsentArtefact,
  type ConsentRequest,
} from "@/db/schema";
import { decryptDetailed, FideliusError, type FideliusErrorCode } from "@/lib/crypto/fidelius";
import { EkaError, getEkaClient } from "@/lib/eka";
import { getDecryptionKeys, type DecryptionKey } from "@/lib/keys";
import { tryRefreshConsent } from "./consents";
import type { DataPush } from "./envelope";
import type { DataPushOutcome, EntryOutcome, HandlerResult, ProcessContext } from "./outcome";
import { RetryLater } from "./retry";
import {
  advanceStage,
  parseBundleText,
  storeBundle,
  touchLastRecordAt,
  whyNotLive,
  type PatientCache,
  type StoreTarget,
} from "./store";

/**
 * `abha.hiu_data_push` (eka-api.md §4.4): match the consent, refuse it unless GRANTED, then per
 * entry decrypt → UTF-8 → JSON → Bundle → store, each entry on its own, and finally tell EKA per
 * care context (`on-push`, §2.5).
 *
 * Matching: `data.consent_id` is our consent's EKA `consent_id`, or (with some EKA set-ups) one
 * artefact's id, which then limits the push to that artefact. The source HIP is the artefact
 * that owns the care context per consent details (§4.4: the payload's `hip_id` is not the HIP).
 *
 * A care context that is not part of the consent as we know it triggers one refresh of the
 * consent details; if it is still not there its entry fails ("not part of this consent"): data
 * nobody consented to is not kept, and no HIP is guessed for it.
 */

const PENDING: ConsentRequest["status"][] = ["INITIATING", "REQUESTED", "UNKNOWN"];

type Resolved = { request: ConsentRequest; scope: ConsentArtefact | null };

async function resolveConsent(consentId: string): Promise<Resolved | null> {
  const db = await getDb();
  const [request] = await db.select().from(consentRequests).where(eq(consentRequests.consentId, consentId)).limit(1);
  if (request) return { request, scope: null };
  const [hit] = await db
    .select({ request: consentRequests, artefact: consentArtefacts })
    .from(consentArtefacts)
    .innerJoin(consentRequests, eq(consentRequests.id, consentArtefacts.consentRequestId))
    .where(eq(consentArtefacts.artefactId, consentId))
    .limit(1);
  return hit ? { request: hit.request, scope: hit.artefact } : null;
}

/**
 * A push can overtake the consent_update that announces the grant. Before calling a consent
 * unknown or pending, re-read it (or the patient's pending requests) through the workflow.
 */
async function resolveWithRefresh(data: DataPush): Promise<Resolved | null> {
  let found = await resolveConsent(data.consent_id);
  if (found && !PENDING.includes(found.request.status)) return found;
  if (found) {
    await tryRefreshConsent(found.request.id);
    return resolveConsent(data.consent_id);
  }
  const abha = data.abha_address?.trim().toLowerCase();
  if (!abha) return null;
  const db = await getDb();
  const pending = await db
    .select({ id: consentRequests.id })
    .from(consentRequests)
    .innerJoin(patients, eq(patients.id, consentRequests.patientId))
    .where(and(eq(patients.abhaAddress, abha), inArray(consentRequests.status, [...PENDING, "GRANTED"])))
    .limit(10);
  for (const p of pending) {
    await tryRefreshConsent(p.id);
    found = await resolveConsent(data.consent_id);
    if (found) return found;
  }
  return null;
}

type CareContextRef = { row: { id: string; careContextId: string }; artefact: ConsentArtefact };

async function loadCareContexts(resolved: Resolved): Promise<Map<string, CareContextRef>> {
  const db = await getDb();
  const rows = await db
    .select({ cc: { id: careContexts.id, careContextId: careContexts.careContextId }, artefact: consentArtefacts })
    .from(careContexts)
    .innerJoin(consentArtefacts, eq(consentArtefacts.id, careContexts.artefactId))
    .where(
      resolved.scope
        ? eq(consentArtefacts.id, resolved.scope.id)
        : eq(consentArtefacts.consentRequestId, resolved.request.id),
    );
  const map = new Map<string, CareContextRef>();
  // Should two HIPs use the same care context id, prefer the one whose artefact is live.
  for (const r of rows.sort((a, b) => Number(b.artefact.status === "GRANTED") - Number(a.artefact.status === "GRANTED"))) {
    if (!map.has(r.cc.careContextId)) map.set(r.cc.careContextId, { row: r.cc, artefact: r.artefact });
  }
  return map;
}

const DECRYPT_REASONS: Record<FideliusErrorCode, string> = {
  authentication: "Decryption failed: no HIU key authenticates this entry (wrong key or tampered data).",
  "invalid-public-key": "Decryption failed: the HIP's public key in key_information is not valid.",
  "invalid-private-key": "Decryption failed: an HIU private key is unusable.",
  "invalid-nonce": "Decryption failed: a nonce is not 32 bytes of base64.",
  "invalid-base64": "Decryption failed: the entry content is not valid base64.",
  "invalid-plaintext": "The decrypted content is not valid UTF-8.",
};

type Decrypted = { ok: true; plaintext: string; key: DecryptionKey; fallback: boolean } | { ok: false; reason: string };

/**
 * Tries the active key, then retired keys still in grace (a push may have been encrypted to the
 * keyset EKA had before a rotation). Only a GCM failure moves on to the next key; any other error
 * is about the entry or the HIP's key and would fail with every key.
 */
function decryptEntry(content: string, keyInfo: DataPush["key_information"], keys: DecryptionKey[]): Decrypted {
  let last: FideliusErrorCode = "authentication";
  for (const key of keys) {
    try {
      const r = decryptDetailed({
        encryptedData: content,
        receiverPrivateKey: key.privateKey,
        receiverNonce: key.nonce,
        senderPublicKey: keyInfo.dh_public_key.key_value,
        senderNonce: keyInfo.nonce,
      });
      return { ok: true, plaintext: r.plaintext, key, fallback: r.usedLeadingZeroFallback };
    } catch (err) {
      if (!(err instanceof FideliusError)) throw err;
      last = err.code;
      if (err.code !== "authentication") break;
    }
  }
  return { ok: false, reason: DECRYPT_REASONS[last] };
}

function failAll(data: DataPush, reason: string): EntryOutcome[] {
  return data.entries.map((e) => ({ careContextId: e.care_context_id, ok: false, reason }));
}

export async function processDataPush(ctx: ProcessContext, data: DataPush): Promise<HandlerResult<DataPushOutcome>> {
  const page = data.page_number ?? 1;
  const pageCount = data.page_count ?? null;
  const base: DataPushOutcome = {
    kind: "data_push",
    transactionId: data.transaction_id,
    page,
    pageCount,
    entries: [],
  };

  const resolved = await resolveWithRefresh(data);
  if (!resolved || PENDING.includes(resolved.request.status)) {
    const reason = resolved
      ? `The consent is still ${resolved.request.status} here; data cannot be accepted before it is GRANTED.`
      : "The consent is not known to this HIU.";
    if (!ctx.finalAttempt) throw new RetryLater(reason);
    const outcome: DataPushOutcome = { ...base, refused: reason, entries: failAll(data, reason) };
    outcome.report = await report(data, outcome.entries, ctx);
    return { status: "dead", outcome, lastError: reason };
  }

  const { request, scope } = resolved;
  base.consentRequestId = request.id;
  const refusal =
    whyNotLive(
      {
        requestStatus: request.status,
        requestExpiresAt: request.grantedExpiresAt,
        artefactStatus: scope?.status ?? "GRANTED",
        artefactPurgedAt: scope?.purgedAt ?? null,
        artefactExpiresAt: scope?.expiresAt ?? null,
        stage: "awaiting",
      },
      ctx.now,
    );
  if (refusal) {
    // Withdrawn, expired, denied: nothing is stored, EKA is told why.
    const reason = `Refused: ${refusal}`;
    const outcome: DataPushOutcome = { ...base, refused: reason, entries: failAll(data, reason) };
    outcome.report = await report(data, outcome.entries, ctx);
    return { status: "done", outcome, lastError: reason };
  }

  let ccMap = await loadCareContexts(resolved);
  if (data.entries.some((e) => !ccMap.has(e.care_context_id))) {
    if (await tryRefreshConsent(request.id)) ccMap = await loadCareContexts(resolved);
  }

  const keys = await getDecryptionKeys({ now: ctx.now });
  if (keys.length === 0) throw new RetryLater("No HIU decryption key is available (none active, none in grace).");
  // Every entry of one push shares the HIP key, so the key that opened one opens the others.
  let ordered = keys;

  const patientCache: PatientCache = new Map();
  const entries: EntryOutcome[] = [];
  for (const entry of data.entries) {
    const ccRef = ccMap.get(entry.care_context_id);
    const out: EntryOutcome = { careContextId: entry.care_context_id, ok: false };
    entries.push(out);
    if (!ccRef) {
      out.reason = "The care context is not part of this consent.";
      continue;
    }
    const fail = async (reason: string) => {
      out.reason = reason;
      await advanceStage([ccRef.row.id], "failed", reason, ctx.now);
    };

    const dec = decryptEntry(entry.content, data.key_information, ordered);
    if (!dec.ok) {
      await fail(dec.reason);
      continue;
    }
    out.keyId = dec.key.id;
    if (dec.fallback) {
      out.leadingZeroFallback = true;
      console.info(`[webhooks] delivery=${ctx.row.deliveryId.slice(0, 80)} entry decrypted with the leading-zero interop fallback`);
    }
    if (ordered[0].id !== dec.key.id) ordered = [dec.key, ...keys.filter((k) => k.id !== dec.key.id)];
    await advanceStage([ccRef.row.id], "decrypted", null, ctx.now);

    const parsed = parseBundleText(dec.plaintext);
    if (!parsed.ok) {
      await fail(parsed.reason);
      continue;
    }
    if (parsed.unwrapped) out.unwrapped = true;

    const target: StoreTarget = {
      patientId: request.patientId,
      consentRequestId: request.id,
      artefactRowId: ccRef.artefact.id,
      hipId: ccRef.artefact.hipId,
      hipName: ccRef.artefact.hipName,
      careContextRowId: ccRef.row.id,
      careContextId: entry.care_context_id,
    };
    // A database error here propagates: the delivery is retried whole, and what was already
    // stored is skipped by the idempotency key.
    const stored = await storeBundle({
      target,
      transactionId: data.transaction_id,
      page,
      pageCount,
      parsed,
      sourceChecksum: entry.checksum ?? null,
      now: ctx.now,
      patientCache,
    });
    if (stored.status === "refused") {
      out.reason = `Refused: ${stored.reason}`;
      continue;
    }
    out.ok = true;
    out.recordId = stored.recordId;
    if (stored.duplicate) out.duplicate = true;
    out.checksumMatches = stored.checksumMatches;
  }

  if (entries.some((e) => e.ok)) await touchLastRecordAt(request.id, ctx.now);
  const mismatches = entries.filter((e) => e.checksumMatches === false).length;
  if (mismatches) console.info(`[webhooks] delivery=${ctx.row.deliveryId.slice(0, 80)} checksum mismatch on ${mismatches} entr(ies); kept`);

  const outcome: DataPushOutcome = { ...base, entries };
  outcome.report = await report(data, entries, ctx);
  const failed = entries.filter((e) => !e.ok).length;
  return {
    status: "done",
    outcome,
    lastError: failed ? `${failed} of ${entries.length} entries failed` : outcome.report.error ?? null,
  };
}

/** One status per care context (an entry failing fails its care context), in payload order. */
export function statusResponse(entries: EntryOutcome[]): { care_context_id: string; success: boolean; description: string }[] {
  const by = new Map<string, EntryOutcome[]>();
  for (const e of entries) by.set(e.careContextId, [...(by.get(e.careContextId) ?? []), e]);
  return [...by].map(([id, list]) => {
    const failures = [...new Set(list.filter((e) => !e.ok).map((e) => e.reason ?? "Failed."))];
    if (failures.length) return { care_context_id: id, success: false, description: failures.join(" ").slice(0, 500) };
    const dup = list.every((e) => e.duplicate);
    return { care_context_id: id, success: true, description: dup ? "Already received and stored." : "Decrypted and stored." };
  });
}

/**
 * `on-push`. A retryable EKA failure retries the delivery (processing is idempotent, so the
 * report is simply made again); on the last attempt, or for a refusal by EKA, it is recorded.
 */
async function report(data: DataPush, entries: EntryOutcome[], ctx: ProcessContext): Promise<NonNullable<DataPushOutcome["report"]>> {
  const at = new Date().toISOString();
  try {
    await getEkaClient().reportOnPush(
      { consent_id: data.consent_id, transaction_id: data.transaction_id, status_response: statusResponse(entries) },
      { ptId: data.oid || undefined, partnerPtId: data.partner_patient_id || undefined },
    );
    return { sent: true, at };
  } catch (err) {
    const what =
      err instanceof EkaError
        ? `on-push report failed: ${err.kind}${err.status ? ` ${err.status}` : ""}${err.sourceCode ? ` ${err.sourceCode}` : ""}`
        : `on-push report failed: ${err instanceof Error ? err.name : "error"}`;
    const retryable = !(err instanceof EkaError) || err.retryable;
    if (retryable && !ctx.finalAttempt) throw new RetryLater(what);
    return { sent: false, at, error: what };
  }
}
