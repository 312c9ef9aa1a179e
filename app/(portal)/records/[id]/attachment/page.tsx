import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatBytes } from "@/lib/fhir/attachments";
import { HI_TYPE_LABELS, isHiType } from "@/lib/fhir/hi-type";
import { getAttachmentForViewer } from "@/lib/records/queries";

export const metadata: Metadata = { title: "Attachment" };

const TYPE_LABELS: Record<string, string> = {
  "application/pdf": "PDF",
  "image/png": "PNG image",
  "image/jpeg": "JPEG image",
  "image/gif": "GIF image",
  "image/webp": "WebP image",
  "application/dicom": "DICOM file",
};

/** The file type as proven by its bytes (never the sender's label). */
function typeLabel(sniffed: string | null): string {
  return sniffed ? (TYPE_LABELS[sniffed] ?? sniffed) : "File of unknown type";
}
export const dynamic = "force-dynamic";

/**
 * The in-portal viewer for one attachment: context (record, facility, warnings) around the bytes,
 * which the attachment route serves with a sandbox CSP, nosniff and a type proven by the bytes.
 * PDFs go in an `<object>` (the browser's own viewer, the document sandboxed by that CSP), images
 * in an `<img>` (which never runs scripts). Anything else is never previewed; it is a download.
 */
export default async function AttachmentPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const sp = await searchParams;
  const ref = Array.isArray(sp.ref) ? sp.ref[0] : sp.ref;
  if (!ref) notFound();
  const { record, info } = await getAttachmentForViewer(id, ref);
  const src = `/api/records/${record.id}/attachments?ref=${encodeURIComponent(ref)}`;
  const name = info.title ?? (info.viewer === "pdf" ? "PDF document" : info.viewer === "image" ? "Image" : "Attachment");
  const recordLabel = record.hiType && isHiType(record.hiType) ? HI_TYPE_LABELS[record.hiType] : "Health record";
  const size = formatBytes(info.size);

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/patients" className="text-brand-800 underline-offset-2 hover:underline">
          Patients
        </Link>
        <span aria-hidden="true" className="px-1 text-slate-400">/</span>
        <Link href={`/patients/${record.patientId}#timeline`} className="text-brand-800 underline-offset-2 hover:underline">
          {record.patientName ?? "Patient"}
        </Link>
        <span aria-hidden="true" className="px-1 text-slate-400">/</span>
        <Link href={`/records/${record.id}`} className="text-brand-800 underline-offset-2 hover:underline">
          {recordLabel}
        </Link>
        <span aria-hidden="true" className="px-1 text-slate-400">/</span>
        <span aria-current="page" className="text-slate-600">
          {name}
        </span>
      </nav>
      <header className="mb-3 flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold text-slate-900">{name}</h1>
          <p className="text-sm text-slate-600">
            {[typeLabel(info.sniffedType), size, record.hipName ? `from ${record.hipName}` : null].filter(Boolean).join(" · ")}
          </p>
        </div>
        <div className="flex gap-2">
          {info.inline && info.dataValid && (
            <a href={`${src}&download=1`} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100">
              Download
            </a>
          )}
          <Link href={`/records/${record.id}`} className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-800">
            Back to the record
          </Link>
        </div>
      </header>
      {info.warning && (
        <p role="alert" className="mb-3 rounded-md border-l-4 border-amber-400 bg-amber-50 px-3 py-2 text-sm text-amber-950">
          <span aria-hidden="true">⚠ </span>
          {info.warning}
        </p>
      )}
      {info.viewer === "pdf" ? (
        // An <object>, not <iframe sandbox>: Chromium refuses to run its PDF viewer inside a
        // sandboxed frame (it shows a blocked-page icon), but does render a PDF whose response
        // carries `Content-Security-Policy: sandbox`, which the attachment route always sends.
        <object data={src} type="application/pdf" aria-label={`${name} (PDF)`} className="h-[80vh] w-full rounded-lg border border-slate-300 bg-white">
          <p className="p-4 text-sm text-slate-700">
            This browser cannot show PDFs inside the page.{" "}
            <a href={`${src}&download=1`} download className="font-medium text-brand-800 underline">
              Download the PDF
            </a>{" "}
            to read it.
          </p>
        </object>
      ) : info.viewer === "image" ? (
        <div className="rounded-lg border border-slate-300 bg-white p-2">
          {/* eslint-disable-next-line @next/next/no-img-element -- served by our route with its own headers; next/image would proxy and cache health data */}
          <img src={src} alt={info.title ?? "Attached image from the record"} className="mx-auto max-h-[80vh] max-w-full" referrerPolicy="no-referrer" />
        </div>
      ) : info.viewer === "link" && info.url ? (
        <p className="text-sm">
          This file is not stored in the record; the facility only sent a link, which the portal does not open for you:{" "}
          <a href={info.url} target="_blank" rel="noopener noreferrer nofollow" className="break-all text-brand-800 underline">
            {info.url}
          </a>
        </p>
      ) : info.viewer === "download" ? (
        <p className="text-sm text-slate-700">
          This file cannot be previewed safely in the browser.{" "}
          <a href={`${src}&download=1`} download className="font-medium text-brand-800 underline">
            Download it
          </a>{" "}
          to open it with another program.
        </p>
      ) : (
        <p className="text-sm text-slate-700">This attachment has no data that can be opened.</p>
      )}
    </>
  );
}
