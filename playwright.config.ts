import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3100);
const SANDBOX_PORT = Number(process.env.E2E_SANDBOX_PORT ?? 4110);
export const E2E_DATA_DIR = process.env.E2E_DATA_DIR ?? ".data/e2e";

/**
 * End-to-end tests run the real thing: `npm start`'s script (sandbox + portal) on its own ports
 * and its own embedded database under .data/e2e, in Debian's Chromium (Playwright's own browser
 * download is not available here).
 */
export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    command: "node_modules/.bin/tsx scripts/start.ts",
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(PORT),
      SANDBOX_PORT: String(SANDBOX_PORT),
      DATA_DIR: E2E_DATA_DIR,
      DATABASE_URL: "",
      SANDBOX_TOKEN_TTL_SECONDS: "20",
      POLL_INTERVAL_MS: "2000",
      SIGN_IN_MAX_FAILURES: "50",
      DEMO_PASSWORD: "e2e-Password-123",
      SANDBOX_BUNDLES_DIR: process.env.E2E_BUNDLES_DIR ?? "",
      NEXTAUTH_URL: `http://localhost:${PORT}`,
    },
  },
});
