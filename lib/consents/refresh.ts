import "server-only";
import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { getDb, type DbTx } from "@/db";
import { careContexts, consentArtefacts, consentRequests, patients, type ConsentRequest, type ConsentStatus } from "@/db/schema";
import { audit } from "@/lib/audit";
import { EkaError, getEkaClient, type ConsentDetailsResponse, type ConsentListItem } from "@/lib/eka";
import { env } from "@/lib/env";
import { dropPurgedPayloads, purgeArtefactData } from "./purge";
import { artefactStatusFromCareContexts, artefactTransition, isFinal, normaliseStatus, transition, type StatusEvent } from "./state";

/**
 * Keeping a consent request's status true, without a user (poller, webhook, page poke).
 *
 * EKA is read first (consents/list, then consents/details when there is something to see), with
 * no transaction open; the result is then applied in one short transaction that locks the row.
 * Because every change goes through the forward-only state machine, two refreshes racing each
 * other (two portal instances, the poller and a webhook) converge on the same row.
 */

/** An INITIATING row that never got EKA's answer is given up after this long. */
export const STALE_INITIATING_MS = 5 * 60_000;

type DetailsItem = ConsentDetailsResponse["data"][number];

export type RefreshSource = "poll" | "webhook" | "page" | "clock";

export type RefreshResult = {
  found: boolean;
  status?: ConsentStatus;
  /** The request's own status moved (drives poll backoff reset). */
  statusChanged: boolean;
};

export type RefreshOptions = {
  now?: Date;
  source?: RefreshSource;
  /** Shared by one sweep: one `consents/list` call per patient, not per row. */
  listCache?: Map<string, Promise<ConsentListItem[]>>;
};

function listFor(healthId: string, cache?: Map<string, Promise<ConsentListItem[]>>): Promise<ConsentListItem[]> {
  const load = async () => {
    const clinicId = env().eka.clinicId;
    const res = await getEkaClient().listConsents({ patient: { health_id: healthId }, ...(clinicId ? { hiu: { clinic_id: clinicId } } : {}) });
    return res.consents;
  };
  if (!cache) return load();
  let p = cache.get(healthId);
  if (!p) {
    p = load();
    cache.set(healthId, p);
  }
  return p;
}

/** Details answer 400 ABDM-1061/1062 for expired / not-granted consents: "nothing to show", not a failure. */
function isNothingToDetail(e: unknown): boolean {
  return e instanceof EkaError && (e.sourceCode === "ABDM-1061" || e.sourceCode === "ABDM-1062");
}

/**
 * Re-reads one consent request from EKA and stores what changed: status (through the state
 * machine), EKA's consent id, granted HI types and range, one artefact per HIP with its care
 * contexts (new ones at stage "awaiting"), expiry by the clock, and the purge of artefacts that
 * ended. Throws the EKA error when EKA could not be read — after applying what the clock alone
 * decides, so an outage never keeps an expired consent alive.
 */
export async function refreshConsent(consentRequestId: string, opts: RefreshOptions = {}): Promise<RefreshResult> {
  const now = opts.now ?? new Date();
  const source = opts.source ?? "poll";
  const db = await getDb();
  const [row] = await db
    .select({ req: consentRequests, abhaAddress: patients.abhaAddress })
    .from(consentRequests)
    .innerJoin(patients, eq(patients.id, consentRequests.patientId))
    .where(eq(consentRequests.id, consentRequestId));
  if (!row) return { found: false, statusChanged: false };
  const req = row.req;

  if (req.status === "INITIATING" && !req.consentInitId) {
    if (now.getTime() - req.createdAt.getTime() < STALE_INITIATING_MS) return { found: true, status: req.status, statusChanged: false };
    return applyUpdate(consentRequestId, { now, source: "clock", stale: true });
  }
  if (isFinal(req.status)) return { found: true, status: req.status, statusChanged: false };

  let item: ConsentListItem | undefined;
  let details: DetailsItem[] | null = null;
  let failure: unknown;
  try {
    const listed = await listFor(row.abhaAddress, opts.listCache);
    item = listed.find(
      (c) => (req.consentInitId && c.consent_init_id === req.consentInitId) || (req.consentId && c.consent_id === req.consentId),
    );
    const expected = item ? transition(req, { source: "eka", status: item.status }).status : req.status;
    const consentId = item?.consent_id ?? req.consentId ?? req.consentInitId;
    if ((expected === "GRANTED" || expected === "REVOKED") && consentId) {
      try {
        const res = await getEkaClient().getConsentDetails({ consent_id: consentId, health_id: row.abhaAddress });
        details = res.data;
      } catch (e) {
        if (!isNothingToDetail(e)) throw e;
      }
    }
  } catch (e) {
    failure = e;
  }
  const result = await applyUpdate(consentRequestId, { now, source, item, details });
  if (failure) throw failure;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Loose reads of fields EKA does not document (kept verbatim when present, ignored otherwise).

const looseText = z.union([z.string(), z.number()]).transform(String);
const extraListFields = z
  .object({
    reason: looseText.optional().catch(undefined),
    denial_reason: looseText.optional().catch(undefined),
    deny_reason: looseText.optional().catch(undefined),
  })
  .loose();

/** A denial reason if EKA sends one (not in the published spec; the ABDM notify has none). */
export function denialReasonOf(o: unknown): string | null {
  const r = extraListFields.safeParse(o ?? {});
  if (!r.success) return null;
  const v = r.data.denial_reason ?? r.data.deny_reason ?? r.data.reason;
  return v?.trim() ? v.trim().slice(0, 500) : null;
}

const extraDetailsFields = z
  .object({
    consent_artefact_id: looseText.optional().catch(undefined),
    artefact_id: looseText.optional().catch(undefined),
    status: z.string().optional().catch(undefined),
    hi_types: z.array(z.string()).optional().catch(undefined),
    period: z.object({ from: z.string().nullish(), to: z.string().nullish(), expiry: z.string().nullish() }).loose().optional().catch(undefined),
    duration: z.object({ from: z.string().nullish(), to: z.string().nullish() }).loose().optional().catch(undefined),
    erase_at: z.string().optional().catch(undefined),
  })
  .loose();

function dateOrNull(s: string | null | undefined): Date | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t);
}

type Update = {
  now: Date;
  source: RefreshSource;
  item?: ConsentListItem;
  details?: DetailsItem[] | null;
  /** INITIATING without EKA's answer for too long. */
  stale?: boolean;
  /** A status from the consent_update webhook, applied before any re-read. */
  event?: {
    /** Applied to the request ("" when the event concerns only some artefacts). */
    status: string;
    /** The event's own status, applied to the artefacts it names. */
    artefactStatus: string;
    artefactIds: string[];
    consentId?: string | null;
    denialReason?: string | null;
  };
};

async function applyUpdate(consentRequestId: string, u: Update): Promise<RefreshResult> {
  const db = await getDb();
  const result = await db.transaction(async (tx) => {
    const [req] = await tx.select().from(consentRequests).where(eq(consentRequests.id, consentRequestId)).for("update");
    if (!req) return { found: false, statusChanged: false };
    return applyToLockedRow(tx, req, u);
  });
  if (result.purged) await dropPurgedPayloads(consentRequestId);
  return { found: result.found, status: result.status, statusChanged: result.statusChanged };
}

async function applyToLockedRow(tx: DbTx, req: ConsentRequest, u: Update): Promise<RefreshResult & { purged?: boolean }> {
  const { now } = u;
  let state = { status: req.status, rawStatus: req.rawStatus };
  const set: Partial<typeof consentRequests.$inferInsert> = {};
  const from = req.status;
  const step = (e: StatusEvent) => {
    const t = transition(state, e);
    state = { status: t.status, rawStatus: t.rawStatus };
  };

  if (u.stale && req.status === "INITIATING" && !req.consentInitId) {
    step({ source: "local", status: "FAILED" });
    set.errorCode = "NO-RESPONSE";
    set.errorMessage = "No answer from EKA was recorded for this request.";
  }

  if (u.event) {
    step({ source: "eka", status: u.event.status });
    if (u.event.consentId && !req.consentId) set.consentId = u.event.consentId;
    if (u.event.denialReason && state.status === "DENIED") set.denialReason = u.event.denialReason;
  }

  const item = u.item;
  if (item) {
    step({ source: "eka", status: item.status });
    if (item.consent_id && !req.consentId) set.consentId = item.consent_id;
    const reason = denialReasonOf(item);
    if (reason && state.status === "DENIED") set.denialReason = reason;
    if (state.status === "GRANTED" || from === "GRANTED") {
      if (item.hi_types.length) set.grantedHiTypes = item.hi_types;
      const f = dateOrNull(item.period?.from);
      const t = dateOrNull(item.period?.to);
      const x = dateOrNull(item.period?.expiry);
      if (f) set.grantedFrom = f;
      if (t) set.grantedTo = t;
      if (x) set.grantedExpiresAt = x;
    }
  }

  // Expiry by the clock: the consent ends at its (granted) expiry whatever EKA last said.
  const expiry = set.grantedExpiresAt ?? req.grantedExpiresAt ?? req.expiresAt;
  if ((state.status === "REQUESTED" || state.status === "GRANTED") && expiry.getTime() <= now.getTime()) {
    step({ source: "local", status: "EXPIRED" });
  }

  const { changed: artefactsChanged, purged } = await syncArtefacts(tx, req, state.status, u);

  const statusChanged = state.status !== from;
  if (statusChanged || state.rawStatus !== req.rawStatus || Object.keys(set).length || artefactsChanged) {
    await tx
      .update(consentRequests)
      .set({
        ...set,
        status: state.status,
        rawStatus: state.rawStatus,
        ...(statusChanged ? { statusChangedAt: now, pollAttempts: 0 } : {}),
        updatedAt: now,
      })
      .where(eq(consentRequests.id, req.id));
  }
  if (statusChanged) {
    await audit(
      "system",
      {
        action: "consent.status_changed",
        targetType: "consent_request",
        targetId: req.id,
        patientId: req.patientId,
        consentRequestId: req.id,
        details: { from, to: state.status, source: u.stale ? "clock" : u.source, ...(set.errorCode ? { code: set.errorCode } : {}) },
      },
      tx,
    );
  }
  if (statusChanged || artefactsChanged) {
    await tx.update(patients).set({ lastActivityAt: now }).where(eq(patients.id, req.patientId));
  }
  return { found: true, status: state.status, statusChanged, purged };
}

/**
 * One artefact per HIP from consent details, each with its care contexts; artefact statuses from
 * the details (or the webhook's artefact ids), the request's end, or the clock; purge for those
 * that ended. Returns whether anything changed.
 */
async function syncArtefacts(
  tx: DbTx,
  req: ConsentRequest,
  requestStatus: ConsentStatus,
  u: Update,
): Promise<{ changed: boolean; purged: boolean }> {
  const { now } = u;
  let changed = false;
  let purged = false;
  const existing = await tx.select().from(consentArtefacts).where(eq(consentArtefacts.consentRequestId, req.id)).for("update");
  const byHip = new Map(existing.map((a) => [a.hipId, a]));

  for (const d of u.details ?? []) {
    const extra = extraDetailsFields.safeParse(d).data;
    const hipId = d.hip.id;
    const reported = artefactStatusFromCareContexts(d.care_contexts.map((c) => c.status)) ?? extra?.status ?? null;
    const artefactId = extra?.consent_artefact_id ?? extra?.artefact_id ?? null;
    const grantedFrom = dateOrNull(extra?.duration?.from ?? extra?.period?.from);
    const grantedTo = dateOrNull(extra?.duration?.to ?? extra?.period?.to);
    const eraseAt = dateOrNull(extra?.erase_at ?? extra?.period?.expiry);
    let artefact = byHip.get(hipId);
    if (!artefact) {
      const initial = artefactTransition("GRANTED", reported).status;
      [artefact] = await tx
        .insert(consentArtefacts)
        .values({
          consentRequestId: req.id,
          hipId,
          hipName: d.hip.name ?? null,
          artefactId,
          status: initial,
          hiTypes: extra?.hi_types ?? null,
          dateFrom: grantedFrom,
          dateTo: grantedTo,
          expiresAt: eraseAt,
        })
        .onConflictDoNothing({ target: [consentArtefacts.consentRequestId, consentArtefacts.hipId] })
        .returning();
      if (!artefact) continue; // a concurrent refresh inserted it; the next one updates it
      byHip.set(hipId, artefact);
      changed = true;
    } else {
      const next = artefactTransition(artefact.status, reported);
      const patch: Partial<typeof consentArtefacts.$inferInsert> = {};
      if (next.changed) patch.status = next.status;
      if (d.hip.name && d.hip.name !== artefact.hipName) patch.hipName = d.hip.name;
      if (artefactId && !artefact.artefactId) patch.artefactId = artefactId;
      if (extra?.hi_types && !artefact.hiTypes) patch.hiTypes = extra.hi_types;
      if (grantedFrom && !artefact.dateFrom) patch.dateFrom = grantedFrom;
      if (grantedTo && !artefact.dateTo) patch.dateTo = grantedTo;
      if (eraseAt && !artefact.expiresAt) patch.expiresAt = eraseAt;
      if (Object.keys(patch).length) {
        [artefact] = await tx.update(consentArtefacts).set({ ...patch, updatedAt: now }).where(eq(consentArtefacts.id, artefact.id)).returning();
        byHip.set(hipId, artefact!);
        changed = true;
      }
    }
    for (const cc of d.care_contexts) {
      const inserted = await tx
        .insert(careContexts)
        .values({ artefactId: artefact!.id, careContextId: cc.id, display: cc.display ?? null, stage: "awaiting" })
        .onConflictDoNothing({ target: [careContexts.artefactId, careContexts.careContextId] })
        .returning({ id: careContexts.id });
      if (inserted.length) changed = true;
      else if (cc.display) {
        await tx
          .update(careContexts)
          .set({ display: cc.display })
          .where(and(eq(careContexts.artefactId, artefact!.id), eq(careContexts.careContextId, cc.id), sql`${careContexts.display} is distinct from ${cc.display}`));
      }
    }
  }

  // The webhook names the artefacts an event is about.
  if (u.event?.artefactIds.length) {
    const n = normaliseStatus(u.event.artefactStatus);
    if (n.kind === "known" && (n.status === "REVOKED" || n.status === "EXPIRED")) {
      for (const a of byHip.values()) {
        if (!a.artefactId || !u.event.artefactIds.includes(a.artefactId)) continue;
        const next = artefactTransition(a.status, n.status);
        if (next.changed) {
          const [upd] = await tx.update(consentArtefacts).set({ status: next.status, updatedAt: now }).where(eq(consentArtefacts.id, a.id)).returning();
          byHip.set(a.hipId, upd!);
          changed = true;
        }
      }
    }
  }

  // A request that ended takes its artefacts with it; each artefact also ends at its own expiry.
  for (const a of [...byHip.values()]) {
    let target: string | null = null;
    if (requestStatus === "REVOKED" || requestStatus === "EXPIRED") target = requestStatus;
    else if (a.expiresAt && a.expiresAt.getTime() <= now.getTime()) target = "EXPIRED";
    if (!target) continue;
    const next = artefactTransition(a.status, target);
    if (next.changed) {
      const [upd] = await tx.update(consentArtefacts).set({ status: next.status, updatedAt: now }).where(eq(consentArtefacts.id, a.id)).returning();
      byHip.set(a.hipId, upd!);
      changed = true;
    }
  }

  for (const a of byHip.values()) {
    if ((a.status === "REVOKED" || a.status === "EXPIRED") && !a.purgedAt) {
      await purgeArtefactData(a.id, a.status, tx);
      changed = true;
      purged = true;
    }
  }
  return { changed, purged };
}

// ---------------------------------------------------------------------------------------------
// abha.consent_update (eka-api.md §4.5)

const idLike = z.union([z.string(), z.number()]).transform(String);
const artefactRef = z.union([idLike, z.object({ id: idLike.nullish() }).loose()]);
const consentUpdateSchema = z
  .object({
    status: z.string().nullish(),
    consent_id: idLike.nullish(),
    notification: z
      .object({
        consentRequestId: idLike.nullish(),
        consent_request_id: idLike.nullish(),
        status: z.string().nullish(),
        consentArtefacts: z.union([z.array(artefactRef), artefactRef]).nullish(),
        consent_artefacts: z.union([z.array(artefactRef), artefactRef]).nullish(),
      })
      .loose()
      .nullish(),
  })
  .loose();

/** Thrown for an update about a consent whose create response is still on its way: retry soon. */
export class ConsentNotYetKnownError extends Error {
  readonly retryable = true;
  constructor() {
    super("consent_update for a consent request whose EKA answer has not been stored yet");
    this.name = "ConsentNotYetKnownError";
  }
}

export type ConsentUpdateOutcome =
  | { matched: false; reason: "invalid" | "unknown_consent" }
  | { matched: true; consentRequestId: string; status: ConsentStatus; refreshed: boolean };

/**
 * Handles the `data` of an `abha.consent_update` webhook. The status is applied at once (through
 * the state machine), then the request is re-read from EKA ("notify, then fetch").
 *
 * `unknown_consent`: no request of ours has that id (another system's consent). When a request
 * of ours is still waiting for EKA's create answer, the id may be its own: then this throws
 * `ConsentNotYetKnownError` so the webhook inbox retries the event a little later.
 * A failed re-read is not an error here: the status is stored and the poller follows up.
 */
export async function handleConsentUpdateEvent(data: unknown): Promise<ConsentUpdateOutcome> {
  const parsed = consentUpdateSchema.safeParse(data);
  if (!parsed.success) return { matched: false, reason: "invalid" };
  const d = parsed.data;
  const n = d.notification ?? {};
  const requestId = n.consentRequestId ?? n.consent_request_id ?? null;
  const ids = [requestId, d.consent_id].filter((v): v is string => Boolean(v));
  const status = n.status ?? d.status ?? "";
  const refs = n.consentArtefacts ?? n.consent_artefacts ?? [];
  const artefactIds = (Array.isArray(refs) ? refs : [refs])
    .map((r) => (typeof r === "string" ? r : (r?.id ?? null)))
    .filter((v): v is string => Boolean(v));
  if (ids.length === 0) return { matched: false, reason: "invalid" };

  const db = await getDb();
  const [row] = await db
    .select({ id: consentRequests.id })
    .from(consentRequests)
    .where(or(...ids.flatMap((id) => [eq(consentRequests.consentInitId, id), eq(consentRequests.consentId, id)])))
    .limit(1);
  if (!row) {
    // A callback can overtake the create response that tells us consent_init_id. If a request
    // is still waiting for that answer, ask the caller (the webhook inbox) to retry shortly.
    const [waiting] = await db
      .select({ id: consentRequests.id })
      .from(consentRequests)
      .where(and(eq(consentRequests.status, "INITIATING"), isNull(consentRequests.consentInitId), gt(consentRequests.createdAt, new Date(Date.now() - STALE_INITIATING_MS))))
      .limit(1);
    if (waiting) throw new ConsentNotYetKnownError();
    return { matched: false, reason: "unknown_consent" };
  }

  const now = new Date();
  const normalised = normaliseStatus(status);
  // REVOKED / EXPIRED naming artefacts is about those artefacts (one HIP can be cut off alone);
  // the request's own status then comes from the re-read. Everything else applies to the request.
  const artefactLevel = normalised.kind === "known" && (normalised.status === "REVOKED" || normalised.status === "EXPIRED") && artefactIds.length > 0;
  const consentId = d.consent_id && d.consent_id !== requestId ? d.consent_id : null;
  const applied = await db.transaction(async (tx) => {
    const [req] = await tx.select().from(consentRequests).where(eq(consentRequests.id, row.id)).for("update");
    const knownArtefacts = await tx.select({ artefactId: consentArtefacts.artefactId }).from(consentArtefacts).where(eq(consentArtefacts.consentRequestId, row.id));
    // When every artefact we hold is named (or we hold none), the event ends the whole request.
    const coversAll =
      knownArtefacts.length === 0 ? req!.status !== "GRANTED" : knownArtefacts.every((a) => a.artefactId && artefactIds.includes(a.artefactId));
    return applyToLockedRow(tx, req!, {
      now,
      source: "webhook",
      event: {
        status: artefactLevel && !coversAll ? "" : status,
        artefactStatus: status,
        artefactIds,
        consentId,
        denialReason: denialReasonOf(d) ?? denialReasonOf(n),
      },
    });
  });
  if (applied.purged) await dropPurgedPayloads(row.id);

  let refreshed = false;
  try {
    const r = await refreshConsent(row.id, { now, source: "webhook" });
    refreshed = r.found;
    if (normalised.kind === "known" && normalised.status === "GRANTED") await learnArtefactId(row.id, artefactIds);
    return { matched: true, consentRequestId: row.id, status: r.status ?? applied.status!, refreshed };
  } catch (e) {
    // Metadata only: the consent row id and EKA's error classification.
    console.warn(`[consents] re-read after consent_update failed for ${row.id}: ${e instanceof EkaError ? `${e.kind} ${e.status ?? ""} ${e.sourceCode ?? ""}` : "error"}`);
    await db.update(consentRequests).set({ nextPollAt: now }).where(eq(consentRequests.id, row.id));
    return { matched: true, consentRequestId: row.id, status: applied.status!, refreshed };
  }
}

/**
 * Consent details do not carry artefact ids, the GRANTED notification does (without the HIP).
 * With exactly one HIP and one id the pairing is certain; then a later REVOKED naming that id
 * can be applied to the artefact directly.
 */
async function learnArtefactId(consentRequestId: string, artefactIds: string[]): Promise<void> {
  if (artefactIds.length !== 1) return;
  const db = await getDb();
  const rows = await db.select({ id: consentArtefacts.id, artefactId: consentArtefacts.artefactId }).from(consentArtefacts).where(eq(consentArtefacts.consentRequestId, consentRequestId));
  if (rows.length === 1 && !rows[0]!.artefactId) {
    await db.update(consentArtefacts).set({ artefactId: artefactIds[0]! }).where(and(eq(consentArtefacts.id, rows[0]!.id), sql`${consentArtefacts.artefactId} is null`));
  }
}
