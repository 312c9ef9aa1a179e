/**
 * Fault switches for tests (control API). They live in memory only: a restart or a reset turns
 * every fault off, so a forgotten switch never haunts the next demo.
 */
import { z } from "zod";

export const apiFailureSchema = z.object({
  /** Path prefix to match, e.g. "/abdm/v1/consents/list"; absent = any EKA API path. */
  path: z.string().optional(),
  status: z.number().int().min(400).max(599),
  /** ABDM source code for `source_error.code`, e.g. "ABDM-1022". */
  code: z.string().optional(),
  message: z.string().optional(),
  /** How many matching requests fail before the path works again. */
  count: z.number().int().min(1).default(1),
});
export type ApiFailure = z.infer<typeof apiFailureSchema>;

export const faultsSchema = z.object({
  /** Deliver every webhook twice (same delivery id, same body). */
  duplicate: z.boolean().default(false),
  /** Split each data push into this many pages (bounded by the number of entries). */
  pages: z.number().int().min(1).max(50).default(1),
  /** Send the pages of a push last-first. */
  outOfOrder: z.boolean().default(false),
  /** Deliver pending events newest-first (e.g. a data push before its consent_update). */
  reorder: z.boolean().default(false),
  /** Hold each new delivery this long before its first attempt. */
  delayMs: z.number().int().min(0).max(600_000).default(0),
  /** Flip one bit of the GCM tag of this entry (0-based, across the push) in every push. */
  corruptEntryIndex: z.number().int().min(0).nullable().default(null),
  /** Sign webhooks with a wrong key. */
  wrongSignature: z.boolean().default(false),
  /** Give up after the first failed attempt. */
  noRetry: z.boolean().default(false),
  api: z
    .object({
      /** Delay EKA API responses by this much (for client timeout tests). */
      delayMs: z.number().int().min(0).max(600_000).default(0),
      /** Only delay paths starting with this; absent = every EKA API path. */
      delayPath: z.string().optional(),
      /** Answer the next matching requests with these errors. */
      failNext: z.array(apiFailureSchema).default([]),
      /** Answer create/list/details with a bare 204 (the status their spec declares). */
      declared204: z.boolean().default(false),
    })
    .default({ delayMs: 0, failNext: [], declared204: false }),
});
export type Faults = z.infer<typeof faultsSchema>;

export function defaultFaults(): Faults {
  return faultsSchema.parse({});
}

/** Merges a partial update (PATCH semantics; `api.failNext` is replaced, not appended). */
export function mergeFaults(current: Faults, patch: unknown): Faults {
  const p = (patch && typeof patch === "object" ? patch : {}) as Record<string, unknown>;
  const api = { ...current.api, ...((p.api as Record<string, unknown> | undefined) ?? {}) };
  return faultsSchema.parse({ ...current, ...p, api });
}
