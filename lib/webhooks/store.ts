import "server-only";
import { createHash } from "node:crypto";
import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import { getDb, type DbOrTx } from "@/db";
import {
  careContexts,
  consentArtefacts,
  consentRequests,
  healthRecords,
  patients,
  timelineItems,
  type CareContextStage,
  type ConsentStatus,
} from "@/db/schema";
import { env } from "@/lib/env";
import { analyseBundle, detectHiType, documentDate, extractDemographics, toTimelineColumns } from "@/lib/fhir/timeline";
import { checksumMatches } from "./checksum";
import { mergeDemographics, type PatientDemographics } from "./demographics";

/**
 * The one path by which a FHIR bundle becomes a health record: pushed and decrypted
 * (data-push.ts) or retrieved from EKA (eka-stored.ts). One transaction per bundle, so a bad
 * bundle never sinks its siblings, and idempotent on (transaction id, care context, page,
 * content hash) through the unique index.
 */

/** Where a bundle belongs: resolved from the consent, never from the payload's own claims. */
export type StoreTarget = {
  patientId: string;
  consentRequestId: string;
  artefactRowId: string;
  hipId: string;
  hipName: string | null;
  careContextRowId: string;
  careContextId: string;
};

export type ParsedBundle = {
  /** The bundle text exactly as the HIP sent it (hashed and checksummed as such). */
  text: string;
  bundle: Record<string, unknown>;
  /** True when the text arrived wrapped in base64 (a known non-reference sender quirk). */
  unwrapped: boolean;
};

export type ParseFailure = { ok: false; reason: string };

const BASE64_TEXT = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;

/**
 * JSON text → FHIR Bundle: a leading BOM is tolerated, a base64-wrapped bundle is unwrapped
 * (fidelius.md §2: the references never do it, one public port does), and anything that is not
 * `{ resourceType: "Bundle", entry: [...] }` is refused with a reason that quotes nothing.
 */
/** `\\u0000` not itself escaped (an even number of backslashes before it). */
const JSON_NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/i;

export function parseBundleText(text: string): ({ ok: true } & ParsedBundle) | ParseFailure {
  const stripped = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  let source = stripped;
  let unwrapped = false;
  try {
    value = JSON.parse(stripped);
  } catch {
    if (stripped.length >= 16 && BASE64_TEXT.test(stripped)) {
      try {
        const inner = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(stripped, "base64"));
        value = JSON.parse(inner);
        source = inner;
        unwrapped = true;
      } catch {
        return { ok: false, reason: "The decrypted content is not JSON." };
      }
    } else {
      return { ok: false, reason: "The decrypted content is not JSON." };
    }
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, reason: "The decrypted content is not a FHIR resource." };
  }
  const obj = value as Record<string, unknown>;
  if (obj.resourceType !== "Bundle") return { ok: false, reason: "The decrypted content is not a FHIR Bundle." };
  if (!Array.isArray(obj.entry)) return { ok: false, reason: "The FHIR Bundle has no entry array." };
  // Valid JSON, but PostgreSQL's jsonb cannot hold U+0000: without this check the entry would
  // fail at insert time on every retry and the facility would never be told why.
  if (JSON_NUL_ESCAPE.test(source)) {
    return { ok: false, reason: "The FHIR Bundle contains NUL characters (\\u0000), which cannot be stored; the sending facility must correct the record." };
  }
  return { ok: true, text: source, bundle: obj, unwrapped };
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

type Liveness = {
  requestStatus: ConsentStatus;
  requestExpiresAt: Date | null;
  artefactStatus: ConsentStatus;
  artefactPurgedAt: Date | null;
  artefactExpiresAt: Date | null;
  stage: CareContextStage;
};

/** Why data for this care context may not be kept right now, or null when it may. */
export function whyNotLive(l: Liveness, now: Date): string | null {
  if (l.requestStatus !== "GRANTED") return `The consent is ${l.requestStatus}.`;
  if (l.requestExpiresAt && l.requestExpiresAt.getTime() <= now.getTime()) return "The consent has EXPIRED.";
  if (l.artefactStatus !== "GRANTED") return `The consent artefact is ${l.artefactStatus}.`;
  if (l.artefactPurgedAt) return "The consent artefact's data was purged.";
  if (l.artefactExpiresAt && l.artefactExpiresAt.getTime() <= now.getTime()) return "The consent artefact has EXPIRED.";
  if (l.stage === "purged") return "The care context's data was purged.";
  return null;
}

/** Demographics read once per delivery, so repeat pushes cost no patient-row lock. */
export type PatientCache = Map<string, PatientDemographics>;

export type StoreOutcome =
  | { status: "stored"; recordId: string; duplicate: boolean; checksumMatches: boolean | null; items: number }
  | { status: "refused"; reason: string };

const ITEM_CHUNK = 200;

/**
 * Stores one bundle under `target` in its own transaction. The consent and artefact are re-checked
 * under a share lock first: a revocation that commits before us wins (we store nothing), one that
 * commits after us finds the record and purges it.
 */
export async function storeBundle(input: {
  target: StoreTarget;
  transactionId: string;
  page: number;
  pageCount: number | null;
  parsed: ParsedBundle;
  sourceChecksum: string | null;
  now: Date;
  patientCache?: PatientCache;
  db?: DbOrTx;
}): Promise<StoreOutcome> {
  const { target, parsed, now } = input;
  const contentHash = sha256Hex(parsed.text);
  const matches = checksumMatches(parsed.text, input.sourceChecksum);

  let hiType: string | null = null;
  let docDate: string | null = null;
  let items: ReturnType<typeof toTimelineColumns>[] = [];
  try {
    const analysed = analyseBundle(parsed.bundle, { maxInlineBytes: env().attachmentInlineMaxBytes });
    hiType = analysed.hiType === "unknown" ? null : analysed.hiType;
    docDate = analysed.documentDate?.date ?? null;
    items = analysed.items.map(toTimelineColumns);
  } catch {
    // A shape the timeline cannot read still becomes a record; the bundle is kept whole.
    const t = safe(() => detectHiType(parsed.bundle), "unknown");
    hiType = t === "unknown" ? null : t;
    docDate = safe(() => documentDate(parsed.bundle), null);
  }
  const learned = safe(() => extractDemographics(parsed.bundle), null);

  const db = input.db ?? (await getDb());
  return db.transaction(async (tx) => {
    const [live] = await tx
      .select({
        requestStatus: consentRequests.status,
        requestExpiresAt: consentRequests.grantedExpiresAt,
        artefactStatus: consentArtefacts.status,
        artefactPurgedAt: consentArtefacts.purgedAt,
        artefactExpiresAt: consentArtefacts.expiresAt,
        stage: careContexts.stage,
      })
      .from(careContexts)
      .innerJoin(consentArtefacts, eq(consentArtefacts.id, careContexts.artefactId))
      .innerJoin(consentRequests, eq(consentRequests.id, consentArtefacts.consentRequestId))
      .where(eq(careContexts.id, target.careContextRowId))
      // Share locks on the consent rows only, taken first: the purge updates the artefact before
      // anything else, so the two never wait on each other in opposite orders.
      .for("share", { of: [consentArtefacts, consentRequests] });
    if (!live) return { status: "refused", reason: "The care context is no longer part of the consent." } as const;
    const notLive = whyNotLive(live, now);
    if (notLive) return { status: "refused", reason: notLive } as const;

    const [inserted] = await tx
      .insert(healthRecords)
      .values({
        patientId: target.patientId,
        consentRequestId: target.consentRequestId,
        artefactId: target.artefactRowId,
        hipId: target.hipId,
        hipName: target.hipName,
        careContextId: target.careContextId,
        transactionId: input.transactionId,
        page: input.page,
        pageCount: input.pageCount,
        contentHash,
        hiType,
        documentDate: docDate,
        bundle: parsed.bundle,
        sourceChecksum: input.sourceChecksum?.slice(0, 200) ?? null,
        checksumMatches: matches,
        receivedAt: now,
      })
      .onConflictDoNothing({
        target: [healthRecords.transactionId, healthRecords.careContextId, healthRecords.page, healthRecords.contentHash],
      })
      .returning({ id: healthRecords.id });

    let recordId: string;
    if (inserted) {
      recordId = inserted.id;
      for (let i = 0; i < items.length; i += ITEM_CHUNK) {
        await tx.insert(timelineItems).values(
          items.slice(i, i + ITEM_CHUNK).map((it) => ({
            ...it,
            recordId,
            patientId: target.patientId,
            consentRequestId: target.consentRequestId,
            hipId: target.hipId,
            hipName: target.hipName,
          })),
        );
      }
    } else {
      const [existing] = await tx
        .select({ id: healthRecords.id })
        .from(healthRecords)
        .where(
          and(
            eq(healthRecords.transactionId, input.transactionId),
            eq(healthRecords.careContextId, target.careContextId),
            eq(healthRecords.page, input.page),
            eq(healthRecords.contentHash, contentHash),
          ),
        );
      recordId = existing.id;
    }

    await tx
      .update(careContexts)
      .set({ stage: "stored", stageReason: null, storedAt: now, updatedAt: now })
      .where(and(eq(careContexts.id, target.careContextRowId), notInArray(careContexts.stage, ["purged"])));

    if (learned) await learnDemographics(tx, target, learned, now, input.patientCache);

    return { status: "stored", recordId, duplicate: !inserted, checksumMatches: matches, items: inserted ? items.length : 0 } as const;
  });
}

async function learnDemographics(
  tx: DbOrTx,
  target: StoreTarget,
  learned: { name: string | null; gender: string | null; birthDate: string | null },
  now: Date,
  cache: PatientCache | undefined,
): Promise<void> {
  if (!learned.name && !learned.gender && !learned.birthDate) return;
  const at = now.toISOString();
  const cached = cache?.get(target.patientId);
  if (cached && !mergeDemographics(cached, learned, target.hipId, at)) return;
  // Something may be new: decide again on the locked, current row (another push may have won).
  const [row] = await tx
    .select({
      name: patients.name,
      gender: patients.gender,
      birthDate: patients.birthDate,
      demographicsSeen: patients.demographicsSeen,
      demographicsConflict: patients.demographicsConflict,
    })
    .from(patients)
    .where(eq(patients.id, target.patientId))
    // NO KEY UPDATE, not UPDATE: concurrent record inserts hold KEY SHARE on this row through their
    // foreign key, and FOR UPDATE would deadlock against them.
    .for("no key update");
  if (!row) return;
  const merged = mergeDemographics(row, learned, target.hipId, at);
  if (merged) {
    await tx
      .update(patients)
      .set({ ...merged, lastActivityAt: now })
      .where(eq(patients.id, target.patientId));
  }
  cache?.set(target.patientId, merged ?? row);
}

/** Moves care contexts forward to `stage` (never backwards out of stored or purged). */
export async function advanceStage(
  ids: string[],
  stage: "received" | "decrypted" | "failed",
  reason: string | null,
  now: Date,
  db?: DbOrTx,
): Promise<void> {
  if (ids.length === 0) return;
  const from: CareContextStage[] =
    stage === "received" ? ["awaiting", "failed"] : stage === "decrypted" ? ["awaiting", "received", "failed"] : ["awaiting", "received", "decrypted", "failed"];
  const d = db ?? (await getDb());
  await d
    .update(careContexts)
    .set({ stage, stageReason: reason?.slice(0, 500) ?? null, updatedAt: now, ...(stage === "received" ? { receivedAt: now } : {}) })
    .where(and(inArray(careContexts.id, ids), inArray(careContexts.stage, from)));
}

/** The consent's "new data" marker, moved only forward. */
export async function touchLastRecordAt(consentRequestId: string, now: Date, db?: DbOrTx): Promise<void> {
  const d = db ?? (await getDb());
  const at = now.toISOString();
  await d
    .update(consentRequests)
    .set({ lastRecordAt: sql`greatest(coalesce(${consentRequests.lastRecordAt}, ${at}::timestamptz), ${at}::timestamptz)` })
    .where(eq(consentRequests.id, consentRequestId));
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
