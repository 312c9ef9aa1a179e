import type { Metadata } from "next";
import Link from "next/link";
import { Pager } from "@/components/pager";
import { EmptyState, PageHeader } from "@/components/page-header";
import { listAuditEvents, auditFilterSchema } from "@/lib/audit/queries";
import { requireRole } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Audit log" };
export const dynamic = "force-dynamic";

const dateTime = new Intl.DateTimeFormat("en-IN", { dateStyle: "medium", timeStyle: "medium", timeZone: "Asia/Kolkata" });

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await requireRole("admin", "auditor");
  const filter = auditFilterSchema.parse(await searchParams);
  const { rows, total, pageSize } = await listAuditEvents(filter);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const link = (page: number) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...filter, page: String(page) })) if (v) p.set(k, String(v));
    return `/audit?${p}`;
  };
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every sign-in, consent request, record view, key change and rejected webhook, newest first. Times are IST."
      />
      <form className="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3" role="search">
        <div>
          <label htmlFor="action" className="block text-sm font-medium">
            Action starts with
          </label>
          <input id="action" name="action" defaultValue={filter.action} placeholder="record." className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </div>
        <div>
          <label htmlFor="actor" className="block text-sm font-medium">
            Actor email
          </label>
          <input id="actor" name="actor" defaultValue={filter.actor} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </div>
        <div>
          <label htmlFor="from" className="block text-sm font-medium">
            From
          </label>
          <input id="from" name="from" type="date" defaultValue={filter.from} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </div>
        <div>
          <label htmlFor="to" className="block text-sm font-medium">
            To
          </label>
          <input id="to" name="to" type="date" defaultValue={filter.to} className="mt-1 rounded-md border border-slate-300 px-2 py-1 text-sm" />
        </div>
        <button type="submit" className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white">
          Filter
        </button>
        <Link href="/audit" className="text-sm text-brand-700 underline">
          Clear
        </Link>
      </form>
      {rows.length === 0 ? (
        <EmptyState title="No audit events match">Change or clear the filters.</EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Audit events</caption>
            <thead className="bg-slate-50 text-left">
              <tr>
                <th scope="col" className="px-3 py-2">When</th>
                <th scope="col" className="px-3 py-2">Actor</th>
                <th scope="col" className="px-3 py-2">Action</th>
                <th scope="col" className="px-3 py-2">Target</th>
                <th scope="col" className="px-3 py-2">IP</th>
                <th scope="col" className="px-3 py-2">Details</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r) => (
                <tr key={r.id} className="align-top">
                  <td className="px-3 py-2 whitespace-nowrap">{dateTime.format(new Date(r.at))}</td>
                  <td className="px-3 py-2">{r.actor}</td>
                  <td className="px-3 py-2 font-mono text-xs">{r.action}</td>
                  <td className="px-3 py-2 font-mono text-xs">{r.target}</td>
                  <td className="px-3 py-2 text-xs">{r.ip ?? ""}</td>
                  <td className="max-w-md px-3 py-2 font-mono text-xs break-all text-slate-700">{r.details}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={filter.page} pages={pages} total={total} noun="events" href={link} />
    </>
  );
}
