import { z } from "zod";
import { HI_TYPES } from "@/lib/fhir/hi-type";
import { searchText } from "@/lib/forms/text";

/** How many timeline items one page shows. */
export const TIMELINE_PAGE_SIZE = 50;

/** HI type filter values: the eight ABDM types, plus "unknown" for records we could not type. */
export const TIMELINE_TYPE_FILTERS = [...HI_TYPES, "unknown"] as const;
export type TimelineTypeFilter = (typeof TIMELINE_TYPE_FILTERS)[number];


/** A keyset position: the item's ordering instant (null for undated items), its record and its id. */
export type TimelineCursor = { dateSort: string | null; recordId: string; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: unknown): v is string {
  return typeof v === "string" && UUID.test(v);
}

export function encodeCursor(c: TimelineCursor): string {
  return Buffer.from(`${c.dateSort ?? "-"}|${c.recordId}|${c.id}`, "utf8").toString("base64url");
}

/** Decodes a cursor from the URL; anything malformed is treated as "no cursor" (first page). */
export function decodeCursor(raw: unknown): TimelineCursor | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 200) return null;
  let text: string;
  try {
    text = Buffer.from(raw, "base64url").toString("utf8");
  } catch {
    return null;
  }
  const [d, recordId, id, ...rest] = text.split("|");
  if (rest.length > 0 || !isUuid(recordId) || !isUuid(id)) return null;
  if (d === "-") return { dateSort: null, recordId, id };
  const t = Date.parse(d);
  return Number.isNaN(t) ? null : { dateSort: new Date(t).toISOString(), recordId, id };
}

const cursorParam = z
  .string()
  .optional()
  .catch(undefined)
  .transform((v) => (v ? (decodeCursor(v) ?? undefined) : undefined));

/**
 * Timeline filters as they arrive in the URL (the filter form submits with GET, so a filtered
 * view is shareable and survives a reload). Invalid values are dropped rather than failing the
 * page: a stale bookmark still opens the timeline.
 */
export const timelineFilterSchema = z
  .object({
    type: z.enum(TIMELINE_TYPE_FILTERS).optional().catch(undefined),
    hip: searchText(200),
    from: z.iso.date().optional().catch(undefined),
    to: z.iso.date().optional().catch(undefined),
    q: searchText(200),
    /** Older than this position (the "Older" link). */
    after: cursorParam,
    /** Newer than this position (the "Newer" link). */
    before: cursorParam,
    /**
     * The clinician's previous visit, carried in links while they page and filter so that the
     * "New" marks stay put during one visit (the stored last visit moves to "now" on arrival).
     */
    since: z.iso.datetime({ offset: true }).optional().catch(undefined),
  })
  .transform((f) => {
    // A reversed range is almost always a slip; read it the way it was meant.
    if (f.from && f.to && f.from > f.to) return { ...f, from: f.to, to: f.from };
    return f;
  });

export type TimelineFilter = z.output<typeof timelineFilterSchema>;
export type TimelineFilterInput = z.input<typeof timelineFilterSchema>;
