import { z } from "zod";
import { ROLES } from "@/db/schema";
import { refuseUnsafe, UNSAFE_TEXT_MESSAGE } from "@/lib/forms/text";

export const roleSchema = z.enum(ROLES, { message: "Choose a role." });

export const createUserSchema = z.object({
  name: z.string().trim().min(2, "Enter the person's full name.").max(120).refine(refuseUnsafe, UNSAFE_TEXT_MESSAGE),
  email: z.string().trim().toLowerCase().email("Enter a valid email address."),
  role: roleSchema,
  registrationNumber: z
    .string()
    .trim()
    .max(64)
    .nullish()
    .refine(refuseUnsafe, UNSAFE_TEXT_MESSAGE)
    .transform((v) => v || null),
  registrationSystem: z
    .string()
    .trim()
    .max(200)
    .nullish()
    .refine(refuseUnsafe, UNSAFE_TEXT_MESSAGE)
    .transform((v) => v || null),
}).superRefine((v, ctx) => {
  // ABDM consent requests name the requester by registration number: without it a clinician
  // could not raise any, and admins cannot add it later from this page.
  if (v.role === "clinician" && !v.registrationNumber) {
    ctx.addIssue({ code: "custom", path: ["registrationNumber"], message: "Clinicians need a registration number (it is sent with their consent requests)." });
  }
});
export type CreateUserInput = z.input<typeof createUserSchema>;

export const changeRoleSchema = z.object({ userId: z.uuid(), role: roleSchema });
export const setStatusSchema = z.object({ userId: z.uuid(), status: z.enum(["active", "disabled"]) });
export const userIdSchema = z.object({ userId: z.uuid() });
