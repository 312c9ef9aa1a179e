import { z } from "zod";

/** What every server action returns to its form (useActionState). */
export type ActionState<T = undefined> =
  | { status: "idle" }
  | { status: "success"; message?: string; data?: T }
  | { status: "error"; message: string; fieldErrors?: Record<string, string[]> };

export const idle: ActionState = { status: "idle" };

export function fromZodError(error: z.ZodError, message = "Please correct the highlighted fields."): ActionState<never> {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_form";
    (fieldErrors[key] ??= []).push(issue.message);
  }
  return { status: "error", message, fieldErrors };
}
