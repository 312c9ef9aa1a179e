import { formatBytes } from "@/lib/fhir/attachments";

/**
 * Pretty JSON of the bundle for clinicians and support staff who need to check what was sent.
 * Base64 `data` (attachments, Binary, signatures) is replaced by its size: it is unreadable,
 * can be megabytes, and the attachment links already give access to it.
 */
export function fhirSourceText(bundle: unknown): string {
  try {
    return JSON.stringify(
      bundle,
      (key, value) => {
        if (key === "data" && typeof value === "string" && value.length > 0) {
          const bytes = Math.floor((value.replace(/\s+/g, "").replace(/=+$/, "").length * 3) / 4);
          return `<base64 data, ${formatBytes(bytes)}, not shown>`;
        }
        return value;
      },
      2,
    );
  } catch {
    return "(this record cannot be shown as JSON)";
  }
}

export function FhirSource({ bundle, id }: { bundle: unknown; id: string }) {
  return (
    <details className="mt-6 rounded-md border border-slate-200 bg-white">
      <summary id={id} className="cursor-pointer px-4 py-2 text-sm font-medium text-slate-700">
        FHIR source
      </summary>
      <pre aria-labelledby={id} tabIndex={0} className="max-h-[32rem] overflow-auto border-t border-slate-200 bg-slate-50 px-4 py-3 text-xs leading-relaxed text-slate-800">
        {fhirSourceText(bundle)}
      </pre>
    </details>
  );
}
