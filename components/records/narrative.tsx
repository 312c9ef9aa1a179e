import sanitizeHtml from "sanitize-html";

/**
 * FHIR narrative (`text.div`, XHTML written by the HIP) is untrusted HTML. Only plain
 * formatting survives: no scripts, styles, forms, images (which would call out to the sender),
 * event handlers, `style` attributes or non-http(s) links.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    "div", "p", "span", "br", "hr", "b", "strong", "i", "em", "u", "sub", "sup", "small", "pre", "code",
    "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "a",
  ],
  // rel/target are set by transformTags below, overriding whatever the sender wrote.
  allowedAttributes: { a: ["href", "rel", "target"], td: ["colspan", "rowspan"], th: ["colspan", "rowspan", "scope"] },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesAppliedToAttributes: ["href"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  // The narrative sits inside our own h3/h4 structure; its headings become bold paragraphs.
  transformTags: {
    h1: "p", h2: "p", h3: "p", h4: "p", h5: "p", h6: "p",
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: "noopener noreferrer nofollow", target: "_blank" } }),
  },
};

export function sanitizeNarrative(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

export function Narrative({ html }: { html: string }) {
  const clean = sanitizeNarrative(html);
  if (!clean.replace(/<[^>]*>/g, "").trim()) return null;
  return (
    <div
      className="mt-2 max-w-none rounded-md border border-slate-200 bg-white px-4 py-3 text-sm text-slate-800 [&_table]:my-2 [&_table]:border-collapse [&_td]:border [&_td]:border-slate-200 [&_td]:px-2 [&_td]:py-1 [&_th]:border [&_th]:border-slate-200 [&_th]:px-2 [&_th]:py-1 [&_ul]:list-disc [&_ul]:pl-5 [&_ol]:list-decimal [&_ol]:pl-5 [&_a]:underline"
      // Sanitised above with an allow-list; this is the only raw HTML the record views emit.
      dangerouslySetInnerHTML={{ __html: clean }}
    />
  );
}
