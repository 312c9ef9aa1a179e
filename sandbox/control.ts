/**
 * Control API for tests (`/__control/…`, JSON, sandbox only, no auth — the sandbox listens on
 * 127.0.0.1). Plays the patient without the page, flips fault switches and exposes what the
 * portal did (on-push reports, webhook delivery log).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { SandboxEngine } from "./engine";
import { mergeFaults, defaultFaults } from "./faults";
import { HttpError, ekaError, parseBody, readBody, sendJson } from "./http";
import { consentListItem, createSchema, requestDetail, validate } from "./api";
import { HIPS, PATIENTS } from "./world";

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  engine: SandboxEngine;
}

const LIMIT = 2 * 1024 * 1024;

async function body(ctx: Ctx): Promise<Record<string, unknown>> {
  return parseBody(ctx.req, await readBody(ctx.req, LIMIT));
}

function parse<T>(schema: z.ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  throw new HttpError(400, { error: "invalid control request", issues: r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
}

function consentOr404(engine: SandboxEngine, id: string) {
  const c = engine.findConsent(id);
  if (!c) throw new HttpError(404, { error: "unknown consent (use consent_init_id or consent_id)" });
  return c;
}

const approveSchema = z.object({
  hips: z
    .array(
      z.object({
        hip_id: z.string(),
        care_context_ids: z.array(z.string()).optional(),
        hi_types: z.array(z.string()).optional(),
        from: z.string().optional(),
        to: z.string().optional(),
        erase_at: z.string().optional(),
      }),
    )
    .optional(),
  hi_types: z.array(z.string()).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  erase_at: z.string().optional(),
});

const settingsSchema = z.object({
  dataMode: z.enum(["webhook", "eka-stored"]).optional(),
  webhookUrl: z.string().url().optional(),
  tokenTtlSeconds: z.number().int().min(1).optional(),
  refreshTtlSeconds: z.number().int().min(1).optional(),
  autoApproveDelayMs: z.number().int().min(0).optional(),
  webhook: z
    .object({
      maxAttempts: z.number().int().min(1).optional(),
      backoffMs: z.number().int().min(0).optional(),
      maxBackoffMs: z.number().int().min(0).optional(),
      timeoutMs: z.number().int().min(1).optional(),
    })
    .optional(),
  assumptions: z
    .object({
      consentIdMode: z.enum(["on-grant", "same-as-init"]).optional(),
      consentUpdateId: z.enum(["init", "consent"]).optional(),
      artefactsShape: z.enum(["array", "object"]).optional(),
      pushConsentId: z.enum(["consent", "artefact"]).optional(),
      tokenHeader: z.enum(["any", "authorization", "auth"]).optional(),
      detailsExtras: z.boolean().optional(),
    })
    .optional(),
});

type Route = { method: string; pattern: RegExp; run: (ctx: Ctx, m: RegExpMatchArray) => Promise<void> };

const routes: Route[] = [
  {
    method: "GET",
    pattern: /^\/__control\/state$/,
    run: async ({ res, engine }) => {
      engine.sweepExpired();
      const s = engine.state;
      sendJson(res, 200, {
        consents: s.consents,
        keyset: s.keyset,
        autoApproval: s.autoApproval,
        notices: s.notices,
        onPush: s.onPush,
        deliveries: s.deliveries,
        faults: engine.faults,
        settings: engine.settings,
        idle: engine.isIdle(),
      });
    },
  },
  {
    method: "POST",
    pattern: /^\/__control\/reset$/,
    run: async (ctx) => {
      await body(ctx);
      ctx.engine.reset();
      sendJson(ctx.res, 200, { ok: true });
    },
  },
  {
    method: "GET",
    pattern: /^\/__control\/world$/,
    run: async ({ res }) => sendJson(res, 200, { patients: PATIENTS, hips: HIPS }),
  },
  {
    // Raise a consent request as the HIU would, without a token (for page tests).
    method: "POST",
    pattern: /^\/__control\/consents$/,
    run: async (ctx) => {
      const b = validate(createSchema, await body(ctx));
      const c = ctx.engine.createConsent({ ...b, patient: b.patient ?? {} }, {});
      sendJson(ctx.res, 201, { consent_init_id: c.consentInitId });
    },
  },
  {
    method: "GET",
    pattern: /^\/__control\/consents$/,
    run: async ({ res, engine }) => {
      engine.sweepExpired();
      sendJson(res, 200, { consents: engine.state.consents.map(consentListItem) });
    },
  },
  {
    method: "GET",
    pattern: /^\/__control\/consents\/([^/]+)$/,
    run: async ({ res, engine }, m) => {
      engine.sweepExpired();
      const c = consentOr404(engine, decodeURIComponent(m[1]));
      sendJson(res, 200, { consent: c, request: requestDetail(engine, c) });
    },
  },
  {
    method: "POST",
    pattern: /^\/__control\/consents\/([^/]+)\/approve$/,
    run: async (ctx, m) => {
      const engine = ctx.engine;
      const c = consentOr404(engine, decodeURIComponent(m[1]));
      const b = parse(approveSchema, await body(ctx));
      const grants = b.hips
        ? b.hips.map((h) => ({
            hipId: h.hip_id,
            careContextIds:
              h.care_context_ids ??
              engine.eligibleLinks(c).find((l) => l.hipId === h.hip_id)?.careContexts.map((cc) => cc.id) ??
              [],
            hiTypes: h.hi_types ?? b.hi_types,
            from: h.from ?? b.from,
            to: h.to ?? b.to,
            eraseAt: h.erase_at ?? b.erase_at,
          }))
        : engine.defaultGrant(c).map((g) => ({ ...g, hiTypes: b.hi_types, from: b.from, to: b.to, eraseAt: b.erase_at }));
      engine.grant(c, grants);
      sendJson(ctx.res, 200, { consent: consentListItem(c), artefacts: c.artefacts.map((a) => ({ id: a.id, hip_id: a.hipId })) });
    },
  },
  {
    method: "POST",
    pattern: /^\/__control\/consents\/([^/]+)\/deny$/,
    run: async (ctx, m) => {
      const c = consentOr404(ctx.engine, decodeURIComponent(m[1]));
      const b = parse(z.object({ reason: z.string().optional() }), await body(ctx));
      ctx.engine.deny(c, b.reason);
      sendJson(ctx.res, 200, { consent: consentListItem(c) });
    },
  },
  {
    method: "POST",
    pattern: /^\/__control\/consents\/([^/]+)\/revoke$/,
    run: async (ctx, m) => {
      const c = consentOr404(ctx.engine, decodeURIComponent(m[1]));
      const b = parse(z.object({ artefact_ids: z.array(z.string()).optional() }), await body(ctx));
      const ids = b.artefact_ids ?? c.artefacts.filter((a) => a.status === "GRANTED").map((a) => a.id);
      ctx.engine.revoke(ids);
      sendJson(ctx.res, 200, { consent: consentListItem(c), revoked: ids });
    },
  },
  {
    method: "POST",
    pattern: /^\/__control\/consents\/([^/]+)\/expire$/,
    run: async (ctx, m) => {
      await body(ctx);
      const c = consentOr404(ctx.engine, decodeURIComponent(m[1]));
      ctx.engine.expire(c);
      sendJson(ctx.res, 200, { consent: consentListItem(c) });
    },
  },
  {
    // Re-run the HIP simulator for a granted consent (new transaction ids).
    method: "POST",
    pattern: /^\/__control\/consents\/([^/]+)\/push$/,
    run: async (ctx, m) => {
      await body(ctx);
      const c = consentOr404(ctx.engine, decodeURIComponent(m[1]));
      if (c.status !== "GRANTED") throw ekaError(400, "Consent not granted", "ABDM-1062", `The consent is ${c.status}`);
      const pushed = ctx.engine.pushData(c);
      sendJson(ctx.res, 200, { pushed });
    },
  },
  {
    method: "POST",
    pattern: /^\/__control\/auto-approval$/,
    run: async (ctx) => {
      const b = parse(z.object({ health_id: z.string(), enabled: z.boolean() }), await body(ctx));
      const p = ctx.engine.requirePatient(b.health_id);
      ctx.engine.setAutoApproval(p.healthId, b.enabled);
      sendJson(ctx.res, 200, { health_id: p.healthId, status: b.enabled ? "enabled" : "disabled" });
    },
  },
  {
    method: "GET",
    pattern: /^\/__control\/faults$/,
    run: async ({ res, engine }) => sendJson(res, 200, engine.faults),
  },
  {
    method: "PATCH",
    pattern: /^\/__control\/faults$/,
    run: async (ctx) => {
      const patch = await body(ctx);
      try {
        ctx.engine.faults = mergeFaults(ctx.engine.faults, patch);
      } catch (e) {
        throw new HttpError(400, { error: "invalid faults", detail: (e as Error).message });
      }
      sendJson(ctx.res, 200, ctx.engine.faults);
    },
  },
  {
    method: "DELETE",
    pattern: /^\/__control\/faults$/,
    run: async ({ res, engine }) => {
      engine.faults = defaultFaults();
      sendJson(res, 200, engine.faults);
    },
  },
  {
    method: "PATCH",
    pattern: /^\/__control\/settings$/,
    run: async (ctx) => {
      const b = parse(settingsSchema, await body(ctx));
      const s = ctx.engine.settings;
      ctx.engine.settings = {
        ...s,
        ...stripUndefined({ ...b, webhook: undefined, assumptions: undefined }),
        webhook: { ...s.webhook, ...stripUndefined(b.webhook ?? {}) },
        assumptions: { ...s.assumptions, ...stripUndefined(b.assumptions ?? {}) },
      };
      sendJson(ctx.res, 200, ctx.engine.settings);
    },
  },
  {
    // Invalidate every issued access and refresh token (the client must log in again).
    method: "POST",
    pattern: /^\/__control\/tokens\/revoke$/,
    run: async (ctx) => {
      await body(ctx);
      ctx.engine.state.tokenGeneration++;
      ctx.engine.store.save();
      sendJson(ctx.res, 200, { ok: true });
    },
  },
  {
    method: "POST",
    pattern: /^\/__control\/wait-idle$/,
    run: async (ctx) => {
      const b = parse(z.object({ timeout_ms: z.number().int().min(0).max(600_000).default(10_000) }), await body(ctx));
      const idle = await ctx.engine.waitIdle(b.timeout_ms);
      const pending = ctx.engine.state.deliveries.filter((d) => d.status === "pending").length;
      sendJson(ctx.res, idle ? 200 : 408, { idle, pending });
    },
  },
  {
    method: "GET",
    pattern: /^\/__control\/on-push$/,
    run: async ({ res, engine }) => sendJson(res, 200, { reports: engine.state.onPush }),
  },
  {
    method: "GET",
    pattern: /^\/__control\/deliveries$/,
    run: async ({ res, engine }) => sendJson(res, 200, { deliveries: engine.state.deliveries }),
  },
  {
    method: "GET",
    pattern: /^\/__control\/notices$/,
    run: async ({ res, engine }) => sendJson(res, 200, { notices: engine.state.notices }),
  },
];

export async function handleControl(ctx: Ctx): Promise<void> {
  const pathname = ctx.url.pathname.replace(/\/+$/, "");
  const matching = routes.filter((r) => r.pattern.test(pathname));
  if (matching.length === 0) throw new HttpError(404, { error: "unknown control route" });
  const route = matching.find((r) => r.method === ctx.req.method);
  if (!route) throw new HttpError(405, { error: `method not allowed; use ${matching.map((r) => r.method).join(", ")}` });
  await route.run(ctx, pathname.match(route.pattern)!);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
