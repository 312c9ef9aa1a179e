/**
 * Human-readable text for FHIR datatypes. Every function accepts `unknown`-ish input and returns
 * a string or null; none throws, because ABDM bundles routinely break the type contract
 * (fhir-notes §4: text-only concepts, codes without displays, typo'd code systems).
 */
import type {
  Annotation,
  CodeableConcept,
  Coding,
  Dosage,
  HumanName,
  Money,
  Period,
  Quantity,
  Range,
  Ratio,
  Timing,
} from "@medplum/fhirtypes";
import { formatFhirDate } from "./dates";
import { asArray, isRecord, num, str } from "./guards";

export interface CodeRef {
  system?: string;
  code?: string;
  display?: string;
}

/**
 * A short label for a code system. Matched on substrings rather than exact URLs because
 * pre-IG data puts SNOMED under `https://projecteka.in/sct`, `https://ndhm.in/sct`, and even
 * `https://projecteka.insct/condition`.
 */
export function systemLabel(system: unknown): string | null {
  const s = str(system)?.toLowerCase();
  if (!s) return null;
  if (s.includes("snomed") || /[/.]sct\b|insct/.test(s)) return "SNOMED";
  if (s.includes("loinc")) return "LOINC";
  if (s.includes("icd-10") || s.includes("icd10")) return "ICD-10";
  if (s.includes("rxnorm")) return "RxNorm";
  if (s.includes("/ndc")) return "NDC";
  if (s.includes("unitsofmeasure")) return "UCUM";
  if (s.includes("/act")) return "ATC";
  const hl7 = /terminology\.hl7\.org\/codesystem\/([^/|]+)/.exec(s);
  if (hl7) return hl7[1];
  try {
    const u = new URL(s);
    if (u.hostname) return u.hostname.replace(/^www\./, "");
  } catch {
    // not a URL (e.g. `urn:fr:hip`): fall through and show it as is
  }
  return s;
}

export function codingText(coding: unknown): string | null {
  if (!isRecord(coding)) return null;
  const display = str(coding.display);
  if (display) return display;
  const code = str(coding.code);
  if (!code) return null;
  const label = systemLabel(coding.system);
  return label ? `${label} ${code}` : code;
}

/**
 * CodeableConcept → its `text`, else the first coding's `display`, else a code with a short
 * system label ("SNOMED 12345"). Null when there is nothing at all.
 */
export function conceptText(cc: CodeableConcept | unknown): string | null {
  if (!isRecord(cc)) return typeof cc === "string" ? str(cc) : null;
  const text = str(cc.text);
  if (text) return text;
  const codings = asArray(cc.coding as Coding[] | undefined);
  for (const c of codings) {
    const d = isRecord(c) ? str(c.display) : null;
    if (d) return d;
  }
  for (const c of codings) {
    const t = codingText(c);
    if (t) return t;
  }
  return null;
}

/** All codings of one or more concepts, deduplicated, with empty fields dropped. */
export function conceptCodes(...concepts: unknown[]): CodeRef[] {
  const out: CodeRef[] = [];
  const seen = new Set<string>();
  for (const cc of concepts) {
    for (const candidate of asArray(cc as CodeableConcept | CodeableConcept[])) {
      if (!isRecord(candidate)) continue;
      for (const c of asArray(candidate.coding as Coding[] | undefined)) {
        if (!isRecord(c)) continue;
        const ref: CodeRef = {};
        const system = str(c.system);
        const code = str(c.code);
        const display = str(c.display);
        if (system) ref.system = system;
        if (code) ref.code = code;
        if (display) ref.display = display;
        if (!code && !display) continue;
        const key = `${system ?? ""}|${code ?? ""}|${display ?? ""}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(ref);
      }
    }
  }
  return out;
}

/** Trims binary floating-point noise (66.89999999999999 → 66.9) without rounding real digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(12)));
}

// UCUM codes that HIPs copy into `unit`, shown the way clinicians write them.
const UCUM_DISPLAY: Record<string, string> = {
  Cel: "°C",
  "[degF]": "°F",
  "mm[Hg]": "mmHg",
  "kg/m2": "kg/m²",
  "[in_i]": "in",
  "[in_us]": "in",
  "[lb_av]": "lb",
  "10*3/uL": "×10³/µL",
  "10*6/uL": "×10⁶/µL",
  "10*9/L": "×10⁹/L",
  "10*12/L": "×10¹²/L",
  "/min": "/min",
  "{beats}/min": "beats/min",
  "{breaths}/min": "breaths/min",
};

/** The unit to print: `unit`, else a UCUM `code` unless it is an annotation like `{steps}`. */
export function quantityUnit(q: unknown): string | null {
  if (!isRecord(q)) return null;
  const unit = str(q.unit);
  if (unit) return UCUM_DISPLAY[unit] ?? unit;
  const code = str(q.code);
  if (code && !/^\{.*\}$/.test(code)) return UCUM_DISPLAY[code] ?? code;
  return null;
}

export function formatQuantity(q: Quantity | unknown): string | null {
  if (!isRecord(q)) return null;
  const value = num(q.value);
  if (value === null) return null;
  const unit = quantityUnit(q);
  const n = `${str(q.comparator) ?? ""}${formatNumber(value)}`;
  if (!unit) return n;
  return unit === "%" ? `${n}%` : `${n} ${unit}`;
}

export function formatRange(r: Range | unknown): string | null {
  if (!isRecord(r)) return null;
  const low = isRecord(r.low) ? num(r.low.value) : null;
  const high = isRecord(r.high) ? num(r.high.value) : null;
  const unit = quantityUnit(r.high) ?? quantityUnit(r.low);
  const suffix = unit ? (unit === "%" ? "%" : ` ${unit}`) : "";
  if (low !== null && high !== null) return `${formatNumber(low)}–${formatNumber(high)}${suffix}`;
  if (low !== null) return `≥ ${formatNumber(low)}${suffix}`;
  if (high !== null) return `≤ ${formatNumber(high)}${suffix}`;
  return null;
}

export function formatRatio(r: Ratio | unknown): string | null {
  if (!isRecord(r)) return null;
  const n = formatQuantity(r.numerator);
  const d = formatQuantity(r.denominator);
  if (n && d) return `${n} / ${d}`;
  return n ?? null;
}

export function formatPeriod(p: Period | unknown): string | null {
  if (!isRecord(p)) return null;
  const start = str(p.start);
  const end = str(p.end);
  if (start && end) {
    const s = formatFhirDate(start);
    const e = formatFhirDate(end);
    return s === e ? s : `${s} – ${e}`;
  }
  if (start) return `from ${formatFhirDate(start)}`;
  if (end) return `until ${formatFhirDate(end)}`;
  return null;
}

/** A person's name: `text`, else prefix + given + family + suffix, preferring the official name. */
export function formatHumanName(name: HumanName | HumanName[] | unknown): string | null {
  const names = asArray(name as HumanName | HumanName[]).filter(isRecord) as HumanName[];
  if (names.length === 0) return typeof name === "string" ? str(name) : null;
  const preferred = names.find((n) => n.use === "official") ?? names.find((n) => n.use === "usual") ?? names[0];
  for (const n of [preferred, ...names]) {
    const text = str(n.text);
    if (text) return text;
    const parts = [
      ...asArray(n.prefix),
      ...asArray(n.given),
      n.family,
      ...asArray(n.suffix),
    ]
      .map((p) => str(p))
      .filter((p): p is string => p !== null);
    if (parts.length > 0) return parts.join(" ");
  }
  return null;
}

const inrFormatter = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR" });

/** Money in en-IN style (₹2,575.00); other currencies keep their own code. */
export function formatMoney(m: Money | unknown): string | null {
  if (!isRecord(m)) return null;
  const value = num(m.value);
  if (value === null) return null;
  const currency = str(m.currency)?.toUpperCase() ?? "INR";
  if (currency === "INR") return inrFormatter.format(value);
  try {
    return new Intl.NumberFormat("en-IN", { style: "currency", currency }).format(value);
  } catch {
    return `${formatNumber(value)} ${currency}`;
  }
}

const PERIOD_UNITS: Record<string, [string, string]> = {
  s: ["second", "seconds"],
  min: ["minute", "minutes"],
  h: ["hour", "hours"],
  d: ["day", "days"],
  wk: ["week", "weeks"],
  mo: ["month", "months"],
  a: ["year", "years"],
};

const WHEN: Record<string, string> = {
  MORN: "morning",
  AFT: "afternoon",
  EVE: "evening",
  NIGHT: "night",
  HS: "at bedtime",
  WAKE: "on waking",
  C: "with meals",
  CM: "with breakfast",
  CD: "with lunch",
  CV: "with dinner",
  AC: "before meals",
  ACM: "before breakfast",
  ACD: "before lunch",
  ACV: "before dinner",
  PC: "after meals",
  PCM: "after breakfast",
  PCD: "after lunch",
  PCV: "after dinner",
};

function unitWord(unit: unknown, n: number): string {
  const u = PERIOD_UNITS[String(unit)];
  if (!u) return String(unit ?? "");
  return n === 1 ? u[0] : u[1];
}

export function formatDuration(value: unknown, unit: unknown): string | null {
  const v = num(value);
  if (v === null) return null;
  return `${formatNumber(v)} ${unitWord(unit, v)}`;
}

/** "2 times a day", "every 8 hours", "once a day, morning", or the timing's code text. */
export function formatTiming(t: Timing | unknown): string | null {
  if (!isRecord(t)) return null;
  const parts: string[] = [];
  const repeat = isRecord(t.repeat) ? t.repeat : null;
  if (repeat) {
    const freq = num(repeat.frequency);
    const period = num(repeat.period);
    const unit = repeat.periodUnit;
    if (freq !== null && period !== null) {
      const times = freq === 1 ? "once" : freq === 2 ? "twice" : `${formatNumber(freq)} times`;
      if (period === 1) parts.push(`${times} a ${unitWord(unit, 1)}`);
      else if (freq === 1) parts.push(`every ${formatNumber(period)} ${unitWord(unit, period)}`);
      else parts.push(`${times} every ${formatNumber(period)} ${unitWord(unit, period)}`);
    } else if (period !== null) {
      parts.push(`every ${formatNumber(period)} ${unitWord(unit, period)}`);
    }
    const when = asArray(repeat.when as string[] | undefined)
      .map((w) => WHEN[String(w)] ?? String(w))
      .filter(Boolean);
    if (when.length > 0) parts.push(when.join(", "));
    const tod = asArray(repeat.timeOfDay as string[] | undefined).filter((x) => typeof x === "string");
    if (tod.length > 0) parts.push(`at ${tod.map((x) => String(x).slice(0, 5)).join(", ")}`);
  }
  const code = conceptText(t.code);
  if (parts.length === 0 && code) return code;
  return parts.length > 0 ? parts.join(", ") : null;
}

/** Duration of a course: Timing.repeat.bounds[x] or count. */
export function formatTimingBounds(t: Timing | unknown): string | null {
  if (!isRecord(t) || !isRecord(t.repeat)) return null;
  const r = t.repeat;
  if (isRecord(r.boundsDuration)) {
    const d = formatDuration(r.boundsDuration.value, r.boundsDuration.code ?? r.boundsDuration.unit);
    if (d) return `for ${d}`;
    const q = formatQuantity(r.boundsDuration);
    if (q) return `for ${q}`;
  }
  if (isRecord(r.boundsPeriod)) return formatPeriod(r.boundsPeriod);
  if (isRecord(r.boundsRange)) {
    const range = formatRange(r.boundsRange);
    if (range) return `for ${range}`;
  }
  const count = num(r.count);
  if (count !== null) return `${formatNumber(count)} doses`;
  return null;
}

export interface DosageView {
  text: string | null;
  dose: string | null;
  timing: string | null;
  duration: string | null;
  route: string | null;
  method: string | null;
  site: string | null;
  asNeeded: string | null;
  instructions: string[];
}

/** A Dosage broken into the columns a prescription view shows. */
export function describeDosage(d: Dosage | unknown): DosageView {
  const view: DosageView = {
    text: null,
    dose: null,
    timing: null,
    duration: null,
    route: null,
    method: null,
    site: null,
    asNeeded: null,
    instructions: [],
  };
  if (!isRecord(d)) return view;
  view.text = str(d.text);
  for (const dr of asArray(d.doseAndRate as unknown[])) {
    if (!isRecord(dr)) continue;
    view.dose = formatQuantity(dr.doseQuantity) ?? formatRange(dr.doseRange) ?? view.dose;
    if (view.dose) break;
  }
  view.timing = formatTiming(d.timing);
  view.duration = formatTimingBounds(d.timing);
  view.route = conceptText(d.route);
  view.method = conceptText(d.method);
  view.site = conceptText(d.site);
  if (d.asNeededBoolean === true) view.asNeeded = "as needed";
  else if (d.asNeededCodeableConcept) {
    const why = conceptText(d.asNeededCodeableConcept);
    view.asNeeded = why ? `as needed for ${why}` : "as needed";
  }
  view.instructions = [
    ...asArray(d.additionalInstruction as CodeableConcept[] | undefined).map((c) => conceptText(c)),
    str(d.patientInstruction),
  ].filter((x): x is string => x !== null);
  return view;
}

/** One line for a dosage: its free text, else the structured parts joined. */
export function formatDosage(d: Dosage | unknown): string | null {
  const v = describeDosage(d);
  const structured = [v.dose, v.timing, v.duration, v.route, v.asNeeded, ...v.instructions].filter(
    (x): x is string => !!x,
  );
  if (v.text) {
    const extra = structured.filter((s) => !v.text!.toLowerCase().includes(s.toLowerCase()));
    return extra.length > 0 ? `${v.text} (${extra.join(", ")})` : v.text;
  }
  return structured.length > 0 ? structured.join(", ") : null;
}

export function annotationTexts(notes: Annotation[] | unknown): string[] {
  return asArray(notes as Annotation[])
    .map((n) => (isRecord(n) ? str(n.text) : null))
    .filter((x): x is string => x !== null);
}

/**
 * The `value[x]` of an Observation or component as text. Covers every R4 choice; a
 * `valueQuantity` with the pre-IG `{MMDDYY}` pseudo-unit is shown with that unit rather than
 * guessed into a date.
 */
export function formatValueX(holder: Record<string, unknown> | unknown): string | null {
  if (!isRecord(holder)) return null;
  if ("valueQuantity" in holder) return formatQuantity(holder.valueQuantity);
  if ("valueCodeableConcept" in holder) return conceptText(holder.valueCodeableConcept);
  if ("valueString" in holder) return str(holder.valueString);
  if ("valueBoolean" in holder) return typeof holder.valueBoolean === "boolean" ? (holder.valueBoolean ? "Yes" : "No") : null;
  if ("valueInteger" in holder) {
    const n = num(holder.valueInteger);
    return n === null ? null : formatNumber(n);
  }
  if ("valueRange" in holder) return formatRange(holder.valueRange);
  if ("valueRatio" in holder) return formatRatio(holder.valueRatio);
  if ("valueTime" in holder) return str(holder.valueTime);
  if ("valueDateTime" in holder) return str(holder.valueDateTime) ? formatFhirDate(holder.valueDateTime) : null;
  if ("valuePeriod" in holder) return formatPeriod(holder.valuePeriod);
  if ("valueSampledData" in holder) return "(sampled data)";
  return null;
}

/** "MedicationRequest" → "Medication request". */
export function humanizeResourceType(resourceType: unknown): string {
  const t = str(resourceType);
  if (!t) return "Record";
  const spaced = t.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
