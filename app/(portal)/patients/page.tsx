import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/page-header";
import { defaultAbhaSuffix } from "@/lib/patients/mutations";
import { listPatients } from "@/lib/patients/queries";
import { AddPatientForm } from "./add-patient-form";
import { PatientsTable } from "./patients-table";

export const metadata: Metadata = { title: "Patients" };
export const dynamic = "force-dynamic";

export default async function PatientsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const list = await listPatients({ q: typeof sp.q === "string" ? sp.q : undefined, page: typeof sp.page === "string" ? sp.page : undefined });
  const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
  const href = (page: number) => `/patients?${new URLSearchParams({ ...(list.q ? { q: list.q } : {}), ...(page > 1 ? { page: String(page) } : {}) })}`;

  return (
    <>
      <PageHeader
        title="Patients"
        description="Patients you have added or looked up. Open one to see their consent requests and request records."
      />
      <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
        <div className="min-w-0 space-y-3">
          <form role="search" method="get" action="/patients" className="flex flex-wrap items-end gap-2">
            <div className="w-full max-w-md">
              <label htmlFor="patient-search" className="block text-sm font-medium text-slate-800">
                Search your patients
              </label>
              <input
                id="patient-search"
                name="q"
                type="search"
                defaultValue={list.q ?? ""}
                placeholder="Name, ABHA address or number"
                className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
              />
            </div>
            <button type="submit" className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50">
              Search
            </button>
            {list.q && (
              <Link href="/patients" className="px-2 py-2 text-sm text-brand-800 underline">
                Clear search
              </Link>
            )}
          </form>
          <p className="text-sm text-slate-600" aria-live="polite">
            {list.q ? `${list.total} patient${list.total === 1 ? "" : "s"} match “${list.q}”.` : `${list.total} patient${list.total === 1 ? "" : "s"}.`}
          </p>
          <PatientsTable
            rows={list.rows}
            emptyMessage={list.q ? "No patient of yours matches this search." : "No patients yet. Add one by ABHA address to request their records."}
          />
          {pages > 1 && (
            <nav aria-label="Pages" className="flex items-center justify-between text-sm">
              {list.page > 1 ? (
                <Link href={href(list.page - 1)} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-50">
                  Previous
                </Link>
              ) : (
                <span />
              )}
              <span>
                Page {list.page} of {pages}
              </span>
              {list.page < pages ? (
                <Link href={href(list.page + 1)} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 hover:bg-slate-50">
                  Next
                </Link>
              ) : (
                <span />
              )}
            </nav>
          )}
        </div>
        <AddPatientForm defaultSuffix={defaultAbhaSuffix()} />
      </div>
    </>
  );
}
