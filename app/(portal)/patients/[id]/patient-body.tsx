import Link from "next/link";
import { EmptyState } from "@/components/page-header";
import { StatusBadge } from "@/components/status-badge";
import { formatDay, relativeTime } from "@/lib/consents/dates";
import { hiTypeLabel, purposeLabel } from "@/lib/consents/labels";
import type { PatientConsentRow } from "@/lib/consents/queries";

/**
 * The patient page's body: consent requests, then the records timeline. The timeline slot is
 * filled by the records feature; until then it explains when records appear.
 */
export function PatientBody({ patientId, consents, timeline }: { patientId: string; consents: PatientConsentRow[]; timeline?: React.ReactNode }) {
  const hasGrant = consents.some((c) => c.status === "GRANTED");
  return (
    <div className="space-y-8">
      <section aria-labelledby="patient-consents-heading">
        <h2 id="patient-consents-heading" className="mb-3 text-lg font-semibold text-slate-900">
          Consent requests
        </h2>
        {consents.length === 0 ? (
          <EmptyState title="No consent requests yet">
            <p>Ask the patient, through ABDM, for the records you need.</p>
            <Link href={`/patients/${patientId}/request`} className="mt-3 inline-block font-medium text-brand-800 underline">
              Request records
            </Link>
          </EmptyState>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <caption className="sr-only">Consent requests for this patient, newest first</caption>
              <thead className="bg-slate-50 text-left text-slate-700">
                <tr>
                  <th scope="col" className="px-4 py-2 font-semibold">Status</th>
                  <th scope="col" className="px-4 py-2 font-semibold">Purpose</th>
                  <th scope="col" className="px-4 py-2 font-semibold">Records</th>
                  <th scope="col" className="px-4 py-2 font-semibold">Requested</th>
                  <th scope="col" className="px-4 py-2 font-semibold">Ends</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {consents.map((c) => (
                  <tr key={c.id} className="align-top">
                    <td className="px-4 py-2">
                      <Link href={`/consents/${c.id}`} className="inline-flex flex-col gap-0.5 hover:underline" aria-label={`Open consent request of ${formatDay(c.createdAt)} (${purposeLabel(c.purpose)})`}>
                        <StatusBadge status={c.status} rawStatus={c.rawStatus} />
                      </Link>
                    </td>
                    <td className="px-4 py-2">{purposeLabel(c.purpose)}</td>
                    <td className="px-4 py-2">
                      <div>{c.hiTypes.map(hiTypeLabel).join(", ")}</div>
                      <div className="text-xs text-slate-600">
                        {formatDay(c.dateFrom)} – {formatDay(c.dateTo)}
                      </div>
                    </td>
                    <td className="px-4 py-2">
                      <div>{formatDay(c.createdAt)}</div>
                      <div className="text-xs text-slate-600">by {c.requesterName}</div>
                    </td>
                    <td className="px-4 py-2 whitespace-nowrap">
                      {c.status === "GRANTED" || c.status === "REQUESTED" ? relativeTime(c.expiresAt) : "—"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="patient-records-heading">
        <h2 id="patient-records-heading" className="mb-3 text-lg font-semibold text-slate-900">
          Records
        </h2>
        {/* timeline */}
        {timeline ?? (
          <EmptyState title={hasGrant ? "Waiting for records" : "No records yet"}>
            Records appear here once a consent is granted and the facilities send them.
          </EmptyState>
        )}
      </section>
    </div>
  );
}
