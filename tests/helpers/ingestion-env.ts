import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { resetEkaClientForTests } from "@/lib/eka";
import { resetEnvForTests } from "@/lib/env";
import { startFakeEka, type FakeEka } from "./webhook-push";

/**
 * Environment for webhook-ingestion tests: a fake EKA (records on-push), a known signing key and
 * KEK, no background jobs, and a private DATA_DIR. Call after `setupTestDb()` so the database
 * exists before anything here touches it.
 */
export function setupIngestionEnv(extra: Record<string, string> = {}): { readonly eka: FakeEka; signingKey: string } {
  const signingKey = `whsec-${randomBytes(16).toString("hex")}`;
  let eka: FakeEka | undefined;
  const saved: Record<string, string | undefined> = {};
  let dataDir = "";
  beforeAll(async () => {
    eka = await startFakeEka();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hiu-ingest-"));
    const vars: Record<string, string> = {
      EKA_BASE_URL: eka.url,
      EKA_CLIENT_ID: "EC_TEST",
      EKA_CLIENT_SECRET: "test-secret",
      EKA_WEBHOOK_SIGNING_KEY: signingKey,
      KEY_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      EKA_MAX_RETRIES: "0",
      EKA_TIMEOUT_MS: "5000",
      BACKGROUND_JOBS: "off",
      DATA_DIR: dataDir,
      ...extra,
    };
    for (const [k, v] of Object.entries(vars)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    resetEnvForTests();
    resetEkaClientForTests();
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnvForTests();
    resetEkaClientForTests();
    await eka?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get eka() {
      if (!eka) throw new Error("fake EKA not started yet");
      return eka;
    },
    signingKey,
  };
}
