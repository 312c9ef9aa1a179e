import type { MedicationDetail } from "@/lib/fhir/resources";
import type { TimelineItemDraft } from "@/lib/fhir/timeline";
import { FhirDate, StatusText } from "./format";

const QUIET_STATUSES = new Set(["active", "completed", "unknown"]);

/**
 * Medicines as a prescription reads: drug, dose, when/how often, route, duration, instructions.
 * A dosage the HIP sent only as free text is shown across the structured columns, as written.
 */
export function MedicationTable({ items, caption }: { items: TimelineItemDraft[]; caption: string }) {
  if (items.length === 0) return null;
  return (
    <div className="mt-2 overflow-x-auto rounded-md border border-slate-200">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            <th scope="col" className="px-3 py-2">Medicine</th>
            <th scope="col" className="px-3 py-2">Dose</th>
            <th scope="col" className="px-3 py-2">When / how often</th>
            <th scope="col" className="px-3 py-2">Route</th>
            <th scope="col" className="px-3 py-2">Duration</th>
            <th scope="col" className="px-3 py-2">Instructions</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 bg-white align-top">
          {items.map((item) => {
            const d = item.detail as unknown as MedicationDetail;
            const dosages = d.dosage?.length ? d.dosage : [null];
            return dosages.map((dz, i) => {
              const structured = dz && (dz.dose || dz.timing || dz.route || dz.duration);
              const instructions = dz ? [structured ? dz.text : null, dz.asNeeded, dz.method, dz.site, ...dz.instructions].filter(Boolean) : [];
              const extra = i === 0 ? [...(d.notes ?? [])] : [];
              return (
                <tr key={`${item.detail.pointer}-${i}`}>
                  {i === 0 && (
                    <th scope="row" rowSpan={dosages.length} className="px-3 py-2 text-left font-medium text-slate-900">
                      {item.title}
                      {d.ingredients?.length > 0 && <span className="block text-xs font-normal text-slate-600">{d.ingredients.join(" + ")}</span>}
                      {d.form && <span className="block text-xs font-normal text-slate-600">{d.form}</span>}
                      {d.reasons?.length > 0 && <span className="block text-xs font-normal text-slate-600">for {d.reasons.join(", ")}</span>}
                      <span className="mt-0.5 block text-xs font-normal text-slate-500">
                        {item.resourceType === "MedicationStatement" ? "Recorded " : "Prescribed "}
                        <FhirDate value={item.date} dateOnly missing="(date not recorded)" />
                        {d.requester && ` by ${d.requester}`}
                      </span>
                      {d.status && !QUIET_STATUSES.has(d.status) && (
                        <span className="mt-1 block">
                          <StatusText value={d.status} />
                        </span>
                      )}
                    </th>
                  )}
                  {structured || !dz?.text ? (
                    <>
                      <td className="px-3 py-2">{dz?.dose ?? ""}</td>
                      <td className="px-3 py-2">{dz?.timing ?? ""}</td>
                      <td className="px-3 py-2">{dz?.route ?? ""}</td>
                      <td className="px-3 py-2">{dz?.duration ?? (i === 0 ? (d.duration ?? "") : "")}</td>
                    </>
                  ) : (
                    <td colSpan={4} className="px-3 py-2 whitespace-pre-line">
                      <span className="sr-only">Dosage as written: </span>
                      {dz.text}
                    </td>
                  )}
                  <td className="px-3 py-2 text-slate-700">
                    {[...instructions, ...extra].map((t, k) => (
                      <span key={k} className="block">
                        {t}
                      </span>
                    ))}
                    {i === 0 && d.dispense && <span className="block text-xs text-slate-500">Dispense: {d.dispense}</span>}
                  </td>
                </tr>
              );
            });
          })}
        </tbody>
      </table>
    </div>
  );
}
