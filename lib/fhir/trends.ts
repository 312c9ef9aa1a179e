/**
 * Lab trends: the same test (by `detail.trendKey`, LOINC where the HIP coded it) across records
 * and HIPs, as points for a chart. Works on freshly built items and on stored `timeline_items`
 * rows alike (`date` or `dateText`).
 */
import { parseFhirDate } from "./dates";
import { isRecord, num, str } from "./guards";

export interface TrendSourceItem {
  date?: string | null;
  dateText?: string | null;
  title: string;
  abnormal?: boolean | null;
  detail?: Record<string, unknown> | null;
  /** HIP name, shown with each point. */
  source?: string | null;
  hipName?: string | null;
}

export interface TrendSeries {
  trendKey: string;
  title: string;
  unit: string | null;
  points: { date: string; value: number; source: string | null; abnormal: boolean }[];
  referenceRange: { low: number | null; high: number | null; text: string | null } | null;
  /** Points left out because their unit differs from the series' unit. */
  skippedOtherUnits: number;
}

interface Candidate {
  date: string;
  sort: number;
  value: number;
  unit: string | null;
  title: string;
  source: string | null;
  abnormal: boolean;
  range: { low: number | null; high: number | null; text: string | null } | null;
}

function candidatesOf(item: TrendSourceItem, trendKey: string): Candidate[] {
  const detail = isRecord(item.detail) ? item.detail : null;
  const date = str(item.date ?? item.dateText);
  const parsed = parseFhirDate(date);
  if (!detail || !date || !parsed) return [];
  const holders: { holder: Record<string, unknown>; title: string; abnormal: boolean }[] = [];
  if (detail.trendKey === trendKey) holders.push({ holder: detail, title: item.title, abnormal: !!item.abnormal });
  // Components (systolic/diastolic of a BP panel) trend on their own keys.
  if (Array.isArray(detail.components)) {
    for (const c of detail.components) {
      if (isRecord(c) && c.trendKey === trendKey) holders.push({ holder: c, title: str(c.title) ?? item.title, abnormal: c.abnormal === true });
    }
  }
  return holders.flatMap(({ holder, title, abnormal }) => {
    const value = num(holder.valueNumber);
    if (value === null) return [];
    const rr = Array.isArray(holder.referenceRange) && isRecord(holder.referenceRange[0]) ? holder.referenceRange[0] : null;
    return [
      {
        date,
        sort: Date.parse(parsed.instant),
        value,
        unit: str(holder.unit),
        title,
        source: str(item.source ?? item.hipName),
        abnormal,
        range: rr ? { low: num(rr.low), high: num(rr.high), text: str(rr.text) } : null,
      },
    ];
  });
}

const normUnit = (u: string | null) => (u ?? "").replace(/\s+/g, "").toLowerCase();

/** The series for one test, oldest first; null when no item carries a dated numeric value. */
export function trendSeries(items: TrendSourceItem[], trendKey: string): TrendSeries | null {
  const all = items.flatMap((i) => candidatesOf(i, trendKey)).sort((a, b) => a.sort - b.sort);
  if (all.length === 0) return null;
  // Mixed units (mg/dL vs mmol/L) cannot share an axis: keep the most common one.
  const counts = new Map<string, number>();
  for (const c of all) counts.set(normUnit(c.unit), (counts.get(normUnit(c.unit)) ?? 0) + 1);
  const unitKey = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const kept = all.filter((c) => normUnit(c.unit) === unitKey);
  const latest = kept[kept.length - 1];
  const withRange = [...kept].reverse().find((c) => c.range && (c.range.low !== null || c.range.high !== null || c.range.text));
  return {
    trendKey,
    title: latest.title,
    unit: latest.unit,
    points: kept.map((c) => ({ date: c.date, value: c.value, source: c.source, abnormal: c.abnormal })),
    referenceRange: withRange?.range ?? null,
    skippedOtherUnits: all.length - kept.length,
  };
}

/** Trend keys that have at least two dated numeric results, most results first. */
export function trendKeysWithHistory(items: TrendSourceItem[]): string[] {
  const keys = new Set<string>();
  for (const i of items) {
    const d = isRecord(i.detail) ? i.detail : null;
    if (!d) continue;
    if (typeof d.trendKey === "string") keys.add(d.trendKey);
    if (Array.isArray(d.components)) for (const c of d.components) if (isRecord(c) && typeof c.trendKey === "string") keys.add(c.trendKey);
  }
  return [...keys]
    .map((k) => [k, trendSeries(items, k)?.points.length ?? 0] as const)
    .filter(([, n]) => n >= 2)
    .sort((a, b) => b[1] - a[1])
    .map(([k]) => k);
}
