import "server-only";
import { and, asc, count, desc, eq, gte, ilike, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { notFound } from "next/navigation";
import { getDb } from "@/db";
import {
  careContexts,
  consentArtefacts,
  consentRequests,
  patientAccess,
  patients,
  type CareContextStage,
  type ConsentStatus,
} from "@/db/schema";
import { requireRole, type Actor } from "@/lib/auth/session";
import { isUuid, requireVisiblePatient } from "@/lib/patients/access";
import { likePattern } from "@/lib/patients/queries";
import { addDays, endOfIstDay, istDay, startOfIstDay } from "./dates";
import { nextStepFor } from "./errors";
import { type ConsentFormValues, consentFormDefaults, worklistParamsSchema, type WorklistParams } from "./schemas";
import { isFinal } from "./state";

export const EXPIRING_WITHIN_MS = 48 * 3_600_000;

/** Statuses after which a clinician may want to ask again. */
export const REQUEST_AGAIN_STATUSES: ConsentStatus[] = ["DENIED", "EXPIRED", "REVOKED", "FAILED"];

const effectiveExpiry = sql<Date>`coalesce(${consentRequests.grantedExpiresAt}, ${consentRequests.expiresAt})`;
// Only a live grant has records to read: those of a revoked or expired consent are purged.
const unread = and(
  eq(consentRequests.status, "GRANTED"),
  isNotNull(consentRequests.lastRecordAt),
  or(isNull(consentRequests.recordsViewedAt), lt(consentRequests.recordsViewedAt, consentRequests.lastRecordAt)),
)!;

function expiringWhere(now: Date): SQL {
  return and(
    inArray(consentRequests.status, ["REQUESTED", "GRANTED"]),
    sql`${effectiveExpiry} > ${now.toISOString()}::timestamptz`,
    sql`${effectiveExpiry} <= ${new Date(now.getTime() + EXPIRING_WITHIN_MS).toISOString()}::timestamptz`,
  )!;
}

/** Only consents of patients the clinician may see. */
const visibleTo = (actor: Actor) => eq(patientAccess.userId, actor.id);

export type WorklistRow = {
  id: string;
  patientId: string;
  patientName: string | null;
  abhaAddress: string;
  purpose: string;
  hiTypes: string[];
  requesterName: string;
  requestedByMe: boolean;
  createdAt: string;
  status: ConsentStatus;
  rawStatus: string | null;
  expiresAt: string;
  unread: boolean;
};

export type WorklistCounters = { awaiting: number; unread: number; expiring: number; failed: number };

export type Worklist = {
  rows: WorklistRow[];
  total: number;
  params: WorklistParams;
  counters: WorklistCounters;
  requesters: { id: string; name: string }[];
  now: string;
};

const STATUS_RANK = sql`case ${consentRequests.status}
  when 'FAILED' then 0 when 'INITIATING' then 1 when 'REQUESTED' then 2 when 'GRANTED' then 3
  when 'DENIED' then 4 when 'REVOKED' then 5 when 'EXPIRED' then 6 else 7 end`;

/**
 * The worklist across the clinician's patients: filters, sorting and paging all come from the
 * URL (so a view can be shared), and all run in the database.
 */
export async function listWorklist(search: Record<string, unknown>, now = new Date()): Promise<Worklist> {
  const actor = await requireRole("clinician");
  const params = worklistParamsSchema.parse(search);
  const db = await getDb();

  const filters: (SQL | undefined)[] = [visibleTo(actor)];
  if (params.status) filters.push(eq(consentRequests.status, params.status));
  if (params.purpose) filters.push(eq(consentRequests.purpose, params.purpose));
  if (params.requester) filters.push(eq(consentRequests.requestedBy, params.requester === "me" ? actor.id : params.requester));
  if (params.from) filters.push(gte(consentRequests.createdAt, startOfIstDay(params.from)));
  if (params.to) filters.push(lte(consentRequests.createdAt, endOfIstDay(params.to)));
  if (params.q) {
    filters.push(or(ilike(patients.name, likePattern(params.q)), ilike(patients.abhaAddress, likePattern(params.q.toLowerCase()))));
  }
  if (params.view === "awaiting") filters.push(inArray(consentRequests.status, ["INITIATING", "REQUESTED"]));
  if (params.view === "unread") filters.push(unread);
  if (params.view === "expiring") filters.push(expiringWhere(now));
  if (params.view === "failed") filters.push(eq(consentRequests.status, "FAILED"));
  const where = and(...filters);

  const dir = params.dir === "asc" ? asc : desc;
  const order: SQL[] = {
    created: [dir(consentRequests.createdAt)],
    patient: [dir(sql`lower(coalesce(${patients.name}, ${patients.abhaAddress}))`), desc(consentRequests.createdAt)],
    status: [dir(STATUS_RANK), desc(consentRequests.createdAt)],
    expires: [dir(effectiveExpiry), desc(consentRequests.createdAt)],
    purpose: [dir(consentRequests.purpose), desc(consentRequests.createdAt)],
  }[params.sort];

  const base = () =>
    db
      .select({ req: consentRequests, patientName: patients.name, abhaAddress: patients.abhaAddress })
      .from(consentRequests)
      .innerJoin(patients, eq(patients.id, consentRequests.patientId))
      .innerJoin(patientAccess, and(eq(patientAccess.patientId, patients.id), visibleTo(actor)));

  const [rows, [{ total }], [counters], requesters] = await Promise.all([
    base()
      .where(where)
      .orderBy(...order, desc(consentRequests.id))
      .limit(params.size)
      .offset((params.page - 1) * params.size),
    db
      .select({ total: count() })
      .from(consentRequests)
      .innerJoin(patients, eq(patients.id, consentRequests.patientId))
      .innerJoin(patientAccess, and(eq(patientAccess.patientId, patients.id), visibleTo(actor)))
      .where(where),
    db
      .select({
        awaiting: sql<number>`count(*) filter (where ${inArray(consentRequests.status, ["INITIATING", "REQUESTED"])})::int`,
        unread: sql<number>`count(*) filter (where ${unread})::int`,
        expiring: sql<number>`count(*) filter (where ${expiringWhere(now)})::int`,
        failed: sql<number>`count(*) filter (where ${consentRequests.status} = 'FAILED')::int`,
      })
      .from(consentRequests)
      .innerJoin(patientAccess, and(eq(patientAccess.patientId, consentRequests.patientId), visibleTo(actor))),
    db
      .selectDistinct({ id: consentRequests.requestedBy, name: consentRequests.requesterName })
      .from(consentRequests)
      .innerJoin(patientAccess, and(eq(patientAccess.patientId, consentRequests.patientId), visibleTo(actor)))
      .orderBy(consentRequests.requesterName),
  ]);

  return {
    rows: rows.map(({ req, patientName, abhaAddress }) => ({
      id: req.id,
      patientId: req.patientId,
      patientName,
      abhaAddress,
      purpose: req.purpose,
      hiTypes: req.hiTypes,
      requesterName: req.requesterName,
      requestedByMe: req.requestedBy === actor.id,
      createdAt: req.createdAt.toISOString(),
      status: req.status,
      rawStatus: req.rawStatus,
      expiresAt: (req.grantedExpiresAt ?? req.expiresAt).toISOString(),
      unread: Boolean(req.status === "GRANTED" && req.lastRecordAt && (!req.recordsViewedAt || req.recordsViewedAt < req.lastRecordAt)),
    })),
    total: Number(total),
    params,
    counters: {
      awaiting: Number(counters?.awaiting ?? 0),
      unread: Number(counters?.unread ?? 0),
      expiring: Number(counters?.expiring ?? 0),
      failed: Number(counters?.failed ?? 0),
    },
    // One entry per person even if their display name changed between requests.
    requesters: [...new Map(requesters.map((r) => [r.id, { id: r.id, name: r.id === actor.id ? `${r.name} (me)` : r.name }])).values()],
    now: now.toISOString(),
  };
}

export type PatientConsentRow = {
  id: string;
  purpose: string;
  hiTypes: string[];
  status: ConsentStatus;
  rawStatus: string | null;
  requesterName: string;
  createdAt: string;
  dateFrom: string;
  dateTo: string;
  expiresAt: string;
};

/** A patient's consent requests, newest first (the patient must be visible). */
export async function listPatientConsents(patientId: string): Promise<PatientConsentRow[]> {
  const actor = await requireRole("clinician");
  const db = await getDb();
  await requireVisiblePatient(db, actor, patientId);
  const rows = await db.select().from(consentRequests).where(eq(consentRequests.patientId, patientId)).orderBy(desc(consentRequests.createdAt));
  return rows.map((r) => ({
    id: r.id,
    purpose: r.purpose,
    hiTypes: r.hiTypes,
    status: r.status,
    rawStatus: r.rawStatus,
    requesterName: r.requesterName,
    createdAt: r.createdAt.toISOString(),
    dateFrom: r.dateFrom.toISOString(),
    dateTo: r.dateTo.toISOString(),
    expiresAt: (r.grantedExpiresAt ?? r.expiresAt).toISOString(),
  }));
}

export type CareContextView = {
  id: string;
  careContextId: string;
  display: string | null;
  stage: CareContextStage;
  stageReason: string | null;
  receivedAt: string | null;
  storedAt: string | null;
};

export type ArtefactView = {
  id: string;
  artefactId: string | null;
  hipId: string;
  hipName: string | null;
  status: ConsentStatus;
  hiTypes: string[] | null;
  dateFrom: string | null;
  dateTo: string | null;
  expiresAt: string | null;
  purgedAt: string | null;
  careContexts: CareContextView[];
};

export type ConsentDetail = {
  id: string;
  patient: { id: string; name: string | null; abhaAddress: string };
  status: ConsentStatus;
  rawStatus: string | null;
  statusChangedAt: string;
  purpose: string;
  requesterName: string;
  requesterRegNo: string | null;
  requestedByMe: boolean;
  createdAt: string;
  consentInitId: string | null;
  asked: { hiTypes: string[]; from: string; to: string; expiresAt: string; hips: { id: string; name?: string }[] | null };
  granted: {
    hiTypes: string[] | null;
    from: string | null;
    to: string | null;
    expiresAt: string | null;
    hips: { id: string; name: string | null; status: ConsentStatus }[];
  } | null;
  error: { code: string; message: string; nextStep: string } | null;
  denialReason: string | null;
  artefacts: ArtefactView[];
  /** Something may still change: the page keeps itself up to date. */
  live: boolean;
  version: string;
  canRequestAgain: boolean;
  lastCheckedAt: string | null;
};

async function loadVisibleConsent(actor: Actor, id: string) {
  if (!isUuid(id)) notFound();
  const db = await getDb();
  const [row] = await db
    .select({ req: consentRequests, patient: patients })
    .from(consentRequests)
    .innerJoin(patients, eq(patients.id, consentRequests.patientId))
    .innerJoin(patientAccess, and(eq(patientAccess.patientId, patients.id), visibleTo(actor)))
    .where(eq(consentRequests.id, id));
  if (!row) notFound();
  return row;
}

/** Everything the consent page shows; 404 unless the clinician may see the patient. */
export async function getConsentDetail(id: string): Promise<ConsentDetail> {
  const actor = await requireRole("clinician");
  const { req, patient } = await loadVisibleConsent(actor, id);
  const db = await getDb();
  const artefactRows = await db.select().from(consentArtefacts).where(eq(consentArtefacts.consentRequestId, id)).orderBy(asc(consentArtefacts.createdAt), asc(consentArtefacts.hipId));
  const ccRows = artefactRows.length
    ? await db
        .select()
        .from(careContexts)
        .where(inArray(careContexts.artefactId, artefactRows.map((a) => a.id)))
        .orderBy(asc(careContexts.careContextId))
    : [];

  const artefacts: ArtefactView[] = artefactRows.map((a) => ({
    id: a.id,
    artefactId: a.artefactId,
    hipId: a.hipId,
    hipName: a.hipName,
    status: a.status,
    hiTypes: a.hiTypes,
    dateFrom: a.dateFrom?.toISOString() ?? null,
    dateTo: a.dateTo?.toISOString() ?? null,
    expiresAt: a.expiresAt?.toISOString() ?? null,
    purgedAt: a.purgedAt?.toISOString() ?? null,
    careContexts: ccRows
      .filter((c) => c.artefactId === a.id)
      .map((c) => ({
        id: c.id,
        careContextId: c.careContextId,
        display: c.display,
        stage: c.stage,
        stageReason: c.stageReason,
        receivedAt: c.receivedAt?.toISOString() ?? null,
        storedAt: c.storedAt?.toISOString() ?? null,
      })),
  }));

  const wasGranted = req.status === "GRANTED" || artefacts.length > 0 || req.grantedHiTypes !== null;
  const artefactTypes = artefacts.flatMap((a) => a.hiTypes ?? []);
  const grantedTypes = artefactTypes.length ? [...new Set(artefactTypes)] : req.grantedHiTypes;
  const minDate = (vals: (string | null)[]) => vals.filter(Boolean).sort()[0] ?? null;
  const maxDate = (vals: (string | null)[]) => vals.filter(Boolean).sort().at(-1) ?? null;

  return {
    id: req.id,
    patient: { id: patient.id, name: patient.name, abhaAddress: patient.abhaAddress },
    status: req.status,
    rawStatus: req.rawStatus,
    statusChangedAt: req.statusChangedAt.toISOString(),
    purpose: req.purpose,
    requesterName: req.requesterName,
    requesterRegNo: req.requesterRegNo,
    requestedByMe: req.requestedBy === actor.id,
    createdAt: req.createdAt.toISOString(),
    consentInitId: req.consentInitId,
    asked: {
      hiTypes: req.hiTypes,
      from: req.dateFrom.toISOString(),
      to: req.dateTo.toISOString(),
      expiresAt: req.expiresAt.toISOString(),
      hips: req.hipFilter,
    },
    granted: wasGranted
      ? {
          hiTypes: grantedTypes,
          from: minDate(artefacts.map((a) => a.dateFrom)) ?? req.grantedFrom?.toISOString() ?? null,
          to: maxDate(artefacts.map((a) => a.dateTo)) ?? req.grantedTo?.toISOString() ?? null,
          expiresAt: req.grantedExpiresAt?.toISOString() ?? maxDate(artefacts.map((a) => a.expiresAt)),
          hips: artefacts.map((a) => ({ id: a.hipId, name: a.hipName, status: a.status })),
        }
      : null,
    error:
      req.status === "FAILED" && req.errorCode
        ? { code: req.errorCode, message: req.errorMessage ?? "", nextStep: nextStepFor(req.errorCode, req.errorMessage) }
        : null,
    denialReason: req.denialReason,
    artefacts,
    live: !isFinal(req.status),
    version: versionOf(req.status, req.rawStatus, req.updatedAt, artefactRows, ccRows),
    canRequestAgain: REQUEST_AGAIN_STATUSES.includes(req.status),
    lastCheckedAt: req.lastPolledAt?.toISOString() ?? null,
  };
}

function versionOf(
  status: string,
  raw: string | null,
  updatedAt: Date,
  artefacts: { id: string; status: string; updatedAt: Date; purgedAt: Date | null }[],
  ccs: { id: string; stage: string; updatedAt: Date }[],
): string {
  return [
    status,
    raw ?? "",
    updatedAt.getTime(),
    ...artefacts.map((a) => `${a.id}:${a.status}:${a.updatedAt.getTime()}:${a.purgedAt ? 1 : 0}`),
    ...ccs.map((c) => `${c.id}:${c.stage}:${c.updatedAt.getTime()}`),
  ].join("|");
}

/** What the live page compares: cheap enough to ask every few seconds. */
export async function getConsentVersion(id: string): Promise<{ version: string; live: boolean; status: ConsentStatus }> {
  const actor = await requireRole("clinician");
  const { req } = await loadVisibleConsent(actor, id);
  const db = await getDb();
  const artefactRows = await db
    .select({ id: consentArtefacts.id, status: consentArtefacts.status, updatedAt: consentArtefacts.updatedAt, purgedAt: consentArtefacts.purgedAt })
    .from(consentArtefacts)
    .where(eq(consentArtefacts.consentRequestId, id))
    .orderBy(asc(consentArtefacts.createdAt), asc(consentArtefacts.hipId));
  const ccRows = artefactRows.length
    ? await db
        .select({ id: careContexts.id, stage: careContexts.stage, updatedAt: careContexts.updatedAt })
        .from(careContexts)
        .where(inArray(careContexts.artefactId, artefactRows.map((a) => a.id)))
        .orderBy(asc(careContexts.careContextId))
    : [];
  return { version: versionOf(req.status, req.rawStatus, req.updatedAt, artefactRows, ccRows), live: !isFinal(req.status), status: req.status };
}

/** "Request again": the earlier request's choices, with dates moved to today where they lapsed. */
export async function getRequestAgainValues(id: string, now = new Date()): Promise<ConsentFormValues> {
  const actor = await requireRole("clinician");
  const { req } = await loadVisibleConsent(actor, id);
  const base = consentFormDefaults(req.patientId, now);
  const today = istDay(now);
  const from = istDay(req.dateFrom);
  const to = istDay(req.dateTo);
  return {
    ...base,
    purpose: req.purpose,
    hiTypes: req.hiTypes,
    rangePreset: "custom",
    dateFrom: from <= today ? from : base.dateFrom,
    // A range that ended "today" back then should reach today now.
    dateTo: to >= istDay(req.createdAt) ? today : to,
    expiryPreset: "custom",
    expiryDate: addDays(today, Math.max(1, Math.round((req.expiresAt.getTime() - req.createdAt.getTime()) / 86_400_000))),
    hipId: req.hipFilter?.[0]?.id ?? "",
    hipName: req.hipFilter?.[0]?.name ?? "",
  };
}

/** HIPs seen in this HIU's artefacts: suggestions for the optional HIP restriction. */
export async function listKnownHips(): Promise<{ id: string; name: string | null }[]> {
  await requireRole("clinician");
  const db = await getDb();
  const rows = await db
    .selectDistinct({ id: consentArtefacts.hipId, name: consentArtefacts.hipName })
    .from(consentArtefacts)
    .orderBy(consentArtefacts.hipName)
    .limit(200);
  return [...new Map(rows.map((r) => [r.id, r])).values()];
}
