import { expect, type Page } from "@playwright/test";

/** /patients: the clinician's patient list and the find-or-add form. */
export class PatientsPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto("/patients");
    await expect(this.page.getByRole("heading", { name: "Patients", level: 1 })).toBeVisible();
  }

  /** Finds or adds the patient and lands on their page. */
  async open(abhaAddress: string, extra: { abhaNumber?: string; name?: string } = {}) {
    await this.goto();
    const form = this.page.getByRole("region", { name: "Find or add a patient" });
    await form.getByLabel("ABHA address").fill(abhaAddress);
    if (extra.abhaNumber) await form.getByLabel("ABHA number (optional)").fill(extra.abhaNumber);
    if (extra.name) await form.getByLabel("Name (optional)").fill(extra.name);
    await form.getByRole("button", { name: "Find or add patient" }).click();
    await expect(this.page).toHaveURL(/\/patients\/[0-9a-f-]{36}$/);
    return new PatientPage(this.page);
  }
}

export class PatientPage {
  constructor(private readonly page: Page) {}

  async requestRecords() {
    await this.page.getByRole("link", { name: "Request records" }).first().click();
    await expect(this.page.getByRole("heading", { name: /^Request records/, level: 1 })).toBeVisible();
    return new ConsentRequestForm(this.page);
  }
}

export type RequestChoices = {
  purpose?: string;
  /** Labels of the record types to tick; the rest are unticked. */
  types?: string[];
  /** Custom records range (YYYY-MM-DD); default: the form's preset. */
  from?: string;
  to?: string;
  expiry?: "7 days" | "30 days" | "90 days";
};

/** The consent request form (/patients/[id]/request). */
export class ConsentRequestForm {
  constructor(readonly page: Page) {}

  async fill(c: RequestChoices) {
    const p = this.page;
    if (c.purpose) await p.getByRole("radio", { name: new RegExp(`^${c.purpose}`) }).check();
    if (c.types) {
      await p.getByRole("button", { name: "Clear" }).click();
      for (const t of c.types) await p.getByRole("checkbox", { name: new RegExp(`^${t}`) }).check();
    }
    if (c.from) await p.getByLabel("From", { exact: true }).fill(c.from);
    if (c.to) await p.getByLabel("To", { exact: true }).fill(c.to);
    if (c.expiry) await p.getByRole("radio", { name: c.expiry, exact: true }).check();
  }

  async submit() {
    await this.page.getByRole("button", { name: "Send consent request" }).click();
  }

  /** Fills, sends, and waits for the consent page. */
  async send(c: RequestChoices = {}) {
    await this.fill(c);
    await this.submit();
    await expect(this.page).toHaveURL(/\/consents\/[0-9a-f-]{36}$/);
    return new ConsentPage(this.page);
  }
}

/** /consents/[id]: one consent request, updating itself. */
export class ConsentPage {
  constructor(readonly page: Page) {}

  /** The live status line (an aria-live region). */
  status() {
    return this.page.getByRole("region", { name: "Status" });
  }

  async expectStatus(label: string, timeout = 30_000) {
    await expect(this.status().getByText(label, { exact: true })).toBeVisible({ timeout });
  }

  facility(name: string) {
    return this.page.getByRole("article", { name: new RegExp(`^${name}`) });
  }

  facilities() {
    return this.page.getByRole("region", { name: "Facilities" }).getByRole("article");
  }

  /** EKA's consent request id, from the technical details. */
  async consentInitId(): Promise<string> {
    const id = this.page.getByTestId("consent-init-id");
    await expect(id).toHaveText(/[0-9a-f-]{36}/);
    return (await id.textContent())!.trim();
  }

  /** Marks the document; `expectNoReload` fails if the page was reloaded since. */
  async markDocument() {
    await this.page.evaluate(() => ((window as unknown as { __notReloaded: boolean }).__notReloaded = true));
  }

  async expectNoReload() {
    expect(await this.page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
  }
}
