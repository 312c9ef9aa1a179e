/**
 * Consent request form and worklist parameters (zod), shared by the form and the server.
 * Pure: the clock is a parameter so the same input always gives the same answer in tests.
 */
import { z } from "zod";
import type { ConsentStatus } from "@/db/schema";
import { addDays, addMonths, endOfIstDay, formatDay, isYmd, istDay, startOfIstDay } from "./dates";
import { ALL_STATUSES, DEFAULT_HI_TYPES, HI_TYPES, PURPOSES, type HiType, type Purpose } from "./labels";
import { searchText } from "@/lib/forms/text";

export const RANGE_PRESETS = ["3", "6", "12", "custom"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export const EXPIRY_PRESETS = ["7", "30", "90", "custom"] as const;
export type ExpiryPreset = (typeof EXPIRY_PRESETS)[number];

/** Longest consent we let a clinician ask for; ABDM sets no limit, hospitals' policies do. */
export const MAX_EXPIRY_DAYS = 365 * 2;

/** The form's raw values (strings, as FormData gives them). */
export type ConsentFormValues = {
  patientId: string;
  purpose: string;
  hiTypes: string[];
  rangePreset: string;
  dateFrom: string;
  dateTo: string;
  expiryPreset: string;
  expiryDate: string;
  hipId: string;
  hipName: string;
};

export function consentFormDefaults(patientId: string, now = new Date()): ConsentFormValues {
  const today = istDay(now);
  return {
    patientId,
    purpose: "Care management",
    hiTypes: [...DEFAULT_HI_TYPES],
    rangePreset: "12",
    dateFrom: addMonths(today, -12),
    dateTo: today,
    expiryPreset: "30",
    expiryDate: addDays(today, 30),
    hipId: "",
    hipName: "",
  };
}

/** Dates a preset stands for, as the form shows them. */
export function presetRange(preset: Exclude<RangePreset, "custom">, now = new Date()): { dateFrom: string; dateTo: string } {
  const today = istDay(now);
  return { dateFrom: addMonths(today, -Number(preset)), dateTo: today };
}

export function presetExpiry(preset: Exclude<ExpiryPreset, "custom">, now = new Date()): string {
  return addDays(istDay(now), Number(preset));
}

export function formDataToConsentValues(form: FormData): ConsentFormValues {
  const s = (k: string) => {
    const v = form.get(k);
    return typeof v === "string" ? v : "";
  };
  return {
    patientId: s("patientId"),
    purpose: s("purpose"),
    hiTypes: form.getAll("hiTypes").filter((v): v is string => typeof v === "string"),
    rangePreset: s("rangePreset"),
    dateFrom: s("dateFrom"),
    dateTo: s("dateTo"),
    expiryPreset: s("expiryPreset"),
    expiryDate: s("expiryDate"),
    hipId: s("hipId"),
    hipName: s("hipName"),
  };
}

export type ConsentRequestInput = {
  patientId: string;
  purpose: Purpose;
  /** In EKA's order, without duplicates. */
  hiTypes: HiType[];
  dateFrom: Date;
  dateTo: Date;
  expiresAt: Date;
  hip: { id: string; name?: string } | null;
};

const rawSchema = z.object({
  patientId: z.string().default(""),
  purpose: z.string().default(""),
  hiTypes: z.union([z.array(z.string()), z.string().transform((s) => [s])]).default([]),
  rangePreset: z.string().default("12"),
  dateFrom: z.string().default(""),
  dateTo: z.string().default(""),
  expiryPreset: z.string().default("30"),
  expiryDate: z.string().default(""),
  hipId: z.string().default(""),
  hipName: z.string().default(""),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Validates a consent request as of `now`. Every field is checked in one pass, so the form shows
 * every problem at once (zod would skip object-level refinements after a field error).
 * - Records range: presets are the last 3/6/12 months up to now; custom dates must be real
 *   days, the end on or after the start, and not after today (ABDM refuses future ranges).
 * - Expiry: presets are 7/30/90 days; a custom day ends at IST midnight and must be after now.
 * - The range's end is "now" when it is today, so the request never claims records from the future.
 */
export function createConsentRequestSchema(now: Date = new Date()) {
  const today = istDay(now);
  return rawSchema.transform((v, ctx): ConsentRequestInput => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });

    if (!UUID.test(v.patientId)) issue("patientId", "Choose a patient first.");
    const purpose = (PURPOSES as readonly string[]).includes(v.purpose) ? (v.purpose as Purpose) : null;
    if (!purpose) issue("purpose", "Choose the purpose of the request.");

    const known = new Set<string>(HI_TYPES);
    const unknown = v.hiTypes.filter((t) => !known.has(t));
    const hiTypes = HI_TYPES.filter((t) => v.hiTypes.includes(t));
    if (unknown.length) issue("hiTypes", `Unknown record type: ${unknown.join(", ")}.`);
    else if (hiTypes.length === 0) issue("hiTypes", "Choose at least one type of record.");

    let from: string | null = null;
    let to: string | null = null;
    if (v.rangePreset === "3" || v.rangePreset === "6" || v.rangePreset === "12") {
      ({ dateFrom: from, dateTo: to } = presetRange(v.rangePreset, now));
    } else if (v.rangePreset === "custom") {
      if (!v.dateFrom) issue("dateFrom", "Enter the first day of records to ask for.");
      else if (!isYmd(v.dateFrom)) issue("dateFrom", "Enter the start as a valid date.");
      else if (v.dateFrom < "1900-01-01") issue("dateFrom", "The start date is too far in the past.");
      else from = v.dateFrom;
      if (!v.dateTo) issue("dateTo", "Enter the last day of records to ask for.");
      else if (!isYmd(v.dateTo)) issue("dateTo", "Enter the end as a valid date.");
      else if (v.dateTo > today) issue("dateTo", `The end date cannot be after today (${formatDay(now)}).`);
      else to = v.dateTo;
      if (from && from > today) {
        issue("dateFrom", `The start date cannot be after today (${formatDay(now)}).`);
        from = null;
      }
      if (from && to && to < from) {
        issue("dateTo", "The end date must be on or after the start date.");
        to = null;
      }
    } else issue("rangePreset", "Choose how far back to ask for records.");

    let expiresAt: Date | null = null;
    if (v.expiryPreset === "7" || v.expiryPreset === "30" || v.expiryPreset === "90") {
      expiresAt = endOfIstDay(presetExpiry(v.expiryPreset, now));
    } else if (v.expiryPreset === "custom") {
      if (!v.expiryDate) issue("expiryDate", "Enter the day the consent should end.");
      else if (!isYmd(v.expiryDate)) issue("expiryDate", "Enter the end of the consent as a valid date.");
      else {
        const end = endOfIstDay(v.expiryDate);
        if (end.getTime() <= now.getTime() || v.expiryDate <= today) issue("expiryDate", "The consent must end after today.");
        else if (v.expiryDate > addDays(today, MAX_EXPIRY_DAYS)) issue("expiryDate", "The consent can last at most two years.");
        else expiresAt = end;
      }
    } else issue("expiryPreset", "Choose how long the consent should last.");

    const hipId = v.hipId.trim();
    const hipName = v.hipName.trim();
    if (hipId.length > 100) issue("hipId", "A facility (HIP) id is at most 100 characters.");
    else if (hipId && !/^[A-Za-z0-9._:/-]+$/.test(hipId)) issue("hipId", "A facility (HIP) id has no spaces, for example IN2710000123.");
    if (!hipId && hipName) issue("hipId", "Enter the facility's HIP id too, or clear the name.");

    if (!purpose || !from || !to || !expiresAt || ctx.issues.length) return z.NEVER;
    const dateTo = new Date(Math.min(endOfIstDay(to).getTime(), now.getTime()));
    return {
      patientId: v.patientId,
      purpose,
      hiTypes,
      dateFrom: startOfIstDay(from),
      dateTo,
      expiresAt,
      hip: hipId ? { id: hipId, ...(hipName ? { name: hipName.slice(0, 200) } : {}) } : null,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Worklist (`/consents?…`): every parameter tolerates junk, so a hand-edited URL still renders.

export const WORKLIST_VIEWS = ["awaiting", "unread", "expiring", "failed"] as const;
export type WorklistView = (typeof WORKLIST_VIEWS)[number];
export const WORKLIST_SORTS = ["created", "patient", "status", "expires", "purpose"] as const;
export type WorklistSort = (typeof WORKLIST_SORTS)[number];
export const WORKLIST_PAGE_SIZES = [10, 25, 50, 100] as const;

const optionalYmd = z
  .string()
  .optional()
  .catch(undefined)
  .transform((v) => (v && isYmd(v) ? v : undefined));

export const worklistParamsSchema = z.object({
  status: z.enum(ALL_STATUSES as [ConsentStatus, ...ConsentStatus[]]).optional().catch(undefined),
  purpose: z.enum(PURPOSES).optional().catch(undefined),
  /** "me", a user id, or absent for anyone. */
  requester: z
    .string()
    .optional()
    .catch(undefined)
    .transform((v) => (v === "me" || (v && UUID.test(v)) ? v : undefined)),
  /** Created on or after / on or before (IST days). */
  from: optionalYmd,
  to: optionalYmd,
  view: z.enum(WORKLIST_VIEWS).optional().catch(undefined),
  q: searchText(100),
  sort: z.enum(WORKLIST_SORTS).catch("created").default("created"),
  dir: z.enum(["asc", "desc"]).catch("desc").default("desc"),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
  size: z.coerce
    .number()
    .int()
    .refine((n) => (WORKLIST_PAGE_SIZES as readonly number[]).includes(n))
    .catch(25)
    .default(25),
});
export type WorklistParams = z.infer<typeof worklistParamsSchema>;

/** Back to a query string, leaving defaults out so shared URLs stay short. */
export function worklistQuery(p: Partial<WorklistParams>): string {
  const q = new URLSearchParams();
  const defaults: Record<string, unknown> = { sort: "created", dir: "desc", page: 1, size: 25 };
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || v === null || v === "" || defaults[k] === v) continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function searchParamsToObject(sp: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sp)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === "string") out[k] = first;
  }
  return out;
}
