import fs from "node:fs";
import { expect, request as playwrightRequest, test, type Browser, type Page } from "@playwright/test";
import { PatientsPage, type RequestChoices } from "./pages/patients";
import { SandboxPhrPage } from "./pages/sandbox-phr";
import { SignInPage } from "./pages/sign-in";
import { RecordPage, TimelineSection } from "./pages/timeline";

/**
 * The clinician's reading of records end to end: records for three sandbox patients (between them
 * every HI type) are requested, approved on the sandbox PHR page, pushed and stored; then the
 * clinician reads the timelines, filters, searches, opens a lab report with its trend chart and a
 * PDF in the sandboxed viewer. Screenshots of the timeline and of each record type go to
 * /tmp/shots (SHOTS_DIR) for people to look at.
 */

const SHOTS = process.env.SHOTS_DIR ?? "/tmp/shots";
const ALL_TYPES = ["OP consultation", "Prescription", "Discharge summary", "Diagnostic report", "Immunization record", "Health document", "Wellness record", "Invoice"];
const HI_TYPE_LABELS = ["OP consultation", "Prescription", "Discharge summary", "Diagnostic report", "Immunization", "Health document", "Wellness record", "Invoice"];
// Between them, these seeded patients have care contexts of all eight HI types (sandbox/world.ts).
const PATIENTS = ["asha.verma@sbx", "devika.sen@sbx", "meera.joshi@sbx"];

function range(): Pick<RequestChoices, "from" | "to"> {
  // Distinct per run so an identical pending request from an earlier run is never a duplicate.
  const start = Date.UTC(2012, 0, 1) + Math.floor(Math.random() * 1000) * 86_400_000;
  const end = Date.UTC(2025, 11, 31) - Math.floor(Math.random() * 100) * 86_400_000;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: day(start), to: day(end) };
}

/** Opens the patient (recording a visit), raises a request for everything, approves it as the patient, waits until stored. */
async function requestAndReceive(page: Page, browser: Browser, abhaAddress: string) {
  const patient = await new PatientsPage(page).open(abhaAddress);
  const form = await patient.requestRecords();
  const consent = await form.send({ types: ALL_TYPES, ...range() });
  const initId = await consent.consentInitId();
  const ctx = await browser.newContext();
  const phr = new SandboxPhrPage(await ctx.newPage());
  await phr.open(abhaAddress);
  await phr.approve(initId);
  await ctx.close();
  await consent.expectStatus("Granted");
  const visits = page.getByRole("region", { name: "Facilities" }).getByRole("article").getByRole("listitem");
  await expect(visits.first()).toBeVisible();
  await expect(visits.filter({ hasNotText: "Stored" })).toHaveCount(0, { timeout: 60_000 });
}

/** Every HI type label on every page of the timeline currently shown. */
async function allTypeLabels(timeline: TimelineSection): Promise<string[]> {
  const labels: string[] = [...(await timeline.typeLabels())];
  while (await timeline.older()) labels.push(...(await timeline.typeLabels()));
  return labels;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

test.describe("patient timeline", () => {
  test.describe.configure({ mode: "serial" });
  const patientUrls = new Map<string, string>();

  test("records of every HI type arrive on the timelines, marked New, with source and consent", async ({ page, browser }) => {
    test.setTimeout(300_000);
    fs.mkdirSync(SHOTS, { recursive: true });
    await new SignInPage(page).signInAs("clinician");
    const seen = new Set<string>();
    for (const abha of PATIENTS) {
      await requestAndReceive(page, browser, abha);
      await new PatientsPage(page).open(abha);
      patientUrls.set(abha, page.url());
      const timeline = new TimelineSection(page);
      await expect(timeline.items().first()).toBeVisible();
      // The first visit (before the request) was recorded, so what arrived since is marked.
      await expect(timeline.records().filter({ hasText: "New since your last visit" }).first()).toBeVisible();
      await expect(timeline.region().getByRole("status")).toContainText(/new since your last visit/);
      const first = timeline.records().first();
      await expect(first.getByRole("link", { name: /Consent/ })).toHaveAttribute("href", /\/consents\/[0-9a-f-]{36}/);
      await expect(first.getByRole("link", { name: /Open record/ })).toHaveAttribute("href", /\/records\/[0-9a-f-]{36}/);
      await expect(first).toContainText("(sandbox)");
      if (abha === PATIENTS[0]) await page.screenshot({ path: `${SHOTS}/timeline.png`, fullPage: true });
      for (const l of await allTypeLabels(timeline)) seen.add(l);
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining([...HI_TYPE_LABELS].sort()));

    // Visiting again: the marks were relative to the previous visit, which is now this one.
    await page.goto(patientUrls.get(PATIENTS[0])!);
    await expect(new TimelineSection(page).records().filter({ hasText: "New since your last visit" })).toHaveCount(0);
  });

  test("filters by type and facility, searches, and keeps filters in the URL", async ({ page }) => {
    test.skip(patientUrls.size === 0, "needs the records of the first test");
    await new SignInPage(page).signInAs("clinician");
    await page.goto(patientUrls.get(PATIENTS[0])!);
    const timeline = new TimelineSection(page);

    await timeline.filterBy({ type: "Diagnostic report" });
    await expect(page).toHaveURL(/type=DiagnosticReport/);
    const types = await timeline.typeLabels();
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(["Diagnostic report"]));

    await timeline.filterBy({ facility: "Lotus Diagnostics Lab (sandbox)" });
    await expect(timeline.records().first()).toBeVisible();
    for (const text of await timeline.records().allTextContents()) expect(text).toContain("Lotus Diagnostics Lab");

    // Search for a word of a title actually on the timeline (works for any bundle set).
    const title = (await timeline.titles())[0];
    const word = title
      .split(/[^A-Za-z]+/)
      .filter((w) => w.length >= 4)
      .sort((a, b) => b.length - a.length)[0];
    expect(word, `a searchable word in "${title}"`).toBeTruthy();
    await timeline.clear();
    await timeline.filterBy({ q: word.slice(0, Math.max(4, word.length - 2)) });
    await expect(timeline.items().first()).toBeVisible();
    expect(await timeline.titles()).toContain(title);
    await expect(timeline.filters().getByLabel("Search records")).toHaveValue(word.slice(0, Math.max(4, word.length - 2)));

    await timeline.filterBy({ q: "zzzz-no-such-thing" });
    await expect(timeline.region().getByText("Nothing matches")).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/timeline-no-match.png`, fullPage: true });
  });

  test("a lab report shows its results and a trend chart across records", async ({ page, browser }) => {
    test.skip(patientUrls.size === 0, "needs the records of the first test");
    test.setTimeout(240_000);
    await new SignInPage(page).signInAs("clinician");
    const timeline = new TimelineSection(page);
    const record = new RecordPage(page);

    /** Opens candidate records (lab reports first) until one shows a trend chart. */
    const findTrend = async (): Promise<boolean> => {
      const candidates: string[] = [];
      for (const type of ["Diagnostic report", "Wellness record", "OP consultation"]) {
        for (const abha of PATIENTS) {
          await page.goto(patientUrls.get(abha)!);
          if (!(await timeline.typeOptions()).includes(type)) continue;
          await timeline.filterBy({ type });
          candidates.push(...(await timeline.recordHrefs()));
        }
      }
      for (const href of candidates) {
        await page.goto(href);
        if ((await record.trends().count()) > 0) return true;
      }
      return false;
    };

    let found = await findTrend();
    // The sandbox's own bundles hold two dated lab panels per patient, so a trend is there at
    // once. The real public bundles (CI) repeat a test only across certain pairs (BP in an OP
    // consult and a wellness record, glucose in both wellness records), which the sandbox hands
    // out round-robin: asking the same patient again brings the next pair, within a few rounds.
    for (let round = 0; !found && round < 4; round++) {
      await requestAndReceive(page, browser, PATIENTS[2]);
      found = await findTrend();
    }
    expect(found, "a record with a test seen more than once").toBe(true);

    await expect(record.provenance().getByRole("link", { name: /Consent request/ })).toBeVisible();
    const chart = record.trends().getByRole("figure").filter({ has: page.locator("svg.recharts-surface") }).first();
    await expect(chart).toBeVisible();
    // Header row plus at least two results, each with its date and source.
    expect(await chart.getByRole("row").count()).toBeGreaterThanOrEqual(3);
    // Result tables link each repeated test to its chart on the same page.
    const trendLinks = page.getByRole("link", { name: "Trend" });
    if (await trendLinks.count()) await expect(trendLinks.first()).toHaveAttribute("href", /^#trend-/);
    await page.screenshot({ path: `${SHOTS}/record-lab-trend.png`, fullPage: true });
  });

  test("a PDF opens in the in-page viewer, served with a sandbox CSP and nosniff; anonymous callers get 404", async ({ page, baseURL }) => {
    test.skip(patientUrls.size === 0, "needs the records of the first test");
    await new SignInPage(page).signInAs("clinician");
    const timeline = new TimelineSection(page);
    let pdfHref: string | null = null;
    let imageHref: string | null = null;
    for (const abha of PATIENTS) {
      await page.goto(patientUrls.get(abha)!);
      const hrefs: string[] = [];
      for (const type of ["Diagnostic report", "Health document"]) {
        if (!(await timeline.typeOptions()).includes(type)) continue;
        await timeline.filterBy({ type });
        hrefs.push(...(await timeline.recordHrefs()));
      }
      for (const href of hrefs) {
        await page.goto(href);
        const pdf = page.getByRole("link", { name: /Open PDF/ }).first();
        const image = page.getByRole("link", { name: /View image/ }).first();
        if (!pdfHref && (await pdf.count())) pdfHref = await pdf.getAttribute("href");
        if (!imageHref && (await image.count())) imageHref = await image.getAttribute("href");
        if (pdfHref && imageHref) break;
      }
      if (pdfHref && imageHref) break;
    }
    expect(pdfHref, "a record with an inline PDF").toBeTruthy();

    await page.goto(pdfHref!);
    const viewer = page.locator("object[type='application/pdf']");
    await expect(viewer).toBeVisible();
    const src = (await viewer.getAttribute("data"))!;
    const res = await page.request.get(src);
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toBe("application/pdf");
    expect(res.headers()["content-security-policy"]).toMatch(/^sandbox; default-src 'none'/);
    expect(res.headers()["x-content-type-options"]).toBe("nosniff");
    expect((await res.body()).subarray(0, 1024).toString("latin1")).toContain("%PDF-");
    // Only for the screenshot: the browser's PDF viewer paints a moment after the load event.
    await page.waitForTimeout(2_000);
    await page.screenshot({ path: `${SHOTS}/record-pdf-viewer.png`, fullPage: true });

    // An imaging report's image opens in an <img>, decoded from the bundle.
    expect(imageHref, "a record with an inline image").toBeTruthy();
    await page.goto(imageHref!);
    const img = page.locator("main img").first();
    await expect(img).toBeVisible();
    expect(await img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/record-image-viewer.png`, fullPage: true });

    const anonymous = await playwrightRequest.newContext({ baseURL });
    const anon = await anonymous.get(src);
    expect(anon.status()).toBe(404);
    expect(await anon.json()).toMatchObject({ error: "not_found" });
    await anonymous.dispose();
  });

  test("every record type reads as a page (screenshots for review)", async ({ page }) => {
    test.skip(patientUrls.size === 0, "needs the records of the first test");
    test.setTimeout(180_000);
    await new SignInPage(page).signInAs("clinician");
    const done = new Set<string>();
    // Filter by each HI type the patient has (a type may sit beyond the first page otherwise).
    for (const abha of PATIENTS) {
      await page.goto(patientUrls.get(abha)!);
      const timeline = new TimelineSection(page);
      for (const label of await timeline.typeOptions()) {
        if (done.has(label) || !HI_TYPE_LABELS.includes(label)) continue;
        await page.goto(patientUrls.get(abha)!);
        await timeline.filterBy({ type: label });
        await timeline.records().first().getByRole("link", { name: /Open record/ }).click();
        await expect(page).toHaveURL(/\/records\//);
        await expect(page.getByRole("article").first()).toBeVisible();
        await page.screenshot({ path: `${SHOTS}/record-${slug(label)}.png`, fullPage: true });
        done.add(label);
      }
    }
    expect([...done].sort()).toEqual(expect.arrayContaining([...HI_TYPE_LABELS].sort()));
  });
});
