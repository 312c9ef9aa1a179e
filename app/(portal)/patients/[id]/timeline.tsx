import Link from "next/link";
import { EmptyState } from "@/components/page-header";
import { Flag } from "@/components/records/format";
import { parseFhirDate } from "@/lib/fhir/dates";
import { HI_TYPE_LABELS, isHiType } from "@/lib/fhir/hi-type";
import { blocksByRecord, groupTimeline, timeOfDay } from "@/lib/records/grouping";
import { markVisited } from "@/lib/records/mutations";
import { listTimeline, TIMELINE_COUNT_CAP, type TimelineEntry, type TimelinePage } from "@/lib/records/queries";
import type { TimelineFilterInput } from "@/lib/records/schemas";

type SearchParams = Record<string, string | string[] | undefined>;

const KIND_LABELS: Record<string, string> = {
  "lab-result": "Lab result",
  "vital-sign": "Vital sign",
  observation: "Observation",
  condition: "Condition",
  procedure: "Procedure",
  report: "Report",
  medication: "Medication",
  immunization: "Immunization",
  allergy: "Allergy",
  document: "Document",
  media: "Image",
  imaging: "Imaging",
  "care-plan": "Care plan",
  order: "Order",
  appointment: "Appointment",
  invoice: "Invoice",
  encounter: "Visit",
  "family-history": "Family history",
  other: "Other",
};

const visitTime = new Intl.DateTimeFormat("en-IN", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Kolkata" });

function hiTypeLabel(hiType: string | null): string {
  return hiType && isHiType(hiType) ? HI_TYPE_LABELS[hiType] : hiType ? hiType : "Unclassified record";
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

const FILTER_KEYS = ["type", "hip", "from", "to", "q", "after", "before", "since"] as const;

/**
 * The patient's records across facilities as one timeline, newest first and grouped by clinical
 * day, with filters in the URL (a GET form, so a filtered view is a shareable link). Reading it
 * records the visit; the "New" marks compare against the visit before, carried in the links so
 * they stay put while the clinician pages and filters.
 */
export async function PatientTimeline({ patientId, searchParams }: { patientId: string; searchParams: SearchParams | Promise<SearchParams> }) {
  const sp = await searchParams;
  const input: Record<string, string | undefined> = {};
  for (const k of FILTER_KEYS) input[k] = first(sp[k]);
  const page = await listTimeline(patientId, input as TimelineFilterInput);
  await markVisited(patientId);

  const f = page.filter;
  const filtered = Boolean(f.type || f.hip || f.from || f.to || f.q);
  const base = `/patients/${patientId}`;
  const href = (extra: Record<string, string | undefined>) => {
    const p = new URLSearchParams();
    const keep = { type: f.type, hip: f.hip, from: f.from, to: f.to, q: f.q, since: page.since ?? undefined, ...extra };
    for (const [k, v] of Object.entries(keep)) if (v) p.set(k, v);
    const qs = p.toString();
    return `${base}${qs ? `?${qs}` : ""}#timeline`;
  };
  const clearHref = `${base}${page.since ? `?since=${encodeURIComponent(page.since)}` : ""}#timeline`;
  const groups = groupTimeline(page.items);
  const headingId = "timeline-heading";

  return (
    <section id="timeline" aria-labelledby={headingId} className="space-y-4">
      <h3 id={headingId} className="sr-only">
        Timeline
      </h3>
      <TimelineFilters page={page} action={`${base}#timeline`} clearHref={clearHref} filtered={filtered} />
      <p className="text-sm text-slate-700" role="status">
        {page.total === 0 ? (
          filtered ? "No items match these filters." : "No records have arrived yet."
        ) : (
          <>
            {page.totalCapped ? `More than ${page.total.toLocaleString("en-IN")}` : page.total.toLocaleString("en-IN")}{" "}
            {filtered ? "matching " : ""}
            {page.total === 1 && !page.totalCapped ? "item" : "items"}
            {page.since && (
              <>
                {" · "}
                <strong className="font-semibold">
                  {page.newCount.toLocaleString("en-IN")}
                  {page.newCount >= TIMELINE_COUNT_CAP ? "+" : ""} new
                </strong>{" "}
                since your last visit ({visitTime.format(new Date(page.since))} IST)
              </>
            )}
          </>
        )}
      </p>

      {page.items.length === 0 ? (
        <EmptyState title={filtered ? "Nothing matches" : "No records yet"}>
          {filtered ? (
            <Link href={clearHref} className="font-medium text-brand-800 underline">
              Clear the filters
            </Link>
          ) : (
            "Records appear here once a consent is granted and the facilities send them."
          )}
        </EmptyState>
      ) : (
        <ol className="space-y-6" aria-label="Timeline, newest first">
          {groups.map((g) => (
            <li key={`${g.key}-${g.items[0].id}`} aria-labelledby={`day-${g.items[0].id}`}>
              <h4 id={`day-${g.items[0].id}`} className="mb-2 flex items-baseline gap-2 border-b border-slate-200 pb-1 text-sm font-semibold text-slate-900">
                {g.label}
                {g.note && <span className="text-xs font-normal text-slate-600">({g.note})</span>}
              </h4>
              <ul className="space-y-3">
                {blocksByRecord(g.items).map((b) => (
                  <RecordBlockView key={`${b.recordId}-${b.items[0].id}`} items={b.items} showTime={g.precision === "day"} />
                ))}
              </ul>
            </li>
          ))}
        </ol>
      )}

      {(page.newer || page.older) && (
        <nav aria-label="Timeline pages" className="flex flex-wrap items-center gap-3 text-sm">
          {page.newer ? (
            <>
              <Link href={href({})} className="text-brand-800 underline">
                Newest
              </Link>
              <Link href={href({ before: page.newer })} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-100">
                <span aria-hidden="true">← </span>Newer
              </Link>
            </>
          ) : null}
          {page.older && (
            <Link href={href({ after: page.older })} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 font-medium text-slate-800 hover:bg-slate-100">
              Older<span aria-hidden="true"> →</span>
            </Link>
          )}
          <span className="text-slate-600">{page.pageSize} per page</span>
        </nav>
      )}
    </section>
  );
}

function TimelineFilters({ page, action, clearHref, filtered }: { page: TimelinePage; action: string; clearHref: string; filtered: boolean }) {
  const f = page.filter;
  const types = page.facets.types.map((t) => t.hiType ?? "unknown");
  if (f.type && !types.includes(f.type)) types.push(f.type);
  const field = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
  return (
    <form method="get" action={action} role="search" aria-label="Filter the timeline" className="grid gap-3 rounded-lg border border-slate-200 bg-white p-3 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_auto_auto_auto]">
      {page.since && <input type="hidden" name="since" value={page.since} />}
      <div>
        <label htmlFor="timeline-q" className="block text-sm font-medium text-slate-800">
          Search records
        </label>
        <input id="timeline-q" name="q" type="search" defaultValue={f.q} placeholder="e.g. haemoglobin, metformin, 4548-4" className={field} maxLength={200} />
      </div>
      <div>
        <label htmlFor="timeline-type" className="block text-sm font-medium text-slate-800">
          Record type
        </label>
        <select id="timeline-type" name="type" defaultValue={f.type ?? ""} className={field}>
          <option value="">All types</option>
          {types.map((t) => (
            <option key={t} value={t}>
              {t === "unknown" ? "Unclassified" : hiTypeLabel(t)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="timeline-hip" className="block text-sm font-medium text-slate-800">
          Facility
        </label>
        <select id="timeline-hip" name="hip" defaultValue={f.hip ?? ""} className={field}>
          <option value="">All facilities</option>
          {page.facets.hips.map((h) => (
            <option key={h.id} value={h.id}>
              {h.name ?? h.id}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="timeline-from" className="block text-sm font-medium text-slate-800">
          From
        </label>
        <input id="timeline-from" name="from" type="date" defaultValue={f.from} className={field} />
      </div>
      <div>
        <label htmlFor="timeline-to" className="block text-sm font-medium text-slate-800">
          To
        </label>
        <input id="timeline-to" name="to" type="date" defaultValue={f.to} className={field} />
      </div>
      <div className="flex items-end gap-3">
        <button type="submit" className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-800">
          Apply
        </button>
        {filtered && (
          <Link href={clearHref} className="pb-1.5 text-sm text-brand-800 underline">
            Clear
          </Link>
        )}
      </div>
      {(f.from || f.to) && <p className="text-xs text-slate-600 sm:col-span-2 lg:col-span-6">Dates are IST calendar days. Items without any date are hidden while a date range is set.</p>}
    </form>
  );
}

function dateNote(item: TimelineEntry): string | null {
  if (item.dateText && !parseFhirDate(item.dateText)) return `Date as sent: ${item.dateText}`;
  if (item.dateText) return null;
  if (item.dateFrom === "parent") return "No own date; placed on its report's date";
  if (item.dateFrom === "document") return "No own date; placed on the record's date";
  return null;
}

/** One record's items on one day: source, consent and arrival said once, then a line per item. */
function RecordBlockView({ items, showTime }: { items: TimelineEntry[]; showTime: boolean }) {
  const lead = items[0];
  const times = new Set(items.map((i) => (showTime ? timeOfDay(i.dateText) : null)));
  const sharedTime = times.size === 1 ? [...times][0] : null;
  const isNew = items.some((i) => i.isNew);
  // Said once in the header when every line shares it (a lab panel's "Laboratory report").
  const sections = new Set(items.map((i) => i.section));
  const sharedSection = sections.size === 1 && items.length > 1 ? lead.section : null;
  return (
    <li
      data-testid="timeline-record"
      className={`rounded-md border border-slate-200 bg-white ${isNew ? "border-l-4 border-l-brand-600" : ""}`}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-slate-100 px-3 py-1.5 text-xs">
        {sharedTime && <span className="font-medium text-slate-700 tabular-nums">{sharedTime}</span>}
        <span data-testid="hi-type" className="rounded bg-slate-100 px-1.5 py-0.5 font-medium text-slate-800">
          {hiTypeLabel(lead.hiType)}
        </span>
        <span className="text-slate-700">{lead.hipName ?? lead.hipId ?? "Unknown facility"}</span>
        {sharedSection && <span className="text-slate-600">· {sharedSection}</span>}
        {isNew && (
          <span className="rounded bg-brand-700 px-1.5 py-0.5 font-semibold text-white">
            <span aria-hidden="true">● </span>New<span className="sr-only"> since your last visit</span>
          </span>
        )}
        <span className="ml-auto flex gap-3">
          <Link href={`/records/${lead.recordId}`} className="text-brand-800 underline">
            Open record<span className="sr-only">: {hiTypeLabel(lead.hiType)} from {lead.hipName ?? "unknown facility"}</span>
          </Link>
          <Link href={`/consents/${lead.consentRequestId}`} className="text-brand-800 underline">
            Consent<span className="sr-only"> under which this record was shared</span>
          </Link>
        </span>
      </div>
      <ul className="divide-y divide-slate-100">
        {items.map((item) => (
          <TimelineItem
            key={item.id}
            item={item}
            time={sharedTime ? null : showTime ? timeOfDay(item.dateText) : null}
            showTimeColumn={!sharedTime && showTime}
            showSection={!sharedSection}
          />
        ))}
      </ul>
    </li>
  );
}

function TimelineItem({ item, time, showTimeColumn, showSection }: { item: TimelineEntry; time: string | null; showTimeColumn: boolean; showSection: boolean }) {
  const section = showSection ? item.section : null;
  const note = dateNote(item);
  const recordHref = `/records/${item.recordId}${item.resourceId ? `?resource=${encodeURIComponent(item.resourceId)}` : ""}`;
  const detail = item.summary ?? item.value;
  return (
    <li data-testid="timeline-item" className="flex gap-3 px-3 py-1.5">
      {showTimeColumn && (
        <div className="w-24 shrink-0 pt-0.5 text-xs text-slate-600 tabular-nums">
          {time && (
            <time dateTime={parseFhirDate(item.dateText)?.instant} title={`As sent: ${item.dateText}`}>
              {time}
            </time>
          )}
        </div>
      )}
      <div className="min-w-0 flex-1 text-sm">
        <p>
          <span className="mr-2 text-xs text-slate-600">{item.kind ? (KIND_LABELS[item.kind] ?? item.kind) : item.resourceType}</span>
          <Link href={recordHref} className="font-semibold text-brand-800 underline-offset-2 hover:underline">
            {item.title}
          </Link>
          {detail && <span className="text-slate-800"> — {detail}</span>}
          {item.abnormal && (
            <span className="ml-2 align-middle">
              <Flag direction="abnormal" />
            </span>
          )}
        </p>
        {(note || section || (item.attachment && item.attachment.viewer !== "none")) && (
          <p className="text-xs text-slate-600">
            {[
              note,
              section,
              item.attachment && item.attachment.viewer !== "none"
                ? item.attachment.viewer === "pdf"
                  ? "PDF attached"
                  : item.attachment.viewer === "image"
                    ? "Image attached"
                    : item.attachment.viewer === "link"
                      ? "Linked file (not stored)"
                      : "File attached"
                : null,
            ]
              .filter(Boolean)
              .join(" · ")}
          </p>
        )}
      </div>
    </li>
  );
}
