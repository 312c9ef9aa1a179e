import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

export const ROLES = ["clinician", "admin", "auditor"] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role").$type<Role>().notNull(),
    status: text("status").$type<"active" | "disabled">().notNull().default("active"),
    /** `scrypt$N$r$p$salt$hash`; null for SSO-only accounts. */
    passwordHash: text("password_hash"),
    ssoSubject: text("sso_subject"),
    /** Sent as the ABDM consent `requester.identifier` (e.g. REGNO / MH1001 / https://www.nmc.org.in). */
    registrationNumber: text("registration_number"),
    registrationSystem: text("registration_system"),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("users_email_key").on(t.email), uniqueIndex("users_sso_subject_key").on(t.ssoSubject)],
);
export type User = typeof users.$inferSelect;

/** Failed sign-in counters, per account and per IP, shared by all portal instances. */
export const signInThrottle = pgTable("sign_in_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  windowStartedAt: timestamp("window_started_at", { withTimezone: true }).notNull().defaultNow(),
  blockedUntil: timestamp("blocked_until", { withTimezone: true }),
});

export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid("actor_id"),
    /** Copied so the trail survives renames; "system" for background work. */
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    patientId: uuid("patient_id"),
    consentRequestId: uuid("consent_request_id"),
    ip: text("ip"),
    /** Metadata only: never health data, keys or tokens. */
    details: jsonb("details").$type<Record<string, unknown>>(),
  },
  (t) => [index("audit_events_at_idx").on(t.at), index("audit_events_actor_idx").on(t.actorId)],
);
export type AuditEvent = typeof auditEvents.$inferSelect;

export const patients = pgTable(
  "patients",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    abhaAddress: text("abha_address").notNull(),
    abhaNumber: text("abha_number"),
    name: text("name"),
    gender: text("gender"),
    birthDate: text("birth_date"),
    /** Every demographic value seen, per HIP: `{ name: [{ value, hipId, at }], … }`. */
    demographicsSeen: jsonb("demographics_seen").$type<DemographicsSeen>().notNull().default({}),
    demographicsConflict: boolean("demographics_conflict").notNull().default(false),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
    lastActivityAt: timestamp("last_activity_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("patients_abha_address_key").on(t.abhaAddress)],
);
export type Patient = typeof patients.$inferSelect;
export type DemographicsSeen = Partial<
  Record<"name" | "gender" | "birthDate", { value: string; hipId: string | null; at: string }[]>
>;

/** The care relationship: which clinicians may see a patient (added them or asked for consent). */
export const patientAccess = pgTable(
  "patient_access",
  {
    patientId: uuid("patient_id")
      .notNull()
      .references(() => patients.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    grantedAt: timestamp("granted_at", { withTimezone: true }).notNull().defaultNow(),
    lastVisitedAt: timestamp("last_visited_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.patientId, t.userId] })],
);

export const CONSENT_STATUSES = [
  "INITIATING",
  "REQUESTED",
  "GRANTED",
  "DENIED",
  "EXPIRED",
  "REVOKED",
  "FAILED",
  "UNKNOWN",
] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export const consentRequests = pgTable(
  "consent_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    patientId: uuid("patient_id")
      .notNull()
      .references(() => patients.id),
    requestedBy: uuid("requested_by")
      .notNull()
      .references(() => users.id),
    requesterName: text("requester_name").notNull(),
    requesterRegNo: text("requester_reg_no"),
    requesterRegSystem: text("requester_reg_system"),
    purpose: text("purpose").notNull(),
    hiTypes: text("hi_types").array().notNull(),
    dateFrom: timestamp("date_from", { withTimezone: true }).notNull(),
    dateTo: timestamp("date_to", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** Optional HIP restriction: `[{ id, name }]`. */
    hipFilter: jsonb("hip_filter").$type<{ id: string; name?: string }[]>(),
    status: text("status").$type<ConsentStatus>().notNull().default("INITIATING"),
    /** A status string EKA sent that we do not know, kept verbatim. */
    rawStatus: text("raw_status"),
    consentInitId: text("consent_init_id"),
    consentId: text("consent_id"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    denialReason: text("denial_reason"),
    grantedHiTypes: text("granted_hi_types").array(),
    grantedFrom: timestamp("granted_from", { withTimezone: true }),
    grantedTo: timestamp("granted_to", { withTimezone: true }),
    grantedExpiresAt: timestamp("granted_expires_at", { withTimezone: true }),
    statusChangedAt: timestamp("status_changed_at", { withTimezone: true }).notNull().defaultNow(),
    /** Poller lease: rows are taken FOR UPDATE SKIP LOCKED and leased until this time. */
    pollLeaseUntil: timestamp("poll_lease_until", { withTimezone: true }),
    nextPollAt: timestamp("next_poll_at", { withTimezone: true }).notNull().defaultNow(),
    pollAttempts: integer("poll_attempts").notNull().default(0),
    lastPolledAt: timestamp("last_polled_at", { withTimezone: true }),
    lastRecordAt: timestamp("last_record_at", { withTimezone: true }),
    recordsViewedAt: timestamp("records_viewed_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("consent_requests_init_id_key").on(t.consentInitId),
    index("consent_requests_consent_id_idx").on(t.consentId),
    index("consent_requests_patient_idx").on(t.patientId),
    index("consent_requests_status_idx").on(t.status, t.nextPollAt),
  ],
);
export type ConsentRequest = typeof consentRequests.$inferSelect;

export const consentArtefacts = pgTable(
  "consent_artefacts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    consentRequestId: uuid("consent_request_id")
      .notNull()
      .references(() => consentRequests.id, { onDelete: "cascade" }),
    artefactId: text("artefact_id"),
    hipId: text("hip_id").notNull(),
    hipName: text("hip_name"),
    status: text("status").$type<ConsentStatus>().notNull().default("GRANTED"),
    hiTypes: text("hi_types").array(),
    dateFrom: timestamp("date_from", { withTimezone: true }),
    dateTo: timestamp("date_to", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    purgedAt: timestamp("purged_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("consent_artefacts_request_hip_key").on(t.consentRequestId, t.hipId)],
);
export type ConsentArtefact = typeof consentArtefacts.$inferSelect;

export const CARE_CONTEXT_STAGES = ["awaiting", "received", "decrypted", "stored", "failed", "purged"] as const;
export type CareContextStage = (typeof CARE_CONTEXT_STAGES)[number];

export const careContexts = pgTable(
  "care_contexts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    artefactId: uuid("artefact_id")
      .notNull()
      .references(() => consentArtefacts.id, { onDelete: "cascade" }),
    careContextId: text("care_context_id").notNull(),
    display: text("display"),
    stage: text("stage").$type<CareContextStage>().notNull().default("awaiting"),
    stageReason: text("stage_reason"),
    receivedAt: timestamp("received_at", { withTimezone: true }),
    storedAt: timestamp("stored_at", { withTimezone: true }),
    /** EKA-stores mode: retrieval attempts and when to try again. */
    fetchAttempts: integer("fetch_attempts").notNull().default(0),
    nextFetchAt: timestamp("next_fetch_at", { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("care_contexts_artefact_cc_key").on(t.artefactId, t.careContextId)],
);
export type CareContext = typeof careContexts.$inferSelect;

export const WEBHOOK_STATUSES = ["pending", "processing", "done", "failed", "dead", "ignored"] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export const webhookInbox = pgTable(
  "webhook_inbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    deliveryId: text("delivery_id").notNull(),
    event: text("event").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    /** Non-secret request headers kept for diagnosis (no signature, no auth). */
    headers: jsonb("headers").$type<Record<string, string>>(),
    /** The raw body, sealed under KEY_ENCRYPTION_KEY (entries inside stay Fidelius-encrypted). */
    bodySealed: text("body_sealed").notNull(),
    bodyBytes: integer("body_bytes").notNull(),
    signatureOk: boolean("signature_ok").notNull(),
    consentId: text("consent_id"),
    transactionId: text("transaction_id"),
    status: text("status").$type<WebhookStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp("lease_until", { withTimezone: true }),
    lastError: text("last_error"),
    /** Per-entry outcome summary (care context, ok, reason) — metadata only. */
    outcome: jsonb("outcome").$type<unknown>(),
    processedAt: timestamp("processed_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("webhook_inbox_delivery_key").on(t.deliveryId),
    index("webhook_inbox_status_idx").on(t.status, t.nextAttemptAt),
  ],
);
export type WebhookInboxRow = typeof webhookInbox.$inferSelect;

export const healthRecords = pgTable(
  "health_records",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    patientId: uuid("patient_id")
      .notNull()
      .references(() => patients.id),
    consentRequestId: uuid("consent_request_id")
      .notNull()
      .references(() => consentRequests.id),
    artefactId: uuid("artefact_id").references(() => consentArtefacts.id),
    hipId: text("hip_id"),
    hipName: text("hip_name"),
    careContextId: text("care_context_id").notNull(),
    transactionId: text("transaction_id").notNull(),
    page: integer("page").notNull().default(1),
    pageCount: integer("page_count"),
    contentHash: text("content_hash").notNull(),
    hiType: text("hi_type"),
    documentDate: text("document_date"),
    bundle: jsonb("bundle").$type<Record<string, unknown>>(),
    sourceChecksum: text("source_checksum"),
    checksumMatches: boolean("checksum_matches"),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
    purgedAt: timestamp("purged_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("health_records_idem_key").on(t.transactionId, t.careContextId, t.page, t.contentHash),
    index("health_records_patient_idx").on(t.patientId),
    index("health_records_artefact_idx").on(t.artefactId),
  ],
);
export type HealthRecord = typeof healthRecords.$inferSelect;

export const timelineItems = pgTable(
  "timeline_items",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    recordId: uuid("record_id")
      .notNull()
      .references(() => healthRecords.id, { onDelete: "cascade" }),
    patientId: uuid("patient_id")
      .notNull()
      .references(() => patients.id),
    consentRequestId: uuid("consent_request_id").notNull(),
    hipId: text("hip_id"),
    hipName: text("hip_name"),
    hiType: text("hi_type"),
    resourceType: text("resource_type").notNull(),
    resourceId: text("resource_id"),
    /** The clinical date exactly as written in the source (null when the resource has none). */
    dateText: text("date_text"),
    /** An instant for ordering only; date-only values are taken at local (IST) midnight. */
    dateSort: timestamp("date_sort", { withTimezone: true }),
    datePrecision: text("date_precision").$type<"year" | "month" | "day" | "datetime">(),
    kind: text("kind"),
    title: text("title").notNull(),
    summary: text("summary"),
    value: text("value"),
    abnormal: boolean("abnormal").notNull().default(false),
    codes: jsonb("codes").$type<{ system?: string; code?: string; display?: string }[]>(),
    section: text("section"),
    attachment: jsonb("attachment").$type<Record<string, unknown>>(),
    /** Extra fields the views need (numeric value, unit, reference range…). */
    detail: jsonb("detail").$type<Record<string, unknown>>(),
    searchText: text("search_text").notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [
    index("timeline_items_patient_date_idx").on(t.patientId, t.dateSort.desc()),
    index("timeline_items_record_idx").on(t.recordId),
    index("timeline_items_search_idx").using("gin", sql`to_tsvector('simple', ${t.searchText})`),
  ],
);
export type TimelineItem = typeof timelineItems.$inferSelect;

export const KEY_STATUSES = ["active", "retired", "destroyed"] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

export const hiuKeys = pgTable(
  "hiu_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    status: text("status").$type<KeyStatus>().notNull(),
    publicKeyRaw: text("public_key_raw").notNull(),
    publicKeyX509: text("public_key_x509").notNull(),
    nonce: text("nonce").notNull(),
    /** The private key sealed with AES-256-GCM under KEY_ENCRYPTION_KEY; null once destroyed. */
    privateKeySealed: text("private_key_sealed"),
    kekVersion: integer("kek_version").notNull(),
    fingerprint: text("fingerprint").notNull(),
    createdAt: createdAt(),
    activatedAt: timestamp("activated_at", { withTimezone: true }),
    retiredAt: timestamp("retired_at", { withTimezone: true }),
    destroyedAt: timestamp("destroyed_at", { withTimezone: true }),
    pushStatus: text("push_status").$type<"pending" | "ok" | "failed">().notNull().default("pending"),
    pushedAt: timestamp("pushed_at", { withTimezone: true }),
    lastPushAttemptAt: timestamp("last_push_attempt_at", { withTimezone: true }),
    pushError: text("push_error"),
  },
  (t) => [
    // At most one active key: a second concurrent "generate" fails instead of forking the keyset.
    uniqueIndex("hiu_keys_one_active").on(t.status).where(sql`${t.status} = 'active'`),
  ],
);
export type HiuKey = typeof hiuKeys.$inferSelect;
