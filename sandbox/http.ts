/** Small node:http helpers: body reading with a cap, JSON/HTML replies, EKA's error envelope. */
import type { IncomingMessage, ServerResponse } from "node:http";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(typeof body === "object" && body && "error" in body ? String((body as { error: unknown }).error) : `HTTP ${status}`);
  }
}

/**
 * EKA ABDM Connect error (eka-api.md §1.6): `{ code, error, source_error: { code, message } }`.
 * `code` equals the HTTP status, as in EKA's examples.
 */
export function ekaError(status: number, error: string, sourceCode?: string, sourceMessage?: string): HttpError {
  return new HttpError(status, {
    code: status,
    error,
    ...(sourceCode ? { source_error: { code: sourceCode, message: sourceMessage ?? error } } : {}),
  });
}

/** connect-auth errors carry no source_error (§1.2). */
export function authError(status: number, error: string): HttpError {
  return new HttpError(status, { code: status, error });
}

export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw ekaError(413, "Request body too large", "ABDM-1006", "Request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function parseJson(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw ekaError(400, "Malformed JSON body", "ABDM-1006", "Malformed JSON body");
  }
}

/**
 * A JSON object body. With `allowForm`, a form-encoded body is accepted too (the auto-approval
 * PATCH is form-encoded in the spec); everywhere else the body is JSON whatever the content type.
 */
export function parseBody(req: IncomingMessage, text: string, allowForm = false): Record<string, unknown> {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (allowForm && type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  const v = parseJson(text);
  if (!v || typeof v !== "object" || Array.isArray(v)) throw ekaError(400, "Body must be a JSON object", "ABDM-1006");
  return v as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...extraHeaders,
  });
  res.end(text);
}

export function sendRaw(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { "cache-control": "no-store" });
  res.end();
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
    "cache-control": "no-store",
    // Inline CSS only; no scripts at all.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
  });
  res.end(html);
}

/** POST → 303 → GET (PRG), so a reload never re-submits a form. */
export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, "cache-control": "no-store" });
  res.end();
}

export function esc(v: unknown): string {
  return String(v ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() !== "" ? s.trim() : undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
