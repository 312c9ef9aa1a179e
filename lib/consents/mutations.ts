import "server-only";
import { and, eq, inArray, isNotNull, lt, or, isNull, sql } from "drizzle-orm";
import { getDb } from "@/db";
import { consentRequests, patients, type ConsentRequest } from "@/db/schema";
import { audit } from "@/lib/audit";
import { requireRole, type Actor } from "@/lib/auth/session";
import { EkaError, getEkaClient, type ConsentCreateRequest } from "@/lib/eka";
import { env } from "@/lib/env";
import { isUuid, requireVisiblePatient } from "@/lib/patients/access";
import { notFound } from "next/navigation";
import { istDay } from "./dates";
import { failureFromError } from "./errors";
import { refreshConsent } from "./refresh";
import { createConsentRequestSchema, type ConsentFormValues, type ConsentRequestInput } from "./schemas";
import { isFinal, transition } from "./state";

export class ConsentRequestError extends Error {
  constructor(
    public readonly code: "no_registration",
    message: string,
  ) {
    super(message);
    this.name = "ConsentRequestError";
  }
}

export const NO_REGISTRATION_MESSAGE =
  "Your profile has no medical registration number, and ABDM requires one to name the clinician asking for records. Ask an administrator to add it on the Users page, then try again.";

export type CreateConsentResult =
  | { kind: "created"; id: string; status: ConsentRequest["status"] }
  | { kind: "duplicate"; id: string };

/** Same patient, purpose, HI types, days and HIP filter, still pending: sending it again helps nobody. */
function sameRequest(r: ConsentRequest, d: ConsentRequestInput): boolean {
  const sorted = (a: readonly string[]) => [...a].sort().join(",");
  return (
    r.purpose === d.purpose &&
    sorted(r.hiTypes) === sorted(d.hiTypes) &&
    istDay(r.dateFrom) === istDay(d.dateFrom) &&
    istDay(r.dateTo) === istDay(d.dateTo) &&
    (r.hipFilter?.[0]?.id ?? null) === (d.hip?.id ?? null)
  );
}

function ekaBody(actor: Actor, abhaAddress: string, d: ConsentRequestInput): ConsentCreateRequest {
  const e = env().eka;
  return {
    patient: { health_id: abhaAddress },
    hiu: {
      ...(e.clinicId ? { clinic_id: e.clinicId } : {}),
      ...(e.doctorOid ? { d_oid: e.doctorOid } : {}),
      requester: {
        name: actor.name,
        identifier: {
          type: "REGNO",
          value: actor.registrationNumber!,
          system: actor.registrationSystem ?? "https://www.nmc.org.in",
        },
      },
    },
    purpose: d.purpose,
    record_types: d.hiTypes,
    period: { from: d.dateFrom.toISOString(), to: d.dateTo.toISOString(), expiry: d.expiresAt.toISOString() },
    ...(d.hip ? { hip_identifier: d.hip } : {}),
  };
}

/**
 * Raises a consent request for a patient the clinician can see.
 *
 * 1. Validates the form as of now, and that the clinician has a registration number.
 * 2. In one transaction (the patient row locked, so two clicks cannot both pass): refuses an
 *    identical pending request (returns it instead), else writes the row as INITIATING.
 * 3. Calls EKA with that row committed — a callback that overtakes the response finds it — and
 *    stores `consent_init_id` + REQUESTED, or EKA/ABDM's code and message verbatim + FAILED.
 * The create call is never retried when it might have reached EKA (lib/eka), so nothing is sent
 * twice.
 */
export async function createConsentRequest(values: Partial<ConsentFormValues>): Promise<CreateConsentResult> {
  const actor = await requireRole("clinician");
  const data = createConsentRequestSchema(new Date()).parse(values);
  if (!actor.registrationNumber?.trim()) throw new ConsentRequestError("no_registration", NO_REGISTRATION_MESSAGE);
  const db = await getDb();
  const patient = await requireVisiblePatient(db, actor, data.patientId);

  const staged = await db.transaction(async (tx): Promise<CreateConsentResult | { kind: "staged"; row: ConsentRequest }> => {
    await tx.select({ id: patients.id }).from(patients).where(eq(patients.id, patient.id)).for("update");
    const pending = await tx
      .select()
      .from(consentRequests)
      .where(and(eq(consentRequests.patientId, patient.id), inArray(consentRequests.status, ["INITIATING", "REQUESTED"])));
    const dup = pending.find((r) => sameRequest(r, data));
    if (dup) return { kind: "duplicate", id: dup.id };
    const [row] = await tx
      .insert(consentRequests)
      .values({
        patientId: patient.id,
        requestedBy: actor.id,
        requesterName: actor.name,
        requesterRegNo: actor.registrationNumber,
        requesterRegSystem: actor.registrationSystem,
        purpose: data.purpose,
        hiTypes: data.hiTypes,
        dateFrom: data.dateFrom,
        dateTo: data.dateTo,
        expiresAt: data.expiresAt,
        hipFilter: data.hip ? [data.hip] : null,
        status: "INITIATING",
        // The poller looks at an INITIATING row only if EKA's answer never got stored.
        nextPollAt: sql`now() + interval '5 minutes'`,
      })
      .returning();
    await tx.update(patients).set({ lastActivityAt: sql`now()` }).where(eq(patients.id, patient.id));
    await audit(
      actor,
      {
        action: "consent.requested",
        targetType: "consent_request",
        targetId: row!.id,
        patientId: patient.id,
        consentRequestId: row!.id,
        details: { purpose: data.purpose, hiTypes: data.hiTypes, hip: data.hip?.id ?? null },
      },
      tx,
    );
    return { kind: "staged", row: row! };
  });
  if (staged.kind !== "staged") return staged;
  const row = staged.row;

  let outcome: { ok: true; consentInitId: string } | { ok: false; code: string; message: string };
  try {
    const res = await getEkaClient().createConsent(ekaBody(actor, patient.abhaAddress, data), { partnerPtId: patient.id });
    outcome = { ok: true, consentInitId: res.consent_init_id };
  } catch (err) {
    if (!(err instanceof EkaError)) console.error(`[consents] create ${row.id} failed in the portal: ${err instanceof Error ? err.name : "error"}`);
    outcome = { ok: false, ...failureFromError(err) };
  }

  const status = await db.transaction(async (tx) => {
    const [locked] = await tx.select().from(consentRequests).where(eq(consentRequests.id, row.id)).for("update");
    const t = transition(locked!, { source: "local", status: outcome.ok ? "REQUESTED" : "FAILED" });
    await tx
      .update(consentRequests)
      .set({
        status: t.status,
        ...(t.statusChanged ? { statusChangedAt: sql`now()` } : {}),
        ...(outcome.ok
          ? { consentInitId: outcome.consentInitId, nextPollAt: new Date(Date.now() + env().pollIntervalMs), pollAttempts: 0 }
          : { errorCode: outcome.code, errorMessage: outcome.message }),
        updatedAt: sql`now()`,
      })
      .where(eq(consentRequests.id, row.id));
    await audit(
      actor,
      {
        action: outcome.ok ? "consent.sent" : "consent.failed",
        targetType: "consent_request",
        targetId: row.id,
        patientId: patient.id,
        consentRequestId: row.id,
        details: outcome.ok ? {} : { code: outcome.code },
      },
      tx,
    );
    return t.status;
  });
  return { kind: "created", id: row.id, status };
}

/** Loads a consent request the clinician may see (through the patient), or 404. */
async function requireVisibleConsent(actor: Actor, id: string): Promise<ConsentRequest> {
  if (!isUuid(id)) notFound();
  const db = await getDb();
  const [row] = await db.select().from(consentRequests).where(eq(consentRequests.id, id));
  if (!row) notFound();
  await requireVisiblePatient(db, actor, row.patientId);
  return row;
}

/** Opening the consent marks its records as seen (clears the "records arrived, unread" counter). */
export async function markRecordsViewed(id: string): Promise<void> {
  const actor = await requireRole("clinician");
  await requireVisibleConsent(actor, id);
  const db = await getDb();
  await db
    .update(consentRequests)
    .set({ recordsViewedAt: sql`now()` })
    .where(
      and(
        eq(consentRequests.id, id),
        isNotNull(consentRequests.lastRecordAt),
        or(isNull(consentRequests.recordsViewedAt), lt(consentRequests.recordsViewedAt, consentRequests.lastRecordAt)),
      ),
    );
}

/** Minimum gap between page-driven re-reads of one consent, whoever asks (many tabs, many users). */
const POKE_MIN_GAP_SECONDS = 2;

/**
 * An open consent page asks EKA for news (besides the poller and webhooks), at most every few
 * seconds per consent across all viewers: the claim is one conditional UPDATE on `last_polled_at`.
 */
export async function pokeConsent(id: string): Promise<void> {
  const actor = await requireRole("clinician");
  const row = await requireVisibleConsent(actor, id);
  if (isFinal(row.status)) return;
  const db = await getDb();
  const claimed = await db
    .update(consentRequests)
    .set({ lastPolledAt: sql`now()` })
    .where(
      and(
        eq(consentRequests.id, id),
        or(isNull(consentRequests.lastPolledAt), lt(consentRequests.lastPolledAt, sql`now() - make_interval(secs => ${POKE_MIN_GAP_SECONDS})`)),
      ),
    )
    .returning({ id: consentRequests.id });
  if (claimed.length === 0) return;
  try {
    await refreshConsent(id, { source: "page" });
  } catch {
    // EKA unreachable: the page keeps showing the stored status; the poller retries with backoff.
  }
}
