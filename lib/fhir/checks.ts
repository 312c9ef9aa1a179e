/**
 * Structural checks a bundle must pass before the portal can show it well. Used by the unit
 * tests over the real fixture bundles and over our synthetic sandbox bundles, and available to
 * the sandbox to vet a bundle folder before serving it.
 */
import type { Bundle } from "@medplum/fhirtypes";
import { parseFhirDate } from "./dates";
import { asArray, isRecord } from "./guards";
import { SUPPORTING_RESOURCE_TYPES } from "./resources";
import { analyseBundle, type AnalysedBundle, type TimelineItemDraft } from "./timeline";
import type { DetectedHiType } from "./hi-type";

export interface BundleCheckOptions {
  /** The HI type the bundle should be detected as. */
  expectHiType?: DetectedHiType;
  /** Require every item to carry its own parseable clinical date (true for our own bundles). */
  requireDates?: boolean;
}

export interface BundleCheckResult {
  hiType: DetectedHiType;
  items: TimelineItemDraft[];
  analysed: AnalysedBundle | null;
  problems: string[];
}

function stringValues(node: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof node === "string") out.add(node);
  else if (Array.isArray(node)) for (const n of node) stringValues(n, out);
  else if (isRecord(node)) for (const [k, v] of Object.entries(node)) if (k !== "contained") stringValues(v, out);
  return out;
}

/** Every resource (entries and contained) that is expected to yield a timeline item. */
export function clinicalResources(bundle: unknown): { resource: Record<string, unknown>; pointer: string }[] {
  const out: { resource: Record<string, unknown>; pointer: string }[] = [];
  if (!isRecord(bundle)) return out;
  const invoiceChargeRefs = new Set<string>();
  for (const e of asArray(bundle.entry as unknown[])) {
    const r = isRecord(e) && isRecord(e.resource) ? e.resource : null;
    if (r?.resourceType !== "Invoice") continue;
    for (const li of asArray(r.lineItem as unknown[])) {
      if (isRecord(li) && isRecord(li.chargeItemReference) && typeof li.chargeItemReference.reference === "string") {
        invoiceChargeRefs.add(li.chargeItemReference.reference);
      }
    }
  }
  asArray(bundle.entry as unknown[]).forEach((e, i) => {
    if (!isRecord(e) || !isRecord(e.resource)) return;
    const r = e.resource;
    const type = String(r.resourceType);
    if (!SUPPORTING_RESOURCE_TYPES.has(type)) {
      // An invoice's charge items are folded into the invoice item.
      const folded =
        type === "ChargeItem" &&
        [e.fullUrl, `ChargeItem/${String(r.id)}`].some((k) => typeof k === "string" && invoiceChargeRefs.has(k));
      if (!folded) out.push({ resource: r, pointer: `/entry/${i}/resource` });
    }
    asArray(r.contained as unknown[]).forEach((c, j) => {
      if (isRecord(c) && !SUPPORTING_RESOURCE_TYPES.has(String(c.resourceType))) {
        out.push({ resource: c, pointer: `/entry/${i}/resource/contained/${j}` });
      }
    });
  });
  return out;
}

/**
 * Checks that: the bundle analyses without throwing; the HI type is detected (and matches when
 * expected); every clinical resource yields exactly one item (duplicated entries of the same
 * `Type/id` count once); every title is readable; every date is a string that occurs verbatim
 * in its own resource (never shifted or invented) and parses; search text holds no attachment
 * data; and, when asked, every item is dated.
 */
export function checkBundle(bundle: Bundle | unknown, options: BundleCheckOptions = {}): BundleCheckResult {
  const problems: string[] = [];
  let analysed: AnalysedBundle | null = null;
  try {
    analysed = analyseBundle(bundle);
  } catch (e) {
    problems.push(`analyseBundle threw: ${(e as Error).message}`);
    return { hiType: "unknown", items: [], analysed: null, problems };
  }
  const { hiType, items } = analysed;
  if (hiType === "unknown") problems.push("HI type not detected");
  if (options.expectHiType && hiType !== options.expectHiType) {
    problems.push(`HI type ${hiType}, expected ${options.expectHiType}`);
  }

  const seenIds = new Set<string>();
  for (const { resource, pointer } of clinicalResources(bundle)) {
    const id = typeof resource.id === "string" ? `${String(resource.resourceType)}/${resource.id}` : null;
    if (id && !pointer.includes("/contained/")) {
      if (seenIds.has(id)) continue;
      seenIds.add(id);
    }
    const matching = items.filter((i) => i.detail.pointer === pointer);
    const where = `${String(resource.resourceType)} at ${pointer}`;
    if (matching.length !== 1) {
      problems.push(`${where}: ${matching.length} items`);
      continue;
    }
    const item = matching[0];
    if (item.resourceType !== resource.resourceType) problems.push(`${where}: item type ${item.resourceType}`);
    if (item.resourceId !== (typeof resource.id === "string" ? resource.id : null)) {
      problems.push(`${where}: resourceId ${item.resourceId}`);
    }
    if (item.date !== null) {
      if (!stringValues(resource).has(item.date)) problems.push(`${where}: date ${item.date} is not in the resource`);
      const parsed = parseFhirDate(item.date);
      if (!parsed) problems.push(`${where}: date ${item.date} does not parse`);
      else if (item.datePrecision !== parsed.precision || item.dateSort !== parsed.instant) {
        problems.push(`${where}: precision/sort ${item.datePrecision}/${item.dateSort} disagree with ${item.date}`);
      }
    } else if (options.requireDates) {
      problems.push(`${where}: no clinical date`);
    }
  }

  for (const item of items) {
    const where = `${item.resourceType}/${item.resourceId ?? "(no id)"}`;
    const t = item.title?.trim() ?? "";
    if (!t || /undefined|null|\[object/i.test(t)) problems.push(`${where}: unreadable title ${JSON.stringify(item.title)}`);
    if (/[A-Za-z0-9+/=]{200,}/.test(item.searchText)) problems.push(`${where}: search text holds base64-like data`);
    if (item.searchText !== item.searchText.toLowerCase()) problems.push(`${where}: search text is not lower-cased`);
    if (item.attachment && JSON.stringify(item.attachment).length > 4000) problems.push(`${where}: attachment info carries data`);
  }
  return { hiType, items, analysed, problems };
}
