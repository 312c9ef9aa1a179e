import { expect, test, type Browser, type Page } from "@playwright/test";
import { PatientsPage, type RequestChoices } from "./pages/patients";
import { SandboxPhrPage, sandboxControl } from "./pages/sandbox-phr";
import { DEMO, DEMO_PASSWORD } from "./pages/sign-in";

/**
 * Both parties of a consent, in two pages: the clinician in the portal, the patient on the
 * sandbox's PHR page. The clinician's consent page stays open and must change by itself.
 *
 * The e2e data directory survives between runs, so each request asks for a random records range:
 * an identical request still pending from an earlier run would otherwise be (rightly) refused as
 * a duplicate.
 */

function randomRange(): Pick<RequestChoices, "from" | "to"> {
  const start = Date.UTC(2019, 0, 1) + Math.floor(Math.random() * 1500) * 86_400_000;
  const end = start + (30 + Math.floor(Math.random() * 300)) * 86_400_000;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: day(start), to: day(end) };
}

/**
 * Signs in once the sign-in form is hydrated: a click before hydration submits the bare HTML form
 * (a reload with empty fields), which made these tests flaky on a busy machine.
 */
async function clinician(page: Page) {
  await page.goto("/sign-in");
  await page.waitForFunction(() => {
    const form = document.querySelector("form");
    return Boolean(form && Object.keys(form).some((k) => k.startsWith("__react")));
  });
  await page.getByLabel("Email").fill(DEMO.clinician);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("button", { name: /open user menu/i })).toBeVisible();
  return new PatientsPage(page);
}

async function patientPage(browser: Browser, abhaAddress: string) {
  const ctx = await browser.newContext();
  const phr = new SandboxPhrPage(await ctx.newPage());
  await phr.open(abhaAddress);
  return { phr, close: () => ctx.close() };
}

test.describe("consent workflow, clinician and patient", () => {
  test("approve: the patient approves on the PHR page and the open consent page turns Granted with its facilities", async ({ page, browser }) => {
    const patients = await clinician(page);
    const form = await (await patients.open("asha.verma@sbx", { name: "Asha Verma" })).requestRecords();
    const consent = await form.send({ types: ["OP consultation", "Diagnostic report", "Prescription"], ...randomRange() });
    await consent.expectStatus("Awaiting patient");
    await expect(consent.page.getByText("Waiting for the patient").first()).toBeVisible();
    const initId = await consent.consentInitId();
    await consent.markDocument();

    const { phr, close } = await patientPage(browser, "asha.verma@sbx");
    await phr.approve(initId);
    await close();

    await consent.expectStatus("Granted");
    await expect(consent.facilities()).toHaveCount(3);
    const lotus = consent.facility("Lotus Diagnostics Lab");
    await expect(lotus.getByText("Granted", { exact: true })).toBeVisible();
    await expect(lotus.getByText("Blood panel, May 2024")).toBeVisible();
    await expect(lotus.getByText(/Awaiting data|Received|Decrypted|Stored/).first()).toBeVisible();
    await expect(consent.page.getByRole("cell", { name: /3 shared/ })).toBeVisible();
    await consent.expectNoReload();

    // The worklist shows it too.
    await page.goto("/consents?status=GRANTED");
    await expect(page.getByRole("row", { name: /Asha Verma/ }).first()).toBeVisible();
  });

  test("deny: the patient denies with a reason and the consent page shows Denied and offers to request again", async ({ page, browser }) => {
    const patients = await clinician(page);
    const form = await (await patients.open("kabir.nair@sbx")).requestRecords();
    const consent = await form.send({ types: ["Discharge summary"], ...randomRange() });
    await consent.expectStatus("Awaiting patient");
    const initId = await consent.consentInitId();
    await consent.markDocument();

    const reason = "I only share these with my cardiologist";
    const { phr, close } = await patientPage(browser, "kabir.nair@sbx");
    await phr.deny(initId, reason);
    await close();

    await consent.expectStatus("Denied");
    const notice = consent.page.getByRole("alert").filter({ hasText: "The patient denied this request" });
    await expect(notice).toBeVisible();
    // ABDM's notify has no reason; the sandbox sends the patient's words as an extra field.
    await expect(notice).toContainText(reason);
    await consent.expectNoReload();

    await consent.page.getByRole("link", { name: "Request again" }).click();
    await expect(page.getByRole("heading", { name: "Request records again", level: 1 })).toBeVisible();
    await expect(page.getByRole("checkbox", { name: /^Discharge summary/ })).toBeChecked();
    await expect(page.getByRole("checkbox", { name: /^Prescription/ })).not.toBeChecked();
  });

  test("revoke: the patient revokes one facility; that card turns Revoked with its records deleted, the rest stay Granted", async ({ page, browser }) => {
    const patients = await clinician(page);
    const form = await (await patients.open("devika.sen@sbx")).requestRecords();
    const consent = await form.send({ types: ["Health document", "Diagnostic report", "Prescription", "Wellness record", "Invoice"], ...randomRange() });
    const initId = await consent.consentInitId();

    const { phr, close } = await patientPage(browser, "devika.sen@sbx");
    await phr.approve(initId);
    await consent.expectStatus("Granted");
    await expect(consent.facilities()).toHaveCount(3);
    await consent.markDocument();

    await phr.revoke(initId, "Lotus Diagnostics Lab (sandbox)");
    await close();

    const lotus = consent.facility("Lotus Diagnostics Lab");
    await expect(lotus.getByText("Revoked", { exact: true })).toBeVisible({ timeout: 30_000 });
    await expect(lotus.getByText(/its records were deleted/)).toBeVisible();
    await expect(lotus.getByText("Purged").first()).toBeVisible();
    await expect(consent.facility("Riverside General Hospital").getByText("Granted", { exact: true })).toBeVisible();
    await consent.expectStatus("Granted");
    await consent.expectNoReload();
  });

  test("auto-approval: with auto-approval on, a new request is granted at once", async ({ page, browser }) => {
    const { phr, close } = await patientPage(browser, "rohan.pillai@sbx");
    await phr.setAutoApproval(true);
    try {
      const patients = await clinician(page);
      const form = await (await patients.open("rohan.pillai@sbx")).requestRecords();
      const consent = await form.send({ types: ["OP consultation", "Immunization record"], ...randomRange() });
      await consent.expectStatus("Granted", 15_000);
      await expect(consent.facilities()).toHaveCount(2);
    } finally {
      await phr.page.reload();
      await phr.setAutoApproval(false);
      await close();
    }
  });

  test("expiry: a request that expires at EKA turns Expired on the open page, with request again offered", async ({ page, request }) => {
    const patients = await clinician(page);
    const form = await (await patients.open("meera.joshi@sbx")).requestRecords();
    const consent = await form.send({ types: ["Immunization record"], expiry: "7 days", ...randomRange() });
    await consent.expectStatus("Awaiting patient");
    const initId = await consent.consentInitId();
    await consent.markDocument();

    await sandboxControl(request, "POST", `/consents/${initId}/expire`);

    await consent.expectStatus("Expired");
    await expect(consent.page.getByText("This consent has expired")).toBeVisible();
    await expect(consent.page.getByRole("link", { name: "Request again" })).toBeVisible();
    await consent.expectNoReload();
  });

  test("ABDM error: an ABHA address unknown to ABDM fails with EKA's code and a plain next step", async ({ page }) => {
    const patients = await clinician(page);
    const form = await (await patients.open("no.such.person@sbx")).requestRecords();
    const consent = await form.send({ ...randomRange() });
    await consent.expectStatus("Failed");
    const error = consent.page.getByRole("alert").filter({ hasText: "EKA / ABDM refused this request" });
    await expect(error).toContainText("ABDM-1010");
    await expect(error).toContainText("Patient not found for the given ABHA address");
    await expect(error).toContainText("The ABHA address is not known to ABDM — check it with the patient");
    await expect(consent.page.getByRole("link", { name: "Request again" })).toBeVisible();
  });

  test("form: malformed input is refused field by field and announced; an identical pending request is not sent twice", async ({ page }) => {
    const patients = await clinician(page);

    // ABHA address rules on the add-patient form.
    await patients.goto();
    const add = page.getByRole("region", { name: "Find or add a patient" });
    await add.getByLabel("ABHA address").fill("ravi@sbx@sbx");
    await add.getByRole("button", { name: "Find or add patient" }).click();
    await expect(add.getByRole("alert")).toContainText("more than one “@”");
    await expect(add.getByLabel("ABHA address")).toHaveAttribute("aria-invalid", "true");

    const form = await (await patients.open("asha.verma@sbx")).requestRecords();
    await page.getByRole("button", { name: "Clear" }).click();
    await form.fill({ from: "2024-06-01", to: "2024-01-01" });
    await form.submit();
    const summary = page.getByRole("alert").filter({ hasText: "The request was not sent" });
    await expect(summary).toContainText("Types of record: Choose at least one type of record.");
    await expect(summary).toContainText("To: The end date must be on or after the start date.");
    await expect(page.getByLabel("To", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByLabel("To", { exact: true })).toHaveAccessibleDescription(/on or after the start date/);

    const range = randomRange();
    await form.fill({ types: ["Prescription"], ...range });
    await form.submit();
    await expect(page).toHaveURL(/\/consents\/[0-9a-f-]{36}$/);
    const first = page.url();
    await page.goBack();
    const again = await (await patients.open("asha.verma@sbx")).requestRecords();
    await again.fill({ types: ["Prescription"], ...range });
    await again.submit();
    await expect(page.getByText("Already asked")).toBeVisible();
    await page.getByRole("link", { name: "Open the pending request" }).click();
    await expect(page).toHaveURL(first);
  });
});
