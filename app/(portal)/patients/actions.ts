"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { fromZodError, type ActionState } from "@/lib/forms/action-state";
import { addPatientSchemaForDeployment, findOrAddPatient, PatientError } from "@/lib/patients/mutations";

const text = (v: FormDataEntryValue | null) => (typeof v === "string" ? v : "");

/** Find or add a patient by ABHA address, then open them. */
export async function addPatientAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const input = { abhaAddress: text(form.get("abhaAddress")), abhaNumber: text(form.get("abhaNumber")), name: text(form.get("name")) };
  const parsed = addPatientSchemaForDeployment().safeParse(input);
  if (!parsed.success) return fromZodError(parsed.error);
  let id: string;
  try {
    id = (await findOrAddPatient(input, text(form.get("accessReason")) || undefined)).id;
  } catch (err) {
    if (err instanceof PatientError) return { status: "error", message: err.message, fieldErrors: err.field ? { [err.field]: [err.message] } : undefined };
    throw err;
  }
  revalidatePath("/patients");
  redirect(`/patients/${id}`);
}
