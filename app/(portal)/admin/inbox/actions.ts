"use server";

import { revalidatePath } from "next/cache";
import { fromZodError, type ActionState } from "@/lib/forms/action-state";
import { InboxError, reprocessDelivery } from "@/lib/webhooks/mutations";
import { reprocessDeliverySchema } from "@/lib/webhooks/schemas";

export async function reprocessDeliveryAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const parsed = reprocessDeliverySchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await reprocessDelivery(parsed.data.inboxId);
  } catch (err) {
    if (err instanceof InboxError) return { status: "error", message: err.message };
    throw err;
  }
  revalidatePath("/admin/inbox");
  return { status: "success", message: "Queued. Reload in a moment to see the result." };
}
