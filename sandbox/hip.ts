/**
 * HIP simulator: picks FHIR bundles for granted care contexts and encrypts them the way an ABDM
 * HIP does (Fidelius, docs/fidelius.md §5), to the HIU keyset the portal registered with
 * `PATCH /abdm/v1/hiu/keyset`.
 *
 * - Bundles: every `*.json` of the bundle directory, read as text and sent byte-for-byte.
 * - HI type of a bundle: Composition profile, then Composition.type SNOMED code, then type text /
 *   title, then the file name prefix (fhir-notes.md §1). Unknown ⇒ usable for any care context.
 * - Assignment: per care context, from bundles of the care context's own HI type when it was
 *   granted, else of any granted type, else (no bundle of a granted type exists in the folder) the
 *   whole folder, so a demo always has something to show. Within that pool the bundle written for
 *   this patient and care context wins (its Patient carries the HIP's patient reference / ABHA
 *   address, its file name the care context's month); ties rotate round-robin.
 * - Encryption: a fresh HIP key pair and nonce per pushed page; the HIP key is sent as X.509 SPKI,
 *   like the ProjectEKA/NHA reference HIPs.
 */
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { encrypt, generateKeyMaterial } from "../lib/crypto/fidelius";

export interface BundleFile {
  file: string;
  hiType: string | null;
  text: string;
  /** Lower-cased identifier values of the bundle's Patient resources (ABHA address, MRN…). */
  patientIds: string[];
}

const PROFILE_TO_HI_TYPE: Record<string, string> = {
  OPConsultRecord: "OPConsultation",
  PrescriptionRecord: "Prescription",
  DiagnosticReportRecord: "DiagnosticReport",
  DischargeSummaryRecord: "DischargeSummary",
  ImmunizationRecord: "ImmunizationRecord",
  HealthDocumentRecord: "HealthDocumentRecord",
  WellnessRecord: "WellnessRecord",
  InvoiceRecord: "Invoice",
};
const SNOMED_TO_HI_TYPE: Record<string, string> = {
  "371530004": "OPConsultation",
  "440545006": "Prescription",
  "721981007": "DiagnosticReport",
  "373942005": "DischargeSummary",
  "41000179103": "ImmunizationRecord",
  "419891008": "HealthDocumentRecord",
};
const FILE_PREFIX_TO_HI_TYPE: [RegExp, string][] = [
  [/^op-?consult/i, "OPConsultation"],
  [/^prescription/i, "Prescription"],
  [/^diagnostic-?report/i, "DiagnosticReport"],
  [/^discharge-?summary/i, "DischargeSummary"],
  [/^immuni[sz]ation/i, "ImmunizationRecord"],
  [/^health-?document/i, "HealthDocumentRecord"],
  [/^wellness/i, "WellnessRecord"],
  [/^invoice/i, "Invoice"],
];

type Json = Record<string, unknown>;

export function detectHiType(bundle: unknown, fileName = ""): string | null {
  const b = (bundle ?? {}) as Json;
  const entries = Array.isArray(b.entry) ? (b.entry as Json[]) : [];
  const resources = entries.map((e) => (e?.resource ?? {}) as Json);
  const comp = resources.find((r) => r.resourceType === "Composition");
  if (comp) {
    const profiles = ((comp.meta as Json | undefined)?.profile as unknown[] | undefined) ?? [];
    for (const p of profiles) {
      const last = String(p).split("|")[0].split("/").pop() ?? "";
      if (PROFILE_TO_HI_TYPE[last]) return PROFILE_TO_HI_TYPE[last];
    }
    const type = (comp.type ?? {}) as Json;
    for (const c of (type.coding as Json[] | undefined) ?? []) {
      const code = c?.code === undefined ? "" : String(c.code);
      if (SNOMED_TO_HI_TYPE[code]) return SNOMED_TO_HI_TYPE[code];
    }
    const text = `${type.text ?? ""} ${comp.title ?? ""}`.toLowerCase();
    if (text.includes("wellness")) return "WellnessRecord";
    if (text.includes("invoice")) return "Invoice";
  } else if (resources.some((r) => r.resourceType === "DiagnosticReport")) {
    return "DiagnosticReport";
  }
  const base = path.basename(fileName);
  for (const [re, t] of FILE_PREFIX_TO_HI_TYPE) if (re.test(base)) return t;
  return null;
}

/** Reads every `*.json` bundle in `dir` (sorted by name). Unreadable files are reported, not fatal. */
export function loadBundles(dir: string): { bundles: BundleFile[]; problems: string[] } {
  const problems: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.toLowerCase().endsWith(".json")).sort();
  } catch {
    return { bundles: [], problems: [`bundle folder not found: ${dir}`] };
  }
  const bundles: BundleFile[] = [];
  for (const file of names) {
    try {
      const text = fs.readFileSync(path.join(dir, file), "utf8");
      const json = JSON.parse(text) as Json;
      if (json?.resourceType !== "Bundle") {
        problems.push(`${file}: not a FHIR Bundle, skipped`);
        continue;
      }
      bundles.push({ file, hiType: detectHiType(json, file), text, patientIds: patientIdentifiers(json) });
    } catch {
      problems.push(`${file}: not valid JSON, skipped`);
    }
  }
  if (bundles.length === 0 && problems.length === 0) problems.push(`no *.json bundles in ${dir}`);
  return { bundles, problems };
}

function patientIdentifiers(bundle: Json): string[] {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : [];
  return entries
    .map((e) => (e?.resource ?? {}) as Json)
    .filter((r) => r.resourceType === "Patient")
    .flatMap((r) => (Array.isArray(r.identifier) ? (r.identifier as Json[]) : []))
    .map((i) => String(i?.value ?? "").toLowerCase())
    .filter(Boolean);
}

/** "LOT-LAB-2024-0520" → "2024-05": the month a seeded care context is about. */
function monthOf(careContextId: string): string | undefined {
  const m = /(\d{4})-(\d{2})\d{2}$/.exec(careContextId);
  return m ? `${m[1]}-${m[2]}` : undefined;
}

/**
 * Picks one bundle per care context (see the module comment for the order of preference).
 * `cursor` is the persisted round-robin position per pool, mutated in place.
 */
export function assignBundles(
  pool: BundleFile[],
  careContexts: { id: string; hiType?: string }[],
  grantedTypes: string[],
  cursor: Record<string, number>,
  patient: { healthId?: string; patientRef?: string } = {},
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (pool.length === 0) return out;
  const granted = new Set(grantedTypes);
  const healthId = patient.healthId?.toLowerCase();
  const ref = patient.patientRef?.toLowerCase();
  const pick = (key: string, candidates: BundleFile[], ccId: string, ownType?: string) => {
    const month = monthOf(ccId);
    const score = (b: BundleFile) =>
      (ref && b.patientIds.includes(ref) ? 4 : 0) +
      (healthId && b.patientIds.includes(healthId) ? 2 : 0) +
      (ownType && b.hiType === ownType ? 1 : 0) +
      (month && b.file.includes(month) ? 1 : 0);
    const best = Math.max(...candidates.map(score));
    const top = candidates.filter((b) => score(b) === best);
    const i = cursor[key] ?? 0;
    cursor[key] = i + 1;
    return top[i % top.length].file;
  };
  for (const cc of careContexts) {
    const own = cc.hiType && granted.has(cc.hiType) ? pool.filter((b) => b.hiType === cc.hiType) : [];
    if (own.length) {
      out.set(cc.id, [pick(`type:${cc.hiType}`, own, cc.id, cc.hiType)]);
      continue;
    }
    const anyGranted = pool.filter((b) => b.hiType === null || granted.has(b.hiType));
    if (anyGranted.length) {
      out.set(cc.id, [pick(`granted:${[...granted].sort().join(",")}`, anyGranted, cc.id, cc.hiType)]);
      continue;
    }
    out.set(cc.id, [pick("all", pool, cc.id, cc.hiType)]);
  }
  return out;
}

export interface PushEntryInput {
  careContextId: string;
  text: string;
}

export interface PushPage {
  pageNumber: number;
  pageCount: number;
  entries: { care_context_id: string; checksum: string; content: string; media: "application/fhir+json" }[];
  key_information: {
    crypto_alg: "ECDH";
    curve: "Curve25519";
    dh_public_key: { expiry: string; parameters: string; key_value: string };
    nonce: string;
  };
}

/**
 * Encrypts entries into `pages` pages (bounded by the number of entries), each with its own HIP
 * key pair and nonce. `corruptIndex` flips one bit of that entry's GCM tag (fault injection).
 */
export function buildPushPages(input: {
  receiverPublicKey: string;
  receiverNonce: string;
  entries: PushEntryInput[];
  pages: number;
  corruptIndex: number | null;
}): PushPage[] {
  const n = input.entries.length;
  if (n === 0) return [];
  const pageCount = Math.max(1, Math.min(input.pages, n));
  const perPage = Math.ceil(n / pageCount);
  const pages: PushPage[] = [];
  for (let p = 0; p < pageCount; p++) {
    const slice = input.entries.slice(p * perPage, (p + 1) * perPage);
    if (slice.length === 0) continue;
    const km = generateKeyMaterial();
    const entries = slice.map((e, i) => {
      let content = encrypt({
        plaintext: e.text,
        senderPrivateKey: km.privateKey,
        senderNonce: km.nonce,
        receiverPublicKey: input.receiverPublicKey,
        receiverNonce: input.receiverNonce,
      });
      if (input.corruptIndex !== null && p * perPage + i === input.corruptIndex) content = corruptTag(content);
      return {
        care_context_id: e.careContextId,
        // ABDM v0.5: MD5 of the content before encryption; hex, as most HIPs send it.
        checksum: createHash("md5").update(e.text, "utf8").digest("hex"),
        content,
        media: "application/fhir+json" as const,
      };
    });
    pages.push({
      pageNumber: p + 1,
      pageCount: 0,
      entries,
      key_information: {
        crypto_alg: "ECDH",
        curve: "Curve25519",
        dh_public_key: {
          expiry: new Date(Date.now() + 24 * 3600_000).toISOString(),
          parameters: "Curve25519/32byte random key",
          key_value: km.x509PublicKey,
        },
        nonce: km.nonce,
      },
    });
  }
  for (const page of pages) page.pageCount = pages.length;
  return pages;
}

function corruptTag(content: string): string {
  const b = Buffer.from(content, "base64");
  b[b.length - 1] ^= 0x01;
  return b.toString("base64");
}

/**
 * Rewrites the Patient resources of one of the sandbox's own bundles to `patient` (name, gender,
 * year of birth, ABHA address/number identifiers), so the portal learns consistent demographics.
 * Text that is not a JSON bundle is returned unchanged.
 */
export function personaliseBundle(
  text: string,
  patient: { name: string; gender: "F" | "M" | "O"; yearOfBirth: number; healthId: string; abhaNumber: string },
): string {
  let bundle: Json;
  try {
    bundle = JSON.parse(text) as Json;
  } catch {
    return text;
  }
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : [];
  let changed = false;
  for (const e of entries) {
    const r = e.resource as Json | undefined;
    if (!r || r.resourceType !== "Patient") continue;
    const [given, ...rest] = patient.name.split(" ");
    r.name = [{ text: patient.name, given: [given], family: rest.join(" ") || undefined }];
    r.gender = { F: "female", M: "male", O: "other" }[patient.gender];
    const old = typeof r.birthDate === "string" ? r.birthDate : "";
    r.birthDate = `${patient.yearOfBirth}${old.length >= 10 ? old.slice(4, 10) : "-01-01"}`;
    if (Array.isArray(r.identifier)) {
      for (const id of r.identifier as Json[]) {
        const v = String(id.value ?? "");
        if (v.includes("@")) id.value = patient.healthId;
        else if (/^\d{2}-\d{4}-\d{4}-\d{4}$/.test(v)) id.value = patient.abhaNumber;
      }
    }
    changed = true;
  }
  return changed ? JSON.stringify(bundle) : text;
}
