/**
 * The consent status machine. Pure: no I/O, no clock.
 *
 * Statuses only move forward. Events reach us by three roads (create response, poller, webhook)
 * that can arrive late, twice or out of order; whatever the order, the stored status must end up
 * where the latest real-world state is:
 *
 *   INITIATING ─► REQUESTED ─► GRANTED ─► REVOKED | EXPIRED
 *        │            ├──────► DENIED | EXPIRED
 *        └─► FAILED   └──────► REVOKED   (the GRANTED in between was missed)
 *
 * - Finals (DENIED, EXPIRED, REVOKED, FAILED) stay final: a late GRANTED after REVOKED is ignored.
 * - Backwards moves (GRANTED → REQUESTED) are ignored; repeats are no-ops.
 * - FAILED is ours (EKA refused the create); INITIATING is ours (the row exists before the call).
 *   Neither can be set by EKA: a status string "FAILED" from EKA is unknown to us.
 * - A status we do not know is kept verbatim in `rawStatus` (and shown) while the known status
 *   stays; the next known status clears it.
 * - Case and surrounding space are ignored ("granted", " GRANTED ").
 *
 * The same rules serve consent artefacts (GRANTED → REVOKED | EXPIRED).
 */
import type { ConsentStatus } from "@/db/schema";

export const EKA_STATUSES = ["REQUESTED", "GRANTED", "DENIED", "EXPIRED", "REVOKED"] as const;
export type EkaStatus = (typeof EKA_STATUSES)[number];

export const FINAL_STATUSES: ReadonlySet<ConsentStatus> = new Set(["DENIED", "EXPIRED", "REVOKED", "FAILED"]);

export function isFinal(status: ConsentStatus): boolean {
  return FINAL_STATUSES.has(status);
}

const NEXT: Record<ConsentStatus, readonly ConsentStatus[]> = {
  INITIATING: ["REQUESTED", "GRANTED", "DENIED", "EXPIRED", "REVOKED", "FAILED"],
  REQUESTED: ["GRANTED", "DENIED", "EXPIRED", "REVOKED"],
  GRANTED: ["REVOKED", "EXPIRED"],
  // A row stored as UNKNOWN by an older version: any real status from EKA is progress.
  UNKNOWN: ["REQUESTED", "GRANTED", "DENIED", "EXPIRED", "REVOKED"],
  DENIED: [],
  EXPIRED: [],
  REVOKED: [],
  FAILED: [],
};

export type StatusEvent =
  /** From EKA: any string (list, details, webhook). */
  | { source: "eka"; status: string | null | undefined }
  /** From the portal itself: create answered, create failed, clock expiry. */
  | { source: "local"; status: "REQUESTED" | "FAILED" | "EXPIRED" };

export type NormalisedStatus = { kind: "known"; status: EkaStatus } | { kind: "unknown"; raw: string } | { kind: "empty" };

export function normaliseStatus(raw: string | null | undefined): NormalisedStatus {
  const s = (raw ?? "").trim();
  if (s === "") return { kind: "empty" };
  const upper = s.toUpperCase();
  return (EKA_STATUSES as readonly string[]).includes(upper) ? { kind: "known", status: upper as EkaStatus } : { kind: "unknown", raw: s };
}

export type TransitionReason = "applied" | "repeat" | "backwards" | "final" | "unknown" | "empty";

export type Transition = {
  status: ConsentStatus;
  rawStatus: string | null;
  /** Whether anything stored (status or rawStatus) changes. */
  changed: boolean;
  /** Whether the status itself changes (drives audit, purge and poll backoff reset). */
  statusChanged: boolean;
  reason: TransitionReason;
};

export function transition(current: { status: ConsentStatus; rawStatus?: string | null }, event: StatusEvent): Transition {
  const raw = current.rawStatus ?? null;
  const keep = (reason: TransitionReason): Transition => ({ status: current.status, rawStatus: raw, changed: false, statusChanged: false, reason });

  let target: ConsentStatus;
  if (event.source === "local") target = event.status;
  else {
    const n = normaliseStatus(event.status);
    if (n.kind === "empty") return keep("empty");
    if (n.kind === "unknown") {
      return { status: current.status, rawStatus: n.raw, changed: n.raw !== raw, statusChanged: false, reason: "unknown" };
    }
    target = n.status;
  }

  if (target === current.status) {
    // EKA confirms what we have: an unknown status seen meanwhile is superseded.
    return { status: current.status, rawStatus: null, changed: raw !== null, statusChanged: false, reason: "repeat" };
  }
  if (NEXT[current.status].includes(target)) {
    return { status: target, rawStatus: null, changed: true, statusChanged: true, reason: "applied" };
  }
  return keep(isFinal(current.status) ? "final" : "backwards");
}

/** Folds a sequence of events (tests, and replaying several notifications at once). */
export function applyAll(start: { status: ConsentStatus; rawStatus?: string | null }, events: StatusEvent[]): { status: ConsentStatus; rawStatus: string | null } {
  let s = { status: start.status, rawStatus: start.rawStatus ?? null };
  for (const e of events) {
    const t = transition(s, e);
    s = { status: t.status, rawStatus: t.rawStatus };
  }
  return s;
}

/** Artefact statuses: granted, then revoked or expired for good. */
export function artefactTransition(current: ConsentStatus, incoming: string | null | undefined): { status: ConsentStatus; changed: boolean } {
  const n = normaliseStatus(incoming);
  if (n.kind !== "known") return { status: current, changed: false };
  const from = current === "GRANTED" || isFinal(current) ? current : "GRANTED";
  if (n.status === from) return { status: from, changed: from !== current };
  if (from === "GRANTED" && (n.status === "REVOKED" || n.status === "EXPIRED")) return { status: n.status, changed: true };
  return { status: from, changed: from !== current };
}

/**
 * The status of one HIP's artefact from its care contexts' `status` in consent details (EKA does
 * not document that field; the sandbox reports the artefact status there). All revoked ⇒ REVOKED,
 * all expired ⇒ EXPIRED, any granted ⇒ GRANTED, otherwise nothing can be said.
 */
export function artefactStatusFromCareContexts(statuses: (string | null | undefined)[]): EkaStatus | null {
  const known = statuses.map(normaliseStatus).filter((n): n is { kind: "known"; status: EkaStatus } => n.kind === "known");
  if (known.length === 0) return null;
  if (known.some((k) => k.status === "GRANTED")) return "GRANTED";
  if (known.every((k) => k.status === "REVOKED")) return "REVOKED";
  if (known.every((k) => k.status === "EXPIRED")) return "EXPIRED";
  if (known.every((k) => k.status === "REVOKED" || k.status === "EXPIRED")) return "REVOKED";
  return null;
}
