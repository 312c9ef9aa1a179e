// GET /api/records/:id/attachments?ref=<JSON pointer>[&download=1] — the bytes of one attachment
// inside a stored record, for the record page's sandboxed viewer or as a download. Clinicians
// with access to the patient only; every open is audited by lib/records.
import { getApiUser } from "@/lib/auth/session";
import { getAttachment } from "@/lib/records/queries";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

const notFoundJson = (message = "No such attachment.") =>
  Response.json({ error: "not_found", message }, { status: 404, headers: { "Cache-Control": "no-store" } });

/** Next's `notFound()` signals with an error whose digest names the HTTP status. */
function isNotFound(err: unknown): boolean {
  const digest = (err as { digest?: unknown } | null)?.digest;
  return typeof digest === "string" && (digest === "NEXT_NOT_FOUND" || digest.startsWith("NEXT_HTTP_ERROR_FALLBACK;404"));
}

// The bytes come from outside the hospital: whatever they turn out to be, the browser gets no
// scripts, no plugins beyond its own PDF viewer, no network, and no framing by other sites.
const SAFE_HEADERS = {
  "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "private, no-store",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Resource-Policy": "same-origin",
};

function contentDisposition(kind: "inline" | "attachment", filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._-]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export async function GET(request: Request, { params }: Params) {
  const user = await getApiUser("clinician");
  if (!user) return notFoundJson();
  const { id } = await params;
  const url = new URL(request.url);
  const ref = url.searchParams.get("ref");
  if (!ref) return notFoundJson();

  let opened;
  try {
    opened = await getAttachment(id, ref);
  } catch (err) {
    if (isNotFound(err)) return notFoundJson();
    throw err;
  }
  if (!opened.bytes) {
    // URL-only attachments are links in the record view; the server never fetches them.
    return notFoundJson(
      opened.info.url
        ? "This attachment is only a link to the hospital's server; the portal does not fetch it."
        : "This attachment has no readable data.",
    );
  }

  const viewable = opened.info.viewer === "pdf" || opened.info.viewer === "image";
  const inline = viewable && url.searchParams.get("download") !== "1";
  const body = new Uint8Array(opened.bytes);
  return new Response(body, {
    status: 200,
    headers: {
      ...SAFE_HEADERS,
      "Content-Type": opened.serveAs,
      "Content-Length": String(body.byteLength),
      "Content-Disposition": contentDisposition(inline ? "inline" : "attachment", opened.filename),
    },
  });
}
