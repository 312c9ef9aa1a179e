import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState, Notice } from "@/components/page-header";
import { StageBadge, StageTrack, StatusBadge } from "@/components/status-badge";
import { formatDateTime, formatDay, istDay, relativeTime } from "@/lib/consents/dates";
import { hiTypeLabel, purposeLabel, STATUS_INFO } from "@/lib/consents/labels";
import { markRecordsViewed } from "@/lib/consents/mutations";
import { getConsentDetail, type ArtefactView, type ConsentDetail } from "@/lib/consents/queries";
import { LiveUpdates } from "./live-updates";

export const metadata: Metadata = { title: "Consent request" };
export const dynamic = "force-dynamic";

export default async function ConsentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const c = await getConsentDetail(id);
  await markRecordsViewed(id);
  const who = c.patient.name ?? c.patient.abhaAddress;
  const settled = c.status === "GRANTED" && c.artefacts.every((a) => a.careContexts.every((cc) => cc.stage !== "awaiting" && cc.stage !== "received" && cc.stage !== "decrypted"));

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/consents" className="text-brand-800 underline-offset-2 hover:underline">
          Consents
        </Link>
        <span aria-hidden="true" className="px-1 text-slate-400">/</span>
        <span aria-current="page" className="text-slate-600">
          {who}, {formatDay(c.createdAt)}
        </span>
      </nav>

      <header className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold text-slate-900">Consent request for {who}</h1>
          <p className="mt-1 text-sm text-slate-600">
            <Link href={`/patients/${c.patient.id}`} className="text-brand-800 underline-offset-2 hover:underline">
              {c.patient.abhaAddress}
            </Link>{" "}
            · {purposeLabel(c.purpose)} · requested by {c.requestedByMe ? "you" : c.requesterName} on {formatDateTime(c.createdAt)}
          </p>
        </div>
        <div className="flex gap-2">
          {c.canRequestAgain && (
            <Link
              href={`/patients/${c.patient.id}/request?again=${c.id}`}
              className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white hover:bg-brand-800"
            >
              Request again
            </Link>
          )}
          <Link href={`/patients/${c.patient.id}`} className="rounded-md border border-slate-300 bg-white px-4 py-2 text-sm font-medium hover:bg-slate-50">
            Open patient
          </Link>
        </div>
      </header>

      <section aria-labelledby="status-heading" className="mb-6 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="status-heading" className="sr-only">
          Status
        </h2>
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div aria-live="polite" aria-atomic="true" className="flex flex-wrap items-center gap-3">
            <span className="sr-only">Status:</span>
            <StatusBadge status={c.status} rawStatus={c.rawStatus} size="lg" />
            <span className="text-sm text-slate-600">
              {STATUS_INFO[c.status].hint} Since {formatDateTime(c.statusChangedAt)}.
            </span>
          </div>
          <LiveUpdates consentId={c.id} version={c.version} live={c.live} settled={settled} />
        </div>
        <StatusNotices c={c} />
      </section>

      <AskedVsGranted c={c} />

      <section aria-labelledby="artefacts-heading" className="mt-8">
        <h2 id="artefacts-heading" className="mb-1 text-lg font-semibold text-slate-900">
          Facilities
        </h2>
        <p className="mb-3 text-sm text-slate-600">One consent artefact per facility (HIP) the patient shared from, with each visit or document and whether its data has arrived.</p>
        {c.artefacts.length === 0 ? (
          <EmptyState title={c.status === "REQUESTED" || c.status === "INITIATING" ? "Waiting for the patient" : "No facilities shared"}>
            {c.status === "REQUESTED" || c.status === "INITIATING"
              ? "When the patient approves, the facilities they choose appear here — this page updates by itself."
              : "Nothing was shared under this request."}
          </EmptyState>
        ) : (
          <ul className="grid gap-4 lg:grid-cols-2">
            {c.artefacts.map((a) => (
              <li key={a.id}>
                <ArtefactCard a={a} />
              </li>
            ))}
          </ul>
        )}
      </section>

      <details className="mt-8 text-sm text-slate-600">
        <summary className="cursor-pointer">Technical details</summary>
        <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
          <dt>Requester registration</dt>
          <dd>{c.requesterRegNo ?? "—"}</dd>
          <dt>EKA consent request id</dt>
          <dd className="font-mono" data-testid="consent-init-id">
            {c.consentInitId ?? "not assigned"}
          </dd>
          <dt>Last checked with EKA</dt>
          <dd>{c.lastCheckedAt ? formatDateTime(c.lastCheckedAt) : "not yet"}</dd>
        </dl>
      </details>
    </>
  );
}

function StatusNotices({ c }: { c: ConsentDetail }) {
  return (
    <div className="mt-3 empty:hidden">
      {c.error && (
        <Notice tone="error" title="EKA / ABDM refused this request">
          <p>
            <span className="font-mono font-semibold">{c.error.code}</span>
            {c.error.message && <>: {c.error.message}</>}
          </p>
          <p className="mt-1">
            <span className="font-semibold">What to do: </span>
            {c.error.nextStep}
          </p>
        </Notice>
      )}
      {c.status === "DENIED" && (
        <Notice tone="warning" title="The patient denied this request">
          {c.denialReason ? (
            <p>
              Reason given: <q>{c.denialReason}</q>
            </p>
          ) : (
            <p>No reason was given.</p>
          )}
        </Notice>
      )}
      {(c.status === "REVOKED" || c.status === "EXPIRED") && (
        <Notice tone="info" title={c.status === "REVOKED" ? "The patient revoked this consent" : "This consent has expired"}>
          Records received under it are no longer shown and have been deleted from the portal; a record of the deletion is kept in the audit log.
        </Notice>
      )}
      {c.rawStatus && (
        <Notice tone="info" title="EKA reported a status this portal does not recognise">
          EKA said “{c.rawStatus}”. The last known status is shown until EKA reports a known one.
        </Notice>
      )}
    </div>
  );
}

const sameDay = (a: string | null, b: string | null) => Boolean(a && b && istDay(new Date(a)) === istDay(new Date(b)));

function Narrowed({ children }: { children?: React.ReactNode }) {
  return (
    <span className="ml-2 inline-flex items-center gap-1 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-950">
      <span aria-hidden="true">↘</span>
      {children ?? "Narrowed by the patient"}
    </span>
  );
}

function AskedVsGranted({ c }: { c: ConsentDetail }) {
  const g = c.granted;
  const notGrantedTypes = g?.hiTypes ? c.asked.hiTypes.filter((t) => !g.hiTypes!.includes(t)) : [];
  const rangeNarrowed = g && g.from && g.to && (!sameDay(g.from, c.asked.from) || !sameDay(g.to, c.asked.to));
  const expiryNarrowed = g?.expiresAt && !sameDay(g.expiresAt, c.asked.expiresAt);
  const pendingText = <span className="text-slate-500">—</span>;
  const grantedNote = g ? null : c.status === "REQUESTED" || c.status === "INITIATING" ? "waiting for the patient" : "nothing was granted";
  const rows: { label: string; asked: React.ReactNode; granted: React.ReactNode }[] = [
    {
      label: "Record types",
      asked: c.asked.hiTypes.map(hiTypeLabel).join(", "),
      granted: !g ? pendingText : g.hiTypes ? (
        <>
          {g.hiTypes.map(hiTypeLabel).join(", ")}
          {notGrantedTypes.length > 0 && (
            <>
              <Narrowed />
              <span className="mt-1 block text-xs text-slate-700">Not granted: {notGrantedTypes.map(hiTypeLabel).join(", ")}</span>
            </>
          )}
        </>
      ) : (
        "As asked"
      ),
    },
    {
      label: "Records from",
      asked: `${formatDay(c.asked.from)} – ${formatDay(c.asked.to)}`,
      granted: !g ? pendingText : g.from && g.to ? (
        <>
          {formatDay(g.from)} – {formatDay(g.to)}
          {rangeNarrowed && <Narrowed />}
        </>
      ) : (
        "As asked"
      ),
    },
    {
      label: "Consent ends",
      asked: formatDateTime(c.asked.expiresAt),
      granted: !g ? pendingText : g.expiresAt ? (
        <>
          {formatDateTime(g.expiresAt)}
          {c.status === "GRANTED" && <span className="text-slate-600"> ({relativeTime(g.expiresAt)})</span>}
          {expiryNarrowed && <Narrowed>Shortened by the patient</Narrowed>}
        </>
      ) : (
        "As asked"
      ),
    },
    {
      label: "Facilities",
      asked: c.asked.hips?.length ? c.asked.hips.map((h) => h.name ?? h.id).join(", ") : "Every facility linked to the ABHA address",
      granted: !g ? pendingText : g.hips.length ? (
        <>
          {g.hips.length} shared:{" "}
          {g.hips.map((h, i) => (
            <span key={h.id}>
              {i > 0 && ", "}
              {h.name ?? h.id}
              {h.status !== "GRANTED" && <span className="font-medium"> — since {STATUS_INFO[h.status].label.toLowerCase()}</span>}
            </span>
          ))}
        </>
      ) : (
        "None yet"
      ),
    },
  ];
  return (
    <section aria-labelledby="asked-heading">
      <h2 id="asked-heading" className="mb-3 text-lg font-semibold text-slate-900">
        Asked and granted
      </h2>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">What was asked for and what the patient granted</caption>
          <thead className="bg-slate-50 text-left text-slate-700">
            <tr>
              <th scope="col" className="w-40 px-4 py-2 font-semibold">
                <span className="sr-only">Item</span>
              </th>
              <th scope="col" className="px-4 py-2 font-semibold">
                Asked
              </th>
              <th scope="col" className="px-4 py-2 font-semibold">
                Granted{grantedNote && <span className="font-normal text-slate-600"> — {grantedNote}</span>}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.label} className="align-top">
                <th scope="row" className="px-4 py-2 text-left font-medium text-slate-700">
                  {r.label}
                </th>
                <td className="px-4 py-2">{r.asked}</td>
                <td className="px-4 py-2">{r.granted}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function ArtefactCard({ a }: { a: ArtefactView }) {
  const name = a.hipName ?? a.hipId;
  return (
    <article aria-label={`${name}: ${STATUS_INFO[a.status].label}`} className="h-full rounded-lg border border-slate-200 bg-white p-4">
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h3 className="font-semibold text-slate-900">{name}</h3>
          <p className="font-mono text-xs text-slate-600">{a.hipId}</p>
        </div>
        <StatusBadge status={a.status} />
      </div>
      {(a.hiTypes || a.dateFrom || a.expiresAt) && (
        <p className="mt-2 text-xs text-slate-600">
          {a.hiTypes && <>{a.hiTypes.map(hiTypeLabel).join(", ")}. </>}
          {a.dateFrom && a.dateTo && (
            <>
              Records {formatDay(a.dateFrom)} – {formatDay(a.dateTo)}.{" "}
            </>
          )}
          {a.expiresAt && <>Ends {formatDay(a.expiresAt)}.</>}
        </p>
      )}
      {a.purgedAt && (
        <p className="mt-2 rounded bg-slate-100 px-2 py-1 text-xs text-slate-800">
          <span aria-hidden="true">⊘ </span>
          {a.status === "REVOKED" ? "Revoked" : "Ended"} — its records were deleted on {formatDateTime(a.purgedAt)}.
        </p>
      )}
      <h4 className="mt-3 text-xs font-semibold tracking-wide text-slate-600 uppercase">Visits and documents</h4>
      {a.careContexts.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600">None listed.</p>
      ) : (
        <ul className="mt-1 divide-y divide-slate-100">
          {a.careContexts.map((cc) => (
            <li key={cc.id} className="py-2">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <div className="min-w-0">
                  <p className="text-sm text-slate-900">{cc.display ?? cc.careContextId}</p>
                  {cc.display && <p className="font-mono text-xs text-slate-500">{cc.careContextId}</p>}
                </div>
                <div className="flex flex-col items-end gap-1">
                  <StageBadge stage={cc.stage} />
                  <StageTrack stage={cc.stage} />
                </div>
              </div>
              {cc.stage === "failed" && cc.stageReason && <p className="mt-1 text-xs text-red-800">Reason: {cc.stageReason}</p>}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
