import { describe, expect, it } from "vitest";
import {
  decideViewer,
  decodeBase64Strict,
  describeAttachment,
  findAttachments,
  formatBytes,
  locateAttachment,
  readAttachment,
  safeExternalUrl,
  sniffBytes,
  validateBase64,
} from "./attachments";

const b64 = (s: string | Uint8Array) => Buffer.from(s as never).toString("base64");
const PDF = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46]);

describe("strict base64", () => {
  it("decodes valid data, tolerating MIME line breaks and missing padding", () => {
    const r = decodeBase64Strict(b64(PDF).replace(/(.{20})/g, "$1\n"));
    expect(r.ok && Buffer.from(r.bytes).toString()).toBe(PDF);
    const unpadded = decodeBase64Strict("QQ");
    expect(unpadded.ok && Array.from(unpadded.bytes)).toEqual([65]);
  });

  it("rejects what a lenient decoder would silently mangle", () => {
    for (const bad of ["QQ=A", "QUJD=", "Q", "QQ===", "a-b_", "QUJD!", "", 42, null]) {
      expect(validateBase64(bad).ok, String(bad)).toBe(false);
      expect(decodeBase64Strict(bad).ok).toBe(false);
    }
  });
});

describe("sniffing", () => {
  it("recognises PDF, PNG, JPEG, GIF, WebP and DICOM signatures", () => {
    expect(sniffBytes(new TextEncoder().encode(PDF))).toBe("application/pdf");
    expect(sniffBytes(new TextEncoder().encode("\ufeff  %PDF-1.7"))).toBe("application/pdf");
    expect(sniffBytes(PNG)).toBe("image/png");
    expect(sniffBytes(JPEG)).toBe("image/jpeg");
    expect(sniffBytes(new TextEncoder().encode("GIF89a"))).toBe("image/gif");
    expect(sniffBytes(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 "))).toBe("image/webp");
    const dicom = new Uint8Array(140);
    dicom.set(new TextEncoder().encode("DICM"), 128);
    expect(sniffBytes(dicom)).toBe("application/dicom");
    expect(sniffBytes(new TextEncoder().encode("This is a PDF, honest"))).toBeNull();
    expect(sniffBytes(new Uint8Array())).toBeNull();
  });
});

describe("describeAttachment and the viewer decision", () => {
  it("offers a real inline PDF in the viewer, with its decoded size", () => {
    const info = describeAttachment({ contentType: "application/pdf", data: b64(PDF), title: "Report" }, "/entry/1/resource/content/0/attachment");
    expect(info).toMatchObject({ viewer: "pdf", sniffedType: "application/pdf", size: PDF.length, inline: true, mismatch: false, warning: null });
    expect(JSON.stringify(info)).not.toContain(b64(PDF));
  });

  it("detects a declared PDF that is not a PDF and never offers it inline", () => {
    const info = describeAttachment({ contentType: "application/pdf", data: b64("Lab report attached separately") }, "/x");
    expect(info).toMatchObject({ viewer: "download", mismatch: true, sniffedType: null });
    expect(info.warning).toMatch(/not a PDF/);
  });

  it("shows images inline only when the bytes are an image", () => {
    expect(describeAttachment({ contentType: "image/png", data: b64(PNG) }, "/x").viewer).toBe("image");
    expect(describeAttachment({ contentType: "image/jpeg", data: b64(PNG) }, "/x").viewer).toBe("image");
    expect(describeAttachment({ contentType: "image/png", data: b64(PDF) }, "/x")).toMatchObject({ viewer: "download", mismatch: true });
  });

  it("never inlines text/html, SVG or unknown types, even with PDF bytes inside", () => {
    expect(describeAttachment({ contentType: "text/html", data: b64("<script>alert(1)</script>") }, "/x").viewer).toBe("download");
    expect(describeAttachment({ contentType: "text/html", data: b64(PDF) }, "/x")).toMatchObject({ viewer: "download", mismatch: true });
    expect(describeAttachment({ contentType: "image/svg+xml", data: b64("<svg onload=alert(1)>") }, "/x").viewer).toBe("download");
    expect(describeAttachment({ contentType: "application/x-foo", data: b64("??") }, "/x").viewer).toBe("download");
    expect(describeAttachment({ data: b64("plain text") }, "/x").viewer).toBe("download");
  });

  it("trusts the bytes when the declared type is absent or octet-stream", () => {
    expect(describeAttachment({ data: b64(PDF) }, "/x").viewer).toBe("pdf");
    expect(describeAttachment({ contentType: "application/octet-stream", data: b64(JPEG) }, "/x").viewer).toBe("image");
  });

  it("offers only a download above the size cap", () => {
    const info = describeAttachment({ contentType: "application/pdf", data: b64(PDF) }, "/x", 10);
    expect(info.viewer).toBe("download");
    expect(info.warning).toMatch(/Too large/);
  });

  it("shows URL-only attachments as links, and only http(s) ones", () => {
    expect(describeAttachment({ contentType: "application/pdf", url: "https://lab.example.in/r/1.pdf" }, "/x")).toMatchObject({
      viewer: "link",
      inline: false,
      url: "https://lab.example.in/r/1.pdf",
    });
    const js = describeAttachment({ contentType: "application/pdf", url: "javascript:alert(1)" }, "/x");
    expect(js).toMatchObject({ viewer: "none", url: null });
    expect(js.warning).toMatch(/not an http/);
    expect(safeExternalUrl("data:text/html,hi")).toBeNull();
  });

  it("reports invalid base64 instead of decoding garbage", () => {
    expect(describeAttachment({ contentType: "application/pdf", data: "%%%not base64%%%" }, "/x")).toMatchObject({
      dataValid: false,
      viewer: "none",
    });
  });

  it("unwraps base64-of-base64 PDFs (pre-IG data) and labels them", () => {
    const info = describeAttachment({ contentType: "application/pdf", data: b64(b64(PDF)) }, "/x");
    expect(info).toMatchObject({ doubleEncoded: true, sniffedType: "application/pdf", viewer: "pdf", size: PDF.length, mismatch: false });
  });

  it("survives junk", () => {
    for (const junk of [null, 1, "x", [], { data: 5 }]) expect(() => describeAttachment(junk, "/x")).not.toThrow();
    expect(decideViewer({ contentType: null, sniffedType: null, size: null, hasData: false, dataValid: null, url: null })).toBe("none");
  });
});

describe("locating and reading attachments in a bundle", () => {
  const bundle = {
    resourceType: "Bundle",
    entry: [
      { resource: { resourceType: "Patient", id: "p", photo: [{ contentType: "image/png", data: b64(PNG) }] } },
      { resource: { resourceType: "DocumentReference", content: [{ attachment: { contentType: "application/pdf", data: b64(PDF) } }] } },
      { resource: { resourceType: "Binary", contentType: "text/html", data: b64("<b>hi</b>") } },
      { resource: { resourceType: "DiagnosticReport", presentedForm: [{ contentType: "application/pdf", data: b64(b64(PDF)) }] } },
      { resource: { resourceType: "Media", content: { contentType: "image/jpeg", data: b64(JPEG) } } },
    ],
  };

  it("finds attachments with JSON pointers", () => {
    expect(findAttachments(bundle.entry[1].resource, "/entry/1/resource").map((f) => f.ref)).toEqual(["/entry/1/resource/content/0/attachment"]);
    expect(findAttachments(bundle.entry[2].resource, "/entry/2/resource").map((f) => f.ref)).toEqual(["/entry/2/resource"]);
    expect(findAttachments(bundle.entry[4].resource, "/entry/4/resource").map((f) => f.ref)).toEqual(["/entry/4/resource/content"]);
  });

  it("reads bytes and says how to serve them", () => {
    const pdf = readAttachment(bundle, "/entry/1/resource/content/0/attachment")!;
    expect(pdf.serveAs).toBe("application/pdf");
    expect(Buffer.from(pdf.bytes!).toString()).toBe(PDF);
    const html = readAttachment(bundle, "/entry/2/resource")!;
    expect(html.serveAs).toBe("application/octet-stream");
    const doubled = readAttachment(bundle, "/entry/3/resource/presentedForm/0")!;
    expect(Buffer.from(doubled.bytes!).toString()).toBe(PDF);
    expect(readAttachment(bundle, "/entry/4/resource/content")!.serveAs).toBe("image/jpeg");
  });

  it("refuses pointers that do not lead to an attachment", () => {
    for (const ref of ["/entry/0/resource", "/entry/0/resource/photo/0", "/entry/1/resource", "/entry/9/resource", "/entry/__proto__/x", "../etc", "", 5, "/entry/1/resource/content/0"]) {
      expect(locateAttachment(bundle, ref), String(ref)).toBeNull();
    }
  });

  it("formats sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(394 * 1024)).toBe("394 KB");
    expect(formatBytes(1.7 * 1024 * 1024)).toBe("1.7 MB");
    expect(formatBytes(null)).toBeNull();
  });
});
