/**
 * Which ABDM HI type a bundle carries, in the codes EKA and ABDM use on the wire.
 *
 * Order (fhir-notes §1): Composition.meta.profile → Composition.type code (matched without
 * trusting the system: pre-IG data puts SNOMED under projecteka/ndhm URLs) → type.text / coding
 * display / title keywords → for bundles without a Composition, the resources they hold →
 * "unknown".
 */
import type { Bundle, Composition } from "@medplum/fhirtypes";
import { asArray, isRecord, str } from "./guards";

export const HI_TYPES = [
  "OPConsultation",
  "Prescription",
  "DischargeSummary",
  "DiagnosticReport",
  "ImmunizationRecord",
  "HealthDocumentRecord",
  "WellnessRecord",
  "Invoice",
] as const;
export type HiType = (typeof HI_TYPES)[number];
export type DetectedHiType = HiType | "unknown";

export const HI_TYPE_LABELS: Record<DetectedHiType, string> = {
  OPConsultation: "OP consultation",
  Prescription: "Prescription",
  DischargeSummary: "Discharge summary",
  DiagnosticReport: "Diagnostic report",
  ImmunizationRecord: "Immunization",
  HealthDocumentRecord: "Health document",
  WellnessRecord: "Wellness record",
  Invoice: "Invoice",
  unknown: "Health record",
};

export function isHiType(v: unknown): v is HiType {
  return typeof v === "string" && (HI_TYPES as readonly string[]).includes(v);
}

const PROFILE_TO_HI_TYPE: Record<string, HiType> = {
  OPConsultRecord: "OPConsultation",
  PrescriptionRecord: "Prescription",
  DischargeSummaryRecord: "DischargeSummary",
  DiagnosticReportRecord: "DiagnosticReport",
  ImmunizationRecord: "ImmunizationRecord",
  HealthDocumentRecord: "HealthDocumentRecord",
  WellnessRecord: "WellnessRecord",
  InvoiceRecord: "Invoice",
};

const CODE_TO_HI_TYPE: Record<string, HiType> = {
  // SNOMED CT document types used by the NRCeS IG (and by pre-IG data under pseudo systems).
  "371530004": "OPConsultation",
  "440545006": "Prescription",
  "721981007": "DiagnosticReport",
  "373942005": "DischargeSummary",
  "41000179103": "ImmunizationRecord",
  "419891008": "HealthDocumentRecord",
  // LOINC document types seen in non-IG data. 60591-5 "patient summary" and 34133-9 "summary
  // of episode note" are deliberately absent: they were used on unrelated record kinds.
  "28655-9": "DischargeSummary",
  "18842-5": "DischargeSummary",
  "11488-4": "OPConsultation",
  "57833-6": "Prescription",
  "11502-2": "DiagnosticReport",
  "18748-4": "DiagnosticReport",
  "11369-6": "ImmunizationRecord",
};

const TEXT_PATTERNS: [RegExp, HiType][] = [
  [/invoice|\bbill(ing)?\b/i, "Invoice"],
  [/wellness/i, "WellnessRecord"],
  [/discharge/i, "DischargeSummary"],
  [/immuni[sz]ation|vaccin/i, "ImmunizationRecord"],
  [/prescription|\brx\b/i, "Prescription"],
  [/diagnostic|lab(oratory)? report|radiology|imaging|patholog/i, "DiagnosticReport"],
  [/consult|\bop(d)?\b|out-?patient/i, "OPConsultation"],
  [/health ?document|record artifact/i, "HealthDocumentRecord"],
];

/** The HI type for a profile URL (`…/OPConsultRecord`, with or without `|version`). */
export function hiTypeFromProfile(profile: unknown): HiType | null {
  const s = str(profile);
  if (!s) return null;
  const noVersion = s.split("|")[0].replace(/\/+$/, "");
  const last = noVersion.slice(noVersion.lastIndexOf("/") + 1);
  return PROFILE_TO_HI_TYPE[last] ?? null;
}

export function hiTypeFromText(text: unknown): HiType | null {
  const s = str(text);
  if (!s) return null;
  for (const [re, type] of TEXT_PATTERNS) if (re.test(s)) return type;
  return null;
}

export function findComposition(bundle: Bundle | unknown): Composition | null {
  if (!isRecord(bundle)) return null;
  for (const e of asArray(bundle.entry as unknown[])) {
    if (isRecord(e) && isRecord(e.resource) && e.resource.resourceType === "Composition") {
      return e.resource as unknown as Composition;
    }
  }
  return null;
}

function resourceTypesOf(bundle: unknown): Set<string> {
  const types = new Set<string>();
  if (!isRecord(bundle)) return types;
  for (const e of asArray(bundle.entry as unknown[])) {
    if (isRecord(e) && isRecord(e.resource) && typeof e.resource.resourceType === "string") {
      types.add(e.resource.resourceType);
    }
  }
  return types;
}

/**
 * Non-document bundles (ProjectEKA `collection` samples) have no Composition: judge by the
 * most specific clinical resource present.
 */
function hiTypeFromContent(bundle: unknown): HiType | null {
  const t = resourceTypesOf(bundle);
  if (t.has("Invoice")) return "Invoice";
  if (t.has("DiagnosticReport")) return "DiagnosticReport";
  if (t.has("Immunization") || t.has("ImmunizationRecommendation")) return "ImmunizationRecord";
  if (t.has("MedicationRequest")) return "Prescription";
  if (t.has("Observation") && !t.has("Condition")) return "WellnessRecord";
  if (t.has("DocumentReference") || t.has("Binary")) return "HealthDocumentRecord";
  return null;
}

export function detectHiType(bundle: Bundle | unknown): DetectedHiType {
  const composition = findComposition(bundle);
  if (composition) {
    const c = composition as unknown as Record<string, unknown>;
    const meta = isRecord(c.meta) ? c.meta : {};
    for (const p of asArray(meta.profile as unknown[])) {
      const t = hiTypeFromProfile(p);
      if (t) return t;
    }
    const type = isRecord(c.type) ? c.type : {};
    const codings = asArray(type.coding as unknown[]).filter(isRecord);
    for (const coding of codings) {
      const code = str(coding.code);
      if (code && CODE_TO_HI_TYPE[code]) return CODE_TO_HI_TYPE[code];
    }
    const texts = [type.text, ...codings.map((x) => x.display), c.title];
    for (const text of texts) {
      const t = hiTypeFromText(text);
      if (t) return t;
    }
  }
  return hiTypeFromContent(bundle) ?? "unknown";
}
