/**
 * Test support (not used at runtime): the EKA sandbox in-process on a random port with a temp data
 * directory, a receiver for its webhooks, and the environment pointing the portal's EKA client at
 * it. The portal's runtime code reaches the sandbox only over HTTP; tests may start it directly.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { resetEkaClientForTests } from "@/lib/eka";
import { resetEnvForTests } from "@/lib/env";
import { startReceiver, startTestSandbox, TEST_CLIENT, type Receiver, type TestSandbox } from "@/sandbox/testing";

export type ConsentTestRig = {
  sbx: TestSandbox;
  receiver: Receiver;
  /** Points the portal at `url` (a stopped port simulates EKA being unreachable). */
  pointAt(url: string): void;
  /** consent_update payloads the sandbox has sent so far (`data` of the envelope). */
  consentUpdates(): { status: string; data: Record<string, unknown> }[];
  control<T = Record<string, unknown>>(method: string, p: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
};

export async function startConsentTestRig(): Promise<ConsentTestRig> {
  const receiver = await startReceiver(TEST_CLIENT.signingKey);
  const sbx = await startTestSandbox({ webhookUrl: receiver.url, autoApproveDelayMs: 10 });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hiu-consents-"));
  const pointAt = (url: string) => {
    Object.assign(process.env, {
      DATA_DIR: dataDir,
      EKA_BASE_URL: url,
      EKA_CLIENT_ID: TEST_CLIENT.clientId,
      EKA_CLIENT_SECRET: TEST_CLIENT.clientSecret,
      EKA_MAX_RETRIES: "0",
      EKA_TIMEOUT_MS: "1500",
      POLL_INTERVAL_MS: "1000",
    });
    resetEnvForTests();
    resetEkaClientForTests();
  };
  pointAt(sbx.url);
  return {
    sbx,
    receiver,
    pointAt,
    consentUpdates: () =>
      receiver.received
        .filter((r) => r.json.event === "abha.consent_update")
        .map((r) => ({ status: String(r.json.data.notification?.status ?? r.json.data.status), data: r.json.data })),
    async control<T>(method: string, p: string, body?: unknown) {
      const r = await sbx.control<T>(method, p, body);
      if (r.status >= 400) throw new Error(`sandbox control ${method} ${p} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async close() {
      await sbx.close();
      await receiver.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
