// POST /api/webhooks/eka — EKA ABDM Connect webhooks (abha.hiu_data_push, abha.consent_update).
// Raw body under a size cap → Eka-Webhook-Signature → envelope → committed to webhook_inbox → 2xx;
// processing runs after the response (lib/webhooks). Authenticated by the HMAC signature only.
import { intakeResponse, receiveEkaWebhook } from "@/lib/webhooks/intake";
import { scheduleProcessing } from "@/lib/webhooks/process";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

export async function POST(req: Request): Promise<Response> {
  const result = await receiveEkaWebhook(req);
  if (result.kind === "accepted") scheduleProcessing(result.inboxId);
  return intakeResponse(result);
}
