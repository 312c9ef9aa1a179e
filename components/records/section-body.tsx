import type { AnalysedSection, TimelineItemDraft } from "@/lib/fhir/timeline";
import { AttachmentLinks } from "./attachment-links";
import type { RecordContext } from "./context";
import { FhirDate, Paragraphs } from "./format";
import { ImmunizationTable, RecommendationList } from "./immunization-table";
import { InvoiceBlock } from "./invoice-block";
import { ItemCard } from "./item-card";
import { MedicationTable } from "./medication-table";
import { Narrative } from "./narrative";
import { ObservationTable } from "./observation-table";
import { ReportBlock } from "./report-block";

type GroupKey =
  | "observation"
  | "medication"
  | "report"
  | "immunization"
  | "recommendation"
  | "document"
  | "invoice"
  | "condition"
  | "allergy"
  | "procedure"
  | "order"
  | "appointment"
  | "care-plan"
  | "encounter"
  | "family-history"
  | "imaging"
  | "other";

const GROUP_LABEL: Record<GroupKey, string> = {
  observation: "Findings and results",
  medication: "Medicines",
  report: "Reports",
  immunization: "Vaccines given",
  recommendation: "Recommended next",
  document: "Documents",
  invoice: "Invoices",
  condition: "Conditions",
  allergy: "Allergies",
  procedure: "Procedures",
  order: "Investigations advised",
  appointment: "Appointments",
  "care-plan": "Plans and advice",
  encounter: "Encounters",
  "family-history": "Family history",
  imaging: "Imaging studies",
  other: "Other",
};

function groupOf(item: TimelineItemDraft): GroupKey {
  if (item.resourceType === "Invoice") return "invoice";
  if (item.resourceType === "ImmunizationRecommendation") return "recommendation";
  switch (item.kind) {
    case "lab-result":
    case "vital-sign":
    case "observation":
      return "observation";
    case "media":
      return "document";
    case "invoice":
      return "other";
    default:
      return item.kind as GroupKey;
  }
}

/** Groups keep the order in which their first item appears, so the section still reads top-down. */
export function groupItems(items: TimelineItemDraft[]): { key: GroupKey; items: TimelineItemDraft[] }[] {
  const groups: { key: GroupKey; items: TimelineItemDraft[] }[] = [];
  for (const item of items) {
    const key = groupOf(item);
    const g = groups.find((x) => x.key === key);
    if (g) g.items.push(item);
    else groups.push({ key, items: [item] });
  }
  return groups;
}

/** A date column only helps when results have dates and they are not all the same. */
function showDates(items: TimelineItemDraft[]): boolean {
  const dates = items.map((i) => i.date);
  return dates.some(Boolean) && new Set(dates).size > 1;
}

function DocumentCard({ item, ctx }: { item: TimelineItemDraft; ctx: RecordContext }) {
  const d = item.detail as Record<string, unknown>;
  const attachments = (d.attachments as NonNullable<typeof item.attachment>[] | undefined) ?? (item.attachment ? [item.attachment] : []);
  const description = typeof d.description === "string" && d.description !== item.title ? d.description : null;
  const authors = Array.isArray(d.authors) ? (d.authors as string[]) : [];
  return (
    <article className="rounded-md border border-slate-200 bg-white px-4 py-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h4 className="font-semibold text-slate-900">{item.title}</h4>
        <span className="text-xs text-slate-500">{item.date && <FhirDate value={item.date} />}</span>
      </div>
      {description && <p className="mt-1 text-sm text-slate-700">{description}</p>}
      {(authors.length > 0 || typeof d.custodian === "string") && (
        <p className="mt-1 text-xs text-slate-600">{[authors.join(", "), d.custodian].filter(Boolean).join(" · ")}</p>
      )}
      <AttachmentLinks attachments={attachments} ctx={ctx} />
      {attachments.length === 0 && <p className="mt-1 text-sm text-slate-600">No attachment content was sent.</p>}
    </article>
  );
}

/** Renders one group of items with the layout that suits its kind. */
export function ItemGroup({ group, ctx, caption, idBase }: { group: { key: GroupKey; items: TimelineItemDraft[] }; ctx: RecordContext; caption: string; idBase: string }) {
  switch (group.key) {
    case "observation":
      return <ObservationTable items={group.items} ctx={ctx} caption={caption} showDate={showDates(group.items)} />;
    case "medication":
      return <MedicationTable items={group.items} caption={caption} />;
    case "immunization":
      return <ImmunizationTable items={group.items} caption={caption} />;
    case "recommendation":
      return <RecommendationList items={group.items} />;
    case "report":
      return (
        <div className="space-y-3">
          {group.items.map((item, i) => (
            <ReportBlock key={item.detail.pointer} item={item} ctx={ctx} headingId={`${idBase}-r${i}`} />
          ))}
        </div>
      );
    case "invoice":
      return (
        <div className="space-y-4">
          {group.items.map((item, i) => (
            <InvoiceBlock key={item.detail.pointer} item={item} headingId={`${idBase}-i${i}`} />
          ))}
        </div>
      );
    case "document":
      return (
        <div className="mt-2 space-y-2">
          {group.items.map((item) =>
            item.resourceType === "DocumentReference" ? (
              <DocumentCard key={item.detail.pointer} item={item} ctx={ctx} />
            ) : (
              <ItemCard key={item.detail.pointer} item={item} ctx={ctx} />
            ),
          )}
        </div>
      );
    default:
      return (
        <div className="mt-2 space-y-2">
          {group.items.map((item) => (
            <ItemCard key={item.detail.pointer} item={item} ctx={ctx} />
          ))}
        </div>
      );
  }
}

/** A list of items, grouped by kind, with group headings when there is more than one group. */
export function ItemList({ items, ctx, label, idBase }: { items: TimelineItemDraft[]; ctx: RecordContext; label: string; idBase: string }) {
  const groups = groupItems(items);
  if (groups.length === 1) return <ItemGroup group={groups[0]} ctx={ctx} caption={label} idBase={idBase} />;
  return (
    <div className="space-y-4">
      {groups.map((g, i) => (
        <div key={g.key}>
          <h4 className="mt-2 text-sm font-semibold tracking-wide text-slate-600 uppercase">{GROUP_LABEL[g.key]}</h4>
          <ItemGroup group={g} ctx={ctx} caption={`${label}: ${GROUP_LABEL[g.key]}`} idBase={`${idBase}-g${i}`} />
        </div>
      ))}
    </div>
  );
}

/** One Composition section: its title, items (grouped), narrative and unresolved entries. */
export function RecordSection({ section, ctx, items }: { section: AnalysedSection; ctx: RecordContext; items?: TimelineItemDraft[] }) {
  const shown = items ?? section.items;
  const id = `${ctx.idPrefix}-s${section.index}`;
  const empty = shown.length === 0 && !section.narrative && section.unresolved.length === 0;
  return (
    <section aria-labelledby={id} className="border-t border-slate-200 pt-4">
      <h3 id={id} className="text-lg font-semibold text-slate-900">
        {section.title}
      </h3>
      {shown.length > 0 && <ItemList items={shown} ctx={ctx} label={section.title} idBase={id} />}
      {section.narrative && shown.length === 0 && <Narrative html={section.narrative} />}
      {section.narrative && shown.length > 0 && (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-slate-600">Section text as sent by the HIP</summary>
          <Narrative html={section.narrative} />
        </details>
      )}
      {section.unresolved.length > 0 && (
        <Paragraphs texts={[`Referenced but not included in the record: ${section.unresolved.join(", ")}`]} />
      )}
      {empty && <p className="mt-1 text-sm text-slate-600">{section.emptyReason ?? "Nothing recorded in this section."}</p>}
    </section>
  );
}

