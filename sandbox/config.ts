/**
 * Sandbox configuration: explicit options (tests) > environment variables > `.data/demo-secrets.json`.
 *
 * The sandbox reads the demo secrets itself (it may not import lib/env.ts): the same file, the same
 * shape, created with the `wx` flag so the portal and the sandbox never overwrite each other.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

export type DataMode = "webhook" | "eka-stored";

export interface WebhookSettings {
  /** Total attempts per delivery, including the first. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt (with jitter), capped at maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

/** Readings of unclear spec points (eka-api.md §8); see README "Assumptions". */
export interface Assumptions {
  /** `on-grant`: consent_id is assigned when the patient grants; `same-as-init`: equal to consent_init_id from the start. */
  consentIdMode: "on-grant" | "same-as-init";
  /** Which id goes in consent_update `notification.consentRequestId`. */
  consentUpdateId: "init" | "consent";
  /** `array` (ABDM) or `object` (EKA's sample) for `notification.consentArtefacts`. */
  artefactsShape: "array" | "object";
  /** Which id goes in hiu_data_push `data.consent_id`. */
  pushConsentId: "consent" | "artefact";
  /** Which token header(s) the API accepts. */
  tokenHeader: "any" | "authorization" | "auth";
  /**
   * Add the artefact's id, status, HI types and dates to each consent-details entry (undocumented
   * extras; without them an HIU cannot tell which artefact id belongs to which HIP).
   */
  detailsExtras: boolean;
}

export interface SandboxSettings {
  dataMode: DataMode;
  webhookUrl: string;
  tokenTtlSeconds: number;
  refreshTtlSeconds: number;
  webhook: WebhookSettings;
  /** Auto-approval grants this long after the request is created (EKA is asynchronous too). */
  autoApproveDelayMs: number;
  assumptions: Assumptions;
}

export interface SandboxConfig {
  host: string;
  port: number;
  /** State directory (.data/sandbox). */
  dataDir: string;
  clientId: string;
  clientSecret: string;
  signingKey: string;
  businessId: string;
  hiuId: string;
  hiuName: string;
  /** Explicit bundle directory; undefined ⇒ sandbox/bundles (the synthetic set). */
  bundlesDir: string | undefined;
  defaultBundlesDir: string;
  expiryCheckMs: number;
  /** Base URL used in `fhir_url` links; defaults to the listening address. */
  publicUrl: string | undefined;
  log: boolean;
  settings: SandboxSettings;
}

export interface SandboxOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  dataDir?: string;
  /** Directory holding demo-secrets.json (the portal's DATA_DIR). */
  secretsDir?: string;
  clientId?: string;
  clientSecret?: string;
  signingKey?: string;
  webhookUrl?: string;
  tokenTtlSeconds?: number;
  refreshTtlSeconds?: number;
  bundlesDir?: string;
  dataMode?: DataMode;
  webhook?: Partial<WebhookSettings>;
  autoApproveDelayMs?: number;
  expiryCheckMs?: number;
  businessId?: string;
  publicUrl?: string;
  log?: boolean;
  assumptions?: Partial<Assumptions>;
  /** Environment to read (default process.env). */
  env?: Record<string, string | undefined>;
}

interface DemoSecrets {
  authSecret: string;
  keyEncryptionKey: string;
  webhookSigningKey: string;
  ekaClientId: string;
  ekaClientSecret: string;
}

/** Same file and shape as lib/env.ts `loadDemoSecrets`, which the portal uses. */
export function loadDemoSecrets(dir: string): DemoSecrets {
  const file = path.resolve(dir, "demo-secrets.json");
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as DemoSecrets;
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const secrets: DemoSecrets = {
      authSecret: randomBytes(32).toString("base64"),
      keyEncryptionKey: randomBytes(32).toString("base64"),
      webhookSigningKey: randomBytes(32).toString("hex"),
      ekaClientId: "EC_DEMO_HIU",
      ekaClientSecret: randomBytes(24).toString("hex"),
    };
    try {
      fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { flag: "wx", mode: 0o600 });
      return secrets;
    } catch {
      // The portal won the race: use what it wrote.
      return JSON.parse(fs.readFileSync(file, "utf8")) as DemoSecrets;
    }
  }
}

const str = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());
function int(v: string | undefined, name: string): number | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}
function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], name: string): T | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(s)) throw new Error(`${name} must be one of: ${allowed.join(", ")}`);
  return s as T;
}

export function resolveConfig(opts: SandboxOptions = {}): SandboxConfig {
  const env = opts.env ?? process.env;
  const secretsDir = path.resolve(opts.secretsDir ?? str(env.DATA_DIR) ?? ".data");
  const needSecrets =
    !(opts.clientId ?? str(env.EKA_CLIENT_ID)) ||
    !(opts.clientSecret ?? str(env.EKA_CLIENT_SECRET)) ||
    !(opts.signingKey ?? str(env.EKA_WEBHOOK_SIGNING_KEY));
  const demo = needSecrets ? loadDemoSecrets(secretsDir) : undefined;
  const portalPort = int(env.PORT, "PORT") ?? 3000;

  const a: Assumptions = {
    consentIdMode: oneOf(env.SANDBOX_CONSENT_ID_MODE, ["on-grant", "same-as-init"] as const, "SANDBOX_CONSENT_ID_MODE") ?? "on-grant",
    consentUpdateId: oneOf(env.SANDBOX_CONSENT_UPDATE_ID, ["init", "consent"] as const, "SANDBOX_CONSENT_UPDATE_ID") ?? "init",
    artefactsShape: oneOf(env.SANDBOX_ARTEFACTS_SHAPE, ["array", "object"] as const, "SANDBOX_ARTEFACTS_SHAPE") ?? "array",
    pushConsentId: oneOf(env.SANDBOX_PUSH_CONSENT_ID, ["consent", "artefact"] as const, "SANDBOX_PUSH_CONSENT_ID") ?? "consent",
    tokenHeader: oneOf(env.SANDBOX_TOKEN_HEADER, ["any", "authorization", "auth"] as const, "SANDBOX_TOKEN_HEADER") ?? "any",
    detailsExtras: (oneOf(env.SANDBOX_DETAILS_EXTRAS, ["1", "0", "true", "false"] as const, "SANDBOX_DETAILS_EXTRAS") ?? "1").match(/^(1|true)$/) !== null,
    ...stripUndefined(opts.assumptions ?? {}),
  };

  return {
    host: opts.host ?? str(env.SANDBOX_HOST) ?? "127.0.0.1",
    port: opts.port ?? int(env.SANDBOX_PORT, "SANDBOX_PORT") ?? 4010,
    dataDir: path.resolve(opts.dataDir ?? str(env.SANDBOX_DATA_DIR) ?? path.join(secretsDir, "sandbox")),
    clientId: opts.clientId ?? str(env.EKA_CLIENT_ID) ?? demo!.ekaClientId,
    clientSecret: opts.clientSecret ?? str(env.EKA_CLIENT_SECRET) ?? demo!.ekaClientSecret,
    signingKey: opts.signingKey ?? str(env.EKA_WEBHOOK_SIGNING_KEY) ?? demo!.webhookSigningKey,
    businessId: opts.businessId ?? str(env.SANDBOX_BUSINESS_ID) ?? "sbx-business-0001",
    hiuId: str(env.SANDBOX_HIU_ID) ?? "SBX-HIU-DEMO",
    hiuName: str(env.SANDBOX_HIU_NAME) ?? "Demo HIU portal",
    bundlesDir: opts.bundlesDir ?? (str(env.SANDBOX_BUNDLES_DIR) ? path.resolve(env.SANDBOX_BUNDLES_DIR!) : undefined),
    defaultBundlesDir: path.join(__dirname, "bundles"),
    expiryCheckMs: opts.expiryCheckMs ?? int(env.SANDBOX_EXPIRY_CHECK_MS, "SANDBOX_EXPIRY_CHECK_MS") ?? 2000,
    publicUrl: opts.publicUrl ?? str(env.SANDBOX_PUBLIC_URL),
    log: opts.log ?? env.SANDBOX_LOG === "1",
    settings: {
      dataMode: opts.dataMode ?? oneOf(env.EKA_DATA_MODE, ["webhook", "eka-stored"] as const, "EKA_DATA_MODE") ?? "webhook",
      webhookUrl: opts.webhookUrl ?? str(env.PORTAL_WEBHOOK_URL) ?? `http://127.0.0.1:${portalPort}/api/webhooks/eka`,
      tokenTtlSeconds: opts.tokenTtlSeconds ?? int(env.SANDBOX_TOKEN_TTL_SECONDS, "SANDBOX_TOKEN_TTL_SECONDS") ?? 900,
      refreshTtlSeconds:
        opts.refreshTtlSeconds ?? int(env.SANDBOX_REFRESH_TTL_SECONDS, "SANDBOX_REFRESH_TTL_SECONDS") ?? 86_400,
      webhook: {
        maxAttempts: int(env.SANDBOX_WEBHOOK_MAX_ATTEMPTS, "SANDBOX_WEBHOOK_MAX_ATTEMPTS") ?? 8,
        backoffMs: int(env.SANDBOX_WEBHOOK_BACKOFF_MS, "SANDBOX_WEBHOOK_BACKOFF_MS") ?? 1000,
        maxBackoffMs: int(env.SANDBOX_WEBHOOK_MAX_BACKOFF_MS, "SANDBOX_WEBHOOK_MAX_BACKOFF_MS") ?? 60_000,
        timeoutMs: int(env.SANDBOX_WEBHOOK_TIMEOUT_MS, "SANDBOX_WEBHOOK_TIMEOUT_MS") ?? 10_000,
        ...stripUndefined(opts.webhook ?? {}),
      },
      autoApproveDelayMs:
        opts.autoApproveDelayMs ?? int(env.SANDBOX_AUTO_APPROVE_DELAY_MS, "SANDBOX_AUTO_APPROVE_DELAY_MS") ?? 300,
      assumptions: a,
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
