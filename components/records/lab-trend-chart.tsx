"use client";

import { CartesianGrid, Line, LineChart, ReferenceArea, Tooltip, XAxis, YAxis } from "recharts";
import { formatFhirDate, parseFhirDate } from "@/lib/fhir/dates";
import { formatNumber } from "@/lib/fhir/display";

export interface TrendPoint {
  /** The result's clinical date exactly as sent (FHIR date/dateTime). */
  date: string;
  value: number;
  /** Where it came from (HIP name), shown in the tooltip and table. */
  source?: string | null;
  abnormal?: boolean;
}

export interface LabTrendChartProps {
  /** The test's name, e.g. "Haemoglobin". */
  title: string;
  unit?: string | null;
  points: TrendPoint[];
  /** The reference range drawn as a band; either end may be missing. */
  referenceRange?: { low?: number | null; high?: number | null; text?: string | null } | null;
  /** Id for the heading; lets a page link to a specific chart. */
  id?: string;
  /** A fixed pixel width instead of following the container (server rendering, screenshots). */
  fixedWidth?: number;
}

interface Datum {
  x: number;
  value: number;
  label: string;
  source: string | null;
  abnormal: boolean;
}

const SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function tickLabel(ms: number): string {
  // Ticks are positions on the axis, labelled in IST like every other date in the portal.
  const d = new Date(ms + 330 * 60_000);
  return `${SHORT_MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** A "nice" step (1, 2, 2.5 or 5 × 10ⁿ) so ticks read 10, 12, 14 rather than 10.56, 12.56. */
function niceStep(raw: number): number {
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * pow;
}

function niceAxis(min: number, max: number): { domain: [number, number]; ticks: number[] } {
  const span = max - min || Math.abs(max) || 1;
  const step = niceStep((span * 1.3) / 4);
  // Lab values are rarely negative; padding must not push the axis below zero.
  let lower = Math.floor((min - span * 0.15) / step) * step;
  if (min >= 0 && lower < 0) lower = 0;
  const upper = Math.ceil((max + span * 0.15) / step) * step;
  const ticks: number[] = [];
  for (let t = lower; t <= upper + step / 2; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return { domain: [lower, upper], ticks };
}

function flagOf(d: Datum, low: number | null, high: number | null): React.ReactNode {
  const dir = low !== null && d.value < low ? "low" : high !== null && d.value > high ? "high" : d.abnormal ? "abnormal" : null;
  if (!dir) return null;
  const [icon, word] = dir === "low" ? ["▼", "Low"] : dir === "high" ? ["▲", "High"] : ["!", "Abnormal"];
  return (
    <span className="text-xs font-semibold text-red-800">
      <span aria-hidden="true">{icon} </span>
      {word}
    </span>
  );
}

/**
 * A lab value over time with its reference range as a shaded band. Dates are placed by their
 * ordering instant (date-only at IST midnight) but labelled as the HIP wrote them. The same
 * values are always listed in a table below, so the chart is never the only way to read them.
 */
export function LabTrendChart({ title, unit, points, referenceRange, id, fixedWidth }: LabTrendChartProps) {
  const data: Datum[] = points
    .map((p) => {
      const parsed = parseFhirDate(p.date);
      return parsed && Number.isFinite(p.value)
        ? { x: Date.parse(parsed.instant), value: p.value, label: formatFhirDate(p.date), source: p.source ?? null, abnormal: !!p.abnormal }
        : null;
    })
    .filter((d): d is Datum => d !== null)
    .sort((a, b) => a.x - b.x);
  const headingId = id ?? `trend-${title.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}`;
  const low = referenceRange?.low ?? null;
  const high = referenceRange?.high ?? null;
  const values = data.map((d) => d.value);
  const yMin = Math.min(...values, ...(low !== null ? [low] : []));
  const yMax = Math.max(...values, ...(high !== null ? [high] : []));
  const { domain, ticks } = niceAxis(yMin, yMax);
  const rangeText =
    referenceRange?.text ??
    (low !== null && high !== null ? `${formatNumber(low)}–${formatNumber(high)}` : low !== null ? `≥ ${formatNumber(low)}` : high !== null ? `≤ ${formatNumber(high)}` : null);
  const unitSuffix = unit ? ` ${unit}` : "";
  const desc = `${title} over time, ${data.length} results${rangeText ? `, reference range ${rangeText}${unitSuffix}` : ""}.`;

  return (
    <figure aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-4">
      <figcaption id={headingId} className="text-base font-semibold text-slate-900">
        {title}
        {unit && <span className="font-normal text-slate-600"> ({unit})</span>}
        {rangeText && (
          <span className="ml-3 inline-flex items-center gap-1.5 text-sm font-normal text-slate-600">
            <span aria-hidden="true" className="inline-block h-3 w-4 rounded-sm border border-emerald-500/60 bg-emerald-500/15" />
            Reference range {rangeText}
            {unitSuffix}
          </span>
        )}
      </figcaption>
      {data.length >= 2 ? (
        <div className="mt-3 h-64 w-full">
          <LineChart responsive={!fixedWidth} width={fixedWidth ?? "100%"} height={256} data={data} title={`${title} trend`} desc={desc} margin={{ top: 10, right: 24, bottom: 8, left: 8 }}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
            {(low !== null || high !== null) && (
              <ReferenceArea
                y1={low ?? domain[0]}
                y2={high ?? domain[1]}
                fill="#10b981"
                fillOpacity={0.12}
                stroke="#10b981"
                strokeOpacity={0.4}
                ifOverflow="extendDomain"
              />
            )}
            <XAxis dataKey="x" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={tickLabel} padding={{ left: 24, right: 24 }} stroke="#475569" fontSize={12} />
            <YAxis domain={domain} ticks={ticks} stroke="#475569" fontSize={12} width={56} tickFormatter={(v: number) => formatNumber(v)} />
            <Tooltip
              labelFormatter={(_, payload) => {
                const p = payload?.[0]?.payload as Datum | undefined;
                return p ? `${p.label}${p.source ? ` · ${p.source}` : ""}` : "";
              }}
              formatter={(v) => [`${formatNumber(Number(v))}${unitSuffix}`, title]}
            />
            <Line
              type="linear"
              dataKey="value"
              stroke="#1d5fbf"
              strokeWidth={2}
              isAnimationActive={false}
              dot={(props: { cx?: number; cy?: number; index?: number; payload?: Datum }) => {
                const { cx, cy, payload, index } = props;
                if (cx === undefined || cy === undefined) return <g key={index} />;
                return payload?.abnormal ? (
                  <path key={index} d={`M${cx},${cy - 7} L${cx + 6},${cy + 5} L${cx - 6},${cy + 5} Z`} fill="#b91c1c" />
                ) : (
                  <circle key={index} cx={cx} cy={cy} r={4} fill="#1d5fbf" />
                );
              }}
            />
          </LineChart>
        </div>
      ) : (
        <p className="mt-2 text-sm text-slate-600">Only one result so far; a trend needs at least two.</p>
      )}
      <table className="mt-3 w-full text-sm">
        <caption className="sr-only">{title} results by date</caption>
        <thead className="text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            <th scope="col" className="py-1 pr-3">Date</th>
            <th scope="col" className="py-1 pr-3 text-right">Result</th>
            <th scope="col" className="py-1 pr-3">Flag</th>
            <th scope="col" className="py-1">Source</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {data.map((d, i) => (
            <tr key={i}>
              <td className="py-1 pr-3">{d.label}</td>
              <td className={`py-1 pr-3 text-right tabular-nums ${d.abnormal ? "font-semibold text-red-900" : ""}`}>
                {formatNumber(d.value)}
                {unitSuffix}
              </td>
              <td className="py-1 pr-3">{flagOf(d, low, high)}</td>
              <td className="py-1 text-slate-600">{d.source}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
