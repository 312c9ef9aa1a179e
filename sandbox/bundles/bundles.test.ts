/**
 * The sandbox's own invented bundles must pass the same checks as the real ABDM bundles — and a
 * stricter one: every clinical resource carries its own date.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sharedFixturesDir } from "@/tests/helpers/shared-fixtures";
import { readAttachment } from "@/lib/fhir/attachments";
import { checkBundle } from "@/lib/fhir/checks";
import { HI_TYPES } from "@/lib/fhir/hi-type";
import { analyseBundle, type TimelineItemDraft } from "@/lib/fhir/timeline";

const dir = __dirname;
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Record<string, unknown>;

describe("sandbox bundles", () => {
  it("cover every HI type", () => {
    const types = new Set(files.map((f) => checkBundle(load(f)).hiType));
    expect([...types].sort()).toEqual([...HI_TYPES].sort());
  });

  for (const file of files) {
    it(`${file}: every clinical resource is a dated, titled item; HI type detected`, () => {
      const bundle = load(file);
      const result = checkBundle(bundle, { requireDates: true });
      expect(result.problems).toEqual([]);
      expect(result.items.length).toBeGreaterThan(0);
      // NRCeS document shape: Composition first with an HI-type profile, urn:uuid everywhere.
      const entries = bundle.entry as { fullUrl: string; resource: Record<string, unknown> }[];
      expect(bundle.type).toBe("document");
      expect(entries[0].resource.resourceType).toBe("Composition");
      expect((entries[0].resource.meta as { profile: string[] }).profile[0]).toMatch(/^https:\/\/nrces\.in\/ndhm\/fhir\/r4\/StructureDefinition\//);
      for (const e of entries) expect(e.fullUrl).toBe(`urn:uuid:${String(e.resource.id)}`);
    });
  }

  it("two lab reports at different dates share their tests, so each has a trend", () => {
    const keysAt = (f: string) => {
      const items = analyseBundle(load(f)).items.filter((i) => i.kind === "lab-result");
      return new Map(items.map((i) => [i.detail.trendKey as string, i] as [string, TimelineItemDraft]));
    };
    const may = keysAt("diagnostic-report-lab-2024-05.json");
    const feb = keysAt("diagnostic-report-lab-2025-02.json");
    const shared = [...may.keys()].filter((k) => feb.has(k));
    expect(shared.length).toBeGreaterThanOrEqual(5);
    expect(shared).toContain("loinc:718-7");
    expect(may.get("loinc:718-7")!.date).not.toBe(feb.get("loinc:718-7")!.date);
    expect([...may.values()].some((i) => i.abnormal)).toBe(true);
    expect([...may.values()].every((i) => (i.detail.referenceRange as unknown[]).length > 0)).toBe(true);
  });

  it("the health document carries a small, structurally valid PDF", () => {
    const bundle = load("health-document-referral-2022-01.json");
    const doc = analyseBundle(bundle).items.find((i) => i.resourceType === "DocumentReference")!;
    expect(doc.attachment).toMatchObject({ viewer: "pdf", sniffedType: "application/pdf", mismatch: false });
    const { bytes } = readAttachment(bundle, doc.attachment!.ref)!;
    const text = Buffer.from(bytes!).toString("latin1");
    expect(bytes!.length).toBeLessThan(2048);
    expect(text.startsWith("%PDF-1.4\n")).toBe(true);
    expect(text.trimEnd().endsWith("%%EOF")).toBe(true);
    // Every xref offset must point at its object, or viewers fall back to repairing the file.
    const startxref = Number(/startxref\n(\d+)/.exec(text)![1]);
    expect(text.slice(startxref, startxref + 4)).toBe("xref");
    const offsets = [...text.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets.length).toBeGreaterThan(3);
    offsets.forEach((o, i) => expect(text.slice(o, o + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));
  });

  it("the imaging report has an inline image and a PDF report", () => {
    const items = analyseBundle(load("diagnostic-report-chest-xray-2024-07.json")).items;
    expect(items.find((i) => i.resourceType === "Media")!.attachment).toMatchObject({ viewer: "image", sniffedType: "image/png" });
    expect(items.find((i) => i.resourceType === "DiagnosticReport")!.detail.reportKind).toBe("imaging");
  });

  it("invoice totals add up: gross = net + taxes, net = rates − discounts", () => {
    const inv = analyseBundle(load("invoice-pharmacy-2024-07.json")).items[0];
    const lines = inv.detail.lines as { components: { type: string; amount: number }[] }[];
    const sum = (t: string) => lines.flatMap((l) => l.components).filter((c) => c.type === t).reduce((s, c) => s + c.amount, 0);
    expect(inv.detail.totalNetValue).toBeCloseTo(sum("base") - sum("discount"), 2);
    expect(inv.detail.totalGrossValue).toBeCloseTo(sum("base") - sum("discount") + sum("tax"), 2);
  });

  // Guard against copying: no id, fullUrl or identifier value of a real fixture bundle may appear
  // (identifier-like strings only: words such as "cholesterol" are ids there and prose here).
  const fixturesDir = sharedFixturesDir();
  it.skipIf(!fixturesDir)("share no ids or identifiers with the real fixture bundles", () => {
    const fhirDir = path.join(fixturesDir!, "fhir");
    const taken = new Set<string>();
    const collect = (node: unknown, key = "") => {
      if (typeof node === "string") {
        if (["id", "fullUrl", "value", "reference"].includes(key) && node.length >= 8 && /\d/.test(node) && !/^https?:\/\/|^\d+(\.\d+)?$/.test(node)) {
          taken.add(node.replace(/^urn:uuid:/, ""));
        }
      } else if (Array.isArray(node)) node.forEach((n) => collect(n, key));
      else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) if (k !== "data" && k !== "div") collect(v, k);
    };
    for (const f of fs.readdirSync(fhirDir).filter((x) => x.endsWith(".json"))) collect(JSON.parse(fs.readFileSync(path.join(fhirDir, f), "utf8")));
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), "utf8");
      const hits = [...taken].filter((t) => text.includes(t));
      expect(hits, f).toEqual([]);
    }
  });
});
