import type { ObservationDetail, ObservationValueView, ReferenceRangeView } from "@/lib/fhir/resources";
import type { TimelineItemDraft } from "@/lib/fhir/timeline";
import { AttachmentLinks } from "./attachment-links";
import type { RecordContext } from "./context";
import { FhirDate, Flag, type FlagDirection } from "./format";

/** Which way an abnormal result points, for the flag's icon and word. */
export function flagDirection(v: ObservationValueView): FlagDirection | null {
  if (!v.abnormal) return null;
  const rr = v.referenceRange[0];
  if (v.valueNumber !== null && rr) {
    if (rr.low !== null && v.valueNumber < rr.low) return "low";
    if (rr.high !== null && v.valueNumber > rr.high) return "high";
  }
  const text = v.interpretation.join(" ");
  if (/\b(high|above|elevated|raised)\b/i.test(text)) return "high";
  if (/\b(low|below|decreased|reduced)\b/i.test(text)) return "low";
  return "abnormal";
}

function splitValue(v: ObservationValueView, componentUnit: string | null): { result: string; unit: string; numeric: boolean } {
  const value = v.value ?? "";
  const unit = v.unit ?? componentUnit;
  if (unit && value.endsWith(` ${unit}`) && /^[<>≤≥]?[\d.,/ -]+$/.test(value.slice(0, -unit.length).trim())) {
    // "11.2 g/dL", and a panel's combined "118/76 mmHg" whose unit comes from its components.
    return { result: value.slice(0, value.length - unit.length).trim(), unit, numeric: true };
  }
  if (unit === "%" && value.endsWith("%")) return { result: value.slice(0, -1), unit, numeric: true };
  return { result: value, unit: "", numeric: v.valueNumber !== null };
}

function rangeText(ranges: ReferenceRangeView[]): string {
  return ranges
    .map((r) => [r.display, r.appliesTo.join(", ") || null, r.age ? `age ${r.age}` : null].filter(Boolean).join(" · "))
    .filter(Boolean)
    .join("; ");
}

interface Row {
  key: string;
  depth: number;
  view: ObservationValueView;
  date: string | null;
  notes: string[];
  item: TimelineItemDraft | null;
  /** The unit shared by the components, for a panel row whose value is "118/76 mmHg". */
  componentUnit: string | null;
}

function rowsFor(item: TimelineItemDraft, ctx: RecordContext, depth: number, seen: Set<string>): Row[] {
  const pointer = item.detail.pointer ?? item.title;
  if (seen.has(pointer)) return [];
  seen.add(pointer);
  const d = item.detail as unknown as ObservationDetail;
  const view: ObservationValueView = {
    ...d,
    title: item.title,
    value: item.value,
    codes: item.codes,
    abnormal: d.abnormal ?? item.abnormal,
    referenceRange: d.referenceRange ?? [],
    interpretation: d.interpretation ?? [],
  };
  const components = d.components ?? [];
  const componentUnits = new Set(components.map((c) => c.unit).filter(Boolean));
  const componentUnit = componentUnits.size === 1 ? [...componentUnits][0] : null;
  const rows: Row[] = [{ key: pointer, depth, view, date: item.date, notes: d.notes ?? [], item, componentUnit }];
  components.forEach((c, i) => rows.push({ key: `${pointer}#c${i}`, depth: depth + 1, view: c, date: null, notes: [], item: null, componentUnit: null }));
  // Panels (hasMember) list their members under them.
  for (const child of ctx.analysed.childrenOf(item.detail.pointer ?? "")) {
    if (child.resourceType === "Observation") rows.push(...rowsFor(child, ctx, depth + 1, seen));
  }
  return rows;
}

/**
 * Results as a table: test, result, unit, reference range, flag (icon + word), interpretation,
 * with components (BP systolic/diastolic) and panel members as indented rows.
 */
export function ObservationTable({
  items,
  ctx,
  caption,
  showDate = true,
}: {
  items: TimelineItemDraft[];
  ctx: RecordContext;
  caption: string;
  showDate?: boolean;
}) {
  const seen = new Set<string>();
  const rows = items.flatMap((i) => rowsFor(i, ctx, 0, seen));
  if (rows.length === 0) return null;
  const trend = ctx.trendHref;
  const attachments = items.flatMap((i) => (i.attachment ? [i.attachment] : []));
  return (
    <div className="mt-2">
      <div className="overflow-x-auto rounded-md border border-slate-200">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">{caption}</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
            <tr>
              <th scope="col" className="px-3 py-2">Test</th>
              <th scope="col" className="px-3 py-2 text-right">Result</th>
              <th scope="col" className="px-3 py-2">Unit</th>
              <th scope="col" className="px-3 py-2">Reference range</th>
              <th scope="col" className="px-3 py-2">Flag</th>
              <th scope="col" className="px-3 py-2">Interpretation</th>
              {showDate && <th scope="col" className="px-3 py-2">Date</th>}
              {trend && <th scope="col" className="px-3 py-2"><span className="sr-only">Trend</span></th>}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 bg-white">
            {rows.map((row) => {
              const { result, unit, numeric } = splitValue(row.view, row.componentUnit);
              const dir = flagDirection(row.view);
              const href = trend && row.view.trendKey && row.depth === 0 ? trend(row.view.trendKey) : null;
              return (
                <tr key={row.key} className={dir ? "bg-red-50/40" : undefined}>
                  <th scope="row" className="px-3 py-2 text-left font-medium text-slate-900" style={{ paddingLeft: `${0.75 + row.depth * 1.25}rem` }}>
                    {row.depth > 0 && <span aria-hidden="true" className="mr-1 text-slate-400">↳</span>}
                    {row.view.title}
                    {row.notes.map((n, i) => (
                      <span key={i} className="block text-xs font-normal whitespace-pre-line text-slate-600">
                        {n}
                      </span>
                    ))}
                  </th>
                  <td className={`px-3 py-2 ${numeric ? "text-right whitespace-nowrap tabular-nums" : "max-w-prose text-left"} ${dir ? "font-semibold text-red-900" : "text-slate-900"}`}>
                    {result || <span className="text-slate-400">—</span>}
                  </td>
                  <td className="px-3 py-2 text-slate-700">{unit}</td>
                  <td className="px-3 py-2 text-slate-700">{rangeText(row.view.referenceRange)}</td>
                  <td className="px-3 py-2">{dir ? <Flag direction={dir} /> : null}</td>
                  <td className="px-3 py-2 text-slate-700">{row.view.interpretation.join(", ")}</td>
                  {showDate && (
                    <td className="px-3 py-2 whitespace-nowrap text-slate-700">
                      {row.date ? <FhirDate value={row.date} /> : null}
                    </td>
                  )}
                  {trend && (
                    <td className="px-3 py-2">
                      {href && (
                        <a href={href} className="text-brand-700 underline hover:text-brand-800">
                          Trend<span className="sr-only"> of {row.view.title}</span>
                        </a>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <AttachmentLinks attachments={attachments} ctx={ctx} />
    </div>
  );
}
