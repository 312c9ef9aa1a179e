import { isRecord } from "@/lib/fhir/guards";
import type { DetectedHiType } from "@/lib/fhir/hi-type";
import { analyseBundle, type AnalysedBundle } from "@/lib/fhir/timeline";
import type { AttachmentHref, RecordContext, TrendHref } from "./context";
import { FhirSource } from "./fhir-source";
import {
  DiagnosticReportView,
  DischargeSummaryView,
  GenericView,
  HealthDocumentView,
  ImmunizationView,
  InvoiceView,
  OpConsultationView,
  OtherContent,
  PrescriptionView,
  WellnessView,
  type HiTypeViewProps,
} from "./hi-type-views";
import { Narrative } from "./narrative";
import { RecordHeader, headerEncounter } from "./record-header";

export type { AttachmentHref, TrendHref } from "./context";

const VIEWS: Record<DetectedHiType, (props: HiTypeViewProps) => React.ReactNode> = {
  OPConsultation: OpConsultationView,
  Prescription: PrescriptionView,
  DiagnosticReport: DiagnosticReportView,
  DischargeSummary: DischargeSummaryView,
  ImmunizationRecord: ImmunizationView,
  HealthDocumentRecord: HealthDocumentView,
  WellnessRecord: WellnessView,
  Invoice: InvoiceView,
  unknown: GenericView,
};

export interface RecordViewProps {
  /** The FHIR bundle as stored (parsed JSON). Anything else renders a readable error. */
  bundle: unknown;
  /** The stored record's id; passed back to `attachmentHref`. */
  recordId: string;
  /** URL of the attachment route for one attachment (`ref` is a JSON pointer in the bundle). */
  attachmentHref: AttachmentHref;
  /** Optional link to a lab trend for a test key (`loinc:718-7`). */
  trendHref?: TrendHref;
}

/**
 * A whole health record, rendered by its HI type: header (type, title, clinical date, author,
 * facility, patient as sent), the sections in Composition order, content outside the sections,
 * the HIP's narrative (sanitised), and a "FHIR source" disclosure. A server component: no
 * client JavaScript, attachments are links to `attachmentHref` URLs, never inline bytes.
 */
export function RecordView({ bundle, recordId, attachmentHref, trendHref }: RecordViewProps) {
  const idPrefix = `rec-${recordId.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 40) || "x"}`;
  const headingId = `${idPrefix}-title`;
  let analysed: AnalysedBundle | null = null;
  try {
    analysed = isRecord(bundle) ? analyseBundle(bundle) : null;
  } catch {
    analysed = null;
  }
  if (!analysed) {
    return (
      <article aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-5">
        <h2 id={headingId} className="text-xl font-semibold text-slate-900">
          Record cannot be displayed
        </h2>
        <p className="mt-1 text-sm text-slate-700">The data received for this record is not a FHIR bundle the portal can read. The source is shown below as received.</p>
        <FhirSource bundle={bundle} id={`${idPrefix}-src`} />
      </article>
    );
  }
  const ctx: RecordContext = { analysed, recordId, attachmentHref, trendHref, idPrefix };
  const View = VIEWS[analysed.hiType] ?? GenericView;
  const encounter = headerEncounter(ctx);
  const other = analysed.other.filter((i) => i !== encounter);
  const comp = analysed.composition as unknown as Record<string, unknown> | null;
  const narrative = comp && isRecord(comp.text) && typeof comp.text.div === "string" ? comp.text.div : null;
  return (
    <article aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-slate-50/50 shadow-sm">
      <RecordHeader ctx={ctx} headingId={headingId} bundle={bundle} />
      <div className="space-y-6 px-5 py-4">
        <View ctx={ctx} />
        <OtherContent ctx={ctx} items={other} />
        {narrative && (
          <details className="text-sm">
            <summary className="cursor-pointer font-medium text-slate-700">Narrative as written by the HIP</summary>
            <Narrative html={narrative} />
          </details>
        )}
        <FhirSource bundle={bundle} id={`${idPrefix}-src`} />
      </div>
    </article>
  );
}
