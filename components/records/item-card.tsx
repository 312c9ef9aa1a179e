import { formatFhirDate } from "@/lib/fhir/dates";
import type { TimelineItemDraft } from "@/lib/fhir/timeline";
import { AttachmentLinks } from "./attachment-links";
import type { RecordContext } from "./context";
import { Codes, Facts, FhirDate, Flag, Paragraphs, StatusText, type Fact } from "./format";

type D = Record<string, unknown>;
const s = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v : null);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && x.trim() !== "") : []);

/** A date string as sent, formatted, or free text when it is not a date. */
function when(v: unknown): React.ReactNode {
  const t = s(v);
  return t ? <FhirDate value={t} /> : null;
}

/** Per kind, the facts worth a clinician's glance. Everything else is in the FHIR source. */
function factsFor(item: TimelineItemDraft): { facts: Fact[]; notes: string[]; status: string | null } {
  const d = item.detail as D;
  const notes = list(d.notes);
  switch (item.resourceType) {
    case "Condition":
      return {
        status: [s(d.clinicalStatus), s(d.verificationStatus)].filter(Boolean).join(", ") || null,
        notes,
        facts: [
          ["Onset", s(d.onsetDateTime) ? when(d.onsetDateTime) : s(d.onsetText)],
          ["Recorded", s(d.recordedDate) && d.recordedDate !== d.onsetDateTime ? when(d.recordedDate) : null],
          ["Severity", s(d.severity)],
          ["Body site", list(d.bodySite)],
          ["Resolved", s(d.abatement)],
          ["Category", list(d.category)],
        ],
      };
    case "AllergyIntolerance": {
      const reactions = (Array.isArray(d.reactions) ? d.reactions : []) as { manifestations: string[]; severity: string | null; substance: string | null; description: string | null }[];
      return {
        status: s(d.clinicalStatus),
        notes,
        facts: [
          ["Criticality", s(d.criticality)],
          ["Type", [s(d.type), ...list(d.category)].filter(Boolean).join(", ") || null],
          [
            "Reaction",
            reactions.length > 0
              ? reactions.map((r) => [r.substance, r.manifestations.join(", "), r.severity ? `(${r.severity})` : null, r.description].filter(Boolean).join(" ")).join("; ")
              : null,
          ],
          ["Recorded", when(item.date)],
          ["Last occurrence", when(d.lastOccurrence)],
        ],
      };
    }
    case "Procedure":
      return {
        status: s(d.status),
        notes,
        facts: [
          ["Performed", item.date ? <>{when(item.date)}{s(d.performedEnd) ? <> – {when(d.performedEnd)}</> : null}</> : s(d.performedText)],
          ["Body site", list(d.bodySite)],
          ["Reason", list(d.reasons)],
          ["Outcome", s(d.outcome)],
          ["Complications", list(d.complications)],
          ["Follow-up", list(d.followUp)],
          ["Performed by", list(d.performers)],
        ],
      };
    case "ServiceRequest":
      return {
        status: s(d.status) === "active" ? null : s(d.status),
        notes,
        facts: [
          ["Ordered", when(d.authoredOn)],
          ["When", s(d.occurrence) && d.occurrence !== d.authoredOn ? (formatFhirDate(d.occurrence) || s(d.occurrence)) : null],
          ["Category", list(d.category)],
          ["Priority", s(d.priority)],
          ["Reason", list(d.reasons)],
          ["Ordered by", s(d.requester)],
          ["Instructions", s(d.patientInstruction)],
        ],
      };
    case "Appointment":
      return {
        status: s(d.status),
        notes: [s(d.comment), s(d.patientInstruction)].filter((x): x is string => !!x),
        facts: [
          ["When", s(d.start) ? <>{when(d.start)}{s(d.end) ? <> – {when(d.end)}</> : null}</> : null],
          ["Purpose", s(d.description)],
          ["Service", list(d.serviceType)],
          ["Reason", list(d.reasons)],
          ["With", list(d.participants)],
        ],
      };
    case "CarePlan": {
      // HIPs often repeat the description as a note or an activity; show each text once.
      const texts = [...new Set([s(d.description), ...notes].filter((x): x is string => !!x))];
      const activities = list(d.activities).filter((a) => !texts.includes(a));
      return {
        status: s(d.status) === "active" ? null : s(d.status),
        notes: texts,
        facts: [
          ["Period", s(d.period)],
          ["Addresses", list(d.addresses)],
          ["Goals", list(d.goals)],
          [
            "Activities",
            activities.length > 0 ? (
              <ul className="list-disc pl-5">
                {activities.map((a, i) => (
                  <li key={i} className="whitespace-pre-line">
                    {a}
                  </li>
                ))}
              </ul>
            ) : null,
          ],
        ],
      };
    }
    case "Encounter":
      return {
        status: null,
        notes: [],
        facts: [
          ["From", when(d.periodStart)],
          ["To", when(d.periodEnd)],
          ["Type", s(d.class)],
          ["Admitted from", s(d.admitSource)],
          ["Discharge", s(d.dischargeDisposition)],
          ["Diagnoses", list(d.diagnoses)],
          ["Reason", list(d.reasons)],
          ["Clinicians", list(d.participants)],
          ["Where", [...list(d.locations), s(d.serviceProvider)].filter(Boolean).join(", ") || null],
        ],
      };
    case "FamilyMemberHistory": {
      const conds = (Array.isArray(d.conditions) ? d.conditions : []) as { condition: string; onset: string | null; outcome: string | null }[];
      return {
        status: null,
        notes,
        facts: [
          ["Relative", s(d.relationship)],
          ["Conditions", conds.map((c) => [c.condition, c.onset, c.outcome ? `(${c.outcome})` : null].filter(Boolean).join(" ")).join("; ") || null],
          ["Deceased", d.deceased === true ? "Yes" : null],
        ],
      };
    }
    case "ImagingStudy": {
      const series = (Array.isArray(d.series) ? d.series : []) as { description: string | null; modality: string | null; bodySite: string | null; instances: number }[];
      return {
        status: null,
        notes,
        facts: [
          ["Started", when(item.date)],
          ["Modality", list(d.modalities)],
          ["Series", series.map((x) => [x.description, x.modality, x.bodySite, `${x.instances} image${x.instances === 1 ? "" : "s"}`].filter(Boolean).join(" · ")).join("; ") || null],
        ],
      };
    }
    default:
      return {
        status: s(d.status),
        notes,
        facts: [
          ["Date", when(item.date)],
          ["Value", item.value],
          ["Details", item.summary && item.summary !== item.value ? item.summary : null],
        ],
      };
  }
}

/** A readable card for one item of any kind; the generic fallback and the default in sections. */
export function ItemCard({ item, ctx, headingLevel = 4 }: { item: TimelineItemDraft; ctx: RecordContext; headingLevel?: 4 | 5 }) {
  const { facts, notes, status } = factsFor(item);
  const H = `h${headingLevel}` as "h4" | "h5";
  const attachments = (item.detail.attachments as typeof item.attachment[] | undefined) ?? (item.attachment ? [item.attachment] : []);
  return (
    <article className="rounded-md border border-slate-200 bg-white px-4 py-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <H className="font-semibold text-slate-900">
          {item.title} {item.abnormal && <Flag direction="abnormal" />}
        </H>
        <span className="text-xs text-slate-500">
          {item.date && !["Condition", "Procedure", "Appointment", "Encounter", "AllergyIntolerance", "ServiceRequest", "ImagingStudy"].includes(item.resourceType) && <FhirDate value={item.date} />}
        </span>
      </div>
      {status && (
        <p className="mt-0.5">
          <StatusText value={status} />
        </p>
      )}
      <Facts facts={facts} className="mt-2" />
      <Paragraphs texts={notes} />
      <Codes codes={item.codes} />
      <AttachmentLinks attachments={attachments.filter((a): a is NonNullable<typeof a> => !!a)} ctx={ctx} />
    </article>
  );
}
