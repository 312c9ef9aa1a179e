import "server-only";
import { and, count, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { notFound } from "next/navigation";
import { getDb, type DbOrTx } from "@/db";
import { consentRequests, healthRecords, patients, timelineItems } from "@/db/schema";
import { audit } from "@/lib/audit";
import { requireRole } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { describeAttachment, locateAttachment, readAttachment, type AttachmentInfo } from "@/lib/fhir/attachments";
import type { DatePrecision } from "@/lib/fhir/dates";
import type { ObservationValueView, ReferenceRangeView } from "@/lib/fhir/resources";
import {
  encodeCursor,
  TIMELINE_PAGE_SIZE,
  timelineFilterSchema,
  type TimelineCursor,
  type TimelineFilter,
  type TimelineFilterInput,
} from "./schemas";
import { findAccess, findVisibleRecord, itemIsVisible, recordIsVisible } from "./visibility";

/** One timeline row as the page needs it: small, never the bundle or attachment data. */
export type TimelineEntry = {
  id: string;
  recordId: string;
  resourceType: string;
  resourceId: string | null;
  hiType: string | null;
  kind: string | null;
  title: string;
  summary: string | null;
  value: string | null;
  abnormal: boolean;
  section: string | null;
  /** The clinical date exactly as the HIP wrote it; null when the resource has none. */
  dateText: string | null;
  datePrecision: DatePrecision | null;
  /** Ordering instant (ISO); for undated items it is borrowed, see `dateFrom`. */
  dateSort: string | null;
  /** Set when the item has no date of its own and is ordered by its report's or record's date. */
  dateFrom: "parent" | "document" | null;
  hipId: string | null;
  hipName: string | null;
  consentRequestId: string;
  /** Its record arrived after the clinician's previous visit. */
  isNew: boolean;
  attachment: { viewer: AttachmentInfo["viewer"]; title: string | null } | null;
};

export type TimelinePage = {
  items: TimelineEntry[];
  filter: TimelineFilter;
  pageSize: number;
  /** Items matching the filters (all pages), counted up to `TIMELINE_COUNT_CAP`. */
  total: number;
  /** True when there are more than `total` (the count stopped at the cap). */
  totalCapped: boolean;
  /** Of the matching items, how many arrived since the previous visit (same cap). */
  newCount: number;
  /** The previous visit the "New" marks are relative to (ISO), or null on a first visit. */
  since: string | null;
  /** Cursors for the neighbouring pages; null at either end. */
  older: string | null;
  newer: string | null;
  /** Filter choices: the HIPs and HI types this patient has visible records from (counts are records). */
  facets: { hips: { id: string; name: string | null; records: number }[]; types: { hiType: string | null; records: number }[] };
};

/**
 * Counting stops here: an exact "10,000 items" costs a scan of every row of the patient, and
 * "1,000+" tells the clinician the same thing.
 */
export const TIMELINE_COUNT_CAP = 1000;

// Letters (with their combining marks: Devanagari vowel signs are marks) and digits.
const PLAIN_WORD = /^[\p{L}\p{M}\p{N}]+$/u;
const MAX_SEARCH_WORDS = 8;

/**
 * The text-search condition, always through the stored `search_vector` (GIN-indexed), every word
 * required. A plain word matches as a word prefix (`haem` finds "haemoglobin", `hb` finds "Hb"
 * but `gl` does not find "haemoglobin"). A word with punctuation inside (`4548-4`, `mg/dl`,
 * `covid-19`) is handed to `phraseto_tsquery`, which splits it exactly as the stored text was
 * split, so codes match as typed. Nothing is interpolated into tsquery syntax but plain words.
 */
export function searchCondition(q: string): SQL | null {
  const words = q.trim().toLowerCase().split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_WORDS);
  if (words.length === 0) return null;
  const parts = words.map((w) =>
    PLAIN_WORD.test(w) ? sql`to_tsquery('simple', ${`${w}:*`})` : sql`phraseto_tsquery('simple', ${w.slice(0, 100)})`,
  );
  const query = sql.join(parts, sql` && `);
  // A query of punctuation only has no lexemes; Postgres would then match nothing anyway.
  return sql`${timelineItems.searchVector} @@ (${query})`;
}

/**
 * A timestamp parameter inside raw SQL. postgres.js cannot serialise a bare Date without the
 * column type drizzle would otherwise supply, so it goes as ISO text with an explicit cast.
 */
function ts(d: Date): SQL {
  return sql`${d.toISOString()}::timestamptz`;
}

const IST = "+05:30";
const DAY_MS = 86_400_000;

/**
 * Date range on the clinical date, in IST calendar days. An item matches when its span overlaps
 * the range: a value written as `2019` (or `2021-06`) covers the whole year (month), so it is
 * found by a range inside that year, not only by one that includes 1 January.
 */
function dateRangeCondition(from: string | undefined, to: string | undefined): SQL[] {
  const out: SQL[] = [];
  if (to) {
    const end = new Date(new Date(`${to}T00:00:00${IST}`).getTime() + DAY_MS);
    out.push(sql`${timelineItems.dateSort} < ${ts(end)}`);
  }
  if (from) {
    const start = new Date(`${from}T00:00:00${IST}`);
    // The first bound lets the (patient, date) index do the work; the second is the exact test.
    const earliest = new Date(start.getTime() - 366 * DAY_MS);
    out.push(sql`${timelineItems.dateSort} >= ${ts(earliest)}`);
    out.push(sql`(case ${timelineItems.datePrecision}
        when 'year' then ${timelineItems.dateSort} + interval '1 year'
        when 'month' then ${timelineItems.dateSort} + interval '1 month'
        when 'day' then ${timelineItems.dateSort} + interval '1 day'
        else ${timelineItems.dateSort} + interval '1 millisecond' end) > ${ts(start)}`);
  }
  if (from || to) out.push(sql`${timelineItems.dateSort} is not null`);
  return out;
}

function filterConditions(patientId: string, f: TimelineFilter): SQL[] {
  const where: SQL[] = [
    eq(timelineItems.patientId, patientId),
    itemIsVisible(patientId),
  ];
  if (f.type === "unknown") where.push(isNull(timelineItems.hiType));
  else if (f.type) where.push(eq(timelineItems.hiType, f.type));
  if (f.hip) where.push(eq(timelineItems.hipId, f.hip));
  where.push(...dateRangeCondition(f.from, f.to));
  const search = f.q ? searchCondition(f.q) : null;
  if (search) where.push(search);
  return where;
}

// Newest first; undated items last; then by record, so a record's items at one instant stay
// together (the page shows them as one block); the id makes the order total for keyset paging.
const ORDER_DESC = sql`${timelineItems.dateSort} desc nulls last, ${timelineItems.recordId} desc, ${timelineItems.id} desc`;
const ORDER_ASC = sql`${timelineItems.dateSort} asc nulls first, ${timelineItems.recordId} asc, ${timelineItems.id} asc`;

/** Rows strictly after `c` in display order (older), or strictly before it (newer). */
function keysetCondition(c: TimelineCursor, direction: "older" | "newer"): SQL {
  const d = c.dateSort ? ts(new Date(c.dateSort)) : null;
  const tie = direction === "older" ? sql`<` : sql`>`;
  const sameDateTie = sql`(${timelineItems.recordId}, ${timelineItems.id}) ${tie} (${c.recordId}::uuid, ${c.id}::uuid)`;
  if (direction === "older") {
    return d
      ? sql`(${timelineItems.dateSort} < ${d} or (${timelineItems.dateSort} = ${d} and ${sameDateTie}) or ${timelineItems.dateSort} is null)`
      : sql`(${timelineItems.dateSort} is null and ${sameDateTie})`;
  }
  return d
    ? sql`(${timelineItems.dateSort} > ${d} or (${timelineItems.dateSort} = ${d} and ${sameDateTie}))`
    : sql`(${timelineItems.dateSort} is not null or ${sameDateTie})`;
}

const entryColumns = {
  id: timelineItems.id,
  recordId: timelineItems.recordId,
  resourceType: timelineItems.resourceType,
  resourceId: timelineItems.resourceId,
  hiType: timelineItems.hiType,
  kind: timelineItems.kind,
  title: timelineItems.title,
  summary: timelineItems.summary,
  value: timelineItems.value,
  abnormal: timelineItems.abnormal,
  section: timelineItems.section,
  dateText: timelineItems.dateText,
  datePrecision: timelineItems.datePrecision,
  dateSort: timelineItems.dateSort,
  dateFrom: sql<string | null>`${timelineItems.detail}->>'dateSortFrom'`,
  hipId: timelineItems.hipId,
  hipName: timelineItems.hipName,
  consentRequestId: timelineItems.consentRequestId,
  createdAt: timelineItems.createdAt,
  attachmentViewer: sql<string | null>`${timelineItems.attachment}->>'viewer'`,
  attachmentTitle: sql<string | null>`${timelineItems.attachment}->>'title'`,
};

/**
 * A page of the patient's timeline, newest first (undated items last), filtered and keyset-paged.
 * `isNew` marks items whose record arrived after the clinician's previous visit (`filters.since`
 * when the page carries it, else the stored last visit). Call `markVisited` after this, not before.
 */
export async function listTimeline(patientId: string, filters: TimelineFilterInput = {}): Promise<TimelinePage> {
  const actor = await requireRole("clinician");
  const f = timelineFilterSchema.parse(filters);
  const db = await getDb();
  const access = await findAccess(db, actor, patientId);
  if (!access) notFound();
  const since = f.since ? new Date(f.since) : access.lastVisitedAt;

  const where = filterConditions(patientId, f);
  const direction = f.before ? "newer" : "older";
  const cursor = f.before ?? f.after ?? null;
  const pageWhere = cursor ? [...where, keysetCondition(cursor, direction)] : where;

  // A patient has far fewer records than items: one pass over them gives the filter choices
  // and which records are new, without touching the items.
  const [rows, total, records] = await Promise.all([
    db
      .select(entryColumns)
      .from(timelineItems)
      .where(and(...pageWhere))
      .orderBy(direction === "newer" ? ORDER_ASC : ORDER_DESC)
      .limit(TIMELINE_PAGE_SIZE + 1),
    cappedCount(db, where),
    db
      .select({
        id: healthRecords.id,
        hipId: healthRecords.hipId,
        hipName: healthRecords.hipName,
        hiType: healthRecords.hiType,
        receivedAt: healthRecords.receivedAt,
      })
      .from(healthRecords)
      .where(and(eq(healthRecords.patientId, patientId), recordIsVisible())),
  ]);
  const newRecordIds = new Set(since ? records.filter((r) => r.receivedAt > since).map((r) => r.id) : []);
  const newCount =
    newRecordIds.size === 0
      ? 0
      : await cappedCount(db, [...where, inArray(timelineItems.recordId, [...newRecordIds])]);

  const more = rows.length > TIMELINE_PAGE_SIZE;
  const page = rows.slice(0, TIMELINE_PAGE_SIZE);
  if (direction === "newer") page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const toCursor = (r: (typeof page)[number]) =>
    encodeCursor({ dateSort: r.dateSort?.toISOString() ?? null, recordId: r.recordId, id: r.id });
  const hasOlder = direction === "older" ? more : true;
  const hasNewer = direction === "newer" ? more : cursor !== null;

  return {
    items: page.map((r) => ({
      id: r.id,
      recordId: r.recordId,
      resourceType: r.resourceType,
      resourceId: r.resourceId,
      hiType: r.hiType,
      kind: r.kind,
      title: r.title,
      summary: r.summary,
      value: r.value,
      abnormal: r.abnormal,
      section: r.section,
      dateText: r.dateText,
      datePrecision: r.datePrecision,
      dateSort: r.dateSort?.toISOString() ?? null,
      dateFrom: r.dateFrom === "parent" || r.dateFrom === "document" ? r.dateFrom : null,
      hipId: r.hipId,
      hipName: r.hipName,
      consentRequestId: r.consentRequestId,
      isNew: newRecordIds.has(r.recordId),
      attachment: r.attachmentViewer
        ? { viewer: r.attachmentViewer as AttachmentInfo["viewer"], title: r.attachmentTitle }
        : null,
    })),
    filter: f,
    pageSize: TIMELINE_PAGE_SIZE,
    total: Math.min(total, TIMELINE_COUNT_CAP),
    totalCapped: total > TIMELINE_COUNT_CAP,
    newCount: Math.min(newCount, TIMELINE_COUNT_CAP),
    since: since?.toISOString() ?? null,
    older: hasOlder && last ? toCursor(last) : null,
    newer: hasNewer && first ? toCursor(first) : null,
    facets: facetsOf(records),
  };
}

/** Matching items, counted up to one past the cap (so "more than the cap" is detectable). */
async function cappedCount(db: DbOrTx, where: SQL[]): Promise<number> {
  const limited = db
    .select({ one: sql`1` })
    .from(timelineItems)
    .where(and(...where))
    .limit(TIMELINE_COUNT_CAP + 1)
    .as("limited");
  const [row] = await db.select({ n: count() }).from(limited);
  return row?.n ?? 0;
}

function facetsOf(records: { hipId: string | null; hipName: string | null; hiType: string | null }[]): TimelinePage["facets"] {
  const hips = new Map<string, { id: string; name: string | null; records: number }>();
  const types = new Map<string | null, { hiType: string | null; records: number }>();
  for (const r of records) {
    if (r.hipId) {
      const h = hips.get(r.hipId) ?? { id: r.hipId, name: null, records: 0 };
      h.name ??= r.hipName;
      h.records += 1;
      hips.set(r.hipId, h);
    }
    const t = types.get(r.hiType) ?? { hiType: r.hiType, records: 0 };
    t.records += 1;
    types.set(r.hiType, t);
  }
  return {
    hips: [...hips.values()].sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id)),
    types: [...types.values()].sort((a, b) => (a.hiType ?? "~").localeCompare(b.hiType ?? "~")),
  };
}

// ---------------------------------------------------------------------------------------------
// Record view

export type RecordMeta = {
  id: string;
  patientId: string;
  patientName: string | null;
  abhaAddress: string;
  consentRequestId: string;
  consentPurpose: string | null;
  hipId: string | null;
  hipName: string | null;
  hiType: string | null;
  careContextId: string;
  documentDate: string | null;
  receivedAt: string;
  checksumMatches: boolean | null;
};

export type RecordForView = {
  record: RecordMeta;
  bundle: Record<string, unknown>;
  /** The resource the clinician came for (from a timeline item), when it is in this bundle. */
  focusResourceId: string | null;
  /** Lab tests in this record that the patient has more than one result for, across records and HIPs. */
  trends: LabTrend[];
};

/**
 * The stored bundle with its provenance, for the record page. Audited as `record.viewed` with
 * the patient and the consent the data came under.
 */
export async function getRecordForView(recordId: string, resourceId?: string | null): Promise<RecordForView> {
  const actor = await requireRole("clinician");
  const db = await getDb();
  const rec = await findVisibleRecord(db, actor, recordId, { withBundle: true });
  if (!rec || !rec.bundle) notFound();

  const [[extra], ownObservations] = await Promise.all([
    db
      .select({ name: patients.name, abhaAddress: patients.abhaAddress, purpose: consentRequests.purpose })
      .from(patients)
      .leftJoin(consentRequests, eq(consentRequests.id, rec.consentRequestId))
      .where(eq(patients.id, rec.patientId))
      .limit(1),
    db
      .select({ detail: timelineItems.detail })
      .from(timelineItems)
      .where(and(eq(timelineItems.recordId, rec.id), eq(timelineItems.resourceType, "Observation"))),
  ]);
  const codes = new Set<string>();
  for (const o of ownObservations) for (const key of trendKeysOf(o.detail)) codes.add(key);
  const series = codes.size > 0 ? await loadTrendSeries(db, rec.patientId, [...codes]) : [];

  const focus =
    resourceId && typeof resourceId === "string" && resourceId.length <= 200 && bundleHasResourceId(rec.bundle, resourceId)
      ? resourceId
      : null;

  await audit(actor, {
    action: "record.viewed",
    targetType: "health_record",
    targetId: rec.id,
    patientId: rec.patientId,
    consentRequestId: rec.consentRequestId,
    details: { hiType: rec.hiType, hipId: rec.hipId, ...(focus ? { resourceId: focus } : {}) },
  });

  return {
    record: {
      id: rec.id,
      patientId: rec.patientId,
      patientName: extra?.name ?? null,
      abhaAddress: extra?.abhaAddress ?? "",
      consentRequestId: rec.consentRequestId,
      consentPurpose: extra?.purpose ?? null,
      hipId: rec.hipId,
      hipName: rec.hipName,
      hiType: rec.hiType,
      careContextId: rec.careContextId,
      documentDate: rec.documentDate,
      receivedAt: rec.receivedAt.toISOString(),
      checksumMatches: rec.checksumMatches,
    },
    bundle: rec.bundle,
    focusResourceId: focus,
    trends: series.filter((s) => s.points.length > 1),
  };
}

function bundleHasResourceId(bundle: Record<string, unknown>, id: string): boolean {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  return entries.some((e) => {
    const r = (e as { resource?: { id?: unknown } } | null)?.resource;
    return typeof r?.id === "string" && r.id === id;
  });
}

// ---------------------------------------------------------------------------------------------
// Attachments

export type OpenedAttachment = {
  info: AttachmentInfo;
  /** Decoded bytes; null for a URL-only or undecodable attachment (nothing to serve). */
  bytes: Uint8Array | null;
  /** The Content-Type to serve: the sniffed type when viewable inline, else octet-stream. */
  serveAs: string;
  /** A safe download file name. */
  filename: string;
};

/**
 * The attachment at `locator` (a JSON pointer from the record's timeline/attachment info, e.g.
 * `/entry/3/resource/content/0/attachment`) inside a visible record, decoded strictly. Only
 * pointers that land on an attachment-bearing field are honoured (see `locateAttachment`), so a
 * crafted locator cannot read other parts of the bundle. URL-only attachments are never fetched.
 * Audited as `record.attachment_opened` when there are bytes to serve.
 */
export async function getAttachment(recordId: string, locator: string): Promise<OpenedAttachment> {
  const actor = await requireRole("clinician");
  const db = await getDb();
  const rec = await findVisibleRecord(db, actor, recordId, { withBundle: true });
  if (!rec || !rec.bundle) notFound();
  const read = readAttachment(rec.bundle, locator, env().attachmentInlineMaxBytes);
  if (!read) notFound();
  if (read.bytes) {
    await audit(actor, {
      action: "record.attachment_opened",
      targetType: "health_record",
      targetId: rec.id,
      patientId: rec.patientId,
      consentRequestId: rec.consentRequestId,
      // The pointer and types are metadata; the title can name a condition, so it is left out.
      details: { ref: locator, served: read.serveAs, bytes: read.bytes.length, viewer: read.info.viewer, mismatch: read.info.mismatch },
    });
  }
  return { ...read, filename: attachmentFilename(read.info, read.serveAs) };
}

export type AttachmentForViewer = {
  record: Pick<RecordMeta, "id" | "patientId" | "patientName" | "hipName" | "hiType" | "consentRequestId">;
  info: AttachmentInfo;
};

/**
 * What the viewer page shows around an attachment (title, type, warnings), without its bytes.
 * Not audited itself: the viewer's request for the bytes is (`getAttachment`).
 */
export async function getAttachmentForViewer(recordId: string, locator: string): Promise<AttachmentForViewer> {
  const actor = await requireRole("clinician");
  const db = await getDb();
  const rec = await findVisibleRecord(db, actor, recordId, { withBundle: true });
  if (!rec || !rec.bundle) notFound();
  const att = locateAttachment(rec.bundle, locator);
  if (!att) notFound();
  const [p] = await db.select({ name: patients.name }).from(patients).where(eq(patients.id, rec.patientId)).limit(1);
  return {
    record: {
      id: rec.id,
      patientId: rec.patientId,
      patientName: p?.name ?? null,
      hipName: rec.hipName,
      hiType: rec.hiType,
      consentRequestId: rec.consentRequestId,
    },
    info: describeAttachment(att, locator, env().attachmentInlineMaxBytes),
  };
}

const EXTENSIONS: Record<string, string> = {
  "application/pdf": "pdf",
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
  "application/dicom": "dcm",
};

function attachmentFilename(info: AttachmentInfo, serveAs: string): string {
  const base =
    (info.title ?? "attachment")
      .normalize("NFKD")
      .replace(/[^A-Za-z0-9._ -]+/g, "")
      .replace(/\s+/g, "-")
      .replace(/^[.-]+/, "")
      .slice(0, 80) || "attachment";
  // Only a type proven by the bytes earns its extension; anything else stays ".bin".
  const ext = EXTENSIONS[serveAs] ?? (info.sniffedType ? EXTENSIONS[info.sniffedType] : undefined) ?? "bin";
  return base.toLowerCase().endsWith(`.${ext}`) ? base : `${base.replace(/\.[A-Za-z0-9]{1,5}$/, "")}.${ext}`;
}

// ---------------------------------------------------------------------------------------------
// Lab trends

export type LabTrendPoint = {
  /** The clinical date as written; null when the result has none of its own (see `dateFrom`). */
  date: string | null;
  /** Ordering instant (ISO) — the x position. */
  dateSort: string;
  dateFrom: "parent" | "document" | null;
  value: number;
  unit: string | null;
  low: number | null;
  high: number | null;
  /** The HIP's name; several joined by "; " when the same measurement came from more than one. */
  hipName: string | null;
  recordId: string;
  abnormal: boolean;
};

export type LabTrend = {
  /** The trend key (`loinc:718-7`, `text:haemoglobin`…) as stored by `lib/fhir`. */
  code: string;
  title: string;
  /**
   * Distinct units among the points (as first written, compared by `unitKey`); more than one
   * means the values are not directly comparable and are charted separately.
   */
  units: string[];
  /** Oldest first. */
  points: LabTrendPoint[];
};

/**
 * Every numeric result of one test for a patient across records and HIPs — Observations with the
 * same trend key, and components (e.g. systolic BP) carrying it — for a chart with the reference
 * range as a band. Exact repeats (same instant, value and unit) count once.
 */
export async function labTrends(patientId: string, code: string): Promise<LabTrend> {
  const actor = await requireRole("clinician");
  const db = await getDb();
  const access = await findAccess(db, actor, patientId);
  if (!access) notFound();
  const [series] = await loadTrendSeries(db, patientId, [code]);
  return series ?? { code, title: code, units: [], points: [] };
}

function trendKeysOf(detail: unknown): string[] {
  if (!detail || typeof detail !== "object") return [];
  const d = detail as { trendKey?: unknown; components?: unknown };
  const keys: string[] = [];
  if (typeof d.trendKey === "string") keys.push(d.trendKey);
  if (Array.isArray(d.components)) {
    for (const c of d.components) {
      const k = (c as { trendKey?: unknown } | null)?.trendKey;
      if (typeof k === "string") keys.push(k);
    }
  }
  return keys;
}

/**
 * Units as HIPs write them differ in case, spacing and micro sign (`mmol/l`, `mmol/L`,
 * `10^3/µL`, `10^3/μL`) while meaning the same thing; this key compares them.
 */
export function unitKey(unit: string | null | undefined): string {
  return (unit ?? "").normalize("NFKC").replace(/\s+/g, "").toLowerCase();
}

function normalRange(ranges: ReferenceRangeView[] | undefined, unit: string | null): { low: number | null; high: number | null } {
  const rr = (ranges ?? []).find((r) => !r.type || /normal/i.test(r.type)) ?? ranges?.[0];
  if (!rr) return { low: null, high: null };
  const same = !rr.unit || !unit || unitKey(rr.unit) === unitKey(unit);
  return same ? { low: rr.low, high: rr.high } : { low: null, high: null };
}

const MAX_TREND_KEYS = 100;

async function loadTrendSeries(db: DbOrTx, patientId: string, codes: string[]): Promise<LabTrend[]> {
  const keys = [...new Set(codes)].slice(0, MAX_TREND_KEYS);
  if (keys.length === 0) return [];
  const keyList = sql.join(
    keys.map((k) => sql`${k}`),
    sql`, `,
  );
  const rows = await db
    .select({
      recordId: timelineItems.recordId,
      dateText: timelineItems.dateText,
      dateSort: timelineItems.dateSort,
      hipName: timelineItems.hipName,
      detail: timelineItems.detail,
    })
    .from(timelineItems)
    .where(
      and(
        eq(timelineItems.patientId, patientId),
        eq(timelineItems.resourceType, "Observation"),
        itemIsVisible(patientId),
        sql`(${timelineItems.detail}->>'trendKey' in (${keyList})
          or exists (select 1 from jsonb_array_elements(case jsonb_typeof(${timelineItems.detail}->'components')
              when 'array' then ${timelineItems.detail}->'components' else '[]'::jsonb end) c
            where c->>'trendKey' in (${keyList})))`,
      ),
    );

  const byKey = new Map<string, LabTrend & { seen: Map<string, LabTrendPoint> }>();
  for (const row of rows) {
    if (!row.dateSort) continue;
    const detail = (row.detail ?? {}) as Partial<ObservationValueView> & { components?: ObservationValueView[]; dateSortFrom?: string };
    const views: ObservationValueView[] = [];
    if (detail.trendKey) views.push(detail as ObservationValueView);
    if (Array.isArray(detail.components)) views.push(...detail.components);
    for (const v of views) {
      if (!v || !v.trendKey || !keys.includes(v.trendKey) || typeof v.valueNumber !== "number") continue;
      let s = byKey.get(v.trendKey);
      if (!s) {
        s = { code: v.trendKey, title: v.title, units: [], points: [], seen: new Map() };
        byKey.set(v.trendKey, s);
      }
      // One measurement quoted by two records (a lab's report and a discharge summary citing it)
      // is one point, with both sources named — not a two-point "trend" of the same value.
      const dedupe = `${row.dateSort.toISOString()}|${v.valueNumber}|${unitKey(v.unit)}`;
      const same = s.seen.get(dedupe);
      if (same) {
        if (row.hipName && !(same.hipName ?? "").split("; ").includes(row.hipName)) {
          same.hipName = same.hipName ? `${same.hipName}; ${row.hipName}` : row.hipName;
        }
        continue;
      }
      const range = normalRange(v.referenceRange, v.unit);
      const point: LabTrendPoint = {
        date: row.dateText,
        dateSort: row.dateSort.toISOString(),
        dateFrom: detail.dateSortFrom === "parent" || detail.dateSortFrom === "document" ? detail.dateSortFrom : null,
        value: v.valueNumber,
        unit: v.unit,
        low: range.low,
        high: range.high,
        hipName: row.hipName,
        recordId: row.recordId,
        abnormal: v.abnormal === true,
      };
      s.seen.set(dedupe, point);
      s.points.push(point);
      if (v.unit && !s.units.some((u) => unitKey(u) === unitKey(v.unit))) s.units.push(v.unit);
    }
  }
  return keys
    .map((k) => byKey.get(k))
    .filter((s): s is NonNullable<typeof s> => s !== undefined)
    .map(({ seen: _seen, ...s }) => ({ ...s, points: s.points.sort((a, b) => a.dateSort.localeCompare(b.dateSort)) }));
}
