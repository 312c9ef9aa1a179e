"use server";

import { revalidatePath } from "next/cache";
import { fromZodError, type ActionState } from "@/lib/forms/action-state";
import { KeyError, retryKeyPush, rotateKey } from "@/lib/keys";
import { rotateKeySchema } from "@/lib/keys/schemas";

function failure(err: unknown): ActionState<never> {
  if (err instanceof KeyError) return { status: "error", message: err.message };
  throw err;
}

/** Wraps `rotateKey` (which re-checks the admin role and audits). */
export async function rotateKeyAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const parsed = rotateKeySchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return fromZodError(parsed.error, "Confirm the rotation to continue.");
  try {
    const { fingerprint, push } = await rotateKey();
    revalidatePath("/admin/keys");
    return push.ok
      ? { status: "success", message: `Key ${fingerprint} is now active and registered with EKA.` }
      : { status: "error", message: `Key ${fingerprint} is now active, but registering it with EKA failed: ${push.error}. Use “Retry push”.` };
  } catch (err) {
    return failure(err);
  }
}

/** Wraps `retryKeyPush` (which re-checks the admin role and audits). */
export async function retryPushAction(_prev: ActionState, _form: FormData): Promise<ActionState> {
  try {
    const push = await retryKeyPush();
    revalidatePath("/admin/keys");
    return push.ok ? { status: "success", message: "The active key is registered with EKA." } : { status: "error", message: `Push failed: ${push.error}` };
  } catch (err) {
    return failure(err);
  }
}
