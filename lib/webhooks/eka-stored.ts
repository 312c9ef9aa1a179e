import "server-only";
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { careContexts, consentArtefacts, consentRequests, patients, type CareContext } from "@/db/schema";
import { EkaError, getEkaClient } from "@/lib/eka";
import { env } from "@/lib/env";
import { describeDbError } from "./intake";
import { backoffMs } from "./retry";
import { advanceStage, parseBundleText, storeBundle, touchLastRecordAt } from "./store";

/**
 * EKA-stores-data mode (`EKA_DATA_MODE=eka-stored`, eka-api.md §2.6): no push arrives; after a
 * consent is GRANTED we call `GET /health/api/v1/fhir/retrieve` per care context and store the
 * bundle through the same path as pushed data, minus decryption. Care contexts are claimed with
 * `FOR UPDATE SKIP LOCKED`; `next_fetch_at` doubles as the lease and the retry time.
 */

const LEASE_MS = 2 * 60_000;

export type FetchSummary = { claimed: number; stored: number; retrying: number; failed: number };

/** The synthetic transaction id records of this mode are keyed on (one "transfer" per consent). */
export function ekaStoredTransactionId(consentId: string | null, consentRequestId: string): string {
  return `eka-stored:${consentId ?? consentRequestId}`;
}

async function claimCareContexts(limit: number, now: Date, maxAttempts: number): Promise<CareContext[]> {
  const db = await getDb();
  const candidates = db
    .select({ id: careContexts.id })
    .from(careContexts)
    .innerJoin(consentArtefacts, eq(consentArtefacts.id, careContexts.artefactId))
    .innerJoin(consentRequests, eq(consentRequests.id, consentArtefacts.consentRequestId))
    .where(
      and(
        eq(consentRequests.status, "GRANTED"),
        eq(consentArtefacts.status, "GRANTED"),
        isNull(consentArtefacts.purgedAt),
        inArray(careContexts.stage, ["awaiting", "received", "failed"]),
        lt(careContexts.fetchAttempts, maxAttempts),
        or(isNull(careContexts.nextFetchAt), lte(careContexts.nextFetchAt, now)),
      ),
    )
    .orderBy(asc(careContexts.updatedAt))
    .limit(limit)
    .for("update", { of: careContexts, skipLocked: true });
  return db
    .update(careContexts)
    .set({ fetchAttempts: sql`${careContexts.fetchAttempts} + 1`, nextFetchAt: new Date(now.getTime() + LEASE_MS) })
    .where(inArray(careContexts.id, candidates))
    .returning();
}

/** Fetches and stores what is due. A no-op unless the portal runs in EKA-stores mode. */
export async function fetchEkaStoredRecords(opts: { limit?: number; now?: Date } = {}): Promise<FetchSummary> {
  const summary: FetchSummary = { claimed: 0, stored: 0, retrying: 0, failed: 0 };
  if (env().eka.dataMode !== "eka-stored") return summary;
  const now = opts.now ?? new Date();
  const maxAttempts = env().webhook.maxAttempts;
  const claimed = await claimCareContexts(opts.limit ?? 20, now, maxAttempts);
  summary.claimed = claimed.length;
  for (const cc of claimed) {
    const r = await fetchOne(cc, now, maxAttempts);
    summary[r]++;
  }
  return summary;
}

async function fetchOne(cc: CareContext, now: Date, maxAttempts: number): Promise<"stored" | "retrying" | "failed"> {
  const db = await getDb();
  const giveUp = async (reason: string) => {
    await advanceStage([cc.id], "failed", reason, now);
    await db.update(careContexts).set({ nextFetchAt: null, fetchAttempts: maxAttempts }).where(eq(careContexts.id, cc.id));
    return "failed" as const;
  };
  const later = async (reason: string) => {
    if (cc.fetchAttempts >= maxAttempts) return giveUp(`${reason} Gave up after ${cc.fetchAttempts} attempts.`);
    await db
      .update(careContexts)
      .set({ nextFetchAt: new Date(Date.now() + backoffMs(cc.fetchAttempts)), stageReason: reason })
      .where(eq(careContexts.id, cc.id));
    return "retrying" as const;
  };

  const [ctx] = await db
    .select({ artefact: consentArtefacts, request: consentRequests, abha: patients.abhaAddress })
    .from(consentArtefacts)
    .innerJoin(consentRequests, eq(consentRequests.id, consentArtefacts.consentRequestId))
    .innerJoin(patients, eq(patients.id, consentRequests.patientId))
    .where(eq(consentArtefacts.id, cc.artefactId));
  if (!ctx) return giveUp("The consent artefact is gone.");

  let bundle: unknown;
  try {
    bundle = await getEkaClient().retrieveFhir(
      { identifier: cc.careContextId, hip_id: ctx.artefact.hipId, health_id: ctx.abha, ptId: ctx.abha },
    );
  } catch (err) {
    if (err instanceof EkaError) {
      const what = `FHIR retrieve failed: ${err.kind}${err.status ? ` ${err.status}` : ""}${err.sourceCode ? ` ${err.sourceCode}` : ""}.`;
      return err.retryable ? later(what) : giveUp(what);
    }
    console.error(`[webhooks] eka-stored fetch error: ${describeDbError(err)}`);
    return later("FHIR retrieve failed.");
  }
  // 404 (EKA's empty Bundle shell): the HIP may not have delivered to EKA yet.
  if (bundle === null) return later("EKA has no record for this care context yet.");

  const parsed = parseBundleText(JSON.stringify(bundle));
  if (!parsed.ok) return giveUp(parsed.reason);
  await advanceStage([cc.id], "received", null, now);
  const stored = await storeBundle({
    target: {
      patientId: ctx.request.patientId,
      consentRequestId: ctx.request.id,
      artefactRowId: ctx.artefact.id,
      hipId: ctx.artefact.hipId,
      hipName: ctx.artefact.hipName,
      careContextRowId: cc.id,
      careContextId: cc.careContextId,
    },
    transactionId: ekaStoredTransactionId(ctx.request.consentId, ctx.request.id),
    page: 1,
    pageCount: null,
    parsed,
    sourceChecksum: null,
    now,
    patientCache: new Map(),
  });
  if (stored.status === "refused") return giveUp(`Refused: ${stored.reason}`);
  await db.update(careContexts).set({ nextFetchAt: null }).where(eq(careContexts.id, cc.id));
  await touchLastRecordAt(ctx.request.id, now);
  return "stored";
}
