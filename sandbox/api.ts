/**
 * The EKA ABDM Connect API surface (eka-api.md §1–§3): same paths, shapes, auth and error
 * envelopes. Bodies are validated with zod, leniently (unknown fields pass), and failures answer
 * with EKA's `{code, error, source_error}` and an ABDM code.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { SandboxEngine } from "./engine";
import { HttpError, authError, ekaError, header, parseBody, readBody, sendEmpty, sendJson, sendRaw } from "./http";
import type { Consent } from "./state";
import { issueToken, safeEqual, verifyToken } from "./tokens";
import { HI_TYPE_DISPLAY, findPatient, hipName } from "./world";

export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  engine: SandboxEngine;
  /** Base URL of this sandbox (for `fhir_url`). */
  baseUrl: string;
}

type Handler = (ctx: ApiContext) => Promise<void>;

const BODY_LIMIT = 2 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Request schemas (lenient: `.loose()` keeps unknown fields; only what the sandbox uses is typed)

const str = z.string();
export const createSchema = z
  .object({
    patient: z.object({ health_id: str.optional(), oid: str.optional() }).loose().optional(),
    hiu: z
      .object({
        clinic_id: str.optional(),
        d_oid: str.optional(),
        requester: z
          .object({
            name: str.optional(),
            identifier: z.object({ type: str.optional(), value: str.optional(), system: str.optional() }).loose().optional(),
          })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
    purpose: str.optional(),
    record_types: z.array(str).nullable().optional(),
    period: z.object({ from: str.optional(), to: str.optional(), expiry: str.optional() }).loose().optional(),
    hip_identifier: z.object({ id: str.optional(), name: str.optional() }).loose().optional(),
    care_contexts: z.array(z.object({ cc_ref: str.optional(), patient_ref: str.optional() }).loose()).optional(),
    appointment_id: str.optional(),
  })
  .loose();

const listSchema = z
  .object({
    hiu: z.object({ clinic_id: str.optional(), d_oid: str.optional() }).loose().optional(),
    patient: z.object({ health_id: str.optional(), oid: str.optional() }).loose().optional(),
  })
  .loose();

const detailsSchema = z.object({ consent_id: str.min(1), health_id: str.min(1) }).loose();
const keysetSchema = z.object({ public_key: str.min(1), nonce: str.min(1) }).loose();
const onPushSchema = z
  .object({
    consent_id: str.min(1),
    transaction_id: str.min(1),
    status_response: z.array(
      z.object({ care_context_id: str.min(1), success: z.boolean(), description: str.default("") }).loose(),
    ),
  })
  .loose();

const durationSchema = z.object({ from: str, to: str }).loose();
const approveSchema = z
  .object({
    id: str.min(1),
    access_mode: str.optional(),
    duration: durationSchema.optional(),
    erase_at: str.optional(),
    hi_types: z.array(str).optional(),
    consent_artefacts: z
      .array(
        z
          .object({
            hip_id: str.min(1),
            care_contexts: z.array(z.object({ id: str.min(1), display: str.optional() }).loose()),
            hi_types: z.array(str).optional(),
            access_mode: str.optional(),
            duration: durationSchema.optional(),
            erase_at: str.optional(),
          })
          .loose(),
      )
      .min(1),
  })
  .loose();
const denySchema = z.object({ id: str.min(1), reason: str.optional() }).loose();
const revokeSchema = z.object({ consent_artefacts: z.array(str.min(1)).min(1) }).loose();

export function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const where = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "body"}: ${i.message}`)
    .join("; ");
  throw ekaError(400, "Invalid request", "ABDM-1006", where);
}

// ---------------------------------------------------------------------------------------------
// Auth

function bearer(req: IncomingMessage, mode: "any" | "authorization" | "auth"): string | undefined {
  const authz = header(req, "authorization");
  const auth = header(req, "auth");
  if (mode !== "auth" && authz) return authz.replace(/^Bearer\s+/i, "");
  if (mode !== "authorization" && auth) return auth.replace(/^Bearer\s+/i, "");
  return undefined;
}

function requireToken(ctx: ApiContext, shape: "abdm" | "records"): void {
  const { engine, req } = ctx;
  const token = bearer(req, engine.settings.assumptions.tokenHeader);
  const fail = (why: string) =>
    shape === "records"
      ? new HttpError(401, { message: "Unauthorized" })
      : new HttpError(401, { code: 401, error: `Unauthorized: ${why}` });
  if (!token) throw fail("access token missing");
  const v = verifyToken(engine.state.tokenSecret, token, { typ: "access", gen: engine.state.tokenGeneration });
  if (!v.ok) throw fail(v.reason === "expired" ? "access token expired" : "access token invalid");
  const clientId = header(req, "client-id");
  if (clientId && clientId !== v.claims.sub) throw fail("client-id does not match the token");
}

function issuePair(engine: SandboxEngine): Record<string, unknown> {
  const s = engine.settings;
  const gen = engine.state.tokenGeneration;
  const sub = engine.config.clientId;
  return {
    access_token: issueToken(engine.state.tokenSecret, { sub, typ: "access", gen }, s.tokenTtlSeconds),
    refresh_token: issueToken(engine.state.tokenSecret, { sub, typ: "refresh", gen }, s.refreshTtlSeconds),
    expires_in: s.tokenTtlSeconds,
    refresh_expires_in: s.refreshTtlSeconds,
  };
}

const login: Handler = async (ctx) => {
  const body = parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT));
  const id = typeof body.client_id === "string" ? body.client_id : "";
  const secret = typeof body.client_secret === "string" ? body.client_secret : "";
  if (!id || !secret) throw authError(400, "client_id and client_secret are required");
  const cfg = ctx.engine.config;
  // Both compared, always, in constant time.
  const ok = safeEqual(id, cfg.clientId) && safeEqual(secret, cfg.clientSecret);
  if (!ok) throw authError(401, "invalid client credentials");
  sendJson(ctx.res, 200, issuePair(ctx.engine));
};

const refresh: Handler = async (ctx) => {
  const { engine, req } = ctx;
  const body = parseBody(req, await readBody(req, BODY_LIMIT));
  const rt = typeof body.refresh_token === "string" ? body.refresh_token : "";
  if (!rt) throw authError(400, "refresh_token is required");
  const v = verifyToken(engine.state.tokenSecret, rt, { typ: "refresh", gen: engine.state.tokenGeneration });
  if (!v.ok) throw authError(401, v.reason === "expired" ? "refresh token expired" : "invalid refresh token");
  const clientId = header(req, "client-id");
  if (clientId && clientId !== v.claims.sub) throw authError(401, "client-id does not match the refresh token");
  sendJson(ctx.res, 200, issuePair(engine));
};

// ---------------------------------------------------------------------------------------------
// HIU

/** create/list/details are declared `204` with a body in EKA's spec; we answer 200 unless the fault asks. */
function sendDeclared204(ctx: ApiContext, body: unknown): void {
  if (ctx.engine.faults.api.declared204) sendEmpty(ctx.res, 204);
  else sendJson(ctx.res, 200, body);
}

const createConsent: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const body = validate(createSchema, parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT)));
  const consent = ctx.engine.createConsent(
    { ...body, patient: body.patient ?? {} },
    {
      ptId: header(ctx.req, "x-pt-id"),
      partnerPtId: header(ctx.req, "x-partner-pt-id"),
      hipId: header(ctx.req, "x-hip-id"),
    },
  );
  sendDeclared204(ctx, { consent_init_id: consent.consentInitId });
};

export function consentListItem(c: Consent) {
  return {
    // Blank until granted in `on-grant` mode: the spec types it as a string, never null.
    consent_id: c.consentId ?? "",
    consent_init_id: c.consentInitId,
    status: c.status,
    hi_types: c.hiTypes,
    period: { from: c.period.from, to: c.period.to, expiry: c.period.expiry },
    c_at: c.createdAt,
    u_at: c.updatedAt,
    // Not in EKA's published schema: the patient's denial reason, as an optional extra field.
    ...(c.status === "DENIED" && c.denyReason ? { reason: c.denyReason } : {}),
  };
}

const listConsents: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const f = validate(listSchema, parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT)));
  const engine = ctx.engine;
  engine.sweepExpired();
  const patient = f.patient?.health_id || f.patient?.oid ? findPatient(f.patient.health_id ?? f.patient.oid) : undefined;
  const consents = engine.state.consents
    .filter((c) => !f.patient?.health_id || c.patient.healthId === f.patient.health_id.trim().toLowerCase())
    .filter((c) => !f.patient?.oid || c.patient.oid === (patient?.oid ?? f.patient.oid))
    .filter((c) => !f.hiu?.clinic_id || c.hiu.clinicId === f.hiu.clinic_id)
    .filter((c) => !f.hiu?.d_oid || c.hiu.doctorOid === f.hiu.d_oid)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .map(consentListItem);
  sendDeclared204(ctx, { consents });
};

const consentDetails: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const b = validate(detailsSchema, parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT)));
  const engine = ctx.engine;
  engine.sweepExpired();
  // Lenient: the consent_init_id is accepted too, so a portal that has not yet listed can ask.
  const c = engine.findConsent(b.consent_id);
  if (!c || c.patient.healthId !== b.health_id.trim().toLowerCase()) {
    throw ekaError(500, "Invalid consent request id", "ABDM-1039", "Unknown consent id for this patient");
  }
  if (c.status === "EXPIRED") throw ekaError(400, "Consent artefact expired", "ABDM-1061", "The consent has expired");
  if (c.status === "REQUESTED" || c.status === "DENIED") {
    throw ekaError(400, "Consent not granted", "ABDM-1062", `The consent is ${c.status}`);
  }
  const eka = engine.settings.dataMode === "eka-stored";
  const extras = engine.settings.assumptions.detailsExtras;
  const data = c.artefacts.map((a) => ({
    hip: { id: a.hipId, name: a.hipName },
    ...(extras
      ? {
          consent_artefact_id: a.id,
          status: a.status,
          hi_types: a.hiTypes,
          duration: { from: a.from, to: a.to },
          erase_at: a.eraseAt,
        }
      : {}),
    care_contexts: a.careContexts.map((cc) => ({
      id: cc.id,
      display: cc.display,
      // Undocumented field (§2.3): we report the artefact's status for its care contexts.
      status: a.status,
      created_at: a.createdAt,
      documents:
        eka && a.status === "GRANTED"
          ? cc.bundles.map((file, i) => ({
              id: `${cc.id}-doc-${i + 1}`,
              fhir_url: `${ctx.baseUrl}/health/api/v1/fhir/retrieve?${new URLSearchParams({
                identifier: cc.id,
                hip_id: a.hipId,
                health_id: c.patient.healthId,
              })}`,
            }))
          : [],
    })),
  }));
  sendDeclared204(ctx, { data });
};

const updateKeyset: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const b = validate(keysetSchema, parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT)));
  ctx.engine.setKeyset(b.public_key, b.nonce);
  sendEmpty(ctx.res, 200);
};

const onPush: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const b = validate(onPushSchema, parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT)));
  const engine = ctx.engine;
  const known = engine.findConsent(b.consent_id) ?? engine.findArtefact(b.consent_id)?.consent;
  if (!known) throw ekaError(500, "Invalid consent request id", "ABDM-1039", "Unknown consent id");
  engine.recordOnPush({ consent_id: b.consent_id, transaction_id: b.transaction_id, status_response: b.status_response });
  sendEmpty(ctx.res, 202);
};

const retrieveFhir: Handler = async (ctx) => {
  requireToken(ctx, "records");
  const q = ctx.url.searchParams;
  const identifier = q.get("identifier");
  const hipId = q.get("hip_id");
  const healthId = q.get("health_id");
  const ptId = header(ctx.req, "x-pt-id");
  if (!identifier || !hipId || !healthId) {
    throw new HttpError(400, { code: 400, error: "identifier, hip_id and health_id are required" });
  }
  if (!ptId) throw new HttpError(400, { code: 400, error: "X-Pt-Id header is required" });
  const patient = findPatient(healthId);
  // Lenient: X-Pt-Id may be the OID or the ABHA address (an HIU may not know the OID).
  const ptOk = patient && (ptId === patient.oid || ptId.toLowerCase() === patient.healthId);
  const text = ptOk ? ctx.engine.retrieve(patient.healthId, hipId, identifier) : undefined;
  if (text === undefined) {
    sendJson(ctx.res, 404, { resourceType: "Bundle", type: "document", entry: [] });
    return;
  }
  sendRaw(ctx.res, 200, "application/fhir+json; charset=utf-8", text);
};

// ---------------------------------------------------------------------------------------------
// PHR

function phrPatient(ctx: ApiContext) {
  return ctx.engine.requirePatient(ctx.url.searchParams.get("oid") ?? header(ctx.req, "x-pt-id"));
}

const STATUS_FILTERS = ["requested", "granted", "expired", "denied", "revoked"];
const TYPE_FILTERS = ["consent", "subscription", "authorization", "all"];

function requestSummary(c: Consent, hiuId: string, hiuName: string) {
  return {
    id: c.consentInitId,
    created_at: c.createdAt,
    duration: { from: c.period.from, to: c.period.to },
    hiu: { id: c.hiu.clinicId ?? hiuId, name: hiuName },
    purpose: { code: c.purposeCode, text: c.purpose },
    requester: { name: c.hiu.requester?.name ?? "" },
  };
}

const listRequests: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const patient = phrPatient(ctx);
  const status = ctx.url.searchParams.get("status")?.toLowerCase() ?? "";
  const type = ctx.url.searchParams.get("type")?.toLowerCase() ?? "";
  if (!STATUS_FILTERS.includes(status)) throw ekaError(400, "Invalid status", "ABDM-1006", `status must be one of ${STATUS_FILTERS.join("|")}`);
  if (!TYPE_FILTERS.includes(type)) throw ekaError(400, "Invalid type", "ABDM-1006", `type must be one of ${TYPE_FILTERS.join("|")}`);
  const engine = ctx.engine;
  engine.sweepExpired();
  const consents =
    type === "consent" || type === "all"
      ? engine.state.consents
          .filter((c) => c.patient.healthId === patient.healthId && c.status.toLowerCase() === status)
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .map((c) => requestSummary(c, engine.config.hiuId, engine.config.hiuName))
      : [];
  sendJson(ctx.res, 200, { consents, subscriptions: [], authorizations: [] });
};

export function requestDetail(engine: SandboxEngine, c: Consent) {
  const grantedTypes = new Set(c.artefacts.flatMap((a) => a.hiTypes));
  const providers = c.artefacts.length
    ? c.artefacts.map((a) => ({
        hip: { id: a.hipId, name: a.hipName },
        care_contexts: a.careContexts.map((cc) => ({ id: cc.id, display: cc.display })),
        consent_artefact_id: a.id,
      }))
    : engine.eligibleLinks(c).map((l) => ({
        hip: { id: l.hipId, name: hipName(l.hipId) },
        care_contexts: l.careContexts.map((cc) => ({ id: cc.id, display: cc.display })),
        consent_artefact_id: null,
      }));
  return {
    ...requestSummary(c, engine.config.hiuId, engine.config.hiuName),
    status: c.status.toLowerCase(),
    updated_at: c.updatedAt,
    access_mode: "view",
    erase_at: c.period.expiry,
    hi_types: c.hiTypes.map((t) => ({
      id: t,
      display: HI_TYPE_DISPLAY[t] ?? t,
      enabled: c.artefacts.length ? grantedTypes.has(t) : true,
    })),
    providers,
  };
}

const getRequest: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const patient = phrPatient(ctx);
  const id = ctx.url.searchParams.get("id");
  if (!id) throw ekaError(400, "id is required", "ABDM-1006", "id is required");
  const engine = ctx.engine;
  engine.sweepExpired();
  const c = engine.findConsent(id);
  if (!c || c.patient.healthId !== patient.healthId) {
    throw ekaError(500, "Invalid consent request id", "ABDM-1039", "Unknown consent request id");
  }
  sendJson(ctx.res, 200, requestDetail(engine, c));
};

function consentOfPatient(engine: SandboxEngine, id: string, healthId: string): Consent {
  const c = engine.findConsent(id);
  if (!c || c.patient.healthId !== healthId) {
    throw ekaError(500, "Invalid consent request id", "ABDM-1039", "Unknown consent request id");
  }
  return c;
}

const approve: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const patient = phrPatient(ctx);
  const b = validate(approveSchema, parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT)));
  const c = consentOfPatient(ctx.engine, b.id, patient.healthId);
  ctx.engine.grant(
    c,
    b.consent_artefacts.map((a) => ({
      hipId: a.hip_id,
      careContextIds: a.care_contexts.map((cc) => cc.id),
      hiTypes: a.hi_types ?? b.hi_types,
      from: a.duration?.from ?? b.duration?.from,
      to: a.duration?.to ?? b.duration?.to,
      eraseAt: a.erase_at ?? b.erase_at,
    })),
  );
  sendEmpty(ctx.res, 204);
};

const deny: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const patient = phrPatient(ctx);
  const b = validate(denySchema, parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT)));
  ctx.engine.deny(consentOfPatient(ctx.engine, b.id, patient.healthId), b.reason);
  sendEmpty(ctx.res, 204);
};

const revoke: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const patient = phrPatient(ctx);
  const b = validate(revokeSchema, parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT)));
  ctx.engine.revoke(b.consent_artefacts, patient.healthId);
  sendEmpty(ctx.res, 204);
};

const getAutoApproval: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const patient = phrPatient(ctx);
  sendJson(ctx.res, 200, { status: ctx.engine.autoApprovalEnabled(patient.healthId) ? "enabled" : "disabled" });
};

/**
 * The current spec's PATCH carries only `oid`. Reading: with `enable` (or `enabled` / `status`)
 * it sets the policy; without, it toggles. README "Assumptions".
 */
const patchAutoApproval: Handler = async (ctx) => {
  requireToken(ctx, "abdm");
  const body = parseBody(ctx.req, await readBody(ctx.req, BODY_LIMIT), true);
  const oid = (typeof body.oid === "string" && body.oid) || ctx.url.searchParams.get("oid") || header(ctx.req, "x-pt-id");
  const patient = ctx.engine.requirePatient(oid);
  const raw = body.enable ?? body.enabled ?? body.status;
  let enable: boolean;
  if (raw === undefined || raw === null || raw === "") enable = !ctx.engine.autoApprovalEnabled(patient.healthId);
  else if (raw === true || raw === "true" || raw === "enabled" || raw === "on" || raw === "1") enable = true;
  else if (raw === false || raw === "false" || raw === "disabled" || raw === "off" || raw === "0") enable = false;
  else throw ekaError(400, "Invalid enable value", "ABDM-1006", "enable must be true or false");
  ctx.engine.setAutoApproval(patient.healthId, enable);
  sendJson(ctx.res, 200, { status: enable ? "enabled" : "disabled" });
};

// ---------------------------------------------------------------------------------------------

export const API_ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  "/connect-auth/v1/account/login": { POST: login },
  "/connect-auth/v1/account/refresh-token": { POST: refresh },
  // Deprecated alias, still documented.
  "/connect-auth/v1/account/refresh": { POST: refresh },
  "/abdm/v1/consents/create": { POST: createConsent },
  "/abdm/v1/consents/list": { POST: listConsents },
  "/abdm/v1/consents/details": { POST: consentDetails },
  "/abdm/v1/hiu/keyset": { PATCH: updateKeyset },
  "/abdm/v1/hiu/care-context/data/on-push": { POST: onPush },
  "/health/api/v1/fhir/retrieve": { GET: retrieveFhir },
  "/abdm/v1/requests": { GET: listRequests },
  "/abdm/v1/request": { GET: getRequest },
  "/abdm/v1/consents/approve": { POST: approve },
  "/abdm/v1/consents/deny": { POST: deny },
  "/abdm/v1/consents/revoke": { POST: revoke },
  "/abdm/v1/consents/auto-approval": { GET: getAutoApproval, PATCH: patchAutoApproval },
};

export function isApiPath(pathname: string): boolean {
  return pathname.startsWith("/abdm/") || pathname.startsWith("/connect-auth/") || pathname.startsWith("/health/api/");
}
