import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState, PageHeader } from "@/components/page-header";
import { listWorklist, type WorklistCounters } from "@/lib/consents/queries";
import { searchParamsToObject, worklistQuery, WORKLIST_PAGE_SIZES, type WorklistParams, type WorklistView } from "@/lib/consents/schemas";
import { ConsentsTable } from "./consents-table";
import { WorklistFilters } from "./worklist-filters";

export const metadata: Metadata = { title: "Consents" };
export const dynamic = "force-dynamic";

const COUNTERS: { view: WorklistView; key: keyof WorklistCounters; label: string; icon: string; hint: string }[] = [
  { view: "awaiting", key: "awaiting", label: "Awaiting patient", icon: "◔", hint: "Sent, no answer yet" },
  { view: "unread", key: "unread", label: "New records", icon: "●", hint: "Records arrived, not opened yet" },
  { view: "expiring", key: "expiring", label: "Expiring within 48 h", icon: "⚠", hint: "Pending or granted, ending soon" },
  { view: "failed", key: "failed", label: "Failed", icon: "!", hint: "Refused by EKA or ABDM" },
];

export default async function ConsentsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const list = await listWorklist(searchParamsToObject(await searchParams));
  const { params, total } = list;
  const pages = Math.max(1, Math.ceil(total / params.size));
  const first = total === 0 ? 0 : (params.page - 1) * params.size + 1;
  const last = Math.min(total, params.page * params.size);
  const href = (p: Partial<WorklistParams>) => `/consents${worklistQuery({ ...params, ...p })}`;
  const nothingAtAll = total === 0 && !Object.entries(params).some(([k, v]) => !["sort", "dir", "page", "size"].includes(k) && v !== undefined);

  return (
    <>
      <PageHeader
        title="Consents"
        description="Consent requests for your patients, across facilities. Filters, order and page are in the address bar — share it to share the view."
        actions={
          <Link href="/patients" className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800">
            Request records for a patient
          </Link>
        }
      />

      <nav aria-label="Worklist counters" className="mb-4">
        <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          {COUNTERS.map((c) => {
            const active = params.view === c.view;
            return (
              <li key={c.view}>
                <Link
                  href={active ? href({ view: undefined, page: 1 }) : href({ view: c.view, page: 1 })}
                  aria-current={active ? "true" : undefined}
                  className={`flex items-center justify-between rounded-lg border bg-white px-4 py-3 hover:border-brand-600 ${
                    active ? "border-brand-700 ring-2 ring-brand-600" : "border-slate-200"
                  }`}
                >
                  <span>
                    <span className="block text-sm font-medium text-slate-900">
                      <span aria-hidden="true" className="mr-1">
                        {c.icon}
                      </span>
                      {c.label}
                    </span>
                    <span className="block text-xs text-slate-600">{active ? "Showing these — select to show all" : c.hint}</span>
                  </span>
                  <span className="text-2xl font-semibold text-slate-900 tabular-nums">{list.counters[c.key]}</span>
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>

      {nothingAtAll ? (
        <EmptyState title="No consent requests yet">
          Open a patient and request their records; the request shows here and follows the patient&apos;s answer.
        </EmptyState>
      ) : (
        <div className="space-y-3">
          <WorklistFilters params={params} requesters={list.requesters} />
          <p className="text-sm text-slate-600" aria-live="polite">
            {total === 0 ? "No consent requests match." : `Showing ${first}–${last} of ${total} consent request${total === 1 ? "" : "s"}.`}
          </p>
          <ConsentsTable rows={list.rows} params={params} now={list.now} />
          <nav aria-label="Pages" className="flex flex-wrap items-center justify-between gap-3 text-sm">
            <div className="flex items-center gap-2">
              {params.page > 1 ? (
                <Link href={href({ page: params.page - 1 })} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-50">
                  Previous
                </Link>
              ) : (
                <span className="rounded-md border border-slate-200 px-3 py-1.5 text-slate-400" aria-disabled="true">
                  Previous
                </span>
              )}
              <span>
                Page {params.page} of {pages}
              </span>
              {params.page < pages ? (
                <Link href={href({ page: params.page + 1 })} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-50">
                  Next
                </Link>
              ) : (
                <span className="rounded-md border border-slate-200 px-3 py-1.5 text-slate-400" aria-disabled="true">
                  Next
                </span>
              )}
            </div>
            <div className="flex items-center gap-1">
              <span className="text-slate-600">Per page:</span>
              {WORKLIST_PAGE_SIZES.map((n) =>
                n === params.size ? (
                  <span key={n} aria-current="true" className="rounded px-2 py-1 font-semibold">
                    {n}
                  </span>
                ) : (
                  <Link key={n} href={href({ size: n, page: 1 })} className="rounded px-2 py-1 text-brand-800 underline">
                    {n}
                  </Link>
                ),
              )}
            </div>
          </nav>
        </div>
      )}
    </>
  );
}
