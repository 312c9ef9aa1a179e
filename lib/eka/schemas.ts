/**
 * Request types and response schemas of EKA ABDM Connect (docs/eka-api.md §1–§3, §9).
 *
 * Responses are parsed leniently: unknown fields pass through (`.loose()`), arrays that the spec
 * marks nullable may be null or absent, and ids may come as numbers. Only what the portal relies
 * on is required.
 */
import { z } from "zod";

export const PURPOSES = [
  "Self Requested",
  "Care management",
  "Public Health",
  "Disease Specific Health Research",
] as const;
export type Purpose = (typeof PURPOSES)[number];

// ABDM HI type codes: EKA uses ABDM's own; one list for the whole portal.
import { HI_TYPES, type HiType } from "@/lib/fhir/hi-type";

export { HI_TYPES, type HiType };

export const CONSENT_STATUSES = ["REQUESTED", "GRANTED", "DENIED", "REVOKED", "EXPIRED"] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

/** Ids are strings in the spec; tolerate numbers and blank strings (→ null). */
const idString = z.union([z.string(), z.number()]).transform((v) => String(v));
const optionalId = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === undefined || v === null || v === "" ? null : String(v)));
const nullableArray = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

// ---------------------------------------------------------------------------------------------
// Auth (§1.2)

export const tokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    refresh_token: z.string().nullish(),
    expires_in: z.coerce.number().nullish(),
    refresh_expires_in: z.coerce.number().nullish(),
  })
  .loose();
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

// ---------------------------------------------------------------------------------------------
// HIU side (§2)

export interface Period {
  from: string;
  to: string;
  expiry?: string;
}

export interface ConsentCreateRequest {
  patient: { health_id: string; oid?: string };
  hiu?: {
    clinic_id?: string;
    d_oid?: string;
    requester?: { name?: string; identifier?: { type?: string; value?: string; system?: string } };
  };
  purpose: Purpose;
  record_types: HiType[] | null;
  period: Period;
  hip_identifier?: { id?: string; name?: string };
  care_contexts?: { cc_ref?: string; patient_ref?: string }[];
  appointment_id?: string;
}

export const consentCreateResponseSchema = z
  .object({ consent_init_id: idString.pipe(z.string().min(1)) })
  .loose();
export type ConsentCreateResponse = z.infer<typeof consentCreateResponseSchema>;

export interface ConsentListFilter {
  hiu?: { clinic_id?: string; d_oid?: string };
  patient?: { health_id?: string; oid?: string };
}

const periodSchema = z
  .object({ from: z.string().nullish(), to: z.string().nullish(), expiry: z.string().nullish() })
  .loose();

export const consentListItemSchema = z
  .object({
    /** Blank until EKA has an id for it (e.g. still REQUESTED) → null. */
    consent_id: optionalId,
    consent_init_id: optionalId,
    /** Free string in the spec; upper-cased here because the PHR inbox uses lower case. */
    status: z.string().transform((s) => s.trim().toUpperCase()),
    hi_types: nullableArray(z.string()),
    period: periodSchema.nullish(),
    c_at: z.string().nullish(),
    u_at: z.string().nullish(),
  })
  .loose();
export type ConsentListItem = z.infer<typeof consentListItemSchema>;

export const consentListResponseSchema = z
  .object({ consents: nullableArray(consentListItemSchema) })
  .loose();
export type ConsentListResponse = z.infer<typeof consentListResponseSchema>;

export interface ConsentDetailsRequest {
  consent_id: string;
  health_id: string;
}

export const consentDetailsResponseSchema = z
  .object({
    data: nullableArray(
      z
        .object({
          hip: z.object({ id: idString, name: z.string().nullish() }).loose(),
          care_contexts: nullableArray(
            z
              .object({
                id: idString,
                display: z.string().nullish(),
                status: z.string().nullish(),
                created_at: z.string().nullish(),
                documents: nullableArray(
                  z.object({ id: optionalId, fhir_url: z.string().nullish() }).loose(),
                ),
              })
              .loose(),
          ),
        })
        .loose(),
    ),
  })
  .loose();
export type ConsentDetailsResponse = z.infer<typeof consentDetailsResponseSchema>;

export interface KeysetUpdateRequest {
  /** base64: raw 65-byte point (default) or X.509 SPKI DER. */
  public_key: string;
  /** base64 of 32 random bytes. */
  nonce: string;
}

export interface OnPushRequest {
  consent_id: string;
  transaction_id: string;
  status_response: { care_context_id: string; success: boolean; description: string }[];
}

export interface RetrieveFhirRequest {
  /** The care_context_id. */
  identifier: string;
  hip_id: string;
  health_id: string;
  /** Sent as `X-Pt-Id` (required by the spec). */
  ptId: string;
}

/** A FHIR Bundle; the portal's FHIR layer validates it further. */
export const fhirBundleSchema = z
  .object({ resourceType: z.literal("Bundle"), entry: z.array(z.unknown()).nullish() })
  .loose();
export type FhirBundleLike = z.infer<typeof fhirBundleSchema>;

// ---------------------------------------------------------------------------------------------
// PHR side (§3)

export type RequestStatusFilter = "requested" | "granted" | "expired" | "denied" | "revoked";
export type RequestTypeFilter = "consent" | "subscription" | "authorization" | "all";

export interface ListRequestsQuery {
  status: RequestStatusFilter;
  type: RequestTypeFilter;
  oid?: string;
}

const purposeSchema = z.object({ code: z.string().nullish(), text: z.string().nullish() }).loose();
const nameOnly = z.object({ name: z.string().nullish() }).loose();
const idName = z.object({ id: optionalId, name: z.string().nullish() }).loose();
const durationSchema = z.object({ from: z.string().nullish(), to: z.string().nullish() }).loose();

export const requestSummarySchema = z
  .object({
    id: idString,
    created_at: z.string().nullish(),
    duration: durationSchema.nullish(),
    hiu: idName.nullish(),
    purpose: purposeSchema.nullish(),
    requester: nameOnly.nullish(),
  })
  .loose();
export type RequestSummary = z.infer<typeof requestSummarySchema>;

export const listRequestsResponseSchema = z
  .object({
    consents: nullableArray(requestSummarySchema),
    subscriptions: nullableArray(z.unknown()),
    authorizations: nullableArray(z.unknown()),
  })
  .loose();
export type ListRequestsResponse = z.infer<typeof listRequestsResponseSchema>;

export interface GetRequestQuery {
  id: string;
  type?: "consent" | "subscription";
  status?: RequestStatusFilter;
  oid?: string;
}

export const requestDetailSchema = z
  .object({
    id: idString,
    status: z.string().nullish(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
    access_mode: z.string().nullish(),
    duration: durationSchema.nullish(),
    erase_at: z.string().nullish(),
    hi_types: nullableArray(
      z.object({ id: z.string(), display: z.string().nullish(), enabled: z.boolean().nullish() }).loose(),
    ),
    hiu: idName.nullish(),
    purpose: purposeSchema.nullish(),
    requester: nameOnly.nullish(),
    providers: nullableArray(
      z
        .object({
          hip: idName,
          care_contexts: nullableArray(z.object({ id: idString, display: z.string().nullish() }).loose()),
          consent_artefact_id: optionalId,
        })
        .loose(),
    ),
  })
  .loose();
export type RequestDetail = z.infer<typeof requestDetailSchema>;

export interface ApproveConsentArtefact {
  hip_id: string;
  care_contexts: { id: string; display?: string }[];
  hi_types: string[];
  access_mode?: "view";
  duration: { from: string; to: string };
  erase_at: string;
}

export interface ApproveConsentRequest {
  id: string;
  access_mode?: "view";
  duration?: { from: string; to: string };
  erase_at?: string;
  hi_types?: string[];
  consent_artefacts: ApproveConsentArtefact[];
}

export interface DenyConsentRequest {
  id: string;
  reason?: string;
}

export interface RevokeConsentRequest {
  consent_artefacts: string[];
}

export const autoApprovalSchema = z
  .object({
    status: z
      .string()
      .transform((s) => s.trim().toLowerCase())
      .pipe(z.enum(["enabled", "disabled"])),
  })
  .loose();
export type AutoApproval = z.infer<typeof autoApprovalSchema>;

export interface UpdateAutoApprovalRequest {
  oid: string;
  /**
   * The current spec exposes only `oid`; whether PATCH toggles or enables is unstated
   * (eka-api.md §3.5). Sent as `enable=true|false` when given (the 2024–25 field name).
   */
  enable?: boolean;
}

/** Patient / partner context headers (§1.4), plus per-call overrides. */
export interface CallOptions {
  /** `X-Pt-Id`: EKA patient OID. */
  ptId?: string;
  /** `X-Partner-Pt-Id`: our own patient id. */
  partnerPtId?: string;
  /** `X-Hip-Id`: our facility id registered with EKA; defaults to the configured one. */
  hipId?: string;
  /** Overrides the configured timeout for this call. */
  timeoutMs?: number;
  /** Cancels the call (no retry after a caller abort). */
  signal?: AbortSignal;
}
