import { dayKey, formatFhirDate, parseFhirDate } from "@/lib/fhir/dates";
import { systemLabel, type CodeRef } from "@/lib/fhir/display";

/**
 * A FHIR date as clinicians read it, at the precision the HIP sent (`2019`, `Jun 2021`,
 * `9 Jul 2020, 15:32 IST`). The raw string is kept in the tooltip; unparseable input is shown as
 * sent rather than hidden.
 */
export function FhirDate({ value, dateOnly, missing = "Date not recorded" }: { value: string | null | undefined; dateOnly?: boolean; missing?: string }) {
  if (!value) return <span className="text-slate-500">{missing}</span>;
  const parsed = parseFhirDate(value);
  const text = formatFhirDate(value, { dateOnly });
  if (!parsed) return <span title="As sent by the HIP (not a recognisable date)">{text}</span>;
  const machine = parsed.precision === "datetime" ? parsed.instant : (dayKey(value) ?? undefined);
  return (
    <time dateTime={machine} title={`As sent: ${value}`}>
      {text}
    </time>
  );
}

export type FlagDirection = "high" | "low" | "abnormal";

const FLAG: Record<FlagDirection, { icon: string; label: string }> = {
  high: { icon: "▲", label: "High" },
  low: { icon: "▼", label: "Low" },
  abnormal: { icon: "!", label: "Abnormal" },
};

/** An abnormal marker that reads as text and icon, so colour is never the only signal. */
export function Flag({ direction }: { direction: FlagDirection }) {
  const f = FLAG[direction];
  return (
    <span className="inline-flex items-center gap-1 rounded bg-red-50 px-1.5 py-0.5 text-xs font-semibold whitespace-nowrap text-red-800 ring-1 ring-red-300 ring-inset">
      <span aria-hidden="true">{f.icon}</span>
      {f.label}
    </span>
  );
}

export function Warning({ children }: { children: React.ReactNode }) {
  return (
    <p className="mt-1 flex items-start gap-1.5 text-sm text-amber-900">
      <span aria-hidden="true" className="font-bold">
        ⚠
      </span>
      <span>
        <span className="sr-only">Warning: </span>
        {children}
      </span>
    </p>
  );
}

export type Fact = [label: string, value: React.ReactNode];

/** Label/value pairs; empty values are dropped so a sparse resource reads cleanly. */
export function Facts({ facts, className = "" }: { facts: (Fact | null | false | undefined)[]; className?: string }) {
  const shown = facts.filter((f): f is Fact => !!f && f[1] !== null && f[1] !== undefined && f[1] !== "" && !(Array.isArray(f[1]) && f[1].length === 0));
  if (shown.length === 0) return null;
  return (
    <dl className={`grid grid-cols-[minmax(7rem,max-content)_1fr] gap-x-4 gap-y-1 text-sm ${className}`}>
      {shown.map(([label, value], i) => (
        <div key={`${label}-${i}`} className="contents">
          <dt className="text-slate-600">{label}</dt>
          <dd className="text-slate-900">{Array.isArray(value) ? value.join(", ") : value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Codes in small print (SNOMED 386661006), for clinicians who want to check the coding. */
export function Codes({ codes }: { codes: CodeRef[] }) {
  const shown = codes.filter((c) => c.code);
  if (shown.length === 0) return null;
  return (
    <p className="mt-1 text-xs text-slate-500">
      <span className="sr-only">Codes: </span>
      {shown.map((c, i) => (
        <span key={i}>
          {i > 0 && " · "}
          {systemLabel(c.system) ?? "code"} {c.code}
        </span>
      ))}
    </p>
  );
}

export function StatusText({ value }: { value: string | null | undefined }) {
  if (!value) return null;
  return <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">{value}</span>;
}

export function Paragraphs({ texts }: { texts: string[] }) {
  if (texts.length === 0) return null;
  return (
    <div className="mt-1 space-y-1 text-sm text-slate-700">
      {texts.map((t, i) => (
        <p key={i} className="whitespace-pre-line">
          {t}
        </p>
      ))}
    </div>
  );
}
