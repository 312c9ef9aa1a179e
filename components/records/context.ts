import type { AnalysedBundle } from "@/lib/fhir/timeline";

/** Builds the URL at which the attachment route serves attachment `ref` of record `recordId`. */
export type AttachmentHref = (recordId: string, ref: string) => string;

/** Builds the URL of a lab trend for a test key (`loinc:718-7`), or null when there is none. */
export type TrendHref = (trendKey: string) => string | null;

/** What every part of a record view needs: the analysed bundle and the link builders. */
export interface RecordContext {
  analysed: AnalysedBundle;
  recordId: string;
  attachmentHref: AttachmentHref;
  trendHref?: TrendHref;
  /** Prefix for element ids, so two record views on one page do not collide. */
  idPrefix: string;
}
