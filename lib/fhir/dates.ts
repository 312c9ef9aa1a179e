/**
 * FHIR date/dateTime handling for the timeline.
 *
 * The rule (fhir-notes §3): keep the string exactly as the HIP wrote it, and derive a separate
 * instant that is used for ordering only. Date-only and partial dates (`2019`, `2021-06`) are
 * placed at IST midnight of their first day so that a UTC conversion never moves them to the
 * previous day; date-times without an offset (`2019-08-01T10:00:00.818234`) are read as IST,
 * because every HIP on the network is in India.
 */

export type DatePrecision = "year" | "month" | "day" | "datetime";

/** India Standard Time, in minutes east of UTC. */
export const IST_OFFSET_MINUTES = 330;

export interface ParsedFhirDate {
  /** The input, unchanged. */
  text: string;
  precision: DatePrecision;
  /** ISO-8601 UTC instant for ordering only — never for display. */
  instant: string;
  /** The offset as written (`Z`, `+05:30`), or null when the source had none (read as IST). */
  offset: string | null;
  year: number;
  month: number | null;
  day: number | null;
  hour: number | null;
  minute: number | null;
  second: number | null;
}

// Lenient on purpose: FHIR requires seconds and an offset on times, but real bundles omit both,
// use a space instead of `T`, or carry microseconds. Anything that matches is unambiguous.
const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function offsetMinutes(offset: string | null): number | null {
  if (offset === null) return IST_OFFSET_MINUTES;
  if (offset === "Z") return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(offset);
  if (!m) return null;
  const h = Number(m[2]);
  const mins = Number(m[3]);
  if (h > 14 || mins > 59) return null;
  return (m[1] === "-" ? -1 : 1) * (h * 60 + mins);
}

/**
 * Parses a FHIR date, dateTime or instant. Returns null for anything that is not a
 * recognisable calendar date (free text such as "childhood", impossible dates like 2020-02-30).
 */
export function parseFhirDate(value: unknown): ParsedFhirDate | null {
  if (typeof value !== "string") return null;
  const text = value;
  const m = DATE_RE.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = m[2] !== undefined ? Number(m[2]) : null;
  const day = m[3] !== undefined ? Number(m[3]) : null;
  const hour = m[4] !== undefined ? Number(m[4]) : null;
  const minute = m[5] !== undefined ? Number(m[5]) : null;
  let second = m[6] !== undefined ? Number(m[6]) : hour !== null ? 0 : null;
  const fraction = m[7] ?? "";
  const offset = m[8] !== undefined ? normaliseOffset(m[8]) : null;

  if (year < 1) return null;
  if (month !== null && (month < 1 || month > 12)) return null;
  if (day !== null && month !== null && (day < 1 || day > daysInMonth(year, month))) return null;
  if (hour !== null && (hour > 23 || (minute ?? 0) > 59)) return null;
  // A leap second (":60") is legal FHIR; Date cannot represent it, so order it as :59.
  if (second !== null && second > 60) return null;
  if (second === 60) second = 59;

  let precision: DatePrecision;
  let utcMs: number;
  if (hour !== null) {
    const off = offsetMinutes(offset);
    if (off === null) return null;
    const ms = fraction ? Number(fraction.slice(0, 3).padEnd(3, "0")) : 0;
    utcMs = Date.UTC(year, month! - 1, day!, hour, minute!, second ?? 0, ms) - off * 60_000;
    precision = "datetime";
  } else {
    // Partial dates sort at the start of their span, at IST midnight.
    utcMs = Date.UTC(year, (month ?? 1) - 1, day ?? 1) - IST_OFFSET_MINUTES * 60_000;
    precision = day !== null ? "day" : month !== null ? "month" : "year";
  }
  const d = new Date(utcMs);
  // Date.UTC maps years 0–99 to 1900+; such dates are junk in a clinical record anyway.
  if (Number.isNaN(d.getTime()) || year < 100) return null;
  return { text, precision, instant: d.toISOString(), offset, year, month, day, hour, minute, second };
}

function normaliseOffset(raw: string): string {
  if (raw === "Z") return "Z";
  return raw.includes(":") ? raw : `${raw.slice(0, 3)}:${raw.slice(3)}`;
}

/** The precision of a FHIR date string, or null when it does not parse. */
export function datePrecision(value: unknown): DatePrecision | null {
  return parseFhirDate(value)?.precision ?? null;
}

/** The ordering instant of a FHIR date string, or null when it does not parse. */
export function dateSortKey(value: unknown): string | null {
  return parseFhirDate(value)?.instant ?? null;
}

/**
 * True for a time of 00:00:00. Almost every pre-IG ProjectEKA record is stamped at midnight,
 * some with a fake `.605` millisecond part; showing "00:00" would present a placeholder as a
 * real clinical time.
 */
export function isMidnightPlaceholder(p: ParsedFhirDate): boolean {
  return p.precision === "datetime" && p.hour === 0 && p.minute === 0 && (p.second ?? 0) === 0;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function zoneLabel(offset: string | null): string {
  if (offset === null || offset === "+05:30") return "IST";
  if (offset === "Z" || offset === "+00:00" || offset === "-00:00") return "UTC";
  return `UTC${offset}`;
}

export interface FormatDateOptions {
  /** Omit the time even when the source has one. */
  dateOnly?: boolean;
}

/**
 * Human form of a FHIR date, showing only the precision the source has: `2019`, `Jun 2021`,
 * `9 Jul 2020`, `9 Jul 2020, 15:32 IST`. Times are shown on the wall clock *as written*, with
 * their zone, never converted — a 09:00Z appointment reads "09:00 UTC". Unparseable input is
 * returned as is, so the clinician still sees what the HIP sent.
 */
export function formatFhirDate(value: unknown, options: FormatDateOptions = {}): string {
  if (typeof value !== "string") return "";
  const p = parseFhirDate(value);
  if (!p) return value;
  if (p.precision === "year") return String(p.year);
  if (p.precision === "month") return `${MONTHS[p.month! - 1]} ${p.year}`;
  const date = `${p.day} ${MONTHS[p.month! - 1]} ${p.year}`;
  if (p.precision === "day" || options.dateOnly || isMidnightPlaceholder(p)) return date;
  const hh = String(p.hour).padStart(2, "0");
  const mm = String(p.minute).padStart(2, "0");
  return `${date}, ${hh}:${mm} ${zoneLabel(p.offset)}`;
}

/**
 * `YYYY[-MM[-DD]]` as written in the source (the wall-clock date of a date-time in its own
 * zone), for grouping a timeline by day without shifting anything across midnight.
 */
export function dayKey(value: unknown): string | null {
  const p = parseFhirDate(value);
  if (!p) return null;
  const y = String(p.year).padStart(4, "0");
  if (p.month === null) return y;
  const m = String(p.month).padStart(2, "0");
  if (p.day === null) return `${y}-${m}`;
  return `${y}-${m}-${String(p.day).padStart(2, "0")}`;
}

/** Whole years between a FHIR birth date and `at`; null when the birth date is unusable. */
export function ageInYears(birthDate: unknown, at: Date = new Date()): number | null {
  const p = parseFhirDate(birthDate);
  if (!p) return null;
  const atIst = new Date(at.getTime() + IST_OFFSET_MINUTES * 60_000);
  const y = atIst.getUTCFullYear();
  const m = atIst.getUTCMonth() + 1;
  const d = atIst.getUTCDate();
  let age = y - p.year;
  const bm = p.month ?? 1;
  const bd = p.day ?? 1;
  if (m < bm || (m === bm && d < bd)) age -= 1;
  return age >= 0 && age < 150 ? age : null;
}
