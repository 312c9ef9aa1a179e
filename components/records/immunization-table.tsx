import type { ImmunizationDetail, RecommendationView } from "@/lib/fhir/resources";
import type { TimelineItemDraft } from "@/lib/fhir/timeline";
import { FhirDate, StatusText } from "./format";

/** Vaccines given: vaccine, dose, date, lot, site, route, who and where. */
export function ImmunizationTable({ items, caption }: { items: TimelineItemDraft[]; caption: string }) {
  if (items.length === 0) return null;
  return (
    <div className="mt-2 overflow-x-auto rounded-md border border-slate-200">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
          <tr>
            <th scope="col" className="px-3 py-2">Vaccine</th>
            <th scope="col" className="px-3 py-2">Dose</th>
            <th scope="col" className="px-3 py-2">Date given</th>
            <th scope="col" className="px-3 py-2">Lot</th>
            <th scope="col" className="px-3 py-2">Site</th>
            <th scope="col" className="px-3 py-2">Route</th>
            <th scope="col" className="px-3 py-2">Manufacturer / given by</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 bg-white align-top">
          {items.map((item) => {
            const d = item.detail as unknown as ImmunizationDetail;
            const dose = d.doseNumber ? `${d.doseNumber}${d.seriesDoses ? ` of ${d.seriesDoses}` : ""}` : "";
            return (
              <tr key={item.detail.pointer}>
                <th scope="row" className="px-3 py-2 text-left font-medium text-slate-900">
                  {item.title}
                  {d.brand && <span className="block text-xs font-normal text-slate-600">Brand: {d.brand}</span>}
                  {d.targetDiseases?.length > 0 && <span className="block text-xs font-normal text-slate-600">Against {d.targetDiseases.join(", ")}</span>}
                  {d.series && <span className="block text-xs font-normal text-slate-600">{d.series}</span>}
                  {d.status && d.status !== "completed" && <StatusText value={d.status === "not-done" ? "Not given" : d.status} />}
                  {d.notes?.map((n, i) => (
                    <span key={i} className="block text-xs font-normal text-slate-600">
                      {n}
                    </span>
                  ))}
                </th>
                <td className="px-3 py-2">
                  {dose}
                  {d.doseQuantity && <span className="block text-xs text-slate-600">{d.doseQuantity}</span>}
                </td>
                <td className="px-3 py-2 whitespace-nowrap">
                  {item.date ? <FhirDate value={item.date} /> : (d.occurrenceText ?? <span className="text-slate-500">Not recorded</span>)}
                </td>
                <td className="px-3 py-2">
                  {d.lotNumber}
                  {d.expirationDate && (
                    <span className="block text-xs text-slate-600">
                      exp. <FhirDate value={d.expirationDate} />
                    </span>
                  )}
                </td>
                <td className="px-3 py-2">{d.site}</td>
                <td className="px-3 py-2">{d.route}</td>
                <td className="px-3 py-2">
                  {[d.manufacturer, ...(d.performers ?? []), d.location].filter(Boolean).map((t, i) => (
                    <span key={i} className="block">
                      {t}
                    </span>
                  ))}
                  {d.reactions?.length > 0 && <span className="block text-xs text-red-800">Reaction: {d.reactions.join(", ")}</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Upcoming doses from ImmunizationRecommendation resources. */
export function RecommendationList({ items }: { items: TimelineItemDraft[] }) {
  const recs = items.flatMap((item) => ((item.detail.recommendations as RecommendationView[] | undefined) ?? []).map((r, i) => ({ r, key: `${item.detail.pointer}-${i}`, item })));
  if (recs.length === 0) return null;
  return (
    <ul className="mt-2 space-y-2">
      {recs.map(({ r, key, item }) => (
        <li key={key} className="rounded-md border border-slate-200 bg-white px-3 py-2 text-sm">
          <p className="font-medium text-slate-900">
            {r.vaccine ?? r.targetDisease ?? "Vaccine"}
            {r.doseNumber && ` — dose ${r.doseNumber}${r.seriesDoses ? ` of ${r.seriesDoses}` : ""}`} {r.status && <StatusText value={r.status} />}
          </p>
          {r.dates.map((dc, i) => (
            <p key={i} className="text-slate-700">
              {dc.label}: <FhirDate value={dc.date} />
            </p>
          ))}
          {r.description && <p className="text-slate-700">{r.description}</p>}
          <p className="text-xs text-slate-500">
            Recommended <FhirDate value={item.date} dateOnly missing="(date not recorded)" />
          </p>
        </li>
      ))}
    </ul>
  );
}
