"use server";

import { revalidatePath } from "next/cache";
import { fromZodError, type ActionState } from "@/lib/forms/action-state";
import { changeUserRole, createUser, resetUserPassword, setUserStatus, UserAdminError } from "@/lib/users/mutations";
import { changeRoleSchema, createUserSchema, setStatusSchema, userIdSchema } from "@/lib/users/schemas";

function failure(err: unknown): ActionState<never> {
  if (err instanceof UserAdminError) return { status: "error", message: err.message };
  throw err;
}

export async function createUserAction(_prev: ActionState<{ email: string; password: string }>, form: FormData) {
  const parsed = createUserSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const { temporaryPassword } = await createUser(parsed.data);
    revalidatePath("/admin/users");
    return { status: "success", data: { email: parsed.data.email, password: temporaryPassword } } as const;
  } catch (err) {
    return failure(err);
  }
}

export async function changeRoleAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const parsed = changeRoleSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await changeUserRole(parsed.data);
    revalidatePath("/admin/users");
    return { status: "success", message: "Role changed." };
  } catch (err) {
    return failure(err);
  }
}

export async function setStatusAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  const parsed = setStatusSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    await setUserStatus(parsed.data);
    revalidatePath("/admin/users");
    return { status: "success", message: parsed.data.status === "disabled" ? "User disabled." : "User enabled." };
  } catch (err) {
    return failure(err);
  }
}

export async function resetPasswordAction(
  _prev: ActionState<{ password: string }>,
  form: FormData,
): Promise<ActionState<{ password: string }>> {
  const parsed = userIdSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return fromZodError(parsed.error);
  try {
    const { temporaryPassword } = await resetUserPassword(parsed.data);
    return { status: "success", data: { password: temporaryPassword } };
  } catch (err) {
    return failure(err);
  }
}
