/**
 * Dev-only preview of the record views, without touching app/: renders every sandbox bundle and
 * every real fixture bundle (../shared/fixtures/fhir, when present) with RecordView into
 * /tmp/records-preview/*.html, styled with the project's Tailwind build, plus a lab trend page.
 *
 *   npx tsx scripts/render-records-preview.tsx [outDir]
 *
 * Then open the files in a browser, or screenshot them with headless chromium.
 */
import fs from "node:fs";
import path from "node:path";
import { renderToStaticMarkup } from "react-dom/server";
import { LabTrendChart, type TrendPoint } from "../components/records/lab-trend-chart";
import { RecordView } from "../components/records/record-view";
import { analyseBundle } from "../lib/fhir/timeline";
import { trendSeries } from "../lib/fhir/trends";

const repoRoot = path.resolve(__dirname, "..");
const outDir = path.resolve(process.argv[2] ?? "/tmp/records-preview");
const sources: { label: string; dir: string }[] = [
  { label: "sandbox", dir: path.join(repoRoot, "sandbox/bundles") },
  { label: "fixture", dir: path.resolve(repoRoot, "../shared/fixtures/fhir") },
];

async function buildCss(): Promise<string> {
  try {
    const postcss = (await import("postcss")).default;
    const tailwind = (await import("@tailwindcss/postcss")).default;
    const input = fs.readFileSync(path.join(repoRoot, "app/globals.css"), "utf8");
    // The plugin and postcss typings disagree across versions; the runtime contract is plain.
    const result = await postcss([tailwind({ base: repoRoot }) as never]).process(input, { from: path.join(repoRoot, "app/globals.css") });
    return result.css;
  } catch (e) {
    console.warn(`Tailwind build failed (${(e as Error).message}); pages will be unstyled.`);
    return "";
  }
}

async function buildTrendClient(series: unknown[]): Promise<string | null> {
  try {
    // esbuild is already installed (a dependency of tsx and drizzle-kit); it is only used here.
    const esbuild = await import("esbuild");
    const entry = `
      import { createRoot } from "react-dom/client";
      import { LabTrendChart } from ${JSON.stringify(path.join(repoRoot, "components/records/lab-trend-chart"))};
      const series = ${JSON.stringify(series)};
      series.forEach((s, i) => {
        const el = document.getElementById("chart-" + i);
        if (el) createRoot(el).render(<LabTrendChart title={s.title} unit={s.unit} points={s.points} referenceRange={s.referenceRange} fixedWidth={880} />);
      });`;
    const out = await esbuild.build({
      stdin: { contents: entry, loader: "tsx", resolveDir: repoRoot },
      bundle: true,
      write: false,
      format: "iife",
      jsx: "automatic",
      minify: true,
      define: { "process.env.NODE_ENV": '"production"' },
      logLevel: "silent",
    });
    return out.outputFiles[0].text.replace(/<\/script/gi, "<\\/script");
  } catch (e) {
    console.warn(`Chart bundle failed (${(e as Error).message}); trends.html shows tables only.`);
    return null;
  }
}

function page(title: string, css: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>${css}</style></head><body><main class="mx-auto max-w-5xl p-6">${body}</main></body></html>`;
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const css = await buildCss();
  const index: string[] = [];
  const trendItems: Parameters<typeof trendSeries>[0] = [];
  for (const { label, dir } of sources) {
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
      const bundle = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
      const recordId = `${label}-${file.replace(/\.json$/, "")}`;
      const html = renderToStaticMarkup(
        <RecordView
          bundle={bundle}
          recordId={recordId}
          attachmentHref={(id, ref) => `#attachment:${id}:${encodeURIComponent(ref)}`}
          trendHref={(key) => `trends.html#${encodeURIComponent(key)}`}
        />,
      );
      const name = `${recordId}.html`;
      fs.writeFileSync(path.join(outDir, name), page(file, css, html));
      index.push(`<li><a class="text-brand-700 underline" href="${name}">${label}: ${file}</a></li>`);
      if (label === "sandbox") trendItems.push(...analyseBundle(bundle).items.map((i) => ({ ...i, source: "Lotus Diagnostics Lab" })));
    }
  }
  const series = ["loinc:718-7", "loinc:3016-3", "loinc:4548-4", "loinc:1558-6"]
    .map((key) => trendSeries(trendItems, key))
    .filter((s): s is NonNullable<typeof s> => s !== null);
  const charts = series.map((s, i) =>
    renderToStaticMarkup(
      <div className="mb-6" id={`chart-${i}`}>
        <LabTrendChart title={s.title} unit={s.unit} points={s.points as TrendPoint[]} referenceRange={s.referenceRange} fixedWidth={880} />
      </div>,
    ),
  );
  // recharts draws on the client only, so the page also gets the chart as a browser bundle.
  const script = await buildTrendClient(series);
  fs.writeFileSync(
    path.join(outDir, "trends.html"),
    page(
      "Lab trends",
      css,
      `<h1 class="mb-4 text-2xl font-semibold">Lab trends (sandbox)</h1>${charts.join("")}${script ? `<script>${script}</script>` : ""}`,
    ),
  );
  index.push(`<li><a class="text-brand-700 underline" href="trends.html">Lab trends</a></li>`);
  fs.writeFileSync(path.join(outDir, "index.html"), page("Record previews", css, `<h1 class="mb-4 text-2xl font-semibold">Record previews</h1><ul class="space-y-1">${index.join("")}</ul>`));
  console.log(`Wrote ${index.length} pages to ${outDir}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
