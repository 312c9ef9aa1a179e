import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";

/**
 * Every environment variable the portal reads, parsed once. Demo mode (no configuration) fills
 * secrets from `.data/demo-secrets.json`, generated on first use and shared with the sandbox;
 * production mode refuses to start while any required variable is missing.
 */

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();
const intWithDefault = (def: number) => z.coerce.number().int().positive().default(def);

const rawSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  APP_MODE: z.enum(["demo", "production"]).optional(),
  DATA_DIR: z.string().default(".data"),
  PORT: intWithDefault(3000),
  SANDBOX_PORT: intWithDefault(4010),
  PUBLIC_URL: optionalString,

  DATABASE_URL: optionalString,
  PGLITE_DIR: optionalString,

  NEXTAUTH_SECRET: optionalString,
  NEXTAUTH_URL: optionalString,
  OIDC_ISSUER: optionalString,
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_NAME: z.string().default("Hospital SSO"),
  SIGN_IN_MAX_FAILURES: intWithDefault(5),
  SIGN_IN_WINDOW_SECONDS: intWithDefault(900),

  KEY_ENCRYPTION_KEY: optionalString,
  KEY_ENCRYPTION_KEY_VERSION: intWithDefault(1),
  KEY_ENCRYPTION_KEYS_PREVIOUS: optionalString,
  KEY_RETIREMENT_DAYS: intWithDefault(30),

  EKA_BASE_URL: optionalString,
  EKA_CLIENT_ID: optionalString,
  EKA_CLIENT_SECRET: optionalString,
  EKA_SHARING_KEY: optionalString,
  EKA_CLINIC_ID: optionalString,
  EKA_DOCTOR_OID: optionalString,
  EKA_HIP_ID: optionalString,
  EKA_TOKEN_HEADER: z.enum(["authorization", "auth"]).default("authorization"),
  EKA_TIMEOUT_MS: intWithDefault(10_000),
  EKA_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  EKA_KEYSET_FORMAT: z.enum(["raw", "x509"]).default("raw"),
  EKA_DATA_MODE: z.enum(["webhook", "eka-stored"]).default("webhook"),
  EKA_WEBHOOK_SIGNING_KEY: optionalString,

  WEBHOOK_MAX_BYTES: intWithDefault(25 * 1024 * 1024),
  WEBHOOK_TOLERANCE_SECONDS: intWithDefault(180),
  WEBHOOK_MAX_ATTEMPTS: intWithDefault(8),

  BACKGROUND_JOBS: z.enum(["on", "off"]).default("on"),
  POLL_INTERVAL_MS: intWithDefault(15_000),
  ATTACHMENT_INLINE_MAX_BYTES: intWithDefault(10 * 1024 * 1024),
});

export type AppEnv = ReturnType<typeof buildEnv>;

export class ConfigError extends Error {
  constructor(public readonly missing: string[], message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type DemoSecrets = {
  authSecret: string;
  keyEncryptionKey: string;
  webhookSigningKey: string;
  ekaClientId: string;
  ekaClientSecret: string;
};

/** Reads (or creates, once) the demo secrets the portal and the sandbox share. */
export function loadDemoSecrets(dataDir: string): DemoSecrets {
  const file = path.resolve(dataDir, "demo-secrets.json");
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
      // Another process won the race: use what it wrote.
      return JSON.parse(fs.readFileSync(file, "utf8")) as DemoSecrets;
    }
  }
}

export function buildEnv(source: Record<string, string | undefined> = process.env) {
  const parsed = rawSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(
      parsed.error.issues.map((i) => i.path.join(".")),
      `Invalid configuration:\n${lines.join("\n")}`,
    );
  }
  const e = parsed.data;
  const mode: "demo" | "production" =
    e.APP_MODE ?? (e.NODE_ENV === "production" && e.EKA_BASE_URL ? "production" : "demo");

  if (mode === "production") {
    const required: [string, string | undefined][] = [
      ["DATABASE_URL", e.DATABASE_URL],
      ["NEXTAUTH_SECRET", e.NEXTAUTH_SECRET],
      ["NEXTAUTH_URL", e.NEXTAUTH_URL],
      ["KEY_ENCRYPTION_KEY", e.KEY_ENCRYPTION_KEY],
      ["EKA_BASE_URL", e.EKA_BASE_URL],
      ["EKA_CLIENT_ID", e.EKA_CLIENT_ID],
      ["EKA_CLIENT_SECRET", e.EKA_CLIENT_SECRET],
      ["EKA_WEBHOOK_SIGNING_KEY", e.EKA_WEBHOOK_SIGNING_KEY],
    ];
    const missing = required.filter(([, v]) => !v).map(([k]) => k);
    if (missing.length) {
      throw new ConfigError(
        missing,
        `Production mode needs these variables, which are not set: ${missing.join(", ")}.\n` +
          `See the configuration table in README.md. (Unset APP_MODE/NODE_ENV=production to run the demo.)`,
      );
    }
  }
  if (e.KEY_ENCRYPTION_KEY && Buffer.from(e.KEY_ENCRYPTION_KEY, "base64").length !== 32) {
    throw new ConfigError(["KEY_ENCRYPTION_KEY"], "KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded.");
  }

  const demo = mode === "demo" ? loadDemoSecrets(e.DATA_DIR) : undefined;
  const sandboxUrl = `http://127.0.0.1:${e.SANDBOX_PORT}`;
  const usingSandbox = !e.EKA_BASE_URL;
  const previousKeks = (e.KEY_ENCRYPTION_KEYS_PREVIOUS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [version, key] = entry.split(":");
      return { version: Number(version), key: Buffer.from(key ?? "", "base64") };
    });

  return {
    mode,
    nodeEnv: e.NODE_ENV,
    dataDir: path.resolve(e.DATA_DIR),
    port: e.PORT,
    sandboxPort: e.SANDBOX_PORT,
    publicUrl: e.PUBLIC_URL ?? e.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`,
    databaseUrl: e.DATABASE_URL,
    pgliteDir: e.PGLITE_DIR,
    auth: {
      secret: e.NEXTAUTH_SECRET ?? demo!.authSecret,
      oidc:
        e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET
          ? { issuer: e.OIDC_ISSUER, clientId: e.OIDC_CLIENT_ID, clientSecret: e.OIDC_CLIENT_SECRET, name: e.OIDC_NAME }
          : undefined,
      maxFailures: e.SIGN_IN_MAX_FAILURES,
      windowSeconds: e.SIGN_IN_WINDOW_SECONDS,
    },
    kek: {
      key: Buffer.from(e.KEY_ENCRYPTION_KEY ?? demo!.keyEncryptionKey, "base64"),
      version: e.KEY_ENCRYPTION_KEY_VERSION,
      previous: previousKeks,
    },
    keyRetirementDays: e.KEY_RETIREMENT_DAYS,
    eka: {
      usingSandbox,
      baseUrl: e.EKA_BASE_URL ?? sandboxUrl,
      clientId: e.EKA_CLIENT_ID ?? demo?.ekaClientId ?? "",
      clientSecret: e.EKA_CLIENT_SECRET ?? demo?.ekaClientSecret ?? "",
      sharingKey: e.EKA_SHARING_KEY,
      clinicId: e.EKA_CLINIC_ID,
      doctorOid: e.EKA_DOCTOR_OID,
      hipId: e.EKA_HIP_ID,
      tokenHeader: e.EKA_TOKEN_HEADER,
      timeoutMs: e.EKA_TIMEOUT_MS,
      maxRetries: e.EKA_MAX_RETRIES,
      keysetFormat: e.EKA_KEYSET_FORMAT,
      dataMode: e.EKA_DATA_MODE,
    },
    webhook: {
      signingKey: e.EKA_WEBHOOK_SIGNING_KEY ?? demo?.webhookSigningKey ?? "",
      maxBytes: e.WEBHOOK_MAX_BYTES,
      toleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
    },
    backgroundJobs: e.BACKGROUND_JOBS === "on",
    pollIntervalMs: e.POLL_INTERVAL_MS,
    attachmentInlineMaxBytes: e.ATTACHMENT_INLINE_MAX_BYTES,
  };
}

let cached: AppEnv | undefined;

/** The parsed configuration (cached). Throws `ConfigError` with every missing variable named. */
export function env(): AppEnv {
  cached ??= buildEnv();
  return cached;
}

/** Tests that change variables call this to re-read them. */
export function resetEnvForTests(): void {
  cached = undefined;
}
