import { formatBytes, type AttachmentInfo } from "@/lib/fhir/attachments";
import type { RecordContext } from "./context";
import { FhirDate, Warning } from "./format";

function typeLabel(a: AttachmentInfo): string {
  const t = a.sniffedType ?? a.contentType;
  if (t === "application/pdf") return "PDF";
  if (t?.startsWith("image/")) return "Image";
  if (t === "application/dicom") return "DICOM image";
  return a.contentType ?? "File";
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * Links to attachments. Bytes are never embedded here: PDFs and images open through the
 * attachment route (which serves them to a sandboxed viewer), other types download, and
 * URL-only attachments link to their own host — shown so the clinician sees where it leads —
 * and are never fetched by the portal.
 */
export function AttachmentLinks({ attachments, ctx }: { attachments: AttachmentInfo[]; ctx: RecordContext }) {
  if (attachments.length === 0) return null;
  return (
    <ul className="mt-2 space-y-2" aria-label="Attachments">
      {attachments.map((a) => (
        <li key={a.ref} className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm">
          <AttachmentLine a={a} ctx={ctx} />
        </li>
      ))}
    </ul>
  );
}

function AttachmentLine({ a, ctx }: { a: AttachmentInfo; ctx: RecordContext }) {
  const name = a.title ?? `${typeLabel(a)} attachment`;
  const size = formatBytes(a.size);
  const meta = [typeLabel(a), size].filter(Boolean).join(", ");
  const linkClass =
    "inline-flex items-center gap-1 rounded-md bg-brand-600 px-2.5 py-1 text-sm font-medium text-white hover:bg-brand-700";
  const secondaryClass =
    "inline-flex items-center gap-1 rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm font-medium text-slate-800 hover:bg-slate-100";
  let action: React.ReactNode;
  switch (a.viewer) {
    case "pdf":
    case "image":
      action = (
        <a className={linkClass} href={ctx.attachmentHref(ctx.recordId, a.ref)} target="_blank" rel="noopener">
          {a.viewer === "pdf" ? "Open PDF" : "View image"}
          <span className="sr-only">: {name} (opens in a new tab)</span>
        </a>
      );
      break;
    case "download":
      action = (
        <a className={secondaryClass} href={ctx.attachmentHref(ctx.recordId, a.ref)} download>
          Download
          <span className="sr-only">: {name}</span>
        </a>
      );
      break;
    case "link":
      action = (
        <a className={secondaryClass} href={a.url!} target="_blank" rel="noopener noreferrer nofollow">
          External link to {host(a.url!)}
          <span className="sr-only">: {name} (opens the sender&apos;s site in a new tab)</span>
        </a>
      );
      break;
    default:
      action = <span className="text-slate-600">Cannot be opened</span>;
  }
  return (
    <div className="flex flex-wrap items-center justify-between gap-2">
      <div className="min-w-0">
        <p className="font-medium text-slate-900">{name}</p>
        <p className="text-xs text-slate-600">
          {meta}
          {a.creation && (
            <>
              {" · created "}
              <FhirDate value={a.creation} />
            </>
          )}
          {a.viewer === "link" && " · hosted by the sender, not stored in this record"}
        </p>
        {a.warning && <Warning>{a.warning}</Warning>}
      </div>
      <div className="shrink-0">{action}</div>
    </div>
  );
}
