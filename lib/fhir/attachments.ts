/**
 * Attachments inside bundles: DocumentReference.content[].attachment, DiagnosticReport
 * .presentedForm[], Media.content and Binary (contentType + data, no wrapper).
 *
 * Declared content types are not trusted (fhir-notes §5: "PDFs" whose bytes are a short text
 * string). The bytes are checked for a PDF/PNG/JPEG/GIF/WebP/DICOM signature before anything is
 * offered to a viewer; only a confirmed PDF or raster image under the size cap is viewable
 * inline. `text/html`, SVG and anything unknown are download-only, and URL-only attachments are
 * plain links that the server never fetches.
 */
import type { Attachment, Bundle } from "@medplum/fhirtypes";
import { asArray, isRecord, num, str } from "./guards";

/** Above this many decoded bytes an attachment is offered as a download only. */
export const DEFAULT_MAX_INLINE_BYTES = 10 * 1024 * 1024;

export type SniffedType =
  | "application/pdf"
  | "image/png"
  | "image/jpeg"
  | "image/gif"
  | "image/webp"
  | "application/dicom";

export type AttachmentViewer = "pdf" | "image" | "download" | "link" | "none";

/** What the timeline and views know about an attachment — never the data itself. */
export type AttachmentInfo = {
  /** JSON pointer of the attachment (or Binary) inside the bundle; pass to `readAttachment`. */
  ref: string;
  /** The declared content type, lower-cased without parameters. */
  contentType: string | null;
  title: string | null;
  /** Decoded size in bytes when data is inline, else the declared `size`. */
  size: number | null;
  /** An http(s) URL, only when the attachment is URL-only. Other schemes are dropped. */
  url: string | null;
  /** True when the bytes are inside the bundle. */
  inline: boolean;
  creation: string | null;
  language: string | null;
  /** The type found in the bytes, or null when no known signature matched / no data. */
  sniffedType: SniffedType | null;
  /**
   * True when the data is base64 of base64 text (pre-IG ProjectEKA PDFs are encoded twice);
   * `sniffedType`, `size` and `readAttachment` then describe the inner bytes.
   */
  doubleEncoded: boolean;
  /** False when `data` is present but not valid base64. */
  dataValid: boolean | null;
  /** The declared type disagrees with the bytes (e.g. "application/pdf" that is not a PDF). */
  mismatch: boolean;
  viewer: AttachmentViewer;
  /** A short warning for the clinician, when there is something to warn about. */
  warning: string | null;
};

export type DecodeResult = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

const B64_BODY = /^[A-Za-z0-9+/]*$/;

/** Removes the whitespace MIME-style encoders insert; FHIR base64Binary tolerates it. */
function cleanBase64(data: string): string {
  return /\s/.test(data) ? data.replace(/\s+/g, "") : data;
}

/**
 * Strict base64 check: standard alphabet only, `=` padding only at the end. Missing padding is
 * accepted (it is unambiguous); URL-safe characters and stray symbols are not — a lenient
 * decoder would silently drop them and hand corrupt bytes to a viewer.
 */
export function validateBase64(data: unknown): { ok: true; clean: string } | { ok: false; error: string } {
  if (typeof data !== "string") return { ok: false, error: "data is not a string" };
  const clean = cleanBase64(data);
  if (clean.length === 0) return { ok: false, error: "data is empty" };
  const body = clean.replace(/={1,2}$/, "");
  if (!B64_BODY.test(body)) return { ok: false, error: "data contains characters outside the base64 alphabet" };
  if (body.length % 4 === 1) return { ok: false, error: "data has an impossible base64 length" };
  if (body.length !== clean.length && clean.length % 4 !== 0) {
    return { ok: false, error: "data has misplaced base64 padding" };
  }
  return { ok: true, clean };
}

/** Decoded length of valid base64, computed without decoding. */
export function base64ByteLength(clean: string): number {
  const body = clean.replace(/={1,2}$/, "");
  return Math.floor((body.length * 3) / 4);
}

function decodeClean(clean: string): Uint8Array {
  const body = clean.replace(/={1,2}$/, "");
  const padded = body + "===".slice((body.length + 3) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function decodeBase64Strict(data: unknown): DecodeResult {
  const v = validateBase64(data);
  if (!v.ok) return v;
  try {
    return { ok: true, bytes: decodeClean(v.clean) };
  } catch {
    return { ok: false, error: "data is not valid base64" };
  }
}

function startsWith(bytes: Uint8Array, sig: number[], offset = 0): boolean {
  if (bytes.length < offset + sig.length) return false;
  return sig.every((b, i) => bytes[offset + i] === b);
}

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // "%PDF-"
// PDF readers accept a header anywhere in the first 1024 bytes (leading junk/BOMs occur).
const PDF_SEARCH_WINDOW = 1024;

/** The file type by signature bytes, or null when none is recognised. */
export function sniffBytes(bytes: Uint8Array): SniffedType | null {
  const window = Math.min(bytes.length, PDF_SEARCH_WINDOW);
  for (let i = 0; i + PDF_MAGIC.length <= window; i++) {
    if (bytes[i] === 0x25 && startsWith(bytes, PDF_MAGIC, i)) return "application/pdf";
  }
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return "image/gif";
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) {
    return "image/webp";
  }
  if (startsWith(bytes, [0x44, 0x49, 0x43, 0x4d], 128)) return "application/dicom";
  return null;
}

/** Sniffs only the first bytes of a base64 string: cheap enough for timeline building. */
export function sniffBase64(clean: string): SniffedType | null {
  const head = sniffablePrefix(clean);
  return head ? sniffBytes(head) : null;
}

/**
 * Some HIPs base64-encode the file and then encode that text again. When the outer bytes are
 * themselves base64 text whose decoding starts with a known signature, returns the inner
 * base64 string; otherwise null. Only the signature of the inner layer is trusted, as ever.
 */
function innerBase64(clean: string): string | null {
  const head = sniffablePrefix(clean);
  if (!head || !/^[A-Za-z0-9+/]{16,}/.test(asciiPrefix(head))) return null;
  const innerHead = asciiPrefix(head);
  const usable = innerHead.slice(0, innerHead.length - (innerHead.length % 4));
  let inner: SniffedType | null = null;
  try {
    inner = sniffBytes(decodeClean(usable));
  } catch {
    return null;
  }
  if (!inner) return null;
  let text: string;
  try {
    text = atob(clean.replace(/={1,2}$/, "") + "===".slice((clean.replace(/={1,2}$/, "").length + 3) % 4));
  } catch {
    return null;
  }
  const v = validateBase64(text);
  return v.ok ? v.clean : null;
}

// 1368 base64 chars → 1026 bytes: covers the PDF search window and the DICOM preamble.
function sniffablePrefix(clean: string): Uint8Array | null {
  const head = clean.slice(0, 1368).replace(/=+$/, "");
  try {
    return decodeClean(head.slice(0, head.length - (head.length % 4)));
  } catch {
    return null;
  }
}

function asciiPrefix(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    if (b > 0x7f) break;
    out += String.fromCharCode(b);
  }
  return out.replace(/\s+/g, "");
}

/** `"Application/PDF; charset=x"` → `"application/pdf"`. */
export function normaliseContentType(ct: unknown): string | null {
  const s = str(ct);
  if (!s) return null;
  return s.split(";")[0].trim().toLowerCase() || null;
}

const INLINE_IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp"]);
const UNTYPED = new Set(["application/octet-stream", "binary/octet-stream"]);

/** An http(s) URL that may be shown as a link, or null (javascript:, data:, relative junk…). */
export function safeExternalUrl(url: unknown): string | null {
  const s = str(url);
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === "https:" || u.protocol === "http:" ? u.toString() : null;
  } catch {
    return null;
  }
}

function familyOf(type: string | null): "pdf" | "image" | "dicom" | null {
  if (!type) return null;
  if (type === "application/pdf") return "pdf";
  if (INLINE_IMAGE_TYPES.has(type)) return "image";
  if (type === "application/dicom") return "dicom";
  return null;
}

export interface ViewerInput {
  contentType: string | null;
  sniffedType: SniffedType | null;
  size: number | null;
  hasData: boolean;
  dataValid: boolean | null;
  url: string | null;
}

/**
 * How an attachment may be shown. Inline only when the bytes are in the bundle, their signature
 * is a PDF or raster image, the declared type agrees (or is absent/octet-stream), and the size
 * is under the cap. `text/html`, SVG, DICOM and unknown types are never inline.
 */
export function decideViewer(a: ViewerInput, maxInlineBytes = DEFAULT_MAX_INLINE_BYTES): AttachmentViewer {
  if (!a.hasData) return a.url ? "link" : "none";
  if (a.dataValid === false) return "none";
  const sniffed = familyOf(a.sniffedType);
  if (sniffed !== "pdf" && sniffed !== "image") return "download";
  const declared = a.contentType;
  const agrees = declared === null || UNTYPED.has(declared) || familyOf(declared) === sniffed;
  if (!agrees) return "download";
  if (a.size !== null && a.size > maxInlineBytes) return "download";
  return sniffed;
}

function describeMismatch(declared: string | null, sniffed: SniffedType | null): string | null {
  if (!declared || UNTYPED.has(declared)) return null;
  const declaredFamily = familyOf(declared);
  if (declaredFamily && familyOf(sniffed) !== declaredFamily) {
    const what = declaredFamily === "pdf" ? "a PDF" : declaredFamily === "image" ? "an image" : "DICOM";
    return `Declared as ${declared}, but the data is not ${what}.`;
  }
  if (!declaredFamily && sniffed) return `Declared as ${declared}, but the data looks like ${sniffed}.`;
  return null;
}

/** Describes one attachment-shaped object (an Attachment, or a Binary). Never returns the data. */
export function describeAttachment(
  att: Attachment | Record<string, unknown> | unknown,
  ref: string,
  maxInlineBytes = DEFAULT_MAX_INLINE_BYTES,
): AttachmentInfo {
  const a = isRecord(att) ? att : {};
  const contentType = normaliseContentType(a.contentType);
  const hasData = typeof a.data === "string" && a.data.length > 0;
  let dataValid: boolean | null = null;
  let sniffedType: SniffedType | null = null;
  let doubleEncoded = false;
  let size = num(a.size);
  if (hasData) {
    const v = validateBase64(a.data);
    dataValid = v.ok;
    if (v.ok) {
      size = base64ByteLength(v.clean);
      sniffedType = sniffBase64(v.clean);
      if (!sniffedType) {
        const inner = innerBase64(v.clean);
        if (inner) {
          doubleEncoded = true;
          size = base64ByteLength(inner);
          sniffedType = sniffBase64(inner);
        }
      }
    }
  }
  const url = hasData ? null : safeExternalUrl(a.url);
  const viewer = decideViewer({ contentType, sniffedType, size, hasData, dataValid, url }, maxInlineBytes);
  const mismatchText = hasData && dataValid ? describeMismatch(contentType, sniffedType) : null;
  let warning = mismatchText;
  if (hasData && dataValid === false) warning = "The attached data is not valid base64 and cannot be opened.";
  else if (doubleEncoded && !warning) warning = "The sender encoded this file twice; it was decoded for viewing.";
  else if (!warning && viewer === "download" && size !== null && size > maxInlineBytes && familyOf(sniffedType)) {
    warning = "Too large to preview; download to open.";
  } else if (!hasData && str(a.url) && !url) {
    warning = "The attachment link is not an http(s) URL and is not offered.";
  }
  return {
    ref,
    contentType,
    title: str(a.title),
    size,
    url,
    inline: hasData,
    creation: str(a.creation),
    language: str(a.language),
    sniffedType,
    doubleEncoded,
    dataValid,
    mismatch: mismatchText !== null,
    viewer,
    warning,
  };
}

export interface FoundAttachment {
  ref: string;
  attachment: Record<string, unknown>;
}

/**
 * The attachments a resource carries, with their JSON pointers. `pointer` is the resource's own
 * pointer in the bundle (see BundleResolver).
 */
export function findAttachments(resource: unknown, pointer: string): FoundAttachment[] {
  if (!isRecord(resource)) return [];
  const out: FoundAttachment[] = [];
  switch (resource.resourceType) {
    case "Binary":
      if (str(resource.data) || str(resource.contentType)) out.push({ ref: pointer, attachment: resource });
      break;
    case "DocumentReference":
      asArray(resource.content as unknown[]).forEach((c, i) => {
        if (isRecord(c) && isRecord(c.attachment)) {
          out.push({ ref: `${pointer}/content/${i}/attachment`, attachment: c.attachment });
        }
      });
      break;
    case "DiagnosticReport":
      asArray(resource.presentedForm as unknown[]).forEach((a, i) => {
        if (isRecord(a)) out.push({ ref: `${pointer}/presentedForm/${i}`, attachment: a });
      });
      break;
    case "Media":
      if (isRecord(resource.content)) out.push({ ref: `${pointer}/content`, attachment: resource.content });
      break;
    case "Observation":
      if (isRecord(resource.valueAttachment)) {
        out.push({ ref: `${pointer}/valueAttachment`, attachment: resource.valueAttachment });
      }
      break;
    case "Communication":
      asArray(resource.payload as unknown[]).forEach((p, i) => {
        if (isRecord(p) && isRecord(p.contentAttachment)) {
          out.push({ ref: `${pointer}/payload/${i}/contentAttachment`, attachment: p.contentAttachment });
        }
      });
      break;
  }
  return out;
}

const POINTER_RE = /^(\/[A-Za-z0-9_-]+)+$/;
const FORBIDDEN_SEGMENTS = new Set(["__proto__", "prototype", "constructor"]);

/**
 * The attachment object at a pointer produced by `findAttachments`, or null. Only own
 * properties are followed, and only pointers that lead to an attachment inside an entry.
 */
export function locateAttachment(bundle: Bundle | unknown, ref: unknown): Record<string, unknown> | null {
  if (typeof ref !== "string" || !POINTER_RE.test(ref) || !ref.startsWith("/entry/")) return null;
  let node: unknown = bundle;
  for (const seg of ref.slice(1).split("/")) {
    if (FORBIDDEN_SEGMENTS.has(seg)) return null;
    if (Array.isArray(node)) {
      if (!/^\d+$/.test(seg)) return null;
      node = node[Number(seg)];
    } else if (isRecord(node) && Object.prototype.hasOwnProperty.call(node, seg)) {
      node = node[seg];
    } else {
      return null;
    }
  }
  if (!isRecord(node)) return null;
  // Must be one of the shapes findAttachments yields, so a pointer cannot exfiltrate e.g. a Patient.
  const resourcePointer = /^\/entry\/\d+\/resource(?:\/contained\/\d+)?/.exec(ref)?.[0];
  if (!resourcePointer) return null;
  let resource: unknown = bundle;
  for (const seg of resourcePointer.slice(1).split("/")) {
    resource = Array.isArray(resource) ? resource[Number(seg)] : isRecord(resource) ? resource[seg] : undefined;
  }
  const allowed = findAttachments(resource, resourcePointer).some((f) => f.ref === ref);
  return allowed ? node : null;
}

export interface ReadAttachment {
  info: AttachmentInfo;
  /** Decoded bytes, or null when URL-only or invalid. */
  bytes: Uint8Array | null;
  /**
   * The Content-Type to serve the bytes with: the sniffed type for an inline-viewable
   * attachment, otherwise `application/octet-stream` so a browser never renders it.
   */
  serveAs: string;
}

/** Decodes the attachment at `ref` for serving. Null when the pointer leads to no attachment. */
export function readAttachment(
  bundle: Bundle | unknown,
  ref: unknown,
  maxInlineBytes = DEFAULT_MAX_INLINE_BYTES,
): ReadAttachment | null {
  const att = locateAttachment(bundle, ref);
  if (!att) return null;
  const info = describeAttachment(att, ref as string, maxInlineBytes);
  let bytes: Uint8Array | null = null;
  if (info.inline && info.dataValid) {
    const v = validateBase64(att.data);
    const source = v.ok && info.doubleEncoded ? innerBase64(v.clean) : att.data;
    const decoded = decodeBase64Strict(source);
    bytes = decoded.ok ? decoded.bytes : null;
  }
  const serveAs = info.viewer === "pdf" || info.viewer === "image" ? info.sniffedType! : "application/octet-stream";
  return { info, bytes, serveAs };
}

/** "394 KB", "1.2 MB". */
export function formatBytes(size: number | null | undefined): string | null {
  if (size === null || size === undefined || !Number.isFinite(size) || size < 0) return null;
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${Math.round(size / 1024)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}
