import { extractDemographics } from "@/lib/fhir/bundle";
import { HI_TYPE_LABELS } from "@/lib/fhir/hi-type";
import { referenceLabel } from "@/lib/fhir/references";
import type { TimelineItemDraft } from "@/lib/fhir/timeline";
import type { RecordContext } from "./context";
import { Facts, FhirDate, type Fact } from "./format";

/** The Encounter the Composition points at, else the only Encounter in the bundle. */
export function headerEncounter(ctx: RecordContext): TimelineItemDraft | null {
  const { analysed } = ctx;
  const comp = analysed.composition as unknown as Record<string, unknown> | null;
  if (comp) {
    const target = analysed.resolver.resolve(comp.encounter, comp).target;
    const item = target ? analysed.itemAt(target.pointer) : null;
    if (item) return item;
  }
  const encounters = analysed.items.filter((i) => i.resourceType === "Encounter");
  return encounters.length === 1 ? encounters[0] : null;
}

const DAY_MS = 86_400_000;

function lengthOfStay(start: string | null, end: string | null): string | null {
  if (!start || !end) return null;
  const a = Date.parse(start.slice(0, 10));
  const b = Date.parse(end.slice(0, 10));
  if (Number.isNaN(a) || Number.isNaN(b) || b < a) return null;
  const days = Math.round((b - a) / DAY_MS);
  return days === 0 ? "same day" : `${days} day${days === 1 ? "" : "s"}`;
}

/**
 * The record's identity: HI type, title, the clinical date (admission/discharge for discharges,
 * visit for consultations), who wrote it, where, and the patient as this HIP named them.
 */
export function RecordHeader({ ctx, headingId, bundle }: { ctx: RecordContext; headingId: string; bundle: unknown }) {
  const { analysed } = ctx;
  const comp = (analysed.composition ?? {}) as unknown as Record<string, unknown>;
  const title = (typeof comp.title === "string" && comp.title.trim()) || HI_TYPE_LABELS[analysed.hiType];
  const doc = analysed.documentDate;
  const encounter = headerEncounter(ctx);
  const enc = (encounter?.detail ?? {}) as Record<string, unknown>;
  const discharge = analysed.hiType === "DischargeSummary";
  const authors = Array.isArray(comp.author) ? comp.author.map((a) => referenceLabel(analysed.resolver, a, comp)).filter(Boolean) : [];
  const custodian = referenceLabel(analysed.resolver, comp.custodian, comp);
  const patient = extractDemographics(bundle);
  const compDate = typeof comp.date === "string" ? comp.date : null;

  const dateFacts: Fact[] = [];
  if (discharge && encounter) {
    const start = typeof enc.periodStart === "string" ? enc.periodStart : null;
    const end = typeof enc.periodEnd === "string" ? enc.periodEnd : null;
    dateFacts.push(["Admitted", <FhirDate key="a" value={start} />]);
    dateFacts.push(["Discharged", end ? <FhirDate key="d" value={end} /> : "Not recorded"]);
    const los = lengthOfStay(start, end);
    if (los) dateFacts.push(["Length of stay", los]);
    if (typeof enc.dischargeDisposition === "string") dateFacts.push(["Discharged to", enc.dischargeDisposition]);
  } else if (encounter && doc?.source === "encounter") {
    dateFacts.push(["Visit", <FhirDate key="v" value={doc.date} />]);
  } else if (doc) {
    dateFacts.push([doc.source === "main-resource" ? "Clinical date" : "Record date", <FhirDate key="r" value={doc.date} />]);
  }
  if (compDate && compDate !== doc?.date) dateFacts.push(["Document written", <FhirDate key="c" value={compDate} />]);

  const patientLine = [patient.name, patient.gender, patient.birthDate ? `born ${patient.birthDate}` : null].filter(Boolean).join(", ");
  const encounterWhere = [
    ...(Array.isArray(enc.locations) ? (enc.locations as string[]) : []),
    typeof enc.serviceProvider === "string" ? enc.serviceProvider : null,
  ].filter(Boolean);

  return (
    <header className="rounded-t-lg border-b border-slate-200 bg-white px-5 py-4">
      <p className="text-xs font-semibold tracking-wide text-brand-700 uppercase">{HI_TYPE_LABELS[analysed.hiType]}</p>
      <h2 id={headingId} className="mt-0.5 text-xl font-semibold text-slate-900">
        {title}
      </h2>
      {!analysed.composition && (
        <p className="mt-1 text-sm text-slate-600">This record arrived as a plain collection of resources, without a document cover sheet.</p>
      )}
      <Facts
        className="mt-3"
        facts={[
          ...dateFacts,
          ["Visit type", encounter && !discharge ? encounter.title : null],
          ["Author", authors as string[]],
          ["Facility", custodian ?? (encounterWhere.length > 0 ? encounterWhere.join(", ") : null)],
          ["Diagnoses (encounter)", Array.isArray(enc.diagnoses) && (enc.diagnoses as string[]).length > 0 ? (enc.diagnoses as string[]) : null],
          ["Patient, as sent", patientLine || null],
          ["Status", typeof comp.status === "string" && comp.status !== "final" ? comp.status : null],
        ]}
      />
    </header>
  );
}
