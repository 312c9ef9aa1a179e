/**
 * The offline EKA ABDM Connect stand-in: `npm run sandbox` (= `tsx sandbox/server.ts`), or
 * `startSandbox()` in-process from tests. Plain node:http; talks to the portal only over HTTP.
 *
 * It never imports from app/ or lib/, except lib/crypto/fidelius (the HIP simulator encrypts with
 * the same Fidelius implementation the portal decrypts with).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { API_ROUTES, isApiPath, type ApiContext } from "./api";
import { resolveConfig, type SandboxConfig, type SandboxOptions } from "./config";
import { handleControl } from "./control";
import { SandboxEngine } from "./engine";
import { HttpError, sendJson, sleep } from "./http";
import { handlePhr } from "./phr-page";
import { Store } from "./state";

export type { SandboxOptions } from "./config";

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:4010 */
  url: string;
  port: number;
  config: SandboxConfig;
  engine: SandboxEngine;
  stop(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<RunningSandbox> {
  const config = resolveConfig(opts);
  const log = config.log ? (line: string) => console.log(`[sandbox] ${line}`) : () => {};
  const store = new Store(config.dataDir);
  const engine = new SandboxEngine(config, store, log);
  let baseUrl = config.publicUrl ?? "";

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((e) => {
      if (!res.headersSent) {
        if (e instanceof HttpError) sendJson(res, e.status, e.body);
        else {
          // Message only: bodies and tokens never reach the log.
          console.error(`[sandbox] internal error on ${req.method} ${req.url?.split("?")[0]}: ${(e as Error)?.message}`);
          sendJson(res, 500, { code: 500, error: "Internal sandbox error", source_error: { code: "ABDM-9999", message: "Unknown error" } });
        }
      } else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Concatenated, not resolved: a path like "//x" must stay a path, not become a host.
    const url = new URL(`http://sandbox.local${req.url?.startsWith("/") ? req.url : "/"}`);
    const started = Date.now();
    res.on("finish", () => log(`${req.method} ${url.pathname} → ${res.statusCode} (${Date.now() - started} ms)`));

    if (url.pathname === "/healthz") return sendJson(res, 200, { ok: true, service: "eka-sandbox" });
    if (url.pathname.startsWith("/__control/")) return handleControl({ req, res, url, engine });
    if (await handlePhr({ req, res, url, engine })) return;

    if (isApiPath(url.pathname)) {
      await applyApiFaults(engine, url.pathname);
      const route = API_ROUTES[url.pathname.replace(/\/+$/, "")];
      if (!route) throw new HttpError(404, { code: 404, error: "Not found" });
      const handler = route[req.method ?? "GET"];
      if (!handler) throw new HttpError(405, { code: 405, error: "Method not allowed" });
      const ctx: ApiContext = { req, res, url, engine, baseUrl };
      return handler(ctx);
    }
    throw new HttpError(404, { code: 404, error: "Not found" });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  baseUrl ||= url;

  engine.start();
  // Expiry by the clock, also when nobody reads.
  const sweep = setInterval(() => {
    try {
      engine.sweepExpired();
    } catch (e) {
      console.error(`[sandbox] expiry sweep failed: ${(e as Error).message}`);
    }
  }, config.expiryCheckMs);
  sweep.unref();

  let stopped = false;
  return {
    url,
    port,
    config,
    engine,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweep);
      await engine.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Fault injection on EKA API paths: a delay (timeouts) and queued failures (retry rules). */
async function applyApiFaults(engine: SandboxEngine, pathname: string): Promise<void> {
  const api = engine.faults.api;
  if (api.delayMs > 0 && (!api.delayPath || pathname.startsWith(api.delayPath))) await sleep(api.delayMs);
  const i = api.failNext.findIndex((f) => !f.path || pathname.startsWith(f.path));
  if (i < 0) return;
  const f = api.failNext[i];
  f.count--;
  if (f.count <= 0) api.failNext.splice(i, 1);
  const error = f.message ?? (f.status >= 500 ? "Internal server error" : "Bad request");
  throw new HttpError(f.status, {
    code: f.status,
    error,
    ...(f.code ? { source_error: { code: f.code, message: error } } : {}),
  });
}

// `tsx sandbox/server.ts`
if (require.main === module) {
  startSandbox()
    .then((s) => {
      const c = s.config;
      console.log(`[sandbox] EKA sandbox listening on ${s.url}`);
      console.log(`[sandbox] PHR page: ${s.url}/   data mode: ${c.settings.dataMode}   webhooks → ${c.settings.webhookUrl}`);
      console.log(`[sandbox] bundles: ${c.bundlesDir ?? c.defaultBundlesDir}   state: ${c.dataDir}`);
      const shutdown = () => {
        void s.stop().then(() => process.exit(0));
      };
      process.on("SIGINT", shutdown);
      process.on("SIGTERM", shutdown);
    })
    .catch((e) => {
      console.error(`[sandbox] could not start: ${(e as Error).message}`);
      process.exit(1);
    });
}
