/**
 * Per-resource extraction: the clinical date, a readable title, a one-line summary, a value,
 * the abnormal flag, codes, attachments and a `detail` object the record views render.
 *
 * Every function reads untrusted JSON through the guards; a missing or odd field yields null,
 * never an exception. Dates are returned exactly as written in the source.
 */
import type { Resource } from "@medplum/fhirtypes";
import { describeAttachment, findAttachments, type AttachmentInfo } from "./attachments";
import { formatFhirDate, parseFhirDate } from "./dates";
import {
  annotationTexts,
  conceptCodes,
  conceptText,
  describeDosage,
  formatDuration,
  formatMoney,
  formatNumber,
  formatPeriod,
  formatQuantity,
  formatRange,
  formatValueX,
  humanizeResourceType,
  quantityUnit,
  systemLabel,
  type CodeRef,
  type DosageView,
} from "./display";
import { asArray, isRecord, num, str, uniqueStrings } from "./guards";
import { isGenericDisplay, referenceLabel, type BundleResolver, type IndexedResource } from "./references";

type Rec = Record<string, unknown>;

export type TimelineKind =
  | "lab-result"
  | "vital-sign"
  | "observation"
  | "condition"
  | "procedure"
  | "report"
  | "medication"
  | "immunization"
  | "allergy"
  | "document"
  | "media"
  | "imaging"
  | "care-plan"
  | "order"
  | "appointment"
  | "invoice"
  | "encounter"
  | "family-history"
  | "other";

/**
 * Resource types that never become timeline items: people, places, products and containers.
 * Everything else — including types we have no specific renderer for — yields an item, so
 * unexpected clinical content is never silently dropped.
 */
export const SUPPORTING_RESOURCE_TYPES: ReadonlySet<string> = new Set([
  "Bundle",
  "Composition",
  "Patient",
  "Practitioner",
  "PractitionerRole",
  "RelatedPerson",
  "Organization",
  "Location",
  "HealthcareService",
  "Endpoint",
  "Device",
  "Medication",
  "Substance",
  "Specimen",
  "Group",
  "Coverage",
  "Provenance",
  "AuditEvent",
  "Signature",
]);

export interface ResourceContext {
  resolver: BundleResolver;
  /** The resource's place in the bundle. */
  indexed: IndexedResource;
  /** `display` of the reference through which the walk reached this resource, if any. */
  incomingDisplay?: string | null;
  maxInlineBytes?: number;
}

export interface DescribedResource {
  kind: TimelineKind;
  date: string | null;
  title: string;
  summary: string | null;
  value: string | null;
  abnormal: boolean;
  codes: CodeRef[];
  attachments: AttachmentInfo[];
  detail: Rec;
  /** Extra text for search (notes, conclusions, names) beyond title/summary/value/codes. */
  searchText: string[];
}

// ---------------------------------------------------------------------------------------------
// Dates

type DatePick = { path: (r: Rec) => unknown; mustParse?: boolean };
const at = (...keys: string[]) => (r: Rec) =>
  keys.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : Array.isArray(v) ? (v[0] as Rec)?.[k] : undefined), r);
const d = (...keys: string[]): DatePick => ({ path: at(...keys) });
// Free-text choices (onsetString, occurrenceString…) count only when they are real dates.
const dText = (...keys: string[]): DatePick => ({ path: at(...keys), mustParse: true });

const EFFECTIVE = [d("effectiveDateTime"), d("effectiveInstant"), d("effectivePeriod", "start"), d("effectiveTiming", "event")];

/** Which field carries the clinical date, best first (fhir-notes §3). */
const DATE_FIELDS: Record<string, DatePick[]> = {
  Observation: [...EFFECTIVE, d("issued")],
  DiagnosticReport: [...EFFECTIVE, d("issued")],
  Condition: [d("onsetDateTime"), d("onsetPeriod", "start"), dText("onsetString"), d("recordedDate")],
  Procedure: [d("performedDateTime"), d("performedPeriod", "start"), dText("performedString")],
  MedicationRequest: [d("authoredOn")],
  MedicationStatement: [...EFFECTIVE, d("dateAsserted")],
  MedicationAdministration: [...EFFECTIVE],
  MedicationDispense: [d("whenHandedOver"), d("whenPrepared")],
  Immunization: [d("occurrenceDateTime"), dText("occurrenceString"), d("recorded")],
  ImmunizationRecommendation: [d("date")],
  AllergyIntolerance: [d("onsetDateTime"), d("onsetPeriod", "start"), dText("onsetString"), d("recordedDate")],
  DocumentReference: [d("date"), d("content", "attachment", "creation"), d("context", "period", "start")],
  CarePlan: [d("period", "start"), d("created")],
  ServiceRequest: [d("authoredOn"), d("occurrenceDateTime"), d("occurrencePeriod", "start")],
  Appointment: [d("start"), d("requestedPeriod", "start"), d("created")],
  Invoice: [d("date")],
  ChargeItem: [d("occurrenceDateTime"), d("occurrencePeriod", "start"), d("enteredDate")],
  FamilyMemberHistory: [d("date")],
  Media: [d("createdDateTime"), d("createdPeriod", "start"), d("issued"), d("content", "creation")],
  ImagingStudy: [d("started")],
  Encounter: [d("period", "start")],
  AdverseEvent: [d("date"), d("detected"), d("recordedDate")],
  ClinicalImpression: [...EFFECTIVE, d("date")],
  Goal: [d("startDate"), d("statusDate")],
  NutritionOrder: [d("dateTime")],
  RiskAssessment: [d("occurrenceDateTime"), d("occurrencePeriod", "start")],
  QuestionnaireResponse: [d("authored")],
  Communication: [d("sent"), d("received")],
  DeviceRequest: [d("authoredOn"), d("occurrenceDateTime")],
  DeviceUseStatement: [d("timingDateTime"), d("timingPeriod", "start"), d("recordedOn")],
  Binary: [],
};

const GENERIC_DATE_FIELDS: DatePick[] = [
  ...EFFECTIVE,
  d("occurrenceDateTime"),
  d("occurrencePeriod", "start"),
  d("performedDateTime"),
  d("performedPeriod", "start"),
  d("authoredOn"),
  d("date"),
  d("issued"),
  d("recordedDate"),
  d("created"),
  d("period", "start"),
];

/** Which date field was used, plus the string exactly as written (null when none). */
export function clinicalDate(resource: Resource | unknown): string | null {
  if (!isRecord(resource)) return null;
  const picks = DATE_FIELDS[String(resource.resourceType)] ?? GENERIC_DATE_FIELDS;
  for (const pick of picks) {
    const v = pick.path(resource);
    if (typeof v !== "string" || v.trim() === "") continue;
    if (pick.mustParse && !parseFhirDate(v)) continue;
    return v;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

function texts(values: unknown[]): string[] {
  return uniqueStrings(values.map((v) => conceptText(v)));
}

function labels(ctx: ResourceContext, refs: unknown, from: unknown): string[] {
  return uniqueStrings(asArray(refs as unknown[]).map((ref) => referenceLabel(ctx.resolver, ref, from)));
}

function label(ctx: ResourceContext, ref: unknown, from: unknown): string | null {
  return referenceLabel(ctx.resolver, ref, from);
}

function joinParts(parts: (string | null | undefined | false)[], sep = " · "): string | null {
  const kept = parts.filter((p): p is string => typeof p === "string" && p.trim() !== "");
  return kept.length > 0 ? kept.join(sep) : null;
}

function statusText(v: unknown): string | null {
  const s = conceptText(v) ?? str(v);
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : null;
}

/** The incoming reference display when it names something (not just "Observation"). */
function incoming(ctx: ResourceContext): string | null {
  return ctx.incomingDisplay && !isGenericDisplay(ctx.incomingDisplay) ? ctx.incomingDisplay : null;
}

function attachmentsOf(resource: Rec, ctx: ResourceContext): AttachmentInfo[] {
  return findAttachments(resource, ctx.indexed.pointer).map((f) =>
    describeAttachment(f.attachment, f.ref, ctx.maxInlineBytes),
  );
}

// ---------------------------------------------------------------------------------------------
// Observations

export interface ReferenceRangeView {
  low: number | null;
  high: number | null;
  unit: string | null;
  text: string | null;
  /** Display form: the range's own text, else "low–high unit". */
  display: string | null;
  type: string | null;
  appliesTo: string[];
  age: string | null;
}

export interface ObservationValueView {
  title: string;
  codes: CodeRef[];
  value: string | null;
  valueNumber: number | null;
  unit: string | null;
  referenceRange: ReferenceRangeView[];
  interpretation: string[];
  abnormal: boolean;
  abnormalReason: "interpretation" | "range" | null;
  /** Key grouping the same test across records and HIPs (for trend charts). */
  trendKey: string | null;
}

export interface ObservationDetail extends ObservationValueView {
  status: string | null;
  category: string[];
  method: string | null;
  bodySite: string | null;
  specimen: string | null;
  performers: string[];
  notes: string[];
  components: ObservationValueView[];
  memberCount: number;
  dataAbsentReason: string | null;
  effectiveEnd: string | null;
}

const ABNORMAL_INTERPRETATION = new Set(["A", "AA", "H", "HH", "HU", "HX", "L", "LL", "LU", "LX", ">", "<", "POS", "DET", "W"]);
const ABNORMAL_TEXT = /\b(high|low|abnormal|critical|positive|elevated|raised|reactive)\b/i;
const NEGATED_TEXT = /\b(non-?reactive|negative|not detected|normal)\b/i;

function interpretationIsAbnormal(interpretations: unknown[]): boolean {
  let sawCode = false;
  for (const cc of interpretations) {
    if (!isRecord(cc)) continue;
    for (const c of asArray(cc.coding as unknown[])) {
      const code = isRecord(c) ? str(c.code) : null;
      if (!code) continue;
      sawCode = true;
      if (ABNORMAL_INTERPRETATION.has(code.toUpperCase())) return true;
    }
  }
  if (sawCode) return false;
  return interpretations.some((cc) => {
    const t = conceptText(cc);
    if (!t) return false;
    return ABNORMAL_TEXT.test(t) && !(NEGATED_TEXT.test(t) && !/\b(below|above)\b/i.test(t));
  });
}

// v3 ObservationInterpretation codes as words, for HIPs that send a bare code with no display.
const INTERPRETATION_WORDS: Record<string, string> = {
  H: "High",
  HH: "Critically high",
  HU: "Significantly high",
  L: "Low",
  LL: "Critically low",
  LU: "Significantly low",
  A: "Abnormal",
  AA: "Critically abnormal",
  N: "Normal",
  POS: "Positive",
  NEG: "Negative",
  DET: "Detected",
  ND: "Not detected",
  ">": "Above measurable range",
  "<": "Below measurable range",
};

function interpretationText(cc: unknown): string | null {
  if (isRecord(cc) && !str(cc.text)) {
    const codings = asArray(cc.coding as unknown[]).filter(isRecord);
    if (!codings.some((c) => str(c.display))) {
      const word = codings.map((c) => INTERPRETATION_WORDS[str(c.code)?.toUpperCase() ?? ""]).find(Boolean);
      if (word) return word;
    }
  }
  return conceptText(cc);
}

function referenceRanges(v: unknown): ReferenceRangeView[] {
  return asArray(v as unknown[])
    .filter(isRecord)
    .map((rr) => {
      const low = isRecord(rr.low) ? num(rr.low.value) : null;
      const high = isRecord(rr.high) ? num(rr.high.value) : null;
      const unit = quantityUnit(rr.high) ?? quantityUnit(rr.low);
      const text = str(rr.text);
      return {
        low,
        high,
        unit,
        text,
        display: text ?? formatRange({ low: rr.low, high: rr.high }),
        type: conceptText(rr.type),
        appliesTo: texts(asArray(rr.appliesTo as unknown[])),
        age: formatRange(rr.age),
      };
    });
}

function sameUnit(a: string | null, b: string | null): boolean {
  if (!a || !b) return true;
  return a.replace(/\s+/g, "").toLowerCase() === b.replace(/\s+/g, "").toLowerCase();
}

/**
 * A stable key for "the same test": LOINC when any coding looks like LOINC (system or the
 * NNNN-N code shape, since pre-IG data uses pseudo systems), else the first code with its
 * system label, else the lower-cased name.
 */
export function trendKeyFor(code: unknown, title: string | null): string | null {
  const codings = isRecord(code) ? asArray(code.coding as unknown[]).filter(isRecord) : [];
  const loinc = codings.find((c) => {
    const sys = str(c.system)?.toLowerCase() ?? "";
    const cd = str(c.code) ?? "";
    return sys.includes("loinc") && /^\d{1,7}-\d$/.test(cd);
  });
  if (loinc) return `loinc:${str(loinc.code)}`;
  const first = codings.find((c) => str(c.code));
  if (first) return `${(systemLabel(first.system) ?? "code").toLowerCase()}:${str(first.code)}`;
  return title ? `text:${title.toLowerCase().replace(/\s+/g, " ").trim()}` : null;
}

function observationValue(holder: Rec, fallbackTitle: string): ObservationValueView {
  const title = conceptText(holder.code) ?? fallbackTitle;
  const q = isRecord(holder.valueQuantity) ? holder.valueQuantity : null;
  const valueNumber = q ? num(q.value) : num(holder.valueInteger);
  const unit = q ? quantityUnit(q) : null;
  const referenceRange = referenceRanges(holder.referenceRange);
  const interpretations = asArray(holder.interpretation as unknown[]);
  const interpretation = uniqueStrings(interpretations.map(interpretationText));
  let abnormalReason: ObservationValueView["abnormalReason"] = null;
  if (interpretationIsAbnormal(interpretations)) abnormalReason = "interpretation";
  else if (valueNumber !== null && referenceRange.length > 0) {
    const rr = referenceRange.find((r) => !r.type || /normal/i.test(r.type)) ?? referenceRange[0];
    if (sameUnit(unit, rr.unit)) {
      if ((rr.low !== null && valueNumber < rr.low) || (rr.high !== null && valueNumber > rr.high)) {
        abnormalReason = "range";
      }
    }
  }
  return {
    title,
    codes: conceptCodes(holder.code),
    value: formatValueX(holder) ?? (isRecord(holder.dataAbsentReason) ? `(${conceptText(holder.dataAbsentReason)})` : null),
    valueNumber,
    unit,
    referenceRange,
    interpretation,
    abnormal: abnormalReason !== null,
    abnormalReason,
    trendKey: valueNumber !== null ? trendKeyFor(holder.code, title) : null,
  };
}

const BP_SYSTOLIC = "8480-6";
const BP_DIASTOLIC = "8462-4";

function hasCode(view: ObservationValueView, code: string): boolean {
  return view.codes.some((c) => c.code === code);
}

function componentsValue(components: ObservationValueView[]): string | null {
  const sys = components.find((c) => hasCode(c, BP_SYSTOLIC));
  const dia = components.find((c) => hasCode(c, BP_DIASTOLIC));
  if (sys?.valueNumber != null && dia?.valueNumber != null) {
    return `${formatNumber(sys.valueNumber)}/${formatNumber(dia.valueNumber)} ${sys.unit ?? dia.unit ?? "mmHg"}`;
  }
  const parts = components.filter((c) => c.value).map((c) => `${c.title}: ${c.value}`);
  return parts.length > 0 ? parts.join("; ") : null;
}

const VITAL_LOINC = new Set(["85354-9", "8480-6", "8462-4", "8867-4", "9279-1", "2708-6", "59408-5", "8310-5", "8302-2", "29463-7", "39156-5", "8287-5", "61008-9"]);

function observationKind(r: Rec, codes: CodeRef[]): TimelineKind {
  const cats = asArray(r.category as unknown[]).flatMap((c) =>
    isRecord(c) ? asArray(c.coding as unknown[]).map((x) => (isRecord(x) ? str(x.code) : null)) : [],
  );
  if (cats.includes("vital-signs")) return "vital-sign";
  if (cats.includes("laboratory")) return "lab-result";
  if (codes.some((c) => c.code && VITAL_LOINC.has(c.code))) return "vital-sign";
  return "observation";
}

function describeObservation(r: Rec, ctx: ResourceContext, parentType: string | null): DescribedResource {
  const main = observationValue(r, incoming(ctx) ?? "Observation");
  const components = asArray(r.component as unknown[])
    .filter(isRecord)
    .map((c, i) => observationValue(c, `Component ${i + 1}`));
  const value = main.value ?? componentsValue(components) ?? null;
  const memberCount = asArray(r.hasMember as unknown[]).length;
  const abnormal = main.abnormal || components.some((c) => c.abnormal);
  const notes = annotationTexts(r.note);
  let kind = observationKind(r, main.codes);
  if (kind === "observation" && parentType === "DiagnosticReport") kind = "lab-result";
  const rangeText = main.referenceRange[0]?.display ?? null;
  const detail: ObservationDetail = {
    ...main,
    status: str(r.status),
    category: texts(asArray(r.category as unknown[])),
    method: conceptText(r.method),
    bodySite: conceptText(r.bodySite),
    specimen: label(ctx, r.specimen, r),
    performers: labels(ctx, r.performer, r),
    notes,
    components,
    memberCount,
    dataAbsentReason: conceptText(r.dataAbsentReason),
    effectiveEnd: isRecord(r.effectivePeriod) ? str(r.effectivePeriod.end) : null,
  };
  return {
    kind,
    date: clinicalDate(r),
    title: main.title,
    summary: joinParts([
      value,
      rangeText ? `ref ${rangeText}` : null,
      main.interpretation.join(", ") || null,
      memberCount > 0 && !value ? `${memberCount} results` : null,
    ]),
    value,
    abnormal,
    codes: conceptCodes(r.code, ...asArray(r.component as unknown[]).map((c) => (isRecord(c) ? c.code : null))),
    attachments: attachmentsOf(r, ctx),
    detail: detail as unknown as Rec,
    searchText: [...notes, ...components.flatMap((c) => [c.title, c.value ?? ""]), ...main.interpretation],
  };
}

// ---------------------------------------------------------------------------------------------
// Diagnostic reports

export type ReportKind = "lab" | "imaging" | "other";

export interface DiagnosticReportDetail {
  reportKind: ReportKind;
  status: string | null;
  category: string[];
  issued: string | null;
  effectiveEnd: string | null;
  conclusion: string | null;
  conclusionCodes: string[];
  performers: string[];
  interpreters: string[];
  specimens: string[];
  imagingStudies: string[];
  resultCount: number;
  mediaCount: number;
  basedOn: string[];
}

/**
 * Lab vs imaging (fhir-notes §1): imaging has imagingStudy/media, an imaging category (SNOMED
 * 310128004-style services, v2-0074 RAD and friends) or the IG's DiagnosticReportImaging
 * profile; lab has results, specimens or a lab category.
 */
export function diagnosticReportKind(resource: unknown): ReportKind {
  if (!isRecord(resource)) return "other";
  const profiles = isRecord(resource.meta) ? asArray(resource.meta.profile as unknown[]).map(String) : [];
  if (profiles.some((p) => /DiagnosticReportImaging/i.test(p))) return "imaging";
  if (profiles.some((p) => /DiagnosticReportLab/i.test(p))) return "lab";
  const catCodes = asArray(resource.category as unknown[]).flatMap((c) =>
    isRecord(c) ? asArray(c.coding as unknown[]).map((x) => (isRecord(x) ? `${str(x.code) ?? ""} ${str(x.display) ?? ""}` : "")) : [],
  );
  const catText = [...catCodes, ...texts(asArray(resource.category as unknown[]))].join(" ");
  if (asArray(resource.imagingStudy as unknown[]).length > 0) return "imaging";
  if (/\b(RAD|CT|MR|US|NMR|CUS|RX|VUS|XRC|OUS)\b|310128004|radiolog|imaging|tomograph|ultrason|x-?ray|mammo/i.test(catText)) {
    return "imaging";
  }
  if (asArray(resource.result as unknown[]).length > 0 || asArray(resource.specimen as unknown[]).length > 0) return "lab";
  if (/\b(LAB|HM|CH|MB|SP|CP|PAT)\b|708196005|laborator|haematolog|hematolog|patholog|chemistry/i.test(catText)) {
    return "lab";
  }
  if (asArray(resource.media as unknown[]).length > 0) return "imaging";
  return "other";
}

function describeDiagnosticReport(r: Rec, ctx: ResourceContext): DescribedResource {
  const title = conceptText(r.code) ?? incoming(ctx) ?? "Diagnostic report";
  const conclusion = str(r.conclusion);
  const conclusionCodes = texts(asArray(r.conclusionCode as unknown[]));
  const results = asArray(r.result as unknown[]);
  const abnormal = results.some((ref) => {
    const target = ctx.resolver.resolve(ref, r).target?.resource;
    return isRecord(target) && observationIsAbnormal(target);
  });
  const attachments = attachmentsOf(r, ctx);
  const detail: DiagnosticReportDetail = {
    reportKind: diagnosticReportKind(r),
    status: str(r.status),
    category: texts(asArray(r.category as unknown[])),
    issued: str(r.issued),
    effectiveEnd: isRecord(r.effectivePeriod) ? str(r.effectivePeriod.end) : null,
    conclusion,
    conclusionCodes,
    performers: labels(ctx, r.performer, r),
    interpreters: labels(ctx, r.resultsInterpreter, r),
    specimens: labels(ctx, r.specimen, r),
    imagingStudies: labels(ctx, r.imagingStudy, r),
    resultCount: results.length,
    mediaCount: asArray(r.media as unknown[]).length,
    basedOn: labels(ctx, r.basedOn, r),
  };
  return {
    kind: "report",
    date: clinicalDate(r),
    title,
    summary: joinParts([
      conclusion,
      conclusionCodes.filter((c) => c.toLowerCase() !== conclusion?.toLowerCase()).join(", ") || null,
      !conclusion && results.length > 0 ? `${results.length} result${results.length === 1 ? "" : "s"}` : null,
    ]),
    value: null,
    abnormal,
    codes: conceptCodes(r.code, r.conclusionCode),
    attachments,
    detail: detail as unknown as Rec,
    searchText: [conclusion ?? "", ...conclusionCodes, ...detail.category, ...detail.performers],
  };
}

/** Abnormal by interpretation or by the numeric value against its reference range. */
export function observationIsAbnormal(obs: unknown): boolean {
  if (!isRecord(obs) || obs.resourceType !== "Observation") return false;
  if (observationValue(obs, "").abnormal) return true;
  return asArray(obs.component as unknown[]).some((c) => isRecord(c) && observationValue(c, "").abnormal);
}

// ---------------------------------------------------------------------------------------------
// Medications

export interface MedicationDetail {
  status: string | null;
  intent: string | null;
  medication: string;
  form: string | null;
  ingredients: string[];
  dosage: (DosageView & { sequence: number | null })[];
  dosageText: string | null;
  duration: string | null;
  dispense: string | null;
  reasons: string[];
  requester: string | null;
  notes: string[];
  effectiveEnd: string | null;
}

function medicationName(r: Rec, ctx: ResourceContext): { name: string | null; codes: CodeRef[]; med: Rec | null } {
  if (r.medicationCodeableConcept !== undefined) {
    const name = conceptText(r.medicationCodeableConcept);
    if (name) return { name, codes: conceptCodes(r.medicationCodeableConcept), med: null };
  }
  const resolved = ctx.resolver.resolve(r.medicationReference, r);
  const med = resolved.target?.resource as unknown as Rec | undefined;
  if (isRecord(med)) {
    const name = conceptText(med.code);
    if (name) return { name, codes: conceptCodes(med.code), med };
  }
  const display = resolved.display && !isGenericDisplay(resolved.display) ? resolved.display : null;
  return { name: display, codes: [], med: isRecord(med) ? med : null };
}

function medicationExtras(med: Rec | null): { form: string | null; ingredients: string[] } {
  if (!med) return { form: null, ingredients: [] };
  const ingredients = asArray(med.ingredient as unknown[])
    .filter(isRecord)
    .map((i) => {
      const name = conceptText(i.itemCodeableConcept) ?? (isRecord(i.itemReference) ? str(i.itemReference.display) : null);
      const strength = isRecord(i.strength)
        ? [formatQuantity(i.strength.numerator), formatQuantity(i.strength.denominator)].filter(Boolean).join(" / ")
        : null;
      return joinParts([name, strength], " ");
    })
    .filter((x): x is string => !!x);
  return { form: conceptText(med.form), ingredients };
}

function describeMedication(r: Rec, ctx: ResourceContext): DescribedResource {
  const { name, codes, med } = medicationName(r, ctx);
  const title = name ?? incoming(ctx) ?? "Medication (name not given)";
  const dosageRaw = r.resourceType === "MedicationAdministration" ? asArray(r.dosage as unknown[]) : asArray((r.dosageInstruction ?? r.dosage) as unknown[]);
  const dosage = dosageRaw.filter(isRecord).map((dz) => {
    const view = describeDosage(dz);
    if (r.resourceType === "MedicationAdministration" && !view.dose) view.dose = formatQuantity(dz.dose);
    return { ...view, sequence: num(dz.sequence) };
  });
  const dispenseRequest = isRecord(r.dispenseRequest) ? r.dispenseRequest : null;
  const supply = dispenseRequest && isRecord(dispenseRequest.expectedSupplyDuration)
    ? (formatDuration(dispenseRequest.expectedSupplyDuration.value, dispenseRequest.expectedSupplyDuration.code ?? dispenseRequest.expectedSupplyDuration.unit) ??
      formatQuantity(dispenseRequest.expectedSupplyDuration))
    : null;
  const duration = dosage.find((x) => x.duration)?.duration ?? (supply ? `for ${supply}` : null);
  const dispense = dispenseRequest
    ? joinParts([
        formatQuantity(dispenseRequest.quantity) ? `quantity ${formatQuantity(dispenseRequest.quantity)}` : null,
        num(dispenseRequest.numberOfRepeatsAllowed) !== null ? `${num(dispenseRequest.numberOfRepeatsAllowed)} repeats` : null,
      ])
    : null;
  const reasons = uniqueStrings([...texts(asArray(r.reasonCode as unknown[])), ...labels(ctx, r.reasonReference, r)]);
  const notes = annotationTexts(r.note);
  const extras = medicationExtras(med);
  const dosageLine = dosage
    .map((x) => {
      const structured = joinParts([x.dose, x.timing, x.route, x.asNeeded, ...x.instructions], ", ");
      return x.text ?? structured;
    })
    .filter(Boolean)
    .join("; ");
  const detail: MedicationDetail = {
    status: str(r.status),
    intent: str(r.intent),
    medication: title,
    form: extras.form,
    ingredients: extras.ingredients,
    dosage,
    dosageText: dosageLine || null,
    duration,
    dispense,
    reasons,
    requester: label(ctx, r.requester ?? r.informationSource ?? r.performer, r),
    notes,
    effectiveEnd: isRecord(r.effectivePeriod) ? str(r.effectivePeriod.end) : null,
  };
  return {
    kind: "medication",
    date: clinicalDate(r),
    title,
    summary: joinParts([
      dosageLine || null,
      duration && !dosageLine.toLowerCase().includes(duration.toLowerCase()) ? duration : null,
      reasons.length > 0 ? `for ${reasons.join(", ")}` : null,
    ]),
    value: null,
    abnormal: false,
    codes,
    attachments: [],
    detail: detail as unknown as Rec,
    searchText: [...notes, ...reasons, ...dosage.flatMap((x) => x.instructions), ...extras.ingredients],
  };
}

// ---------------------------------------------------------------------------------------------
// Immunization

export interface ImmunizationDetail {
  status: string | null;
  vaccine: string;
  brand: string | null;
  doseNumber: string | null;
  seriesDoses: string | null;
  series: string | null;
  targetDiseases: string[];
  lotNumber: string | null;
  expirationDate: string | null;
  manufacturer: string | null;
  site: string | null;
  route: string | null;
  doseQuantity: string | null;
  performers: string[];
  location: string | null;
  reasons: string[];
  reactions: string[];
  occurrenceText: string | null;
  primarySource: boolean | null;
  notes: string[];
}

function doseNumberOf(p: Rec): string | null {
  const n = num(p.doseNumberPositiveInt);
  return n !== null ? formatNumber(n) : str(p.doseNumberString);
}

function describeImmunization(r: Rec, ctx: ResourceContext): DescribedResource {
  const vaccine = conceptText(r.vaccineCode) ?? incoming(ctx) ?? "Vaccine (name not given)";
  const protocol = asArray(r.protocolApplied as unknown[]).filter(isRecord);
  const brand = asArray(r.extension as unknown[])
    .filter(isRecord)
    .find((e) => /BrandName/i.test(String(e.url)))?.valueString;
  const p0 = protocol[0] ?? {};
  const seriesDosesN = num(p0.seriesDosesPositiveInt);
  const detail: ImmunizationDetail = {
    status: str(r.status),
    vaccine,
    brand: str(brand),
    doseNumber: doseNumberOf(p0),
    seriesDoses: seriesDosesN !== null ? formatNumber(seriesDosesN) : str(p0.seriesDosesString),
    series: str(p0.series),
    targetDiseases: texts(protocol.flatMap((p) => asArray(p.targetDisease as unknown[]))),
    lotNumber: str(r.lotNumber),
    expirationDate: str(r.expirationDate),
    manufacturer: label(ctx, r.manufacturer, r),
    site: conceptText(r.site),
    route: conceptText(r.route),
    doseQuantity: formatQuantity(r.doseQuantity),
    performers: uniqueStrings(asArray(r.performer as unknown[]).map((p) => (isRecord(p) ? label(ctx, p.actor, r) : null))),
    location: label(ctx, r.location, r),
    reasons: uniqueStrings([...texts(asArray(r.reasonCode as unknown[])), ...labels(ctx, r.reasonReference, r)]),
    reactions: uniqueStrings(
      asArray(r.reaction as unknown[]).map((x) => (isRecord(x) ? (label(ctx, x.detail, r) ?? str(x.date)) : null)),
    ),
    occurrenceText: str(r.occurrenceString),
    primarySource: typeof r.primarySource === "boolean" ? r.primarySource : null,
    notes: annotationTexts(r.note),
  };
  const dose = detail.doseNumber
    ? `Dose ${detail.doseNumber}${detail.seriesDoses ? ` of ${detail.seriesDoses}` : ""}`
    : null;
  return {
    kind: "immunization",
    date: clinicalDate(r),
    title: vaccine,
    summary: joinParts([
      dose,
      detail.brand,
      detail.targetDiseases.length > 0 ? `against ${detail.targetDiseases.join(", ")}` : null,
      detail.lotNumber ? `lot ${detail.lotNumber}` : null,
      detail.site,
      r.status === "not-done" ? "Not done" : null,
    ]),
    value: dose,
    abnormal: false,
    codes: conceptCodes(r.vaccineCode),
    attachments: [],
    detail: detail as unknown as Rec,
    searchText: [...detail.notes, ...detail.reasons, detail.brand ?? "", detail.lotNumber ?? ""],
  };
}

export interface RecommendationView {
  vaccine: string | null;
  targetDisease: string | null;
  status: string | null;
  doseNumber: string | null;
  seriesDoses: string | null;
  series: string | null;
  dates: { label: string; date: string }[];
  description: string | null;
}

function describeImmunizationRecommendation(r: Rec, ctx: ResourceContext): DescribedResource {
  const recs: RecommendationView[] = asArray(r.recommendation as unknown[])
    .filter(isRecord)
    .map((x) => {
      const sd = num(x.seriesDosesPositiveInt);
      return {
        vaccine: texts(asArray(x.vaccineCode as unknown[]))[0] ?? null,
        targetDisease: conceptText(x.targetDisease),
        status: conceptText(x.forecastStatus),
        doseNumber: doseNumberOf(x),
        seriesDoses: sd !== null ? formatNumber(sd) : str(x.seriesDosesString),
        series: str(x.series),
        dates: asArray(x.dateCriterion as unknown[])
          .filter(isRecord)
          .map((dc) => ({ label: conceptText(dc.code) ?? "Date", date: str(dc.value) ?? "" }))
          .filter((dc) => dc.date !== ""),
        description: str(x.description),
      };
    });
  const first = recs[0];
  const what = first?.vaccine ?? first?.targetDisease ?? incoming(ctx);
  return {
    kind: "immunization",
    date: clinicalDate(r),
    title: what ? `Recommended: ${what}` : "Immunization recommendation",
    summary: joinParts([
      first?.status,
      first?.description,
      first?.dates[0] ? `${first.dates[0].label}: ${formatFhirDate(first.dates[0].date)}` : null,
    ]),
    value: null,
    abnormal: false,
    codes: conceptCodes(
      ...asArray(r.recommendation as unknown[]).flatMap((x) => (isRecord(x) ? [...asArray(x.vaccineCode as unknown[]), x.targetDisease] : [])),
    ),
    attachments: [],
    detail: { recommendations: recs, authority: label(ctx, r.authority, r) },
    searchText: recs.flatMap((x) => [x.description ?? "", x.series ?? "", x.targetDisease ?? ""]),
  };
}

// ---------------------------------------------------------------------------------------------
// Conditions, allergies, procedures, family history

function describeCondition(r: Rec, ctx: ResourceContext): DescribedResource {
  const title = conceptText(r.code) ?? incoming(ctx) ?? "Condition (not named)";
  const notes = annotationTexts(r.note);
  const onset =
    str(r.onsetString) ??
    (isRecord(r.onsetAge) ? `at age ${formatQuantity(r.onsetAge)}` : null) ??
    formatRange(r.onsetRange) ??
    (isRecord(r.onsetPeriod) ? formatPeriod(r.onsetPeriod) : null);
  const detail = {
    clinicalStatus: statusText(r.clinicalStatus),
    verificationStatus: statusText(r.verificationStatus),
    severity: conceptText(r.severity),
    category: texts(asArray(r.category as unknown[])),
    bodySite: texts(asArray(r.bodySite as unknown[])),
    onsetText: onset,
    onsetDateTime: str(r.onsetDateTime),
    recordedDate: str(r.recordedDate),
    abatement: str(r.abatementDateTime) ?? str(r.abatementString) ?? formatPeriod(r.abatementPeriod),
    recorder: label(ctx, r.recorder ?? r.asserter, r),
    notes,
  };
  return {
    kind: "condition",
    date: clinicalDate(r),
    title,
    summary: joinParts([detail.clinicalStatus, detail.verificationStatus, detail.severity, onset ? `onset ${onset}` : null, notes[0]]),
    value: null,
    abnormal: false,
    codes: conceptCodes(r.code),
    attachments: [],
    detail,
    searchText: [...notes, ...detail.bodySite, ...detail.category],
  };
}

function describeAllergy(r: Rec, ctx: ResourceContext): DescribedResource {
  const title = conceptText(r.code) ?? incoming(ctx) ?? "Allergy or intolerance";
  const reactions = asArray(r.reaction as unknown[])
    .filter(isRecord)
    .map((x) => ({
      substance: conceptText(x.substance),
      manifestations: texts(asArray(x.manifestation as unknown[])),
      severity: str(x.severity),
      description: str(x.description),
    }));
  const notes = annotationTexts(r.note);
  const detail = {
    clinicalStatus: statusText(r.clinicalStatus),
    verificationStatus: statusText(r.verificationStatus),
    type: str(r.type),
    category: asArray(r.category as unknown[]).map(String),
    criticality: str(r.criticality),
    reactions,
    lastOccurrence: str(r.lastOccurrence),
    recorder: label(ctx, r.recorder ?? r.asserter, r),
    notes,
  };
  const manifest = uniqueStrings(reactions.flatMap((x) => x.manifestations));
  return {
    kind: "allergy",
    date: clinicalDate(r),
    title,
    summary: joinParts([
      detail.clinicalStatus,
      detail.criticality ? `criticality ${detail.criticality}` : null,
      manifest.length > 0 ? manifest.join(", ") : null,
      notes[0],
    ]),
    value: null,
    abnormal: false,
    codes: conceptCodes(r.code),
    attachments: [],
    detail,
    searchText: [...notes, ...manifest],
  };
}

function describeProcedure(r: Rec, ctx: ResourceContext): DescribedResource {
  const title = conceptText(r.code) ?? incoming(ctx) ?? "Procedure";
  const notes = annotationTexts(r.note);
  const detail = {
    status: str(r.status),
    performedEnd: isRecord(r.performedPeriod) ? str(r.performedPeriod.end) : null,
    performedText: str(r.performedString) ?? (isRecord(r.performedAge) ? formatQuantity(r.performedAge) : null),
    outcome: conceptText(r.outcome),
    bodySite: texts(asArray(r.bodySite as unknown[])),
    reasons: uniqueStrings([...texts(asArray(r.reasonCode as unknown[])), ...labels(ctx, r.reasonReference, r)]),
    complications: texts(asArray(r.complication as unknown[])),
    followUp: texts(asArray(r.followUp as unknown[])),
    performers: uniqueStrings(asArray(r.performer as unknown[]).map((p) => (isRecord(p) ? label(ctx, p.actor, r) : null))),
    notes,
  };
  return {
    kind: "procedure",
    date: clinicalDate(r),
    title,
    summary: joinParts([
      statusText(r.status),
      detail.bodySite.join(", ") || null,
      detail.outcome,
      detail.followUp.length > 0 ? `follow-up: ${detail.followUp.join(", ")}` : null,
      notes[0],
    ]),
    value: null,
    abnormal: false,
    codes: conceptCodes(r.code),
    attachments: [],
    detail,
    searchText: [...notes, ...detail.reasons, ...detail.complications, ...detail.followUp],
  };
}

function describeFamilyHistory(r: Rec): DescribedResource {
  const relationship = conceptText(r.relationship) ?? str(r.name);
  const conditions = asArray(r.condition as unknown[])
    .filter(isRecord)
    .map((c) => ({
      condition: conceptText(c.code) ?? "Condition",
      onset: (isRecord(c.onsetAge) ? `at age ${formatQuantity(c.onsetAge)}` : null) ?? str(c.onsetString) ?? formatRange(c.onsetRange),
      outcome: conceptText(c.outcome),
      notes: annotationTexts(c.note),
    }));
  const notes = annotationTexts(r.note);
  const what = conditions.map((c) => c.condition).join(", ");
  return {
    kind: "family-history",
    date: clinicalDate(r),
    title: what ? `Family history: ${what}${relationship ? ` (${relationship})` : ""}` : `Family history${relationship ? `: ${relationship}` : ""}`,
    summary: joinParts([relationship, ...conditions.map((c) => joinParts([c.condition, c.onset], " ")), notes[0]]),
    value: null,
    abnormal: false,
    codes: conceptCodes(...asArray(r.condition as unknown[]).map((c) => (isRecord(c) ? c.code : null)), r.relationship),
    attachments: [],
    detail: { relationship, conditions, status: str(r.status), deceased: r.deceasedBoolean === true, notes, sex: conceptText(r.sex) },
    searchText: [...notes, ...conditions.flatMap((c) => c.notes)],
  };
}

// ---------------------------------------------------------------------------------------------
// Documents, media, imaging

function describeDocumentReference(r: Rec, ctx: ResourceContext): DescribedResource {
  const attachments = attachmentsOf(r, ctx);
  const title =
    conceptText(r.type) ??
    attachments.find((a) => a.title)?.title ??
    str(r.description) ??
    texts(asArray(r.category as unknown[]))[0] ??
    incoming(ctx) ??
    "Document";
  const detail = {
    status: str(r.status),
    docStatus: str(r.docStatus),
    description: str(r.description),
    category: texts(asArray(r.category as unknown[])),
    authors: labels(ctx, r.author, r),
    custodian: label(ctx, r.custodian, r),
    contextPeriod: isRecord(r.context) ? formatPeriod(r.context.period) : null,
    attachmentCount: attachments.length,
  };
  return {
    kind: "document",
    date: clinicalDate(r),
    title,
    summary: joinParts([detail.description !== title ? detail.description : null, ...attachments.map((a) => (a.title !== title ? a.title : null))]),
    value: null,
    abnormal: false,
    codes: conceptCodes(r.type, r.category),
    attachments,
    detail,
    searchText: [...detail.category, ...detail.authors, ...attachments.map((a) => a.title ?? "")],
  };
}

function describeBinary(r: Rec, ctx: ResourceContext): DescribedResource {
  const attachments = attachmentsOf(r, ctx);
  const ct = attachments[0]?.contentType;
  const kindLabel = ct === "application/pdf" ? "PDF document" : ct?.startsWith("image/") ? "Image" : "Attached file";
  return {
    kind: "document",
    date: null,
    title: incoming(ctx) ?? kindLabel,
    summary: ct ? `${kindLabel}${ct !== "application/pdf" ? ` (${ct})` : ""}` : null,
    value: null,
    abnormal: false,
    codes: [],
    attachments,
    detail: {},
    searchText: [],
  };
}

function describeMedia(r: Rec, ctx: ResourceContext): DescribedResource {
  const attachments = attachmentsOf(r, ctx);
  const title =
    attachments[0]?.title ??
    incoming(ctx) ??
    conceptText(r.modality) ??
    conceptText(r.type) ??
    conceptText(r.view) ??
    (attachments[0]?.contentType === "application/dicom" ? "DICOM image" : "Image");
  const detail = {
    status: str(r.status),
    modality: conceptText(r.modality),
    view: conceptText(r.view),
    bodySite: conceptText(r.bodySite),
    operator: label(ctx, r.operator, r),
    device: str(r.deviceName) ?? label(ctx, r.device, r),
    notes: annotationTexts(r.note),
  };
  return {
    kind: "media",
    date: clinicalDate(r),
    title,
    summary: joinParts([detail.modality, detail.bodySite, detail.view]),
    value: null,
    abnormal: false,
    codes: conceptCodes(r.modality, r.bodySite),
    attachments,
    detail,
    searchText: detail.notes,
  };
}

function describeImagingStudy(r: Rec, ctx: ResourceContext): DescribedResource {
  const series = asArray(r.series as unknown[])
    .filter(isRecord)
    .map((s) => ({
      description: str(s.description),
      modality: isRecord(s.modality) ? (str(s.modality.display) ?? str(s.modality.code)) : null,
      bodySite: isRecord(s.bodySite) ? (str(s.bodySite.display) ?? str(s.bodySite.code)) : null,
      instances: num(s.numberOfInstances) ?? asArray(s.instance as unknown[]).length,
    }));
  const modalities = uniqueStrings([
    ...asArray(r.modality as unknown[]).map((m) => (isRecord(m) ? (str(m.display) ?? str(m.code)) : null)),
    ...series.map((s) => s.modality),
  ]);
  const title =
    str(r.description) ??
    texts(asArray(r.procedureCode as unknown[]))[0] ??
    incoming(ctx) ??
    (modalities.length > 0 ? `Imaging study (${modalities.join(", ")})` : "Imaging study");
  return {
    kind: "imaging",
    date: clinicalDate(r),
    title,
    summary: joinParts([
      modalities.join(", ") || null,
      num(r.numberOfSeries) !== null ? `${num(r.numberOfSeries)} series` : null,
      num(r.numberOfInstances) !== null ? `${num(r.numberOfInstances)} images` : null,
    ]),
    value: null,
    abnormal: false,
    codes: conceptCodes(asArray(r.procedureCode as unknown[])),
    attachments: [],
    detail: { status: str(r.status), modalities, series, notes: annotationTexts(r.note) },
    searchText: series.map((s) => s.description ?? ""),
  };
}

// ---------------------------------------------------------------------------------------------
// Plans, orders, appointments, encounters

function describeCarePlan(r: Rec, ctx: ResourceContext): DescribedResource {
  const activities = asArray(r.activity as unknown[])
    .filter(isRecord)
    .map((a) => {
      const det = isRecord(a.detail) ? a.detail : {};
      return joinParts(
        [
          conceptText(det.code) ?? str(det.description) ?? label(ctx, a.reference, r),
          str(det.description) && conceptText(det.code) ? str(det.description) : null,
          str(det.scheduledString) ?? formatPeriod(det.scheduledPeriod),
          str(det.status),
        ],
        " — ",
      );
    })
    .filter((x): x is string => !!x);
  const notes = annotationTexts(r.note);
  const title = str(r.title) ?? texts(asArray(r.category as unknown[]))[0] ?? incoming(ctx) ?? "Care plan";
  const description = str(r.description);
  return {
    kind: "care-plan",
    date: clinicalDate(r),
    title,
    summary: joinParts([description, activities[0], notes[0]]),
    value: null,
    abnormal: false,
    codes: conceptCodes(r.category),
    attachments: [],
    detail: {
      status: str(r.status),
      intent: str(r.intent),
      description,
      category: texts(asArray(r.category as unknown[])),
      period: formatPeriod(r.period),
      activities,
      addresses: labels(ctx, r.addresses, r),
      goals: labels(ctx, r.goal, r),
      notes,
    },
    searchText: [...activities, ...notes, description ?? ""],
  };
}

function describeServiceRequest(r: Rec, ctx: ResourceContext): DescribedResource {
  const title = conceptText(r.code) ?? incoming(ctx) ?? "Investigation or service request";
  const notes = annotationTexts(r.note);
  const detail = {
    status: str(r.status),
    intent: str(r.intent),
    priority: str(r.priority),
    category: texts(asArray(r.category as unknown[])),
    occurrence: str(r.occurrenceDateTime) ?? formatPeriod(r.occurrencePeriod),
    authoredOn: str(r.authoredOn),
    reasons: uniqueStrings([...texts(asArray(r.reasonCode as unknown[])), ...labels(ctx, r.reasonReference, r)]),
    requester: label(ctx, r.requester, r),
    performers: labels(ctx, r.performer, r),
    bodySite: texts(asArray(r.bodySite as unknown[])),
    patientInstruction: str(r.patientInstruction),
    notes,
  };
  return {
    kind: "order",
    date: clinicalDate(r),
    title,
    summary: joinParts([detail.category.join(", ") || null, detail.priority, notes.find((n) => n.toLowerCase() !== title.toLowerCase())]),
    value: null,
    abnormal: false,
    codes: conceptCodes(r.code),
    attachments: [],
    detail,
    searchText: [...notes, ...detail.reasons, detail.patientInstruction ?? ""],
  };
}

function describeAppointment(r: Rec, ctx: ResourceContext): DescribedResource {
  const title =
    conceptText(r.appointmentType) ??
    texts(asArray(r.serviceType as unknown[]))[0] ??
    texts(asArray(r.serviceCategory as unknown[]))[0] ??
    texts(asArray(r.specialty as unknown[]))[0] ??
    incoming(ctx) ??
    "Appointment";
  const description = str(r.description);
  const detail = {
    status: str(r.status),
    start: str(r.start),
    end: str(r.end),
    description,
    serviceType: texts(asArray(r.serviceType as unknown[])),
    reasons: uniqueStrings([...texts(asArray(r.reasonCode as unknown[])), ...labels(ctx, r.reasonReference, r)]),
    participants: uniqueStrings(
      asArray(r.participant as unknown[]).map((p) => (isRecord(p) ? label(ctx, p.actor, r) : null)),
    ),
    comment: str(r.comment),
    patientInstruction: str(r.patientInstruction),
  };
  return {
    kind: "appointment",
    date: clinicalDate(r),
    title,
    summary: joinParts([description, statusText(r.status)]),
    value: null,
    abnormal: false,
    codes: conceptCodes(r.appointmentType, r.serviceType),
    attachments: [],
    detail,
    searchText: [description ?? "", detail.comment ?? "", ...detail.reasons],
  };
}

const ENCOUNTER_CLASS: Record<string, string> = {
  AMB: "Outpatient visit",
  IMP: "Inpatient admission",
  ACUTE: "Inpatient admission",
  NONAC: "Inpatient admission",
  EMER: "Emergency visit",
  HH: "Home visit",
  VR: "Virtual consultation",
  SS: "Day care",
  OBSENC: "Observation stay",
  PRENC: "Pre-admission visit",
  FLD: "Field visit",
};

function describeEncounter(r: Rec, ctx: ResourceContext): DescribedResource {
  const cls = isRecord(r.class) ? r.class : {};
  const classCode = str(cls.code)?.toUpperCase() ?? null;
  const title =
    texts(asArray(r.type as unknown[]))[0] ??
    (classCode && ENCOUNTER_CLASS[classCode]) ??
    str(cls.display) ??
    conceptText(r.serviceType) ??
    incoming(ctx) ??
    "Encounter";
  const hosp = isRecord(r.hospitalization) ? r.hospitalization : {};
  const diagnoses = asArray(r.diagnosis as unknown[])
    .filter(isRecord)
    .map((x) => joinParts([label(ctx, x.condition, r), conceptText(x.use) ? `(${conceptText(x.use)})` : null], " "))
    .filter((x): x is string => !!x);
  const period = isRecord(r.period) ? r.period : {};
  const detail = {
    status: str(r.status),
    class: str(cls.display) ?? classCode,
    periodStart: str(period.start),
    periodEnd: str(period.end),
    admitSource: conceptText(hosp.admitSource),
    dischargeDisposition: conceptText(hosp.dischargeDisposition),
    diagnoses,
    reasons: uniqueStrings([...texts(asArray(r.reasonCode as unknown[])), ...labels(ctx, r.reasonReference, r)]),
    participants: uniqueStrings(asArray(r.participant as unknown[]).map((p) => (isRecord(p) ? label(ctx, p.individual, r) : null))),
    locations: uniqueStrings(asArray(r.location as unknown[]).map((l) => (isRecord(l) ? label(ctx, l.location, r) : null))),
    serviceProvider: label(ctx, r.serviceProvider, r),
  };
  return {
    kind: "encounter",
    date: clinicalDate(r),
    title,
    summary: joinParts([formatPeriod(r.period), detail.serviceProvider, detail.dischargeDisposition ? `discharged: ${detail.dischargeDisposition}` : null]),
    value: null,
    abnormal: false,
    codes: conceptCodes(asArray(r.type as unknown[])),
    attachments: [],
    detail,
    searchText: [...diagnoses, ...detail.reasons],
  };
}

// ---------------------------------------------------------------------------------------------
// Billing

export interface PriceComponentView {
  type: string | null;
  label: string;
  amount: number | null;
  amountText: string | null;
  currency: string | null;
  factor: number | null;
}

export interface InvoiceLineView {
  sequence: number | null;
  item: string;
  quantity: string | null;
  components: PriceComponentView[];
  /** base − discount + tax, computed when the components allow it. */
  lineTotal: number | null;
  lineTotalText: string | null;
}

export interface InvoiceDetail {
  status: string | null;
  identifier: string | null;
  type: string | null;
  issuer: string | null;
  participants: string[];
  lines: InvoiceLineView[];
  totalPriceComponents: PriceComponentView[];
  totalNet: string | null;
  totalGross: string | null;
  totalNetValue: number | null;
  totalGrossValue: number | null;
  currency: string | null;
  paymentTerms: string | null;
  notes: string[];
}

function priceComponents(v: unknown): PriceComponentView[] {
  return asArray(v as unknown[])
    .filter(isRecord)
    .map((pc) => {
      const amount = isRecord(pc.amount) ? num(pc.amount.value) : null;
      const type = str(pc.type);
      return {
        type,
        label: conceptText(pc.code) ?? (type ? type.charAt(0).toUpperCase() + type.slice(1) : "Amount"),
        amount,
        amountText: formatMoney(pc.amount),
        currency: isRecord(pc.amount) ? (str(pc.amount.currency) ?? "INR") : null,
        factor: num(pc.factor),
      };
    });
}

/** What a charge item is for: the product it points to, its code, or the reference display. */
function chargeItemName(ci: Rec, ctx: ResourceContext): string | null {
  const product =
    conceptText(ci.productCodeableConcept) ??
    (ci.productReference ? label(ctx, ci.productReference, ci) : null);
  const productName = product && !isGenericDisplay(product) ? product : null;
  return productName ?? conceptText(ci.code);
}

function describeInvoice(r: Rec, ctx: ResourceContext): DescribedResource {
  const lines: InvoiceLineView[] = asArray(r.lineItem as unknown[])
    .filter(isRecord)
    .map((li, i) => {
      const resolved = ctx.resolver.resolve(li.chargeItemReference, r);
      const ci = resolved.target?.resource as unknown as Rec | undefined;
      const item =
        conceptText(li.chargeItemCodeableConcept) ??
        (isRecord(ci) ? chargeItemName(ci, ctx) : null) ??
        (resolved.display && !isGenericDisplay(resolved.display) ? resolved.display : null) ??
        `Item ${i + 1}`;
      const components = priceComponents(li.priceComponent);
      const sum = (type: string) =>
        components.filter((c) => c.type === type && c.amount !== null).reduce((s, c) => s + (c.amount ?? 0), 0);
      const hasBase = components.some((c) => c.type === "base" && c.amount !== null);
      const lineTotal = hasBase ? Math.round((sum("base") - sum("discount") + sum("tax") + sum("surcharge")) * 100) / 100 : null;
      const currency = components.find((c) => c.currency)?.currency ?? "INR";
      return {
        sequence: num(li.sequence),
        item,
        quantity: isRecord(ci) ? formatQuantity(ci.quantity) : null,
        components,
        lineTotal,
        lineTotalText: lineTotal !== null ? formatMoney({ value: lineTotal, currency }) : null,
      };
    });
  const detail: InvoiceDetail = {
    status: str(r.status),
    identifier: uniqueStrings(asArray(r.identifier as unknown[]).map((x) => (isRecord(x) ? str(x.value) : null)))[0] ?? null,
    type: conceptText(r.type),
    issuer: label(ctx, r.issuer, r),
    participants: uniqueStrings(asArray(r.participant as unknown[]).map((p) => (isRecord(p) ? label(ctx, p.actor, r) : null))),
    lines,
    totalPriceComponents: priceComponents(r.totalPriceComponent),
    totalNet: formatMoney(r.totalNet),
    totalGross: formatMoney(r.totalGross),
    totalNetValue: isRecord(r.totalNet) ? num(r.totalNet.value) : null,
    totalGrossValue: isRecord(r.totalGross) ? num(r.totalGross.value) : null,
    currency: isRecord(r.totalGross) ? str(r.totalGross.currency) : isRecord(r.totalNet) ? str(r.totalNet.currency) : null,
    paymentTerms: str(r.paymentTerms),
    notes: annotationTexts(r.note),
  };
  const type = detail.type;
  return {
    kind: "invoice",
    date: clinicalDate(r),
    title: type ? (/invoice|bill/i.test(type) ? type : `${type} invoice`) : (incoming(ctx) ?? "Invoice"),
    summary: joinParts([
      `${lines.length} item${lines.length === 1 ? "" : "s"}`,
      detail.totalGross ? `total ${detail.totalGross}` : detail.totalNet ? `net ${detail.totalNet}` : null,
      detail.identifier ? `no. ${detail.identifier}` : null,
    ]),
    value: detail.totalGross ?? detail.totalNet,
    abnormal: false,
    codes: conceptCodes(r.type),
    attachments: [],
    detail: detail as unknown as Rec,
    searchText: [...lines.map((l) => l.item), detail.identifier ?? "", ...detail.notes],
  };
}

function describeChargeItem(r: Rec, ctx: ResourceContext): DescribedResource {
  const name = chargeItemName(r, ctx) ?? incoming(ctx) ?? "Charge";
  return {
    kind: "invoice",
    date: clinicalDate(r),
    title: name,
    summary: joinParts([formatQuantity(r.quantity), formatMoney(r.priceOverride), statusText(r.status)]),
    value: formatMoney(r.priceOverride),
    abnormal: false,
    codes: conceptCodes(r.code),
    attachments: [],
    detail: { status: str(r.status), quantity: formatQuantity(r.quantity), code: conceptText(r.code), notes: annotationTexts(r.note) },
    searchText: annotationTexts(r.note),
  };
}

// ---------------------------------------------------------------------------------------------
// Anything else

function describeGeneric(r: Rec, ctx: ResourceContext): DescribedResource {
  const title =
    conceptText(r.code) ??
    conceptText(r.event) ??
    texts(asArray(r.type as unknown[]))[0] ??
    str(r.title) ??
    str(r.description) ??
    texts(asArray(r.category as unknown[]))[0] ??
    incoming(ctx) ??
    humanizeResourceType(r.resourceType);
  const notes = annotationTexts(r.note);
  return {
    kind: "other",
    date: clinicalDate(r),
    title,
    summary: joinParts([statusText(r.status), str(r.description) !== title ? str(r.description) : null, notes[0]]),
    value: formatValueX(r),
    abnormal: false,
    codes: conceptCodes(r.code, r.type),
    attachments: attachmentsOf(r, ctx),
    detail: { status: str(r.status), notes },
    searchText: notes,
  };
}

/**
 * Describes one clinical resource. `parentType` is the resource type of the resource that
 * contains it (a DiagnosticReport for its results), used to classify lab observations.
 */
export function describeResource(resource: Resource | unknown, ctx: ResourceContext, parentType: string | null = null): DescribedResource {
  const r = (isRecord(resource) ? resource : {}) as Rec;
  let described: DescribedResource;
  switch (r.resourceType) {
    case "Observation":
      described = describeObservation(r, ctx, parentType);
      break;
    case "DiagnosticReport":
      described = describeDiagnosticReport(r, ctx);
      break;
    case "MedicationRequest":
    case "MedicationStatement":
    case "MedicationAdministration":
    case "MedicationDispense":
      described = describeMedication(r, ctx);
      break;
    case "Immunization":
      described = describeImmunization(r, ctx);
      break;
    case "ImmunizationRecommendation":
      described = describeImmunizationRecommendation(r, ctx);
      break;
    case "Condition":
      described = describeCondition(r, ctx);
      break;
    case "AllergyIntolerance":
      described = describeAllergy(r, ctx);
      break;
    case "Procedure":
      described = describeProcedure(r, ctx);
      break;
    case "FamilyMemberHistory":
      described = describeFamilyHistory(r);
      break;
    case "DocumentReference":
      described = describeDocumentReference(r, ctx);
      break;
    case "Binary":
      described = describeBinary(r, ctx);
      break;
    case "Media":
      described = describeMedia(r, ctx);
      break;
    case "ImagingStudy":
      described = describeImagingStudy(r, ctx);
      break;
    case "CarePlan":
      described = describeCarePlan(r, ctx);
      break;
    case "ServiceRequest":
      described = describeServiceRequest(r, ctx);
      break;
    case "Appointment":
      described = describeAppointment(r, ctx);
      break;
    case "Encounter":
      described = describeEncounter(r, ctx);
      break;
    case "Invoice":
      described = describeInvoice(r, ctx);
      break;
    case "ChargeItem":
      described = describeChargeItem(r, ctx);
      break;
    default:
      described = describeGeneric(r, ctx);
  }
  // The last line of defence for "a readable, non-empty title".
  if (!described.title || !described.title.trim()) described.title = humanizeResourceType(r.resourceType);
  return described;
}
