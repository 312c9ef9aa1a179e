/**
 * The PHR page: a person plays the patient. Plain server-rendered HTML, no scripts; every form
 * POSTs and redirects back (PRG). Controls have visible labels and buttons say what they do, so the
 * page works with a keyboard, a screen reader and Playwright's getByRole/getByLabel.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxEngine } from "./engine";
import { HttpError, esc, readBody, redirect, sendHtml } from "./http";
import type { Artefact, Consent, ConsentStatus } from "./state";
import { HI_TYPE_DISPLAY, PATIENTS, findPatient, hipName, type SeedPatient } from "./world";

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  engine: SandboxEngine;
}

const GROUPS: { status: ConsentStatus; title: string }[] = [
  { status: "REQUESTED", title: "Waiting for your decision" },
  { status: "GRANTED", title: "Granted" },
  { status: "DENIED", title: "Denied" },
  { status: "REVOKED", title: "Revoked" },
  { status: "EXPIRED", title: "Expired" },
];

const MESSAGES: Record<string, string> = {
  approved: "Request approved. The HIU has been notified.",
  denied: "Request denied. The HIU has been notified.",
  revoked: "Access revoked for that facility. The HIU has been notified.",
  "auto-on": "Auto-approval is now on.",
  "auto-off": "Auto-approval is now off.",
  pushed: "The facilities are sending the data again.",
};

const CSS = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#123c69;color:#fff;padding:1rem 1.5rem}
header h1{margin:.2rem 0 0;font-size:1.4rem}
.tag{margin:0;font-size:.85rem;opacity:.9}
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem 3rem}
h2{font-size:1.25rem;margin:1.8rem 0 .6rem}
h3{font-size:1.08rem;margin:1.2rem 0 .5rem}
h4{font-size:1rem;margin:0 0 .4rem}
a{color:#0b57a4}
.picker{display:flex;gap:.6rem;align-items:end;flex-wrap:wrap;background:#fff;padding:1rem;border:1px solid #d0d7de;border-radius:8px}
.picker div{display:flex;flex-direction:column}
label{font-weight:600}
select,input[type=text],input[type=date]{font:inherit;padding:.35rem .5rem;border:1px solid #8c959f;border-radius:6px;background:#fff}
button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:1px solid #123c69;background:#123c69;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#123c69}
button.danger{background:#a40e26;border-color:#a40e26}
:focus-visible{outline:3px solid #f0b400;outline-offset:2px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1rem;margin:.8rem 0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}
dt{color:#57606a}
dd{margin:0}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:.6rem 0;padding:.5rem .8rem}
legend{font-weight:600;padding:0 .3rem}
.check{display:flex;gap:.4rem;align-items:baseline;margin:.15rem 0}
.check label{font-weight:400}
.row{display:flex;gap:1rem;flex-wrap:wrap;margin:.5rem 0}
.row div{display:flex;flex-direction:column}
.actions{display:flex;gap:1rem;flex-wrap:wrap;align-items:end;margin-top:.8rem}
.inline{display:flex;gap:.5rem;align-items:end;flex-wrap:wrap}
.inline div{display:flex;flex-direction:column}
.flash{padding:.7rem 1rem;border-radius:6px;margin:1rem 0}
.ok{background:#dafbe1;border:1px solid #4ac26b}
.err{background:#ffebe9;border:1px solid #cf222e}
.badge{display:inline-block;font-size:.8rem;font-weight:600;padding:.05rem .45rem;border-radius:999px;border:1px solid currentColor}
.s-GRANTED{color:#116329}.s-REQUESTED{color:#7d4e00}.s-DENIED,.s-REVOKED{color:#a40e26}.s-EXPIRED{color:#57606a}
code{font-size:.85rem;background:#eff1f3;padding:.05rem .3rem;border-radius:4px;word-break:break-all}
ul.plain{padding-left:1.1rem;margin:.3rem 0}
.muted{color:#57606a}
.notices li.error{color:#a40e26}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
`;

const day = (isoDate: string) => isoDate.slice(0, 10);
const when = (isoDate: string) => `${isoDate.slice(0, 16).replace("T", " ")} UTC`;
const short = (id: string) => id.replace(/[^A-Za-z0-9]/g, "").slice(0, 12);

export async function handlePhr(ctx: Ctx): Promise<boolean> {
  const { req, url } = ctx;
  if (req.method === "GET" && (url.pathname === "/" || url.pathname === "/phr")) {
    renderPage(ctx);
    return true;
  }
  if (req.method === "POST" && url.pathname.startsWith("/phr/")) {
    await handleForm(ctx);
    return true;
  }
  return false;
}

function renderPage({ res, url, engine }: Ctx): void {
  engine.sweepExpired();
  const patient = findPatient(url.searchParams.get("patient"));
  const msg = MESSAGES[url.searchParams.get("msg") ?? ""];
  const err = url.searchParams.get("err");

  const options = PATIENTS.map(
    (p) =>
      `<option value="${esc(p.healthId)}"${p === patient ? " selected" : ""}>${esc(p.name)} (${esc(p.healthId)})</option>`,
  ).join("");

  const body = `
<form method="get" action="/" class="picker">
  <div><label for="patient">Patient</label>
  <select id="patient" name="patient">${patient ? "" : `<option value="">Choose a patient…</option>`}${options}</select></div>
  <button type="submit">Show requests</button>
</form>
${msg ? `<p class="flash ok" role="status">${esc(msg)}</p>` : ""}
${err ? `<div class="flash err" role="alert"><strong>That did not work:</strong> ${esc(err)}</div>` : ""}
${patient ? patientView(engine, patient) : intro(engine)}`;

  sendHtml(res, 200, layout(patient ? `${patient.name} · EKA sandbox PHR` : "EKA sandbox PHR", body));
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><p class="tag">Offline EKA ABDM Connect sandbox · invented patients and facilities only</p>
<h1>Patient app (PHR)</h1></header>
<main>${body}</main></body></html>`;
}

function intro(engine: SandboxEngine): string {
  return `
<h2>Play the patient</h2>
<p>Choose one of the invented patients to see the consent requests your portal raised for them, then approve,
deny or revoke them as the patient would. Each patient is linked to two or three invented health facilities (HIPs).</p>
<ul class="plain">${PATIENTS.map(
    (p) =>
      `<li><a href="/?patient=${encodeURIComponent(p.healthId)}">${esc(p.name)}</a> <span class="muted">(${esc(
        p.healthId,
      )}, ${p.links.length} facilities, ${engine.state.consents.filter((c) => c.patient.healthId === p.healthId).length} requests)</span></li>`,
  ).join("")}</ul>
${statusSection(engine, undefined)}`;
}

function statusSection(engine: SandboxEngine, healthId: string | undefined): string {
  const s = engine.state;
  const notices = s.notices
    .filter((n) => !n.healthId || n.healthId === healthId)
    .slice(-8)
    .reverse();
  const keyset = s.keyset
    ? `registered (${esc(s.keyset.format)}), updated ${esc(when(s.keyset.updatedAt))}`
    : `<strong>not registered</strong>: data cannot be sent until the portal registers its keyset`;
  return `
<section aria-labelledby="sandbox-h">
<h2 id="sandbox-h">Sandbox status</h2>
<dl>
<dt>Data mode</dt><dd>${engine.settings.dataMode === "webhook" ? "HIPs push encrypted data to the portal (webhook)" : "EKA stores the data; the portal retrieves it"}</dd>
<dt>HIU keyset</dt><dd>${keyset}</dd>
<dt>Webhooks go to</dt><dd><code>${esc(engine.settings.webhookUrl)}</code></dd>
</dl>
${
  notices.length
    ? `<h3>Notices</h3><ul class="plain notices">${notices
        .map((n) => `<li class="${n.level}"><span class="muted">${esc(when(n.at))}</span> ${esc(n.message)}</li>`)
        .join("")}</ul>`
    : ""
}
</section>`;
}

function patientView(engine: SandboxEngine, p: SeedPatient): string {
  const consents = engine.state.consents
    .filter((c) => c.patient.healthId === p.healthId)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const auto = engine.autoApprovalEnabled(p.healthId);
  const groups = GROUPS.map((g) => {
    const items = consents.filter((c) => c.status === g.status);
    const id = `group-${g.status.toLowerCase()}`;
    return `<section aria-labelledby="${id}"><h3 id="${id}">${esc(g.title)} (${items.length})</h3>
${items.length ? items.map((c) => consentCard(engine, p, c)).join("") : `<p class="muted">None.</p>`}</section>`;
  }).join("");

  return `
<section aria-labelledby="patient-h">
<h2 id="patient-h">${esc(p.name)}</h2>
<dl>
<dt>ABHA address</dt><dd>${esc(p.healthId)}</dd>
<dt>ABHA number</dt><dd>${esc(p.abhaNumber)} <span class="muted">(invented)</span></dd>
<dt>Born</dt><dd>${p.yearOfBirth}</dd>
</dl>
<h3>Linked facilities</h3>
<ul class="plain">${p.links
    .map(
      (l) =>
        `<li><strong>${esc(hipName(l.hipId))}</strong> <span class="muted">(${esc(l.hipId)})</span>: ${l.careContexts
          .map((cc) => esc(cc.display))
          .join("; ")}</li>`,
    )
    .join("")}</ul>
</section>

<section aria-labelledby="auto-h">
<h2 id="auto-h">Auto-approval</h2>
<p>Auto-approval is <strong>${auto ? "on" : "off"}</strong>. When it is on, new requests from ${esc(
    engine.config.hiuName,
  )} are granted at once, for all linked facilities.</p>
<form method="post" action="/phr/auto-approval">
<input type="hidden" name="patient" value="${esc(p.healthId)}">
<input type="hidden" name="enable" value="${auto ? "off" : "on"}">
<button type="submit" class="secondary">${auto ? "Turn auto-approval off" : "Turn auto-approval on"}</button>
</form>
</section>

<section aria-labelledby="requests-h">
<h2 id="requests-h">Consent requests</h2>
${groups}
</section>
${statusSection(engine, p.healthId)}`;
}

function consentCard(engine: SandboxEngine, p: SeedPatient, c: Consent): string {
  const s = short(c.consentInitId);
  const title = `${c.purpose} · ${c.hiu.requester?.name || engine.config.hiuName}`;
  const facts = `
<dl>
<dt>Status</dt><dd><span class="badge s-${c.status}">${c.status}</span>${c.autoApproved ? ` <span class="muted">(auto-approved)</span>` : ""}</dd>
<dt>Requested by</dt><dd>${esc(c.hiu.requester?.name || "—")}, ${esc(engine.config.hiuName)}</dd>
<dt>Purpose</dt><dd>${esc(c.purpose)} <span class="muted">(${esc(c.purposeCode)})</span></dd>
<dt>Information types</dt><dd>${c.hiTypes.map((t) => esc(HI_TYPE_DISPLAY[t] ?? t)).join(", ")}</dd>
<dt>Records from</dt><dd>${esc(day(c.period.from))} to ${esc(day(c.period.to))}</dd>
<dt>Access until</dt><dd>${esc(when(c.period.expiry))}</dd>
<dt>Requested at</dt><dd>${esc(when(c.createdAt))}</dd>
<dt>Request id</dt><dd><code>${esc(c.consentInitId)}</code></dd>
${c.consentId ? `<dt>Consent id</dt><dd><code>${esc(c.consentId)}</code></dd>` : ""}
${c.denyReason ? `<dt>Reason</dt><dd>${esc(c.denyReason)}</dd>` : ""}
</dl>`;
  let actions = "";
  if (c.status === "REQUESTED") actions = approveForms(engine, p, c, s);
  else if (c.artefacts.length) actions = artefactList(engine, p, c);
  return `<article class="card" id="req-${s}" aria-labelledby="t-${s}"><h4 id="t-${s}">${esc(title)}</h4>${facts}${actions}</article>`;
}

function approveForms(engine: SandboxEngine, p: SeedPatient, c: Consent, s: string): string {
  const links = engine.eligibleLinks(c);
  const hips = links
    .map(
      (l, i) => `<fieldset><legend>${esc(hipName(l.hipId))}</legend>${l.careContexts
        .map((cc, j) => {
          const id = `cc-${s}-${i}-${j}`;
          return `<div class="check"><input type="checkbox" id="${esc(id)}" name="cc" value="${esc(`${l.hipId}|${cc.id}`)}" checked>
<label for="${esc(id)}">${esc(cc.display)} <span class="muted">(${esc(cc.id)})</span></label></div>`;
        })
        .join("")}</fieldset>`,
    )
    .join("");
  const types = c.hiTypes
    .map((t) => {
      const id = `hi-${s}-${t}`;
      return `<div class="check"><input type="checkbox" id="${id}" name="hi_type" value="${esc(t)}" checked>
<label for="${id}">${esc(HI_TYPE_DISPLAY[t] ?? t)}</label></div>`;
    })
    .join("");
  return `
<form method="post" action="/phr/approve" aria-label="Approve this request">
<input type="hidden" name="patient" value="${esc(p.healthId)}">
<input type="hidden" name="id" value="${esc(c.consentInitId)}">
<fieldset><legend>Share records from these facilities</legend>${hips || `<p class="muted">No linked facility matches this request.</p>`}</fieldset>
<fieldset><legend>Information types to share</legend>${types}</fieldset>
<div class="row">
<div><label for="from-${s}">Share records from</label><input type="date" id="from-${s}" name="from" value="${esc(day(c.period.from))}" min="${esc(day(c.period.from))}" max="${esc(day(c.period.to))}"></div>
<div><label for="to-${s}">Share records up to</label><input type="date" id="to-${s}" name="to" value="${esc(day(c.period.to))}" min="${esc(day(c.period.from))}" max="${esc(day(c.period.to))}"></div>
<div><label for="erase-${s}">Allow access until</label><input type="date" id="erase-${s}" name="erase_at" value="${esc(day(c.period.expiry))}" max="${esc(day(c.period.expiry))}"></div>
</div>
<button type="submit">Approve</button>
</form>
<form method="post" action="/phr/deny" class="inline" aria-label="Deny this request">
<input type="hidden" name="patient" value="${esc(p.healthId)}">
<input type="hidden" name="id" value="${esc(c.consentInitId)}">
<div><label for="reason-${s}">Reason for denying (optional)</label><input type="text" id="reason-${s}" name="reason" maxlength="200"></div>
<button type="submit" class="danger">Deny</button>
</form>`;
}

function transferSummary(engine: SandboxEngine, a: Artefact): string {
  if (engine.settings.dataMode === "eka-stored") {
    const n = a.careContexts.filter((cc) => cc.bundles.length).length;
    return `Stored at EKA for retrieval: ${n} of ${a.careContexts.length} care contexts have a record.`;
  }
  if (a.transfers.length === 0) return "No data sent yet.";
  const last = a.transfers[a.transfers.length - 1];
  const reports = engine.state.onPush.filter((r) => r.transaction_id === last.transactionId);
  const results = reports.flatMap((r) => r.status_response);
  const ok = results.filter((r) => r.success).length;
  const failed = results.length - ok;
  return `Sent ${last.entries.length} record(s) in ${last.pageCount} page(s) at ${esc(when(last.at))}. ${
    reports.length ? `Portal reported ${ok} received, ${failed} failed.` : "The portal has not reported yet."
  }`;
}

function artefactList(engine: SandboxEngine, p: SeedPatient, c: Consent): string {
  const items = c.artefacts
    .map((a) => {
      const revoke =
        a.status === "GRANTED"
          ? `<form method="post" action="/phr/revoke">
<input type="hidden" name="patient" value="${esc(p.healthId)}">
<input type="hidden" name="artefact_id" value="${esc(a.id)}">
<button type="submit" class="danger">Revoke<span class="sr-only"> access for ${esc(a.hipName)}</span></button>
</form>`
          : "";
      return `<li class="card"><h5 style="margin:0 0 .3rem;font-size:1rem">${esc(a.hipName)} <span class="badge s-${a.status}">${a.status}</span></h5>
<dl>
<dt>Care contexts</dt><dd>${a.careContexts.map((cc) => esc(cc.display)).join("; ")}</dd>
<dt>Information types</dt><dd>${a.hiTypes.map((t) => esc(HI_TYPE_DISPLAY[t] ?? t)).join(", ")}</dd>
<dt>Records from</dt><dd>${esc(day(a.from))} to ${esc(day(a.to))}</dd>
<dt>Access until</dt><dd>${esc(when(a.eraseAt))}</dd>
<dt>Artefact id</dt><dd><code>${esc(a.id)}</code></dd>
<dt>Data</dt><dd>${transferSummary(engine, a)}</dd>
</dl>${revoke}</li>`;
    })
    .join("");
  const resend =
    c.status === "GRANTED" && engine.settings.dataMode === "webhook"
      ? `<form method="post" action="/phr/push"><input type="hidden" name="patient" value="${esc(p.healthId)}">
<input type="hidden" name="id" value="${esc(c.consentInitId)}"><button type="submit" class="secondary">Send data again</button></form>`
      : "";
  return `<h5 style="font-size:1rem;margin:.8rem 0 .2rem">Shared with the HIU, per facility</h5><ul class="plain" style="list-style:none;padding:0">${items}</ul>${resend}`;
}

// ---------------------------------------------------------------------------------------------
// Form handlers (POST → 303)

async function handleForm(ctx: Ctx): Promise<void> {
  const { req, res, url, engine } = ctx;
  const form = new URLSearchParams(await readBody(req, 256 * 1024));
  const patient = findPatient(form.get("patient"));
  const back = (q: Record<string, string>) =>
    redirect(res, `/?${new URLSearchParams({ ...(patient ? { patient: patient.healthId } : {}), ...q })}`);
  if (!patient) return back({ err: "Choose a patient first." });
  try {
    switch (url.pathname) {
      case "/phr/approve": {
        const c = ownConsent(engine, form.get("id"), patient);
        const selected = form.getAll("cc").map((v) => v.split("|"));
        if (selected.length === 0) return back({ err: "Select at least one care context to share, or deny the request." });
        const hiTypes = form.getAll("hi_type");
        if (hiTypes.length === 0) return back({ err: "Select at least one information type to share." });
        const byHip = new Map<string, string[]>();
        for (const [hipId, ccId] of selected) byHip.set(hipId, [...(byHip.get(hipId) ?? []), ccId]);
        // Date inputs are whole days: widen to the day's bounds, then keep inside the request.
        const clampStart = (d: string | null, min: string) => maxIso(d ? `${d}T00:00:00.000Z` : min, min);
        const clampEnd = (d: string | null, max: string) => minIso(d ? `${d}T23:59:59.999Z` : max, max);
        const from = clampStart(form.get("from"), c.period.from);
        const to = clampEnd(form.get("to"), c.period.to);
        const eraseAt = clampEnd(form.get("erase_at"), c.period.expiry);
        engine.grant(
          c,
          [...byHip].map(([hipId, careContextIds]) => ({ hipId, careContextIds, hiTypes, from, to, eraseAt })),
        );
        return back({ msg: "approved" });
      }
      case "/phr/deny": {
        engine.deny(ownConsent(engine, form.get("id"), patient), form.get("reason") ?? undefined);
        return back({ msg: "denied" });
      }
      case "/phr/revoke": {
        const id = form.get("artefact_id");
        if (!id) return back({ err: "No consent artefact was named." });
        engine.revoke([id], patient.healthId);
        return back({ msg: "revoked" });
      }
      case "/phr/auto-approval": {
        const on = form.get("enable") === "on";
        engine.setAutoApproval(patient.healthId, on);
        return back({ msg: on ? "auto-on" : "auto-off" });
      }
      case "/phr/push": {
        const c = ownConsent(engine, form.get("id"), patient);
        if (c.status !== "GRANTED") return back({ err: "Only granted consents can send data." });
        engine.pushData(c);
        return back({ msg: "pushed" });
      }
      default:
        throw new HttpError(404, { error: "unknown form" });
    }
  } catch (e) {
    if (e instanceof HttpError && e.status !== 404) return back({ err: humanError(e) });
    throw e;
  }
}

function ownConsent(engine: SandboxEngine, id: string | null, p: SeedPatient): Consent {
  const c = engine.findConsent(id);
  if (!c || c.patient.healthId !== p.healthId) throw new HttpError(400, { error: "That request does not exist for this patient." });
  return c;
}

function humanError(e: HttpError): string {
  const b = e.body as { error?: string; source_error?: { code?: string; message?: string } };
  const code = b.source_error?.code ? ` (${b.source_error.code})` : "";
  return `${b.source_error?.message ?? b.error ?? "Request failed"}${code}`;
}

const minIso = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);
const maxIso = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);
