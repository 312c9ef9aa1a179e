import type { Metadata } from "next";
import Link from "next/link";
import { Pager } from "@/components/pager";
import { EmptyState, PageHeader } from "@/components/page-header";
import { WEBHOOK_STATUSES, type WebhookStatus } from "@/db/schema";
import { requireRole } from "@/lib/auth/session";
import { inboxFilterSchema, listInboxDeliveries, type InboxDelivery } from "@/lib/webhooks/queries";
import { ReprocessButton } from "./reprocess-button";

export const metadata: Metadata = { title: "Webhook inbox" };
export const dynamic = "force-dynamic";

const dateTime = new Intl.DateTimeFormat("en-IN", { dateStyle: "medium", timeStyle: "medium", timeZone: "Asia/Kolkata" });

const STATUS_LABEL: Record<WebhookStatus, string> = {
  pending: "Pending",
  processing: "Processing",
  done: "Done",
  failed: "Failed, will retry",
  dead: "Dead",
  ignored: "Ignored",
};

const STATUS_STYLE: Record<WebhookStatus, string> = {
  pending: "bg-sky-100 text-sky-900",
  processing: "bg-sky-100 text-sky-900",
  done: "bg-emerald-100 text-emerald-900",
  failed: "bg-amber-100 text-amber-950",
  dead: "bg-red-100 text-red-900",
  ignored: "bg-slate-100 text-slate-700",
};

const EVENT_LABEL: Record<string, string> = {
  "abha.hiu_data_push": "Data push",
  "abha.consent_update": "Consent update",
};

function StatusBadge({ status }: { status: WebhookStatus }) {
  return <span className={`inline-block rounded px-2 py-0.5 text-xs font-medium whitespace-nowrap ${STATUS_STYLE[status]}`}>{STATUS_LABEL[status]}</span>;
}

function Detail({ d }: { d: InboxDelivery }) {
  return (
    <div className="space-y-1">
      {d.summary && <p>{d.summary}</p>}
      {d.lastError && d.lastError !== d.summary && <p className="text-red-800">{d.lastError}</p>}
      {d.status === "failed" && d.nextAttemptAt && <p className="text-slate-600">Next attempt {dateTime.format(new Date(d.nextAttemptAt))}</p>}
    </div>
  );
}

export default async function InboxPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await requireRole("admin");
  const filter = inboxFilterSchema.parse(await searchParams);
  const { deliveries, total, pageSize, byStatus } = await listInboxDeliveries(filter);
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const link = (over: { status?: WebhookStatus | null; page?: number }) => {
    const p = new URLSearchParams();
    const status = over.status === undefined ? filter.status : over.status;
    if (status) p.set("status", status);
    const page = over.page ?? 1;
    if (page > 1) p.set("page", String(page));
    const qs = p.toString();
    return qs ? `/admin/inbox?${qs}` : "/admin/inbox";
  };
  const all = Object.values(byStatus).reduce((a, b) => a + b, 0);

  return (
    <>
      <PageHeader
        title="Webhook inbox"
        description="Every delivery EKA made to this portal, newest first: stored before it was acknowledged, then processed. Payloads are never shown; they are kept sealed only until processed. Times are IST."
      />
      <nav aria-label="Filter by status" className="mb-4 flex flex-wrap gap-2 text-sm">
        {[null, ...WEBHOOK_STATUSES].map((s) => {
          const current = (filter.status ?? null) === s;
          return (
            <Link
              key={s ?? "all"}
              href={link({ status: s })}
              aria-current={current ? "page" : undefined}
              className={`rounded-full border px-3 py-1 ${current ? "border-brand-700 bg-brand-700 text-white" : "border-slate-300 bg-white hover:bg-slate-50"}`}
            >
              {s ? STATUS_LABEL[s] : "All"} <span className={current ? "text-white" : "text-slate-600"}>({s ? byStatus[s] : all})</span>
            </Link>
          );
        })}
      </nav>
      {deliveries.length === 0 ? (
        <EmptyState title={filter.status ? `No ${STATUS_LABEL[filter.status].toLowerCase()} deliveries` : "No deliveries yet"}>
          Deliveries appear here as soon as EKA calls the webhook.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Webhook deliveries</caption>
            <thead className="bg-slate-50 text-left">
              <tr>
                <th scope="col" className="px-3 py-2">Received</th>
                <th scope="col" className="px-3 py-2">Event</th>
                <th scope="col" className="px-3 py-2">Consent</th>
                <th scope="col" className="px-3 py-2">Status</th>
                <th scope="col" className="px-3 py-2">Attempts</th>
                <th scope="col" className="px-3 py-2">Outcome / last error</th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {deliveries.map((d) => (
                <tr key={d.id} className="align-top">
                  <td className="px-3 py-2 whitespace-nowrap">
                    {dateTime.format(new Date(d.receivedAt))}
                    <div className="font-mono text-xs text-slate-600" title="Delivery id (EKA's envelope transaction_id)">
                      {d.deliveryId.slice(0, 13)}…
                    </div>
                  </td>
                  <td className="px-3 py-2">
                    {EVENT_LABEL[d.event] ?? d.event}
                    <div className="text-xs text-slate-600">{(d.bodyBytes / 1024).toFixed(1)} KiB</div>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs break-all">{d.consentId ?? "—"}</td>
                  <td className="px-3 py-2">
                    <StatusBadge status={d.status} />
                  </td>
                  <td className="px-3 py-2 text-center">{d.attempts}</td>
                  <td className="max-w-md px-3 py-2 text-xs break-words">
                    <Detail d={d} />
                  </td>
                  <td className="px-3 py-2">
                    {d.canReprocess && <ReprocessButton inboxId={d.id} label={`delivery received ${dateTime.format(new Date(d.receivedAt))}`} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={filter.page} pages={pages} total={total} noun="deliveries" href={(p) => link({ page: p })} />
    </>
  );
}
