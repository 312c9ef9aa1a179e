/**
 * Human wording for consent values. Pure and client-safe: forms, tables and badges share it.
 * Purpose and HI-type values are EKA's exact strings (docs/eka-api.md §6).
 */
import { HI_TYPES, PURPOSES, type HiType, type Purpose } from "@/lib/eka/schemas";
import type { CareContextStage, ConsentStatus } from "@/db/schema";

export { HI_TYPES, PURPOSES, type HiType, type Purpose };

export const PURPOSE_INFO: Record<Purpose, { label: string; code: string; hint: string }> = {
  "Care management": { label: "Care management", code: "CAREMGT", hint: "Treating the patient now (the usual choice)." },
  "Self Requested": { label: "Self requested", code: "PATRQT", hint: "The patient asked for their records to be brought here." },
  "Public Health": { label: "Public health", code: "PUBHLTH", hint: "A public-health programme or notification." },
  "Disease Specific Health Research": {
    label: "Disease-specific health research",
    code: "DSRCH",
    hint: "Approved research on a specific disease.",
  },
};

export const HI_TYPE_INFO: Record<HiType, { label: string; hint: string }> = {
  OPConsultation: { label: "OP consultation", hint: "Out-patient visit notes" },
  Prescription: { label: "Prescription", hint: "Medicines prescribed" },
  DischargeSummary: { label: "Discharge summary", hint: "Hospital stays" },
  DiagnosticReport: { label: "Diagnostic report", hint: "Lab and imaging results" },
  ImmunizationRecord: { label: "Immunization record", hint: "Vaccinations" },
  HealthDocumentRecord: { label: "Health document", hint: "Scanned or uploaded records" },
  WellnessRecord: { label: "Wellness record", hint: "Vitals, lifestyle, fitness" },
  Invoice: { label: "Invoice", hint: "Bills and payments" },
};

/**
 * Pre-selected in a new request: the clinical record types. Wellness records and invoices are
 * left for the clinician to add deliberately — ask for no more than care needs.
 */
export const DEFAULT_HI_TYPES: HiType[] = [
  "OPConsultation",
  "Prescription",
  "DischargeSummary",
  "DiagnosticReport",
  "ImmunizationRecord",
  "HealthDocumentRecord",
];

export function hiTypeLabel(t: string): string {
  return (HI_TYPE_INFO as Record<string, { label: string }>)[t]?.label ?? t;
}

export function purposeLabel(p: string): string {
  return (PURPOSE_INFO as Record<string, { label: string }>)[p]?.label ?? p;
}

/** Icons are plain Unicode shapes found in common system fonts: colour emoji fonts are often missing on hospital PCs. */
export const STATUS_INFO: Record<ConsentStatus, { label: string; icon: string; tone: "pending" | "ok" | "bad" | "ended" | "unknown"; hint: string }> = {
  INITIATING: { label: "Sending", icon: "↗", tone: "pending", hint: "Being sent to ABDM through EKA." },
  REQUESTED: { label: "Awaiting patient", icon: "◔", tone: "pending", hint: "Sent; the patient has not answered yet." },
  GRANTED: { label: "Granted", icon: "✓", tone: "ok", hint: "The patient agreed; records arrive per facility." },
  DENIED: { label: "Denied", icon: "✕", tone: "bad", hint: "The patient declined." },
  EXPIRED: { label: "Expired", icon: "◌", tone: "ended", hint: "The request or the consent ran out of time." },
  REVOKED: { label: "Revoked", icon: "⊘", tone: "ended", hint: "The patient withdrew the consent." },
  FAILED: { label: "Failed", icon: "!", tone: "bad", hint: "EKA or ABDM refused the request; nothing is pending." },
  UNKNOWN: { label: "Unknown", icon: "?", tone: "unknown", hint: "EKA reported a status this portal does not know." },
};

/** Every stored status, in worklist order (mirrors db/schema CONSENT_STATUSES without importing drizzle into the browser). */
export const ALL_STATUSES = Object.keys(STATUS_INFO) as ConsentStatus[];

export const STAGE_INFO: Record<CareContextStage, { label: string; icon: string; step: number }> = {
  awaiting: { label: "Awaiting data", icon: "◔", step: 0 },
  received: { label: "Received", icon: "↓", step: 1 },
  decrypted: { label: "Decrypted", icon: "◑", step: 2 },
  stored: { label: "Stored", icon: "✓", step: 3 },
  failed: { label: "Failed", icon: "!", step: -1 },
  purged: { label: "Purged", icon: "⊘", step: -1 },
};

export const STAGE_ORDER: CareContextStage[] = ["awaiting", "received", "decrypted", "stored"];
