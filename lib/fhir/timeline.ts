/**
 * Bundle → timeline items: one item per clinical resource, each carrying its own clinical date
 * exactly as written, a readable title and what the timeline and record views need.
 *
 * The walk follows the Composition's sections in order and then the references inside each
 * resource (DiagnosticReport.result → Observation, Invoice → ChargeItem, …), so resources that
 * are reachable only indirectly still get the section they belong to; entries no section
 * reaches are appended with `section: null`. Each resource yields at most one item.
 */
import type { Bundle, Composition } from "@medplum/fhirtypes";
import type { AttachmentInfo } from "./attachments";
import { documentDateInfo, type DocumentDateInfo } from "./bundle";
import { parseFhirDate, type DatePrecision } from "./dates";
import { conceptCodes, conceptText, type CodeRef } from "./display";
import { asArray, isRecord, str } from "./guards";
import { detectHiType, findComposition, type DetectedHiType } from "./hi-type";
import { createResolver, type BundleResolver, type IndexedResource } from "./references";
import { SUPPORTING_RESOURCE_TYPES, describeResource, type TimelineKind } from "./resources";

export { detectHiType, HI_TYPES, HI_TYPE_LABELS, type HiType, type DetectedHiType } from "./hi-type";
export { documentDate, documentDateInfo, extractDemographics, asBundle, parseBundleText } from "./bundle";
export type { TimelineKind } from "./resources";

export interface ParentRef {
  resourceType: string;
  resourceId: string | null;
  pointer: string;
}

/** Extra per-item data for the views; stored in `timeline_items.detail`. */
export type ItemDetail = Record<string, unknown> & {
  /** JSON pointer of the resource inside its bundle. */
  pointer?: string;
  /** The resource this one is part of (a DiagnosticReport for its results). */
  parent?: ParentRef;
  /** Index into `AnalysedBundle.sections` of the section that lists or reaches it. */
  sectionIndex?: number;
  /** All attachments when there is more than one (`attachment` holds the first). */
  attachments?: AttachmentInfo[];
  /** Where `dateSort` came from when the resource has no usable date of its own. */
  dateSortFrom?: "parent" | "document";
};

/** One timeline entry. Field names follow `timeline_items`; `date` is stored as `date_text`. */
export interface TimelineItemDraft {
  resourceType: string;
  /** The resource's own `id`; null when it has none. */
  resourceId: string | null;
  hiType: DetectedHiType;
  kind: TimelineKind;
  /** The resource's clinical date exactly as written in the source; null when it has none. */
  date: string | null;
  /**
   * ISO instant for ordering only. Date-only and partial dates sit at IST midnight; offset-less
   * times are read as IST. For an undated resource it is its parent's or the record's date,
   * and `detail.dateSortFrom` says so.
   */
  dateSort: string | null;
  /** Precision of `date`; null when `date` is null or not a recognisable date. */
  datePrecision: DatePrecision | null;
  title: string;
  summary: string | null;
  value: string | null;
  abnormal: boolean;
  codes: CodeRef[];
  /** Title of the Composition section that lists (or, through references, reaches) it. */
  section: string | null;
  attachment: AttachmentInfo | null;
  detail: ItemDetail;
  /** Lower-cased text for search: title, codes, values, notes. Never attachment data. */
  searchText: string;
}

export interface AnalysedSection {
  index: number;
  title: string;
  code: CodeRef[];
  /** Nesting depth (sections are one level deep in practice; R4 allows more). */
  depth: number;
  /**
   * Top-level items of this section in walk order: the resources it lists plus those reached
   * only through them (a Condition behind a MedicationRequest.reasonReference). Children such
   * as a report's results are not here; get them with `childrenOf`.
   */
  items: TimelineItemDraft[];
  /** Section narrative (`text.div`), unsanitised — render through the narrative component. */
  narrative: string | null;
  emptyReason: string | null;
  /** References in the section that resolved to nothing; shown by their display text. */
  unresolved: string[];
}

export interface AnalysedBundle {
  hiType: DetectedHiType;
  composition: Composition | null;
  resolver: BundleResolver;
  documentDate: DocumentDateInfo | null;
  /** Every item, in walk order (sections first, then the rest). */
  items: TimelineItemDraft[];
  sections: AnalysedSection[];
  /** Items that no section reaches. */
  other: TimelineItemDraft[];
  /** Items whose `detail.parent.pointer` is the given pointer. */
  childrenOf(pointer: string): TimelineItemDraft[];
  /** The item made from the resource at a pointer. */
  itemAt(pointer: string): TimelineItemDraft | null;
}

export interface TimelineOptions {
  /** Above this decoded size an attachment is download-only. */
  maxInlineBytes?: number;
}

// References under these keys point at people, places or context, not at content the
// referring resource contains; following them would drag e.g. the Encounter into a section.
const CONTEXT_KEYS = new Set([
  "subject",
  "patient",
  "encounter",
  "context",
  "performer",
  "requester",
  "recorder",
  "asserter",
  "author",
  "authenticator",
  "custodian",
  "attester",
  "participant",
  "organization",
  "managingOrganization",
  "location",
  "serviceProvider",
  "manufacturer",
  "issuer",
  "insurer",
  "generalPractitioner",
  "resultsInterpreter",
  "informationSource",
  "source",
  "sender",
  "recipient",
  "endpoint",
  "operator",
  "device",
  "enterer",
  "authority",
  "actor",
  "individual",
  "interpreter",
  "referrer",
  "replaces",
  "relatesTo",
  "partOf",
]);

// References under these keys mean "is part of me": the target's parent is the referrer. A
// report's `basedOn` order belongs with the report; elsewhere basedOn is only a link.
const CONTAINMENT_KEYS = new Set(["result", "hasMember", "media", "imagingStudy", "chargeItemReference"]);

function isContainment(referrerType: string, key: string): boolean {
  return CONTAINMENT_KEYS.has(key) || (referrerType === "DiagnosticReport" && key === "basedOn");
}

interface FoundRef {
  ref: Record<string, unknown>;
  topKey: string;
}

function collectReferences(resource: unknown): FoundRef[] {
  const out: FoundRef[] = [];
  const walk = (node: unknown, topKey: string, depth: number) => {
    if (depth > 12) return;
    if (Array.isArray(node)) {
      for (const n of node) walk(n, topKey, depth + 1);
      return;
    }
    if (!isRecord(node)) return;
    if (typeof node.reference === "string") out.push({ ref: node, topKey });
    for (const [k, v] of Object.entries(node)) {
      if (k === "text" || k === "contained" || k === "meta" || k === "extension" || k === "modifierExtension") continue;
      if (CONTEXT_KEYS.has(k)) continue;
      if (typeof v === "object" && v !== null) walk(v, depth === 0 ? k : topKey, depth + 1);
    }
  };
  walk(resource, "", 0);
  return out;
}

function identityKey(indexed: IndexedResource): string {
  const id = str(indexed.resource.id);
  // Two entries with the same type and id are the same resource (duplicated entries occur).
  return id && !indexed.container ? `${indexed.resource.resourceType}/${id}` : indexed.pointer;
}

const MAX_SEARCH_CHARS = 4000;

function buildSearchText(parts: (string | null | undefined)[]): string {
  const seen = new Set<string>();
  const kept: string[] = [];
  for (const p of parts) {
    if (!p) continue;
    // Belt and braces: a long base64-looking run is never indexed, whatever field it came from.
    const t = p.replace(/[A-Za-z0-9+/=]{200,}/g, " ").replace(/\s+/g, " ").trim().toLowerCase();
    if (!t || seen.has(t)) continue;
    seen.add(t);
    kept.push(t);
  }
  return kept.join(" ").slice(0, MAX_SEARCH_CHARS);
}

interface FlatSection {
  title: string;
  code: CodeRef[];
  depth: number;
  raw: Record<string, unknown>;
}

function flattenSections(sections: unknown, depth = 0, prefix = ""): FlatSection[] {
  const out: FlatSection[] = [];
  asArray(sections as unknown[]).forEach((s, i) => {
    if (!isRecord(s)) return;
    const own = str(s.title) ?? conceptText(s.code) ?? `Section ${i + 1}`;
    const title = prefix ? `${prefix} › ${own}` : own;
    out.push({ title, code: conceptCodes(s.code), depth, raw: s });
    out.push(...flattenSections(s.section, depth + 1, title));
  });
  return out;
}

/**
 * Analyses a bundle once for both the timeline and the record views. Never throws: a missing
 * Composition, dangling references, junk entries and odd fields all degrade to less output.
 */
export function analyseBundle(bundle: Bundle | unknown, options: TimelineOptions = {}): AnalysedBundle {
  const resolver = createResolver(bundle);
  const composition = findComposition(bundle);
  const hiType = detectHiType(bundle);
  const docDate = documentDateInfo(bundle, resolver);
  const flat = flattenSections(composition ? (composition as unknown as Record<string, unknown>).section : undefined);

  const items: TimelineItemDraft[] = [];
  const byKey = new Map<string, TimelineItemDraft>();
  const byPointer = new Map<string, TimelineItemDraft>();
  const children = new Map<string, TimelineItemDraft[]>();
  const directSection = new Map<string, number>();
  const folded = new Set<string>();

  // Pass 1: a resource listed directly in a section belongs to that section, even if an
  // earlier section reaches it through a reference.
  flat.forEach((s, index) => {
    for (const ref of asArray(s.raw.entry as unknown[])) {
      const target = resolver.resolve(ref, composition).target;
      if (target && !directSection.has(identityKey(target))) directSection.set(identityKey(target), index);
    }
  });

  const visit = (
    target: IndexedResource,
    sectionIndex: number | null,
    incomingDisplay: string | null,
    parent: { indexed: IndexedResource; viaKey: string } | null,
  ): TimelineItemDraft | null => {
    const key = identityKey(target);
    const existing = byKey.get(key);
    if (existing || folded.has(key)) return existing ?? null;
    const type = target.resource.resourceType;
    if (SUPPORTING_RESOURCE_TYPES.has(type)) return null;
    // Charge items are the invoice's lines: the Invoice item shows them, so they are not
    // separate timeline entries (a charge item no invoice points to still gets one).
    if (type === "ChargeItem" && parent?.indexed.resource.resourceType === "Invoice") {
      folded.add(key);
      return null;
    }

    const described = describeResource(
      target.resource,
      { resolver, indexed: target, incomingDisplay, maxInlineBytes: options.maxInlineBytes },
      parent?.indexed.resource.resourceType ?? null,
    );
    const ownSection = directSection.get(key) ?? sectionIndex;
    const parsed = parseFhirDate(described.date);
    const detail: ItemDetail = { ...described.detail, pointer: target.pointer };
    if (ownSection !== null && ownSection !== undefined) detail.sectionIndex = ownSection;
    if (parent && isContainment(parent.indexed.resource.resourceType, parent.viaKey)) {
      detail.parent = {
        resourceType: parent.indexed.resource.resourceType,
        resourceId: str(parent.indexed.resource.id),
        pointer: parent.indexed.pointer,
      };
    }
    if (described.attachments.length > 1) detail.attachments = described.attachments;
    const sectionTitle = ownSection !== null && ownSection !== undefined ? (flat[ownSection]?.title ?? null) : null;

    const item: TimelineItemDraft = {
      resourceType: type,
      resourceId: str(target.resource.id),
      hiType,
      kind: described.kind,
      date: described.date,
      dateSort: parsed?.instant ?? null,
      datePrecision: parsed?.precision ?? null,
      title: described.title,
      summary: described.summary,
      value: described.value,
      abnormal: described.abnormal,
      codes: described.codes,
      section: sectionTitle,
      attachment: described.attachments[0] ?? null,
      detail,
      searchText: buildSearchText([
        described.title,
        described.summary,
        described.value,
        sectionTitle,
        ...described.codes.flatMap((c) => [c.code, c.display]),
        ...described.searchText,
        ...described.attachments.map((a) => a.title),
      ]),
    };
    byKey.set(key, item);
    byPointer.set(target.pointer, item);
    items.push(item);
    if (detail.parent) {
      children.set(detail.parent.pointer, [...(children.get(detail.parent.pointer) ?? []), item]);
    }

    const holder = target.resource;
    for (const found of collectReferences(holder)) {
      const resolved = resolver.resolve(found.ref, holder);
      if (!resolved.target || resolved.target.resource === holder) continue;
      visit(resolved.target, ownSection ?? null, resolved.display, { indexed: target, viaKey: found.topKey });
    }
    return item;
  };

  const sections: AnalysedSection[] = flat.map((s, index) => {
    const unresolved: string[] = [];
    for (const ref of asArray(s.raw.entry as unknown[])) {
      const resolved = resolver.resolve(ref, composition);
      if (!resolved.target) {
        const shown = resolved.display ?? resolved.reference;
        if (shown) unresolved.push(shown);
        continue;
      }
      visit(resolved.target, index, resolved.display, null);
    }
    const text = isRecord(s.raw.text) ? str(s.raw.text.div) : null;
    return {
      index,
      title: s.title,
      code: s.code,
      depth: s.depth,
      items: [],
      narrative: text,
      emptyReason: conceptText(s.raw.emptyReason),
      unresolved,
    };
  });

  const reachedCount = items.length;
  for (const entry of resolver.entries) {
    visit(entry, null, null, null);
    for (const contained of resolver.containedOf(entry.resource)) visit(contained, null, null, null);
  }
  const other = items.slice(reachedCount).filter((i) => i.detail.sectionIndex === undefined && !i.detail.parent);
  for (const item of items) {
    const index = item.detail.sectionIndex;
    if (index !== undefined && !item.detail.parent) sections[index]?.items.push(item);
  }

  // Undated resources (a result without its own effective date, a Binary) are ordered with
  // their parent, else with the record; `date` itself stays null.
  for (const item of items) {
    if (item.dateSort) continue;
    const parentItem = item.detail.parent ? byPointer.get(item.detail.parent.pointer) : undefined;
    if (parentItem?.dateSort && !parentItem.detail.dateSortFrom) {
      item.dateSort = parentItem.dateSort;
      item.detail.dateSortFrom = "parent";
    } else if (docDate?.sortKey) {
      item.dateSort = docDate.sortKey;
      item.detail.dateSortFrom = "document";
    }
  }

  return {
    hiType,
    composition,
    resolver,
    documentDate: docDate,
    items,
    sections,
    other,
    childrenOf: (pointer) => children.get(pointer) ?? [],
    itemAt: (pointer) => byPointer.get(pointer) ?? null,
  };
}

/**
 * One item per clinical resource in the bundle (see the module comment). Never throws.
 */
export function bundleToTimelineItems(bundle: Bundle | unknown, options: TimelineOptions = {}): TimelineItemDraft[] {
  try {
    return analyseBundle(bundle, options).items;
  } catch {
    // analyseBundle guards every read; this is the contract's last line of defence against
    // a shape nobody has seen yet taking down ingestion of the whole record.
    return [];
  }
}

/** The `timeline_items` columns an item fills (ids, patient and consent are the caller's). */
export interface TimelineItemColumns {
  hiType: string | null;
  resourceType: string;
  resourceId: string | null;
  dateText: string | null;
  dateSort: Date | null;
  datePrecision: DatePrecision | null;
  kind: string | null;
  title: string;
  summary: string | null;
  value: string | null;
  abnormal: boolean;
  codes: CodeRef[];
  section: string | null;
  attachment: Record<string, unknown> | null;
  detail: Record<string, unknown>;
  searchText: string;
}

export function toTimelineColumns(item: TimelineItemDraft): TimelineItemColumns {
  return {
    hiType: item.hiType === "unknown" ? null : item.hiType,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    dateText: item.date,
    dateSort: item.dateSort ? new Date(item.dateSort) : null,
    datePrecision: item.datePrecision,
    kind: item.kind,
    title: item.title,
    summary: item.summary,
    value: item.value,
    abnormal: item.abnormal,
    codes: item.codes,
    section: item.section,
    attachment: item.attachment,
    detail: item.detail,
    searchText: item.searchText,
  };
}
