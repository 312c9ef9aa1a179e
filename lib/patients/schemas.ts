import { z } from "zod";
import { refuseUnsafe, searchText, UNSAFE_TEXT_MESSAGE } from "@/lib/forms/text";

/**
 * ABHA identifiers, shared by the add-patient form and the server.
 *
 * ABHA address (`handle@sbx` in the ABDM sandbox, `handle@abdm` in production):
 * - normalised by trimming and lower-casing (ABDM treats addresses case-insensitively, and one
 *   patient must map to one row);
 * - a bare handle (no "@") gets the deployment's suffix appended — `@sbx` while the portal talks
 *   to the sandbox or EKA's dev environment, `@abdm` in production — because those are the only two
 *   suffixes a patient can have there, and clinicians often type just the name part. The suffix is
 *   appended only when there is no "@" at all, so it can never be added twice; anything with an
 *   "@" is validated as typed (`ravi@sbx@sbx` is refused, not repaired);
 * - the handle allows letters, digits, "." and "_", starts and ends with a letter or digit, and has
 *   no two punctuation marks in a row. ABDM's current rule for new addresses is stricter
 *   (8–18 characters); older PHR addresses are shorter, so we accept 3–32 and let ABDM decide.
 *
 * The 14-digit ABHA number is a different identifier with its own field, shown as XX-XXXX-XXXX-XXXX.
 */

export const ABHA_SUFFIXES = ["sbx", "abdm"] as const;
export type AbhaSuffix = (typeof ABHA_SUFFIXES)[number];

export type AbhaAddressResult =
  | { ok: true; value: string; suffixAdded: boolean }
  | { ok: false; message: string };

const HANDLE = /^[a-z0-9](?:[a-z0-9]|[._](?![._]))*[a-z0-9]$/;
const ABHA_NUMBER_LIKE = /^\d{2}[-\s]?\d{4}[-\s]?\d{4}[-\s]?\d{4}$/;

export function normaliseAbhaAddress(input: string, defaultSuffix: AbhaSuffix): AbhaAddressResult {
  const value = input.trim().toLowerCase();
  if (value === "") return { ok: false, message: "Enter the patient's ABHA address, for example ravi.kumar@sbx." };
  if (ABHA_NUMBER_LIKE.test(value)) {
    return { ok: false, message: "This looks like a 14-digit ABHA number. Enter it in the ABHA number field, and the ABHA address (name@sbx) here." };
  }
  if (/\s/.test(value)) return { ok: false, message: "An ABHA address has no spaces, for example ravi.kumar@sbx." };

  const at = value.split("@");
  if (at.length > 2) {
    return { ok: false, message: `“${value}” has more than one “@”. An ABHA address has exactly one, for example ravi.kumar@${defaultSuffix}.` };
  }
  let handle: string;
  let suffix: string;
  let suffixAdded = false;
  if (at.length === 1) {
    handle = value;
    suffix = defaultSuffix;
    suffixAdded = true;
  } else {
    [handle, suffix] = at as [string, string];
    if (suffix === "") return { ok: false, message: `Add the part after “@”: @${defaultSuffix} or @${otherSuffix(defaultSuffix)}.` };
    if (!(ABHA_SUFFIXES as readonly string[]).includes(suffix)) {
      const hint = suffix.includes(".") ? " It looks like an email address." : "";
      return { ok: false, message: `ABHA addresses end in @sbx or @abdm, not “@${suffix}”.${hint}` };
    }
    if (handle === "") return { ok: false, message: `Enter the name part before “@${suffix}”.` };
  }

  if (handle.length < 3) return { ok: false, message: "The part before “@” is too short (at least 3 characters)." };
  if (handle.length > 32) return { ok: false, message: "The part before “@” is too long (at most 32 characters)." };
  if (/[^a-z0-9._]/.test(handle)) {
    return { ok: false, message: "The part before “@” may contain only letters, numbers, dots (.) and underscores (_)." };
  }
  if (!HANDLE.test(handle)) {
    return {
      ok: false,
      message: "The part before “@” must start and end with a letter or number, with no two dots or underscores in a row.",
    };
  }
  return { ok: true, value: `${handle}@${suffix}`, suffixAdded };
}

function otherSuffix(s: AbhaSuffix): AbhaSuffix {
  return s === "sbx" ? "abdm" : "sbx";
}

export type AbhaNumberResult = { ok: true; value: string } | { ok: false; message: string };

/** Accepts 14 digits with or without spaces/hyphens; returns `XX-XXXX-XXXX-XXXX`. */
export function formatAbhaNumber(input: string): AbhaNumberResult {
  const raw = input.trim();
  if (/@/.test(raw)) return { ok: false, message: "This looks like an ABHA address; enter it in the ABHA address field." };
  if (/[^\d\s-]/.test(raw)) return { ok: false, message: "An ABHA number has only digits: 14 of them, as XX-XXXX-XXXX-XXXX." };
  const digits = raw.replace(/[\s-]/g, "");
  if (digits.length !== 14) {
    return { ok: false, message: `An ABHA number has 14 digits (XX-XXXX-XXXX-XXXX); this one has ${digits.length}.` };
  }
  return { ok: true, value: `${digits.slice(0, 2)}-${digits.slice(2, 6)}-${digits.slice(6, 10)}-${digits.slice(10)}` };
}

export function abhaAddressSchema(defaultSuffix: AbhaSuffix) {
  return z.string({ message: "Enter the patient's ABHA address." }).transform((v, ctx) => {
    const r = normaliseAbhaAddress(v, defaultSuffix);
    if (!r.ok) {
      ctx.addIssue({ code: "custom", message: r.message });
      return z.NEVER;
    }
    return r.value;
  });
}

const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v);

export const abhaNumberSchema = z.preprocess(
  blankToNull,
  z
    .string()
    .transform((v, ctx) => {
      const r = formatAbhaNumber(v);
      if (!r.ok) {
        ctx.addIssue({ code: "custom", message: r.message });
        return z.NEVER;
      }
      return r.value;
    })
    .nullish()
    .transform((v) => v ?? null),
);

export function addPatientSchema(defaultSuffix: AbhaSuffix) {
  return z.object({
    abhaAddress: abhaAddressSchema(defaultSuffix),
    abhaNumber: abhaNumberSchema,
    name: z.preprocess(
      blankToNull,
      z
        .string()
        .trim()
        .max(120, "Keep the name under 120 characters.")
        .refine(refuseUnsafe, UNSAFE_TEXT_MESSAGE)
        .nullish()
        .transform((v) => v ?? null),
    ),
  });
}
export type AddPatientInput = z.input<ReturnType<typeof addPatientSchema>>;

/** Why a clinician joins the care of a patient others already hold (kept in the audit log). */
export const accessReasonSchema = z
  .string()
  .trim()
  .min(10, "Give a reason of at least 10 characters, e.g. “Admitted under my care in the emergency department”.")
  .max(300, "Keep the reason under 300 characters.")
  .refine(refuseUnsafe, UNSAFE_TEXT_MESSAGE);

/** Patient list: `?q=` (name, ABHA address or number) and `?page=`, from the URL. */
export const patientSearchSchema = z.object({
  q: searchText(100),
  page: z.coerce.number().int().min(1).max(10_000).catch(1).default(1),
});
export type PatientSearch = z.infer<typeof patientSearchSchema>;
