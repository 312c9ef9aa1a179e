import "server-only";
import { after } from "next/server";
import { and, asc, eq, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { getDb } from "@/db";
import { webhookInbox, type WebhookInboxRow, type WebhookStatus } from "@/db/schema";
import { SealError, unseal } from "@/lib/crypto/seal";
import { env } from "@/lib/env";
import { handleConsentUpdateEvent } from "@/lib/consents/refresh";
import { processDataPush } from "./data-push";
import { CONSENT_UPDATE_EVENT, DATA_PUSH_EVENT, consentUpdateSchema, dataPushSchema, describeIssues, envelopeSchema } from "./envelope";
import { bodySealContext, describeDbError } from "./intake";
import type { ConsentUpdateOutcome, DeliveryOutcome, HandlerResult, ProcessContext } from "./outcome";
import { backoffMs, RetryLater } from "./retry";

/**
 * Inbox processing: right after the intake commit (scheduled with `after()`), and by the sweeper
 * for whatever is left. A row is *claimed* in a short transaction — `FOR UPDATE SKIP LOCKED`,
 * status `processing`, a lease, attempts + 1 — and processed outside it, so no lock is held
 * while we decrypt or call EKA. The attempt number is the fencing token: a worker whose lease
 * expired and was taken over cannot overwrite the newer worker's result.
 */

export const LEASE_MS = 3 * 60_000;

type Result = { status: WebhookStatus; lastError: string | null };

function dueCondition(now: Date): SQL {
  return or(
    and(inArray(webhookInbox.status, ["pending", "failed"]), lte(webhookInbox.nextAttemptAt, now)),
    // A worker that died mid-way leaves its row leased; it is taken again once the lease ends.
    and(eq(webhookInbox.status, "processing"), lt(webhookInbox.leaseUntil, now)),
  )!;
}

async function claim(where: SQL, limit: number, now: Date): Promise<WebhookInboxRow[]> {
  const db = await getDb();
  const candidates = db
    .select({ id: webhookInbox.id })
    .from(webhookInbox)
    .where(where)
    .orderBy(asc(webhookInbox.receivedAt))
    .limit(limit)
    .for("update", { skipLocked: true });
  return db
    .update(webhookInbox)
    .set({
      status: "processing",
      attempts: sql`${webhookInbox.attempts} + 1`,
      leaseUntil: new Date(now.getTime() + LEASE_MS),
    })
    .where(inArray(webhookInbox.id, candidates))
    .returning();
}

/** Claims one delivery: a fresh one at once, a failed one only when its retry is due. */
export async function claimDelivery(inboxId: string, now = new Date()): Promise<WebhookInboxRow | null> {
  const [row] = await claim(
    and(eq(webhookInbox.id, inboxId), or(eq(webhookInbox.status, "pending"), dueCondition(now)))!,
    1,
    now,
  );
  return row ?? null;
}

/** Claims up to `limit` due deliveries, oldest first (the sweeper). */
export function claimDue(limit: number, now = new Date()): Promise<WebhookInboxRow[]> {
  return claim(dueCondition(now), limit, now);
}

async function finish(row: WebhookInboxRow, patch: Partial<typeof webhookInbox.$inferInsert>): Promise<boolean> {
  const db = await getDb();
  const done = await db
    .update(webhookInbox)
    .set({ ...patch, leaseUntil: null })
    .where(and(eq(webhookInbox.id, row.id), eq(webhookInbox.status, "processing"), eq(webhookInbox.attempts, row.attempts)))
    .returning({ id: webhookInbox.id });
  if (done.length === 0) console.warn(`[webhooks] delivery=${row.deliveryId.slice(0, 80)} lease lost; result of attempt ${row.attempts} dropped`);
  return done.length > 0;
}

async function runHandler(ctx: ProcessContext): Promise<HandlerResult | { status: "dead"; outcome: null; lastError: string }> {
  const { row } = ctx;
  if (!row.bodySealed) return { status: "dead", outcome: null, lastError: "The payload is no longer kept; it cannot be processed again." };
  let body: unknown;
  try {
    const raw = unseal(row.bodySealed, bodySealContext(row.deliveryId));
    body = JSON.parse(raw.toString("utf8"));
    raw.fill(0);
  } catch (err) {
    const why = err instanceof SealError ? `sealed payload cannot be opened (${err.code})` : "stored payload is not JSON";
    return { status: "dead", outcome: null, lastError: `The ${why}.` };
  }
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { status: "dead", outcome: null, lastError: `Not an envelope: ${describeIssues(envelope.error).join("; ")}` };

  if (row.event === DATA_PUSH_EVENT) {
    const data = dataPushSchema.safeParse(envelope.data.data);
    if (!data.success) return { status: "dead", outcome: null, lastError: `Invalid data: ${describeIssues(data.error).join("; ")}` };
    return processDataPush(ctx, data.data);
  }
  if (row.event === CONSENT_UPDATE_EVENT) {
    const data = consentUpdateSchema.safeParse(envelope.data.data);
    if (!data.success) return { status: "dead", outcome: null, lastError: `Invalid data: ${describeIssues(data.error).join("; ")}` };
    const handled = await handleConsentUpdateEvent(data.data);
    if (!handled.matched) {
      // The callback can overtake the create response that tells us the consent's ids.
      if (handled.reason === "unknown_consent") throw new RetryLater("The consent is not known here yet.");
      return { status: "dead", outcome: null, lastError: "The consent workflow could not read this update." };
    }
    if (env().eka.dataMode === "eka-stored") {
      // "After GRANTED, call FHIR retrieve": start now rather than at the fetcher's next tick.
      const { fetchEkaStoredRecords } = await import("./eka-stored");
      track(fetchEkaStoredRecords({ limit: 50 }).then(() => undefined));
    }
    const outcome: ConsentUpdateOutcome = {
      kind: "consent_update",
      status: (data.data.notification?.status ?? data.data.status ?? null)?.toUpperCase() ?? null,
    };
    return { status: "done", outcome, lastError: null };
  }
  return { status: "dead", outcome: null, lastError: `No handler for event ${row.event}.` };
}

/** Processes one claimed row to its next state (done, failed with a retry time, or dead). */
export async function processClaimed(row: WebhookInboxRow, opts: { now?: Date } = {}): Promise<Result> {
  const now = opts.now ?? new Date();
  const maxAttempts = env().webhook.maxAttempts;
  const ctx: ProcessContext = { row, now, finalAttempt: row.attempts >= maxAttempts };
  let result: { status: "done" | "dead"; outcome: DeliveryOutcome | null; lastError: string | null };
  try {
    result = await runHandler(ctx);
  } catch (err) {
    const reason = err instanceof RetryLater ? err.reason : `Processing error: ${describeDbError(err)}`;
    if (!(err instanceof RetryLater)) console.error(`[webhooks] delivery=${row.deliveryId.slice(0, 80)} attempt ${row.attempts} failed: ${describeDbError(err)}`);
    if (row.attempts >= maxAttempts) {
      await finish(row, { status: "dead", lastError: reason.slice(0, 1000), processedAt: new Date() });
      return { status: "dead", lastError: reason };
    }
    const next = new Date(Date.now() + backoffMs(row.attempts));
    await finish(row, { status: "failed", lastError: reason.slice(0, 1000), nextAttemptAt: next });
    return { status: "failed", lastError: reason };
  }
  await finish(row, {
    status: result.status,
    outcome: result.outcome,
    lastError: result.lastError?.slice(0, 1000) ?? null,
    processedAt: new Date(),
    // Once processed for good the payload has no further use here: the records are the copy of
    // truth (and get purged on revocation). Dead rows keep theirs for "Process again".
    ...(result.status === "done" ? { bodySealed: "" } : {}),
  });
  return { status: result.status, lastError: result.lastError };
}

/** Claims and processes one delivery now; null when another worker has it or it is not due. */
export async function processDeliveryNow(inboxId: string, opts: { now?: Date } = {}): Promise<Result | null> {
  const row = await claimDelivery(inboxId, opts.now);
  if (!row) return null;
  return processClaimed(row, opts);
}

// In-process bookkeeping for work started after a response: bounded concurrency, and a way for
// tests, the bench and shutdown to wait until it has settled.
const MAX_CONCURRENT = 8;
let active = 0;
const queue: (() => void)[] = [];
const inflight = new Set<Promise<unknown>>();

function track<T>(p: Promise<T>): Promise<T> {
  const guarded = p.catch((err) => {
    console.error(`[webhooks] background work failed: ${describeDbError(err)}`);
    return undefined as T;
  });
  inflight.add(guarded);
  void guarded.finally(() => inflight.delete(guarded));
  return guarded;
}

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (active >= MAX_CONCURRENT) await new Promise<void>((resolve) => queue.push(resolve));
  active++;
  try {
    return await fn();
  } finally {
    active--;
    queue.shift()?.();
  }
}

/**
 * Processes a just-committed delivery after the response has been sent: Next's `after()` inside a
 * request (the platform keeps the work alive), a plain background promise elsewhere (tests,
 * scripts). Either way the sweeper picks the row up if this never runs.
 */
export function scheduleProcessing(inboxId: string): void {
  const run = () => track(limited(() => processDeliveryNow(inboxId)));
  try {
    after(run);
  } catch {
    void run();
  }
}

/** Resolves once every processing task started in this process has settled. */
export async function waitForProcessingIdle(): Promise<void> {
  while (inflight.size > 0) await Promise.allSettled([...inflight]);
}
