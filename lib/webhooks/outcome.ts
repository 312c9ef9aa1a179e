import type { WebhookInboxRow, WebhookStatus } from "@/db/schema";

/**
 * What processing a delivery produced, kept in `webhook_inbox.outcome` for the admin page.
 * Metadata only: ids, flags and reasons we wrote ourselves — never payload content.
 */
export type EntryOutcome = {
  careContextId: string;
  ok: boolean;
  reason?: string;
  recordId?: string;
  /** The same bundle was already stored (redelivery under a new id, or a retried delivery). */
  duplicate?: boolean;
  /** null: no digest-like checksum was sent. */
  checksumMatches?: boolean | null;
  /** The HIU key that decrypted it (active or a retired one in grace). */
  keyId?: string;
  leadingZeroFallback?: boolean;
  unwrapped?: boolean;
};

export type DataPushOutcome = {
  kind: "data_push";
  consentRequestId?: string;
  transactionId: string;
  page: number;
  pageCount: number | null;
  /** Set when the whole push was refused (consent not granted, unknown). */
  refused?: string;
  entries: EntryOutcome[];
  report?: { sent: boolean; at: string; error?: string };
};

export type ConsentUpdateOutcome = { kind: "consent_update"; status: string | null };

export type DeliveryOutcome = DataPushOutcome | ConsentUpdateOutcome;

export type ProcessContext = {
  row: WebhookInboxRow;
  now: Date;
  /** True on the last attempt allowed: handlers then give up (and say so) instead of retrying. */
  finalAttempt: boolean;
};

export type HandlerResult<O extends DeliveryOutcome = DeliveryOutcome> = {
  status: Extract<WebhookStatus, "done" | "dead">;
  outcome: O;
  lastError: string | null;
};
