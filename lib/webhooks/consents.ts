import "server-only";
import { EkaError } from "@/lib/eka";
import { refreshConsent } from "@/lib/consents/refresh";

/**
 * Ingestion asks the consent workflow (lib/consents/refresh.ts, which owns the consent state
 * machine) to re-read a consent when a push arrives before we know the consent as GRANTED, or
 * names a care context we have not seen. Never throws: a failed re-read just leaves the push to
 * be retried or refused.
 */
export async function tryRefreshConsent(consentRequestId: string): Promise<boolean> {
  try {
    const r = await refreshConsent(consentRequestId, { source: "webhook" });
    return r.found;
  } catch (err) {
    const what = err instanceof EkaError ? `${err.kind} ${err.status ?? ""} ${err.sourceCode ?? ""}`.trim() : err instanceof Error ? err.name : "error";
    console.warn(`[webhooks] consent re-read failed for ${consentRequestId}: ${what}`);
    return false;
  }
}
