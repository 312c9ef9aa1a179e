/**
 * One renderer per HI type. All of them walk the Composition's sections in order (that order is
 * the author's, and clinicians expect it); what differs is what each puts first and how its
 * main resources are laid out (tables for medicines, results and vaccines; blocks for reports
 * and invoices). Items no section reaches are shown by RecordView under "Other content".
 */
import type { TimelineItemDraft } from "@/lib/fhir/timeline";
import type { RecordContext } from "./context";
import { ItemList, RecordSection } from "./section-body";

export interface HiTypeViewProps {
  ctx: RecordContext;
}

function Sections({ ctx }: HiTypeViewProps) {
  const { sections } = ctx.analysed;
  if (sections.length === 0) return null;
  return (
    <div className="space-y-6">
      {sections.map((s) => (
        <RecordSection key={s.index} section={s} ctx={ctx} />
      ))}
    </div>
  );
}

/** Complaints, findings, diagnoses, medicines, advice, follow-up — in the author's order. */
export function OpConsultationView({ ctx }: HiTypeViewProps) {
  return <Sections ctx={ctx} />;
}

/** The medicines table comes first even if the HIP listed a PDF or a diagnosis before it. */
export function PrescriptionView({ ctx }: HiTypeViewProps) {
  const { sections } = ctx.analysed;
  const meds = ctx.analysed.items.filter((i) => i.kind === "medication" && i.detail.sectionIndex !== undefined && !i.detail.parent);
  if (sections.length <= 1 && meds.length > 0) {
    const rest = (sections[0]?.items ?? []).filter((i) => i.kind !== "medication");
    const id = `${ctx.idPrefix}-rx`;
    return (
      <div className="space-y-6">
        <section aria-labelledby={id} className="border-t border-slate-200 pt-4">
          <h3 id={id} className="text-lg font-semibold text-slate-900">
            {sections[0]?.title ?? "Medicines"}
          </h3>
          <ItemList items={[...meds, ...rest]} ctx={ctx} label="Prescription" idBase={id} />
        </section>
      </div>
    );
  }
  return <Sections ctx={ctx} />;
}

/** Lab reports show their results table; imaging reports lead with the impression. */
export function DiagnosticReportView({ ctx }: HiTypeViewProps) {
  return <Sections ctx={ctx} />;
}

/** Admission and discharge are in the header; then the sections (course, investigations…). */
export function DischargeSummaryView({ ctx }: HiTypeViewProps) {
  return <Sections ctx={ctx} />;
}

export function ImmunizationView({ ctx }: HiTypeViewProps) {
  return <Sections ctx={ctx} />;
}

export function HealthDocumentView({ ctx }: HiTypeViewProps) {
  return <Sections ctx={ctx} />;
}

/** Vitals and measurements per section, each as a table with units and reference ranges. */
export function WellnessView({ ctx }: HiTypeViewProps) {
  return <Sections ctx={ctx} />;
}

export function InvoiceView({ ctx }: HiTypeViewProps) {
  return <Sections ctx={ctx} />;
}

/** Anything we cannot classify: sections if there are any, each item as a readable card. */
export function GenericView({ ctx }: HiTypeViewProps) {
  return <Sections ctx={ctx} />;
}

/** Items outside every section, in bundle order. */
export function OtherContent({ ctx, items }: { ctx: RecordContext; items: TimelineItemDraft[] }) {
  if (items.length === 0) return null;
  const id = `${ctx.idPrefix}-other`;
  const hasSections = ctx.analysed.sections.length > 0;
  return (
    <section aria-labelledby={id} className="border-t border-slate-200 pt-4">
      <h3 id={id} className="text-lg font-semibold text-slate-900">
        {hasSections ? "Other content in this record" : "Content"}
      </h3>
      {hasSections && <p className="mt-0.5 text-sm text-slate-600">Sent with the record but not listed in any of its sections.</p>}
      <ItemList items={items} ctx={ctx} label={hasSections ? "Other content" : "Content"} idBase={id} />
    </section>
  );
}

