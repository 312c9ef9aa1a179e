/**
 * Bundle-level facts: the document's date, the patient's demographics, and lenient coercion of
 * the shapes a bundle arrives in.
 */
import type { Bundle, Composition, Patient } from "@medplum/fhirtypes";
import { parseFhirDate, type DatePrecision } from "./dates";
import { formatHumanName } from "./display";
import { asArray, isRecord, str } from "./guards";
import { detectHiType, findComposition, type DetectedHiType } from "./hi-type";
import { createResolver, type BundleResolver } from "./references";
import { clinicalDate } from "./resources";

/**
 * A Bundle from whatever arrived: a parsed Bundle, its JSON text, or a single resource
 * (wrapped into a one-entry collection). Null for anything else. Never throws.
 */
export function asBundle(input: unknown): Bundle | null {
  let value = input;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!isRecord(value)) return null;
  if (value.resourceType === "Bundle") return value as unknown as Bundle;
  if (typeof value.resourceType === "string") {
    return { resourceType: "Bundle", type: "collection", entry: [{ resource: value as never }] } as Bundle;
  }
  return null;
}

const CONTROL_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

/**
 * Escapes raw control characters inside JSON string literals. Some published bundles (and the
 * narratives inside ProjectEKA HIU envelopes) carry literal newlines and tabs in strings, which
 * strict JSON.parse rejects; escaping them is unambiguous and changes no value's meaning.
 */
export function repairJsonControlCharacters(text: string): string {
  let out = "";
  let inString = false;
  let escaped = false;
  for (const ch of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
      else if (ch < " ") {
        out += CONTROL_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
        continue;
      }
    } else if (ch === '"') inString = true;
    out += ch;
  }
  return out;
}

export interface ParsedBundleText {
  bundle: Bundle | null;
  /** True when raw control characters had to be escaped for the text to parse. */
  repaired: boolean;
  error: string | null;
}

/**
 * Parses bundle JSON text: strictly first, then once more after escaping raw control characters
 * inside strings (see `repairJsonControlCharacters`). Anything else is reported, not thrown.
 */
export function parseBundleText(text: string): ParsedBundleText {
  let value: unknown;
  let repaired = false;
  try {
    value = JSON.parse(text);
  } catch (first) {
    try {
      value = JSON.parse(repairJsonControlCharacters(text));
      repaired = true;
    } catch {
      return { bundle: null, repaired: false, error: `not valid JSON: ${(first as Error).message}` };
    }
  }
  const bundle = asBundle(value);
  return bundle ? { bundle, repaired, error: null } : { bundle: null, repaired, error: "JSON is not a FHIR resource" };
}

export type DocumentDateSource = "encounter" | "main-resource" | "composition" | "bundle-timestamp" | "last-updated";

export interface DocumentDateInfo {
  /** The date string exactly as written in the source. */
  date: string;
  /** End of the encounter period for encounter-bearing records (discharges), as written. */
  end: string | null;
  source: DocumentDateSource;
  precision: DatePrecision | null;
  sortKey: string | null;
}

// The resource whose own date best stands for the whole record, per HI type (fhir-notes §3).
// OP consults and discharges are absent: without an Encounter their Composition.date is a
// better record date than, say, a Condition onset years earlier.
const MAIN_RESOURCE: Partial<Record<DetectedHiType, string[]>> = {
  Prescription: ["MedicationRequest", "MedicationStatement"],
  DiagnosticReport: ["DiagnosticReport", "Observation"],
  ImmunizationRecord: ["Immunization"],
  Invoice: ["Invoice", "ChargeItem"],
  HealthDocumentRecord: ["DocumentReference"],
  WellnessRecord: ["Observation"],
  unknown: ["DiagnosticReport", "MedicationRequest", "Immunization", "DocumentReference", "Observation"],
};

const ENCOUNTER_BEARING = new Set<DetectedHiType>(["OPConsultation", "DischargeSummary"]);

function info(date: string, source: DocumentDateSource, end: string | null = null): DocumentDateInfo {
  const p = parseFhirDate(date);
  return { date, end, source, precision: p?.precision ?? null, sortKey: p?.instant ?? null };
}

/** Resources in Composition section order first, then the rest in bundle order. */
function resourcesInDocumentOrder(resolver: BundleResolver, composition: Composition | null): Record<string, unknown>[] {
  const ordered: Record<string, unknown>[] = [];
  const seen = new Set<unknown>();
  const walk = (sections: unknown) => {
    for (const section of asArray(sections as unknown[])) {
      if (!isRecord(section)) continue;
      for (const ref of asArray(section.entry as unknown[])) {
        const target = resolver.resolve(ref, composition).target?.resource;
        if (target && !seen.has(target)) {
          seen.add(target);
          ordered.push(target as unknown as Record<string, unknown>);
        }
      }
      walk(section.section);
    }
  };
  if (composition) walk((composition as unknown as Record<string, unknown>).section);
  for (const e of resolver.entries) {
    if (!seen.has(e.resource)) {
      seen.add(e.resource);
      ordered.push(e.resource as unknown as Record<string, unknown>);
    }
  }
  return ordered;
}

/**
 * The clinical date of a whole record (fhir-notes §3): the Encounter period for OP consults and
 * discharges, else the main resource's own date, else Composition.date, Bundle.timestamp and
 * finally meta.lastUpdated. Null only when the bundle carries no date at all.
 */
export function documentDateInfo(bundle: Bundle | unknown, resolver: BundleResolver = createResolver(bundle)): DocumentDateInfo | null {
  const b = isRecord(bundle) ? bundle : {};
  const composition = findComposition(bundle);
  const c = (composition ?? {}) as unknown as Record<string, unknown>;
  const hiType = detectHiType(bundle);

  if (ENCOUNTER_BEARING.has(hiType)) {
    const fromComposition = resolver.resolve(c.encounter, composition).target?.resource as unknown as Record<string, unknown> | undefined;
    const encounter =
      (fromComposition?.resourceType === "Encounter" ? fromComposition : undefined) ??
      (resolver.entries.find((e) => e.resource.resourceType === "Encounter")?.resource as unknown as Record<string, unknown> | undefined);
    const period = encounter && isRecord(encounter.period) ? encounter.period : null;
    const start = period ? str(period.start) : null;
    if (start) return info(start, "encounter", period ? str(period.end) : null);
  }

  const mainTypes = MAIN_RESOURCE[hiType] ?? [];
  const ordered = resourcesInDocumentOrder(resolver, composition);
  for (const type of mainTypes) {
    for (const r of ordered) {
      if (r.resourceType !== type) continue;
      const date = clinicalDate(r);
      if (date) return info(date, "main-resource");
    }
  }

  const compDate = str(c.date);
  if (compDate) return info(compDate, "composition");
  const timestamp = str(b.timestamp);
  if (timestamp) return info(timestamp, "bundle-timestamp");
  const lastUpdated = (isRecord(b.meta) ? str(b.meta.lastUpdated) : null) ?? (isRecord(c.meta) ? str(c.meta.lastUpdated) : null);
  if (lastUpdated) return info(lastUpdated, "last-updated");
  return null;
}

/** The record's clinical date string exactly as written (see `documentDateInfo`). */
export function documentDate(bundle: Bundle | unknown): string | null {
  return documentDateInfo(bundle)?.date ?? null;
}

export interface Demographics {
  name: string | null;
  gender: string | null;
  birthDate: string | null;
  /** 14-digit ABHA number (`NN-NNNN-NNNN-NNNN`) when the HIP sent one. */
  abhaNumber: string | null;
  /** ABHA address (`name@abdm`) when the HIP sent one. */
  abhaAddress: string | null;
  identifiers: { system: string | null; type: string | null; value: string }[];
}

const ABHA_NUMBER_RE = /^\d{2}-?\d{4}-?\d{4}-?\d{4}$/;

/**
 * The patient as this bundle describes them: Composition.subject when it resolves to a Patient,
 * else the first Patient entry, else only the display name the subject reference carries.
 */
export function extractDemographics(bundle: Bundle | unknown): Demographics {
  const resolver = createResolver(bundle);
  const composition = findComposition(bundle);
  const subjectRef = composition ? (composition as unknown as Record<string, unknown>).subject : undefined;
  const resolved = resolver.resolve(subjectRef, composition);
  const fromSubject = resolved.target?.resource.resourceType === "Patient" ? resolved.target.resource : null;
  const patient = (fromSubject ?? resolver.entries.find((e) => e.resource.resourceType === "Patient")?.resource ?? null) as Patient | null;

  const out: Demographics = { name: null, gender: null, birthDate: null, abhaNumber: null, abhaAddress: null, identifiers: [] };
  if (!patient) {
    out.name = resolved.display;
    return out;
  }
  const p = patient as unknown as Record<string, unknown>;
  out.name = formatHumanName(p.name) ?? resolved.display;
  out.gender = str(p.gender);
  out.birthDate = str(p.birthDate);
  for (const id of asArray(p.identifier as unknown[])) {
    if (!isRecord(id)) continue;
    const value = str(id.value);
    if (!value) continue;
    const system = str(id.system);
    const typeCodes = isRecord(id.type)
      ? asArray(id.type.coding as unknown[]).map((c) => (isRecord(c) ? (str(c.code) ?? "") : ""))
      : [];
    const type = typeCodes.find(Boolean) ?? (isRecord(id.type) ? str(id.type.text) : null);
    out.identifiers.push({ system, type, value });
    const sys = system?.toLowerCase() ?? "";
    if (!out.abhaNumber && ABHA_NUMBER_RE.test(value) && (sys.includes("healthid") || sys.includes("ndhm.gov.in") || sys.includes("abdm") || type === "ABHA" || type === "MR")) {
      out.abhaNumber = value;
    }
    if (!out.abhaAddress && value.includes("@") && (type === "ABHAAddress" || sys.includes("abha") || sys.includes("phr") || sys.includes("health:information") || /@(abdm|sbx|ndhm|ncg)$/i.test(value))) {
      out.abhaAddress = value;
    }
  }
  return out;
}
