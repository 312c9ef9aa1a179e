import type { Metadata } from "next";
import Link from "next/link";
import { LabTrendChart } from "@/components/records/lab-trend-chart";
import { RecordView } from "@/components/records/record-view";
import type { AttachmentInfo } from "@/lib/fhir/attachments";
import { HI_TYPE_LABELS, isHiType } from "@/lib/fhir/hi-type";
import { analyseBundle } from "@/lib/fhir/timeline";
import { env } from "@/lib/env";
import { getRecordForView, unitKey, type LabTrend } from "@/lib/records/queries";

export const metadata: Metadata = { title: "Health record" };
export const dynamic = "force-dynamic";

const receivedTime = new Intl.DateTimeFormat("en-IN", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Kolkata" });

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function trendAnchor(code: string): string {
  return `trend-${code.replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()}`;
}

/** Every attachment's viewer, so links go to the in-portal viewer or straight to a download. */
function attachmentViewers(bundle: unknown): Map<string, AttachmentInfo["viewer"]> {
  const out = new Map<string, AttachmentInfo["viewer"]>();
  try {
    for (const item of analyseBundle(bundle, { maxInlineBytes: env().attachmentInlineMaxBytes }).items) {
      const all = (item.detail.attachments as AttachmentInfo[] | undefined) ?? (item.attachment ? [item.attachment] : []);
      for (const a of all) out.set(a.ref, a.viewer);
    }
  } catch {
    // RecordView shows the unreadable bundle as its source; links then default to downloads.
  }
  return out;
}

/** One chart per unit: values in mg/dL and mmol/L must never share an axis. */
function chartsOf(trend: LabTrend) {
  const units = trend.units.length > 0 ? trend.units : [null];
  return units.map((unit) => {
    const points = trend.points.filter((p) => (unit === null ? true : unitKey(p.unit) === unitKey(unit)));
    const latest = [...points].reverse().find((p) => p.low !== null || p.high !== null);
    const ranges = new Set(points.filter((p) => p.low !== null || p.high !== null).map((p) => `${p.low}-${p.high}`));
    return {
      key: `${trend.code}|${unit ?? ""}`,
      unit,
      points: points.map((p) => ({
        // A result without its own date is charted on its report's day (IST), said in the table.
        date: p.date ?? new Date(Date.parse(p.dateSort) + 330 * 60_000).toISOString().slice(0, 10),
        value: p.value,
        source: p.hipName,
        abnormal: p.abnormal,
      })),
      range: latest ? { low: latest.low, high: latest.high } : null,
      rangesDiffer: ranges.size > 1,
      rangeSource: latest?.hipName ?? null,
    };
  });
}

export default async function RecordPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const sp = await searchParams;
  const { record, bundle, trends } = await getRecordForView(id, first(sp.resource));
  const viewers = attachmentViewers(bundle);
  const raw = (recordId: string, ref: string) => `/api/records/${recordId}/attachments?ref=${encodeURIComponent(ref)}`;
  const attachmentHref = (recordId: string, ref: string) => {
    const viewer = viewers.get(ref);
    return viewer === "pdf" || viewer === "image" ? `/records/${recordId}/attachment?ref=${encodeURIComponent(ref)}` : raw(recordId, ref);
  };
  const trendCodes = new Set(trends.map((t) => t.code));
  const trendHref = (code: string) => (trendCodes.has(code) ? `#${trendAnchor(code)}` : null);
  const patientLabel = record.patientName ?? record.abhaAddress;
  const typeLabel = record.hiType && isHiType(record.hiType) ? HI_TYPE_LABELS[record.hiType] : "Health record";

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/patients" className="text-brand-800 underline-offset-2 hover:underline">
          Patients
        </Link>
        <span aria-hidden="true" className="px-1 text-slate-400">/</span>
        <Link href={`/patients/${record.patientId}#timeline`} className="text-brand-800 underline-offset-2 hover:underline">
          {patientLabel}
        </Link>
        <span aria-hidden="true" className="px-1 text-slate-400">/</span>
        <span aria-current="page" className="text-slate-600">
          {typeLabel}
        </span>
      </nav>

      <section aria-label="Where this record came from" className="mb-4 rounded-lg border border-slate-200 bg-white px-4 py-3 text-sm">
        <dl className="grid gap-x-6 gap-y-1 sm:grid-cols-[auto_1fr_auto_1fr]">
          <dt className="text-slate-600">Source facility</dt>
          <dd className="font-medium text-slate-900">{record.hipName ?? record.hipId ?? "Not named by the sender"}</dd>
          <dt className="text-slate-600">Received</dt>
          <dd className="text-slate-900">{receivedTime.format(new Date(record.receivedAt))} IST</dd>
          <dt className="text-slate-600">Shared under</dt>
          <dd>
            <Link href={`/consents/${record.consentRequestId}`} className="text-brand-800 underline">
              Consent request{record.consentPurpose ? ` (${record.consentPurpose})` : ""}
            </Link>
          </dd>
          <dt className="text-slate-600">Patient</dt>
          <dd className="text-slate-900">
            {patientLabel} <span className="font-mono text-xs text-slate-600">{record.abhaAddress}</span>
          </dd>
        </dl>
        {record.checksumMatches === false && (
          <p className="mt-2 text-xs text-amber-900">
            <span aria-hidden="true">⚠ </span>The checksum the facility sent does not match the data received. Checksums are unreliable in the network; the record is shown as received.
          </p>
        )}
      </section>

      <RecordView bundle={bundle} recordId={record.id} attachmentHref={attachmentHref} trendHref={trendHref} />

      {trends.length > 0 && (
        <section aria-labelledby="trends-heading" className="mt-8">
          <h2 id="trends-heading" className="text-lg font-semibold text-slate-900">
            Trends across records
          </h2>
          <p className="mb-3 text-sm text-slate-600">Tests in this record that the patient has more than one result for, from every facility that shared them.</p>
          <div className="grid gap-4 lg:grid-cols-2">
              {trends.flatMap((t) =>
                chartsOf(t).map((c, i) => (
                  <div key={c.key} id={i === 0 ? trendAnchor(t.code) : undefined} className="scroll-mt-4">
                    <LabTrendChart title={t.title} unit={c.unit} points={c.points} referenceRange={c.range} id={`${trendAnchor(t.code)}-chart-${i}`} />
                    {c.rangesDiffer && (
                      <p className="mt-1 text-xs text-slate-600">
                        Facilities report different reference ranges; the band shows the latest{c.rangeSource ? ` (${c.rangeSource})` : ""}.
                      </p>
                    )}
                  </div>
                )),
              )}
          </div>
        </section>
      )}
    </>
  );
}
