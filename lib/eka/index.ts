import "server-only";
import { env } from "@/lib/env";
import { EkaClient, createEkaClient, type EkaClientConfig } from "./client";

/**
 * The portal's entry point to EKA ABDM Connect. `EKA_BASE_URL` unset ⇒ the local sandbox
 * (lib/env.ts decides), so the same code path runs in the demo and against EKA.
 */

export { EkaClient, createEkaClient, jwtExpiryMs } from "./client";
export type { EkaClientConfig, EkaRequestEvent } from "./client";
export { EkaError, isRetryableHttp, normaliseSourceCode, RETRYABLE_SOURCE_CODES } from "./errors";
export type { EkaErrorKind } from "./errors";
export * from "./schemas";

/** Client settings derived from the environment (see lib/env.ts `eka`). */
export function ekaConfigFromEnv(): EkaClientConfig {
  const e = env().eka;
  return {
    baseUrl: e.baseUrl,
    clientId: e.clientId,
    clientSecret: e.clientSecret,
    sharingKey: e.sharingKey,
    tokenHeader: e.tokenHeader,
    timeoutMs: e.timeoutMs,
    maxRetries: e.maxRetries,
    hipId: e.hipId,
  };
}

let singleton: EkaClient | undefined;

/** The process-wide client (one token cache per process). */
export function getEkaClient(): EkaClient {
  singleton ??= createEkaClient(ekaConfigFromEnv());
  return singleton;
}

/** Tests that change EKA_* variables call this (after resetEnvForTests). */
export function resetEkaClientForTests(): void {
  singleton = undefined;
}
