"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { ALL_STATUSES, PURPOSES, purposeLabel, STATUS_INFO } from "@/lib/consents/labels";
import { worklistQuery, type WorklistParams } from "@/lib/consents/schemas";

/**
 * Filters as a GET form: without JavaScript it submits to the same URL; with it, the URL is built
 * without empty fields so shared links stay short. Sort order and page size are kept; the page
 * goes back to 1.
 */
export function WorklistFilters({ params, requesters }: { params: WorklistParams; requesters: { id: string; name: string }[] }) {
  const router = useRouter();
  const field = "mt-1 w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
  const active = Boolean(params.status || params.purpose || params.requester || params.from || params.to || params.q || params.view);
  return (
    <form
      method="get"
      action="/consents"
      aria-label="Filter consent requests"
      className="grid gap-3 rounded-lg border border-slate-200 bg-white p-3 sm:grid-cols-2 lg:grid-cols-[1.4fr_1fr_1fr_1fr_auto_auto_auto]"
      onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const get = (k: string) => (f.get(k) as string) || undefined;
        router.push(
          `/consents${worklistQuery({
            q: get("q"),
            status: get("status") as WorklistParams["status"],
            purpose: get("purpose") as WorklistParams["purpose"],
            requester: get("requester"),
            from: get("from"),
            to: get("to"),
            view: params.view,
            sort: params.sort,
            dir: params.dir,
            size: params.size,
          })}`,
        );
      }}
    >
      {params.view && <input type="hidden" name="view" value={params.view} />}
      <input type="hidden" name="sort" value={params.sort} />
      <input type="hidden" name="dir" value={params.dir} />
      <input type="hidden" name="size" value={params.size} />
      <div>
        <label htmlFor="f-q" className="block text-xs font-medium text-slate-700">
          Patient
        </label>
        <input id="f-q" name="q" type="search" defaultValue={params.q ?? ""} placeholder="Name or ABHA address" className={field} />
      </div>
      <div>
        <label htmlFor="f-status" className="block text-xs font-medium text-slate-700">
          Status
        </label>
        <select id="f-status" name="status" defaultValue={params.status ?? ""} className={field}>
          <option value="">Any status</option>
          {ALL_STATUSES.filter((s) => s !== "UNKNOWN").map((s) => (
            <option key={s} value={s}>
              {STATUS_INFO[s].label}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="f-purpose" className="block text-xs font-medium text-slate-700">
          Purpose
        </label>
        <select id="f-purpose" name="purpose" defaultValue={params.purpose ?? ""} className={field}>
          <option value="">Any purpose</option>
          {PURPOSES.map((p) => (
            <option key={p} value={p}>
              {purposeLabel(p)}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="f-requester" className="block text-xs font-medium text-slate-700">
          Requested by
        </label>
        <select id="f-requester" name="requester" defaultValue={params.requester ?? ""} className={field}>
          <option value="">Anyone</option>
          <option value="me">Me</option>
          {requesters
            .filter((r) => !r.name.endsWith("(me)"))
            .map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
        </select>
      </div>
      <div>
        <label htmlFor="f-from" className="block text-xs font-medium text-slate-700">
          Created from
        </label>
        <input id="f-from" name="from" type="date" defaultValue={params.from ?? ""} className={field} />
      </div>
      <div>
        <label htmlFor="f-to" className="block text-xs font-medium text-slate-700">
          Created to
        </label>
        <input id="f-to" name="to" type="date" defaultValue={params.to ?? ""} className={field} />
      </div>
      <div className="flex items-end gap-2">
        <button type="submit" className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-800">
          Apply
        </button>
        {active && (
          <Link href="/consents" className="px-1 py-1.5 text-sm whitespace-nowrap text-brand-800 underline">
            Clear all
          </Link>
        )}
      </div>
    </form>
  );
}
