import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { AdminInboxPage } from "./pages/admin-inbox";
import { PatientsPage, type ConsentPage, type RequestChoices } from "./pages/patients";
import { SANDBOX_URL, SandboxPhrPage, sandboxControl } from "./pages/sandbox-phr";
import { SignInPage } from "./pages/sign-in";

/**
 * The main flow end to end: a clinician raises a request, the patient approves on the sandbox's
 * PHR page, the sandbox's HIP simulator encrypts bundles (the real public FHIR fixtures in CI,
 * via SANDBOX_BUNDLES_DIR) and EKA pushes them signed to the webhook; the portal decrypts and
 * stores them. Seen from the clinician's consent page (every visit "Stored"), from EKA (on-push
 * success per care context) and from the admin's webhook inbox (deliveries Done).
 */

function randomRange(): Pick<RequestChoices, "from" | "to"> {
  // Distinct per run so an identical pending request from an earlier run is never a duplicate.
  const start = Date.UTC(2015, 0, 1) + Math.floor(Math.random() * 1500) * 86_400_000;
  const end = Date.UTC(2025, 11, 31) - Math.floor(Math.random() * 200) * 86_400_000;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: day(start), to: day(end) };
}

const ALL_TYPES = ["OP consultation", "Prescription", "Discharge summary", "Diagnostic report", "Immunization record", "Health document", "Wellness record", "Invoice"];

async function raiseAndApprove(page: Page, browser: Browser, abhaAddress: string): Promise<{ consent: ConsentPage; initId: string }> {
  await new SignInPage(page).signInAs("clinician");
  const form = await (await new PatientsPage(page).open(abhaAddress)).requestRecords();
  const consent = await form.send({ types: ALL_TYPES, ...randomRange() });
  const initId = await consent.consentInitId();
  await consent.markDocument();

  const ctx = await browser.newContext();
  const phr = new SandboxPhrPage(await ctx.newPage());
  await phr.open(abhaAddress);
  await phr.approve(initId);
  await ctx.close();

  await consent.expectStatus("Granted");
  return { consent, initId };
}

/** The visits and documents listed under every facility card. */
function visits(consent: ConsentPage) {
  return consent.page.getByRole("region", { name: "Facilities" }).getByRole("article").getByRole("listitem");
}

async function sandboxConsent(request: APIRequestContext, initId: string) {
  const { consent } = (await sandboxControl(request, "GET", `/consents/${initId}`)) as {
    consent: { consentId: string; artefacts: { careContexts: { id: string }[] }[] };
  };
  return { consentId: consent.consentId, careContextIds: consent.artefacts.flatMap((a) => a.careContexts.map((c) => c.id)).sort() };
}

async function onPushReports(request: APIRequestContext, consentId: string) {
  const { reports } = (await sandboxControl(request, "GET", "/on-push")) as {
    reports: { consent_id: string; status_response: { care_context_id: string; success: boolean; description: string }[] }[];
  };
  return reports.filter((r) => r.consent_id === consentId).flatMap((r) => r.status_response);
}

async function setFaults(request: APIRequestContext, faults: Record<string, unknown> | null) {
  const res = faults
    ? await request.fetch(`${SANDBOX_URL}/__control/faults`, { method: "PATCH", data: faults })
    : await request.fetch(`${SANDBOX_URL}/__control/faults`, { method: "DELETE" });
  expect(res.ok()).toBe(true);
}

test.describe("health data ingestion", () => {
  test("approve → pushed → decrypted → stored: every visit Stored, EKA told, inbox Done", async ({ page, browser, request }) => {
    const { consent, initId } = await raiseAndApprove(page, browser, "kabir.nair@sbx");

    await expect(visits(consent).first()).toBeVisible();
    await expect(visits(consent).filter({ hasNotText: "Stored" })).toHaveCount(0, { timeout: 60_000 });
    const shown = await visits(consent).count();
    await consent.expectNoReload();

    const sbx = await sandboxConsent(request, initId);
    expect(shown).toBe(sbx.careContextIds.length);
    await expect
      .poll(async () => (await onPushReports(request, sbx.consentId)).map((s) => s.care_context_id).sort(), { timeout: 30_000 })
      .toEqual(sbx.careContextIds);
    expect((await onPushReports(request, sbx.consentId)).every((s) => s.success)).toBe(true);

    const adminCtx = await browser.newContext();
    const adminPage = await adminCtx.newPage();
    await new SignInPage(adminPage).signInAs("admin");
    const inbox = new AdminInboxPage(adminPage);
    await inbox.goto("done");
    const pushes = inbox.rows(sbx.consentId, "Data push");
    await expect(pushes.first()).toBeVisible();
    for (const row of await pushes.all()) {
      await expect(row).toContainText("Done");
      // The outcome column: every entry of the push stored ("n of n stored").
      expect(await row.getByRole("cell").nth(5).textContent()).toMatch(/^(\d+) of \1 stored/);
      await expect(row).toContainText("EKA notified");
    }
    await expect(inbox.rows(initId, "Consent update").first()).toContainText("Done");
    // Metadata only: nothing of a bundle on the page.
    expect(await adminPage.content()).not.toMatch(/resourceType|"entry"/);
    await adminCtx.close();
  });

  test("a corrupted entry fails alone: its visit shows Failed with the reason, the others are Stored", async ({ page, browser, request }) => {
    await setFaults(request, { corruptEntryIndex: 0 });
    try {
      const { consent, initId } = await raiseAndApprove(page, browser, "asha.verma@sbx");
      const sbx = await sandboxConsent(request, initId);
      await expect
        .poll(async () => (await onPushReports(request, sbx.consentId)).length, { timeout: 60_000 })
        .toBe(sbx.careContextIds.length);
      const reports = await onPushReports(request, sbx.consentId);
      const failed = reports.filter((s) => !s.success);
      // Entry 0 of every push (one push per facility) was corrupted; the rest decrypted.
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((s) => /Decryption failed/.test(s.description))).toBe(true);
      expect(reports.filter((s) => s.success).length).toBe(sbx.careContextIds.length - failed.length);

      await expect(visits(consent).filter({ hasText: "Failed" })).toHaveCount(failed.length, { timeout: 30_000 });
      await expect(visits(consent).filter({ hasText: "Failed" }).first()).toContainText("Reason: Decryption failed");
      await expect(visits(consent).filter({ hasText: "Stored" })).toHaveCount(sbx.careContextIds.length - failed.length);
    } finally {
      await setFaults(request, null);
    }
  });
});
