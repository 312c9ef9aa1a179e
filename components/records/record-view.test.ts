/**
 * Server-renders RecordView for every sandbox bundle and every real fixture bundle, and checks
 * what a clinician relies on: it renders, attachments are links (never bytes), flags are words
 * plus icons, narratives are sanitised, sections keep the author's order.
 */
import fs from "node:fs";
import path from "node:path";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { sharedFixturesDir } from "@/tests/helpers/shared-fixtures";
import { LabTrendChart } from "./lab-trend-chart";
import { sanitizeNarrative } from "./narrative";
import { RecordView } from "./record-view";

const attachmentHref = (recordId: string, ref: string) => `/records/${recordId}/attachments?ref=${encodeURIComponent(ref)}`;
const render = (bundle: unknown, extra: Record<string, unknown> = {}) =>
  renderToStaticMarkup(createElement(RecordView, { bundle, recordId: "rec-1", attachmentHref, ...extra }));
/** The rendered record without its FHIR source disclosure (which shows the raw JSON as escaped text). */
const renderView = (bundle: unknown, extra: Record<string, unknown> = {}) => render(bundle, extra).replace(/<pre[\s\S]*?<\/pre>/g, "");

const sandboxDir = path.resolve(__dirname, "../../sandbox/bundles");
const load = (dir: string, f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
const fixturesBase = sharedFixturesDir();
const fixtureDir = fixturesBase ? path.join(fixturesBase, "fhir") : null;

function longBase64Runs(bundle: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === "object") {
      for (const [k, v] of Object.entries(n)) {
        if (k === "data" && typeof v === "string") out.push(v.slice(0, 60));
        else walk(v);
      }
    }
  };
  walk(bundle);
  return out;
}

describe("RecordView over all bundles", () => {
  const sets: [string, string][] = [
    ...fs.readdirSync(sandboxDir).filter((f) => f.endsWith(".json")).map((f) => [sandboxDir, f] as [string, string]),
    ...(fixtureDir ? fs.readdirSync(fixtureDir).filter((f) => f.endsWith(".json")).map((f) => [fixtureDir, f] as [string, string]) : []),
  ];
  for (const [dir, file] of sets) {
    it(`${path.basename(dir)}/${file}: renders readably, without attachment bytes or scripts`, () => {
      const bundle = load(dir, file);
      const html = render(bundle);
      expect(html).toContain("FHIR source");
      expect(html).not.toMatch(/<script|<iframe|<img|<object|<embed/i);
      const view = renderView(bundle);
      expect(view).not.toMatch(/javascript:/i);
      expect(view).not.toMatch(/\son[a-z]+=/i);
      for (const run of longBase64Runs(bundle)) expect(html).not.toContain(run);
      expect(html).not.toContain("undefined");
      expect(html).not.toContain("[object Object]");
    });
  }
});

describe("RecordView details", () => {
  it("OP consultation: sections in Composition order, abnormal vitals flagged in words", () => {
    const html = render(load(sandboxDir, "op-consultation-fever-2024-01.json"));
    const order = ["Chief complaints", "Allergies", "Physical examination", "Diagnosis", "Medications", "Investigation advice", "Advice", "Follow up"].map((t) =>
      html.indexOf(`>${t}</h3>`),
    );
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(html).toMatch(/▲<\/span>High/);
    expect(html).toContain("118/76");
  });

  it("prescription: dose, timing, route, duration and instructions in columns", () => {
    const html = render(load(sandboxDir, "prescription-fever-2024-01.json"));
    for (const t of ["Paracetamol 650 mg tablet", "1 tablet", "3 times a day, after meals", "Oral route", "for 3 days", "May cause drowsiness; avoid driving", "as needed for loose stools or vomiting"]) {
      expect(html).toContain(t);
    }
  });

  it("lab report: results table with unit, reference range, low flag; trend links when offered", () => {
    const html = render(load(sandboxDir, "diagnostic-report-lab-2024-05.json"), { trendHref: (k: string) => `/trends/${k}` });
    expect(html).toContain("Haemoglobin");
    expect(html).toContain("12–15.5 g/dL");
    expect(html).toMatch(/▼<\/span>Low/);
    expect(html).toContain('href="/trends/loinc:718-7"');
    expect(html).toContain("Mild anaemia");
  });

  it("imaging report: impression before the images, image and PDF behind attachment links", () => {
    const html = render(load(sandboxDir, "diagnostic-report-chest-xray-2024-07.json"));
    expect(html.indexOf("Impression / conclusion")).toBeLessThan(html.indexOf("View image"));
    expect(html).toContain(`href="/records/rec-1/attachments?ref=${encodeURIComponent("/entry/")}`);
    expect(html).toContain("Open PDF");
  });

  it("discharge summary: admission, discharge and length of stay in the header", () => {
    const html = render(load(sandboxDir, "discharge-summary-dengue-2023-09.json"));
    expect(html).toContain("Admitted");
    expect(html).toContain("3 Sep 2023, 11:20 IST");
    expect(html).toContain("7 Sep 2023, 16:00 IST");
    expect(html).toContain("4 days");
  });

  it("immunization: vaccine, dose, date, lot, site", () => {
    const html = render(load(sandboxDir, "immunization-infant-2020-04.json"));
    for (const t of ["Measles and rubella vaccine (MR), live", "1 of 2", "15 Apr 2020", "SBX-MR-0420A", "Right upper arm structure", "Date vaccine due"]) expect(html).toContain(t);
  });

  it("invoice: line items, taxes and totals in ₹ (en-IN grouping)", () => {
    const html = render(load(sandboxDir, "invoice-pharmacy-2024-07.json"));
    expect(html).toContain("CGST");
    expect(html).toContain("₹1,620.00");
    expect(html).toContain("Gross total (as sent)");
  });

  it("wellness: BP with systolic/diastolic rows and units", () => {
    const html = render(load(sandboxDir, "wellness-annual-check-2024-08.json"));
    expect(html).toContain("148/92");
    expect(html).toContain("Systolic blood pressure");
    expect(html).toContain("kg/m²");
  });

  it("attachments: PDFs that are not PDFs are labelled and download-only; URL-only ones link out safely", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const html = renderView({
      resourceType: "Bundle",
      type: "collection",
      entry: [
        { resource: { resourceType: "DocumentReference", id: "a", content: [{ attachment: { contentType: "application/pdf", title: "Scan", data: b64("not really a pdf") } }] } },
        { resource: { resourceType: "DocumentReference", id: "b", content: [{ attachment: { contentType: "application/pdf", title: "Remote", url: "https://reports.example.in/x.pdf" } }] } },
        { resource: { resourceType: "DocumentReference", id: "c", content: [{ attachment: { contentType: "text/html", title: "Evil", url: "javascript:alert(1)" } }] } },
        { resource: { resourceType: "DocumentReference", id: "d", content: [{ attachment: { contentType: "text/html", title: "Page", data: b64("<script>alert(1)</script>") } }] } },
      ],
    });
    expect(html).toContain("but the data is not a PDF");
    expect(html).toMatch(/<a[^>]*href="https:\/\/reports\.example\.in\/x\.pdf"[^>]*rel="noopener noreferrer nofollow"/);
    expect(html).not.toContain("javascript:");
    expect(html).toMatch(/href="\/records\/rec-1\/attachments\?ref=%2Fentry%2F3%2Fresource%2Fcontent%2F0%2Fattachment" download/);
    expect(html).not.toContain("alert(1)");
  });

  it("narrative is sanitised: no scripts, handlers, javascript: links or images", () => {
    const dirty =
      '<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="steal()">Seen <b>today</b></p><script>alert(1)</script><a href="javascript:alert(2)">x</a><a href="https://ok.example/">ok</a><img src="https://track.example/p.gif"/><style>body{display:none}</style></div>';
    const clean = sanitizeNarrative(dirty);
    expect(clean).toContain("<b>today</b>");
    expect(clean).not.toMatch(/script|onclick|javascript:|<img|<style|display:none/);
    expect(clean).toContain('href="https://ok.example/"');
    const bundle = load(sandboxDir, "health-document-referral-2022-01.json");
    bundle.entry[0].resource.text = { status: "generated", div: dirty };
    const html = renderView(bundle);
    expect(html).toContain("Narrative as written by the HIP");
    expect(html).not.toMatch(/onclick|javascript:|<script/);
  });

  it("FHIR source elides base64 data", () => {
    const html = render(load(sandboxDir, "health-document-referral-2022-01.json"));
    expect(html).toMatch(/&lt;base64 data, \d+ B, not shown&gt;/);
  });

  it("a non-bundle renders a readable error instead of throwing", () => {
    expect(render("garbage")).toContain("Record cannot be displayed");
    expect(render(null)).toContain("Record cannot be displayed");
    expect(render({ resourceType: "Bundle", entry: [{ resource: { resourceType: "Observation" } }] })).toContain("Observation");
  });
});

describe("LabTrendChart (server render)", () => {
  it("always carries a titled figure and a table of the values", () => {
    const html = renderToStaticMarkup(
      createElement(LabTrendChart, {
        title: "Haemoglobin",
        unit: "g/dL",
        points: [
          { date: "2025-02-11T09:15:00+05:30", value: 12.6, source: "Lab B" },
          { date: "2024-05-20", value: 11.2, source: "Lab A", abnormal: true },
        ],
        referenceRange: { low: 12, high: 15.5 },
      }),
    );
    expect(html).toMatch(/<figure[^>]*aria-labelledby="trend-haemoglobin"/);
    expect(html).toContain("Reference range 12–15.5 g/dL");
    expect(html.indexOf("20 May 2024")).toBeLessThan(html.indexOf("11 Feb 2025"));
    expect(html).toMatch(/▼ <\/span>Low/);
  });
});
