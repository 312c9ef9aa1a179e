/**
 * Reference resolution inside one Bundle.
 *
 * ABDM bundles mix every reference style (fhir-notes §6): `urn:uuid:` fullUrls referenced as
 * `Condition/<uuid>`, relative `Patient/1` fullUrls, absolute URLs, junk or missing fullUrls,
 * `#id` contained resources, and dangling references are normal. The resolver tries, in order:
 * exact fullUrl, `Type/id` against the resources themselves, the trailing `Type/id` of an
 * absolute URL, a bare uuid against resource ids, and `#id` in `contained`. When nothing
 * matches the caller falls back to `Reference.display`; nothing here throws.
 */
import type { Bundle, Reference, Resource } from "@medplum/fhirtypes";
import { conceptText, formatHumanName } from "./display";
import { asArray, isRecord, str } from "./guards";

export interface IndexedResource {
  resource: Resource;
  /** JSON pointer of the resource inside the bundle, e.g. `/entry/3/resource/contained/0`. */
  pointer: string;
  /** Index of the bundle entry holding it (its container for contained resources). */
  entryIndex: number;
  fullUrl: string | null;
  /** Set for a contained resource: the resource that contains it. */
  container: Resource | null;
}

export interface ResolvedReference {
  /** The target, or null when the reference dangles. */
  target: IndexedResource | null;
  reference: string | null;
  display: string | null;
}

const RESOURCE_TYPE_RE = /^[A-Z][A-Za-z]+$/;

function typeIdKey(type: unknown, id: unknown): string | null {
  const t = str(type);
  const i = str(id);
  return t && i ? `${t}/${i}` : null;
}

/** The trailing `Type/id` of a reference string (`…/Patient/1/_history/2` → `Patient/1`). */
export function trailingTypeId(ref: string): string | null {
  const parts = ref.split(/[?#]/)[0].split("/").filter(Boolean);
  const h = parts.lastIndexOf("_history");
  const usable = h >= 2 ? parts.slice(0, h) : parts;
  if (usable.length < 2) return null;
  const type = usable[usable.length - 2];
  const id = usable[usable.length - 1];
  return RESOURCE_TYPE_RE.test(type) ? `${type}/${id}` : null;
}

export class BundleResolver {
  readonly entries: IndexedResource[] = [];
  private readonly byFullUrl = new Map<string, IndexedResource>();
  private readonly byTypeId = new Map<string, IndexedResource>();
  private readonly byId = new Map<string, IndexedResource[]>();
  private readonly byObject = new Map<object, IndexedResource>();

  constructor(readonly bundle: Bundle | unknown) {
    const entries = isRecord(bundle) ? asArray(bundle.entry as unknown[]) : [];
    entries.forEach((entry, i) => {
      if (!isRecord(entry) || !isRecord(entry.resource) || !str(entry.resource.resourceType)) return;
      const resource = entry.resource as unknown as Resource;
      const fullUrl = str(entry.fullUrl);
      const indexed: IndexedResource = {
        resource,
        pointer: `/entry/${i}/resource`,
        entryIndex: i,
        fullUrl,
        container: null,
      };
      this.entries.push(indexed);
      this.byObject.set(resource, indexed);
      if (fullUrl) {
        setOnce(this.byFullUrl, fullUrl, indexed);
        // `"Medication/ c2b8…"` (a space inside a fullUrl) occurs in ProjectEKA data.
        setOnce(this.byFullUrl, fullUrl.replace(/\s+/g, ""), indexed);
      }
      const key = typeIdKey(resource.resourceType, resource.id);
      if (key) setOnce(this.byTypeId, key, indexed);
      const id = str(resource.id);
      if (id) this.byId.set(id, [...(this.byId.get(id) ?? []), indexed]);
      asArray((resource as { contained?: unknown[] }).contained).forEach((c, j) => {
        if (!isRecord(c) || !str(c.resourceType)) return;
        const containedIndexed: IndexedResource = {
          resource: c as unknown as Resource,
          pointer: `/entry/${i}/resource/contained/${j}`,
          entryIndex: i,
          fullUrl: null,
          container: resource,
        };
        this.byObject.set(c, containedIndexed);
      });
    });
  }

  /** Where a resource object taken from this bundle sits, or null if it is not from it. */
  locate(resource: unknown): IndexedResource | null {
    return isRecord(resource) ? (this.byObject.get(resource) ?? null) : null;
  }

  /** The resources held in `contained` of a given resource, indexed. */
  containedOf(resource: unknown): IndexedResource[] {
    if (!isRecord(resource)) return [];
    return asArray(resource.contained as unknown[])
      .map((c) => this.locate(c))
      .filter((x): x is IndexedResource => x !== null);
  }

  /**
   * Resolves a Reference (or a bare reference string). `from` is the resource holding the
   * reference; it is needed for `#id` (contained) references.
   */
  resolve(ref: Reference | string | unknown, from?: unknown): ResolvedReference {
    const reference = typeof ref === "string" ? str(ref) : isRecord(ref) ? str(ref.reference) : null;
    const display = isRecord(ref) ? str(ref.display) : null;
    return { target: reference ? this.find(reference, from) : null, reference, display };
  }

  private find(reference: string, from: unknown): IndexedResource | null {
    if (reference.startsWith("#")) return this.findContained(reference.slice(1), from);

    const exact = this.byFullUrl.get(reference) ?? this.byFullUrl.get(reference.replace(/\s+/g, ""));
    if (exact) return exact;

    const direct = this.byTypeId.get(reference);
    if (direct) return direct;

    const uuid = /^urn:(?:uuid|oid):(.+)$/i.exec(reference)?.[1];
    if (uuid) return this.uniqueById(uuid);

    const tail = trailingTypeId(reference);
    if (tail) {
      const hit = this.byTypeId.get(tail);
      if (hit) return hit;
      // An id-only match is safe only when the type agrees: urn:uuid fullUrls referenced as
      // `Condition/<uuid>` are covered by byTypeId; this catches fullUrl/ids that differ in case.
      const [type, id] = tail.split("/");
      const candidates = (this.byId.get(id) ?? []).filter((c) => c.resource.resourceType === type);
      if (candidates.length === 1) return candidates[0];
    }
    return null;
  }

  private uniqueById(id: string): IndexedResource | null {
    const candidates = this.byId.get(id) ?? [];
    return candidates.length === 1 ? candidates[0] : null;
  }

  private findContained(id: string, from: unknown): IndexedResource | null {
    const holder = this.locate(from);
    const root = holder ? (holder.container ?? holder.resource) : null;
    if (root) {
      if (id === "") return this.locate(root);
      const hit = this.containedOf(root).find((c) => str(c.resource.id) === id);
      if (hit) return hit;
    }
    // Without the holder, accept a match only when exactly one contained resource has that id.
    const all = this.entries.flatMap((e) => this.containedOf(e.resource)).filter((c) => str(c.resource.id) === id);
    return all.length === 1 ? all[0] : null;
  }
}

function setOnce<K, V>(map: Map<K, V>, key: K, value: V) {
  if (!map.has(key)) map.set(key, value);
}

// IG examples set `display` to the target's resource type ("Patient", "Practitioner"); such a
// display names nothing and is not shown as if it were a name.
const GENERIC_DISPLAYS = new Set([
  "Patient", "Practitioner", "PractitionerRole", "Organization", "Encounter", "Condition",
  "Observation", "Procedure", "MedicationRequest", "MedicationStatement", "Medication",
  "DiagnosticReport", "DocumentReference", "ServiceRequest", "Appointment", "AllergyIntolerance",
  "Immunization", "ImmunizationRecommendation", "CarePlan", "Specimen", "ChargeItem", "Invoice",
  "Location", "Media", "Binary", "ImagingStudy", "FamilyMemberHistory", "Device", "RelatedPerson",
]);

export function isGenericDisplay(display: string | null | undefined): boolean {
  return !display || GENERIC_DISPLAYS.has(display.trim());
}

export function createResolver(bundle: Bundle | unknown): BundleResolver {
  return new BundleResolver(bundle);
}

/**
 * The name of a person, organisation, place or thing: Patient/Practitioner names,
 * Organization/Location names, Medication codes, else the resource's `code`/`type` text.
 */
export function resourceName(resource: unknown): string | null {
  if (!isRecord(resource)) return null;
  switch (resource.resourceType) {
    case "Patient":
    case "Practitioner":
    case "RelatedPerson":
      return formatHumanName(resource.name);
    case "PractitionerRole":
      return conceptText(asArray(resource.code as unknown[])[0]) ?? null;
    case "Organization":
    case "Location":
    case "HealthcareService":
    case "Endpoint":
      return str(resource.name) ?? str(asArray(resource.alias as unknown[])[0]);
    case "Device":
      return str(asArray(resource.deviceName as { name?: string }[])[0]?.name) ?? conceptText(resource.type);
    default:
      return conceptText(resource.code) ?? conceptText(resource.type) ?? str(resource.title) ?? str(resource.name);
  }
}

/** What to print for a reference: the resolved target's name, else `display`, else null. */
export function referenceLabel(resolver: BundleResolver, ref: unknown, from?: unknown): string | null {
  const resolved = resolver.resolve(ref, from);
  const name = resolved.target ? resourceName(resolved.target.resource) : null;
  return name ?? (isGenericDisplay(resolved.display) ? null : resolved.display);
}
