import type { DiagnosticReportDetail } from "@/lib/fhir/resources";
import type { TimelineItemDraft } from "@/lib/fhir/timeline";
import { AttachmentLinks } from "./attachment-links";
import type { RecordContext } from "./context";
import { Facts, FhirDate, Flag, StatusText } from "./format";
import { ItemCard } from "./item-card";
import { ObservationTable } from "./observation-table";

/**
 * One DiagnosticReport. Lab: the results table (value, unit, range, flag, interpretation). Imaging:
 * the conclusion first, the study, key images and the attached report. Both show the
 * conclusion, who reported it, and any presented form (the report PDF) as attachment links.
 */
export function ReportBlock({ item, ctx, headingId }: { item: TimelineItemDraft; ctx: RecordContext; headingId: string }) {
  const d = item.detail as unknown as DiagnosticReportDetail;
  const children = ctx.analysed.childrenOf(item.detail.pointer ?? "");
  const results = children.filter((c) => c.resourceType === "Observation");
  const media = children.filter((c) => c.resourceType === "Media");
  const studies = children.filter((c) => c.resourceType === "ImagingStudy");
  // The order a report is based on is named in "Ordered"; other children get a card.
  const others = children.filter((c) => !["Observation", "Media", "ImagingStudy", "ServiceRequest"].includes(c.resourceType));
  const attachments = (item.detail.attachments as NonNullable<typeof item.attachment>[] | undefined) ?? (item.attachment ? [item.attachment] : []);
  const imaging = d.reportKind === "imaging";
  // Result dates are shown only when they differ from the report's own date.
  const showDate = results.some((r) => r.date && r.date !== item.date);
  const hasConclusion = !!d.conclusion || (d.conclusionCodes?.length ?? 0) > 0;
  const conclusion = hasConclusion && (
    <div className="mt-3 rounded-md border-l-4 border-brand-600 bg-brand-50 px-4 py-3">
      <p className="text-xs font-semibold tracking-wide text-brand-800 uppercase">{imaging ? "Impression / conclusion" : "Conclusion"}</p>
      {d.conclusion && <p className="mt-1 text-sm whitespace-pre-line text-slate-900">{d.conclusion}</p>}
      {d.conclusionCodes?.length > 0 && d.conclusionCodes.some((c) => c !== d.conclusion) && (
        <p className="mt-1 text-sm text-slate-700">Coded: {d.conclusionCodes.join(", ")}</p>
      )}
    </div>
  );
  return (
    <article aria-labelledby={headingId} className="mt-2 rounded-md border border-slate-200 bg-white px-4 py-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h4 id={headingId} className="text-base font-semibold text-slate-900">
          {item.title} {item.abnormal && <Flag direction="abnormal" />}
        </h4>
        <span className="text-xs text-slate-500">
          {imaging ? "Imaging report" : d.reportKind === "lab" ? "Laboratory report" : "Report"}
          {d.status && d.status !== "final" && (
            <>
              {" "}
              <StatusText value={d.status} />
            </>
          )}
        </span>
      </div>
      <Facts
        className="mt-2"
        facts={[
          [imaging ? "Study date" : "Collected / effective", item.date ? <FhirDate value={item.date} /> : null],
          ["Until", d.effectiveEnd ? <FhirDate value={d.effectiveEnd} /> : null],
          ["Issued", d.issued && d.issued !== item.date ? <FhirDate value={d.issued} /> : null],
          ["Category", d.category],
          ["Specimen", d.specimens],
          ["Performed by", d.performers],
          ["Reported by", d.interpreters],
          ["Ordered", d.basedOn],
        ]}
      />
      {imaging && conclusion}
      {results.length > 0 && <ObservationTable items={results} ctx={ctx} caption={`Results of ${item.title}`} showDate={showDate} />}
      {!imaging && conclusion}
      {studies.map((s) => (
        <div key={s.detail.pointer} className="mt-3">
          <ItemCard item={s} ctx={ctx} headingLevel={5} />
        </div>
      ))}
      {media.length > 0 && (
        <div className="mt-3">
          <h5 className="text-sm font-semibold text-slate-800">Images</h5>
          <AttachmentLinks
            attachments={media.flatMap((m) => (m.attachment ? [{ ...m.attachment, title: m.attachment.title ?? m.title }] : []))}
            ctx={ctx}
          />
        </div>
      )}
      {attachments.length > 0 && (
        <div className="mt-3">
          <h5 className="text-sm font-semibold text-slate-800">Report document</h5>
          <AttachmentLinks attachments={attachments} ctx={ctx} />
        </div>
      )}
      {others.map((o) => (
        <div key={o.detail.pointer} className="mt-3">
          <ItemCard item={o} ctx={ctx} headingLevel={5} />
        </div>
      ))}
    </article>
  );
}
