/**
 * Timeline grouping by clinical day, without moving anything across midnight: a date is grouped
 * on the calendar day written in its own zone (`2020-07-09T23:30:00-06:00` stays on 9 July),
 * partial dates form their own "2019" / "June 2021" groups, and items with no date at all go to
 * an "Undated" group. Pure functions, shared by the timeline page and its tests.
 */
import { dayKey, formatFhirDate, isMidnightPlaceholder, parseFhirDate } from "@/lib/fhir/dates";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const IST_MS = 330 * 60_000;

export type GroupPrecision = "day" | "month" | "year" | "undated";

export type TimelineGroup<T> = {
  /** `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `undated`. */
  key: string;
  precision: GroupPrecision;
  /** "Thu, 9 July 2020", "June 2021", "2019", "Undated". */
  label: string;
  /** Said beside the label when the precision is not a day, so partial dates read honestly. */
  note: string | null;
  items: T[];
};

type Groupable = { dateText: string | null; dateSort: string | null };

/** The group an item belongs to: its own date's day, else the IST day it is ordered on, else undated. */
export function groupKeyOf(item: Groupable): string {
  const own = item.dateText ? dayKey(item.dateText) : null;
  if (own) return own;
  if (item.dateSort) {
    // No usable date of its own: it sits on the day of the report/record it is ordered by.
    const t = Date.parse(item.dateSort);
    if (!Number.isNaN(t)) return new Date(t + IST_MS).toISOString().slice(0, 10);
  }
  return "undated";
}

export function groupLabel(key: string): { label: string; note: string | null; precision: GroupPrecision } {
  if (key === "undated") return { label: "Undated", note: "no clinical date was recorded", precision: "undated" };
  const [y, m, d] = key.split("-").map(Number);
  if (m === undefined) return { label: String(y), note: "year only", precision: "year" };
  if (d === undefined) return { label: `${MONTHS[m - 1]} ${y}`, note: "month only", precision: "month" };
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return { label: `${weekday}, ${d} ${MONTHS[m - 1]} ${y}`, note: null, precision: "day" };
}

/**
 * Items of a page grouped by day as written. Order is by instant, but a day as written is not an
 * instant range: `2020-07-09T15:37-06:00` sorts among 10 July (IST) items. Rather than show
 * "9 July" twice, a page has one group per day, newest day first (a partial `2019` after the
 * days of 2019 it spans the start of, "Undated" last), items inside keeping their order.
 */
export function groupTimeline<T extends Groupable>(items: T[]): TimelineGroup<T>[] {
  const byKey = new Map<string, TimelineGroup<T>>();
  for (const item of items) {
    const key = groupKeyOf(item);
    const group = byKey.get(key);
    if (group) group.items.push(item);
    else byKey.set(key, { key, ...groupLabel(key), items: [item] });
  }
  return [...byKey.values()].sort((a, b) => {
    if (a.key === b.key) return 0;
    if (a.key === "undated") return 1;
    if (b.key === "undated") return -1;
    return a.key < b.key ? 1 : -1;
  });
}

/**
 * The time of day to show beside an item in a day group, on the wall clock as written, with its
 * zone ("15:32 IST", "09:00 UTC"); null for dates without a time and for the 00:00 placeholders
 * pre-IG HIPs stamp on everything.
 */
export function timeOfDay(dateText: string | null): string | null {
  if (!dateText) return null;
  const p = parseFhirDate(dateText);
  if (!p || p.precision !== "datetime" || isMidnightPlaceholder(p)) return null;
  const full = formatFhirDate(dateText);
  const comma = full.lastIndexOf(", ");
  return comma >= 0 ? full.slice(comma + 2) : null;
}

export type RecordBlock<T> = { recordId: string; items: T[] };

// The resource that stands for a record's content goes first in its block: the report above its
// results, the admission above what happened during it.
const LEAD_TYPES: Record<string, number> = { Encounter: 0, DiagnosticReport: 1, Invoice: 1 };

/**
 * A day's items by record: one block per record, in the order the records first appear (newest
 * first), so source and consent are said once per record and day, not per line.
 */
export function blocksByRecord<T extends { recordId: string; resourceType: string }>(items: T[]): RecordBlock<T>[] {
  const blocks = new Map<string, RecordBlock<T>>();
  for (const item of items) {
    const block = blocks.get(item.recordId);
    if (block) block.items.push(item);
    else blocks.set(item.recordId, { recordId: item.recordId, items: [item] });
  }
  for (const b of blocks.values()) {
    b.items = b.items
      .map((item, i) => ({ item, i }))
      .sort((x, y) => (LEAD_TYPES[x.item.resourceType] ?? 9) - (LEAD_TYPES[y.item.resourceType] ?? 9) || x.i - y.i)
      .map((x) => x.item);
  }
  return [...blocks.values()];
}
