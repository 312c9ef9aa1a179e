"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { fromZodError, type ActionState } from "@/lib/forms/action-state";
import { ConsentRequestError, createConsentRequest } from "@/lib/consents/mutations";
import { createConsentRequestSchema, formDataToConsentValues } from "@/lib/consents/schemas";

export type ConsentFormState = ActionState | { status: "duplicate"; message: string; duplicateId: string };

/** Raise a consent request, then open it (its page follows the status live). */
export async function createConsentRequestAction(_prev: ConsentFormState, form: FormData): Promise<ConsentFormState> {
  const values = formDataToConsentValues(form);
  const parsed = createConsentRequestSchema().safeParse(values);
  if (!parsed.success) return fromZodError(parsed.error, "The request was not sent. Please correct the fields below.");
  let result;
  try {
    result = await createConsentRequest(values);
  } catch (err) {
    if (err instanceof ConsentRequestError) return { status: "error", message: err.message };
    throw err;
  }
  if (result.kind === "duplicate") {
    return {
      status: "duplicate",
      duplicateId: result.id,
      message: "An identical request for this patient is still waiting for an answer, so this one was not sent again.",
    };
  }
  revalidatePath("/consents");
  revalidatePath(`/patients/${values.patientId}`);
  redirect(`/consents/${result.id}`);
}
