import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildEnv, ConfigError } from "./env";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "hiu-env-"));

describe("configuration", () => {
  it("runs in demo mode with nothing set, generating and keeping its secrets", () => {
    const dir = tmp();
    const a = buildEnv({ DATA_DIR: dir });
    const b = buildEnv({ DATA_DIR: dir });
    expect(a.mode).toBe("demo");
    expect(a.eka.usingSandbox).toBe(true);
    expect(a.eka.baseUrl).toBe("http://127.0.0.1:4010");
    expect(a.kek.key).toHaveLength(32);
    expect(b.auth.secret).toBe(a.auth.secret);
    expect(b.webhook.signingKey).toBe(a.webhook.signingKey);
    expect(fs.statSync(path.join(dir, "demo-secrets.json")).mode & 0o777).toBe(0o600);
  });

  it("refuses production mode and names every missing variable", () => {
    try {
      buildEnv({ NODE_ENV: "production", EKA_BASE_URL: "https://api.eka.care", DATA_DIR: tmp() });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const e = err as ConfigError;
      expect(e.missing).toEqual([
        "DATABASE_URL",
        "NEXTAUTH_SECRET",
        "NEXTAUTH_URL",
        "KEY_ENCRYPTION_KEY",
        "EKA_CLIENT_ID",
        "EKA_CLIENT_SECRET",
        "EKA_WEBHOOK_SIGNING_KEY",
      ]);
      expect(e.message).toContain("EKA_WEBHOOK_SIGNING_KEY");
    }
  });

  it("an explicit APP_MODE=production is production even without NODE_ENV", () => {
    expect(() => buildEnv({ APP_MODE: "production", DATA_DIR: tmp() })).toThrow(/EKA_BASE_URL/);
  });

  it("accepts a complete production configuration and generates nothing", () => {
    const dir = tmp();
    const cfg = buildEnv({
      APP_MODE: "production",
      DATA_DIR: dir,
      DATABASE_URL: "postgres://x@localhost/y",
      NEXTAUTH_SECRET: "s",
      NEXTAUTH_URL: "https://hiu.example.org",
      KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
      EKA_BASE_URL: "https://api.dev.eka.care",
      EKA_CLIENT_ID: "EC_1",
      EKA_CLIENT_SECRET: "secret",
      EKA_WEBHOOK_SIGNING_KEY: "whk",
    });
    expect(cfg.mode).toBe("production");
    expect(cfg.eka.usingSandbox).toBe(false);
    expect(fs.existsSync(path.join(dir, "demo-secrets.json"))).toBe(false);
  });

  it("an explicitly set webhook signing key wins over the demo one", () => {
    expect(buildEnv({ DATA_DIR: tmp(), EKA_WEBHOOK_SIGNING_KEY: "mine" }).webhook.signingKey).toBe("mine");
  });

  it("rejects a key-encryption key that is not 32 bytes", () => {
    expect(() => buildEnv({ DATA_DIR: tmp(), KEY_ENCRYPTION_KEY: "c2hvcnQ=" })).toThrow(/32 bytes/);
  });
});
