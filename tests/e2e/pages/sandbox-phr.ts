import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const SANDBOX_URL = `http://localhost:${process.env.E2E_SANDBOX_PORT ?? 4110}`;

/** The sandbox's patient app (PHR page): the patient's side of the flow, played in a second page. */
export class SandboxPhrPage {
  constructor(readonly page: Page) {}

  async open(abhaAddress: string) {
    await this.page.goto(`${SANDBOX_URL}/?patient=${encodeURIComponent(abhaAddress)}`);
    await expect(this.page.getByRole("heading", { name: "Consent requests", level: 2 })).toBeVisible();
  }

  /** The card of one request, found by its request id. */
  request(consentInitId: string) {
    return this.page.getByRole("article").filter({ hasText: consentInitId });
  }

  async approve(consentInitId: string) {
    await this.request(consentInitId).getByRole("form", { name: "Approve this request" }).getByRole("button", { name: "Approve" }).click();
    await expect(this.request(consentInitId).getByText("GRANTED", { exact: true }).first()).toBeVisible();
  }

  async deny(consentInitId: string, reason: string) {
    const form = this.request(consentInitId).getByRole("form", { name: "Deny this request" });
    await form.getByLabel("Reason for denying (optional)").fill(reason);
    await form.getByRole("button", { name: "Deny" }).click();
    await expect(this.request(consentInitId).getByText("DENIED", { exact: true }).first()).toBeVisible();
  }

  /** Revokes the artefact of one facility. */
  async revoke(consentInitId: string, facility: string) {
    await this.request(consentInitId).getByRole("button", { name: `Revoke access for ${facility}` }).click();
  }

  async setAutoApproval(on: boolean) {
    const button = this.page.getByRole("button", { name: on ? "Turn auto-approval on" : "Turn auto-approval off" });
    if (await button.isVisible()) await button.click();
    await expect(this.page.getByText(`Auto-approval is ${on ? "on" : "off"}`)).toBeVisible();
  }
}

/** The sandbox control API (tests only): things no page offers, such as expiring a consent now. */
export async function sandboxControl(request: APIRequestContext, method: "GET" | "POST", path: string, body: unknown = {}) {
  const res = await request.fetch(`${SANDBOX_URL}/__control${path}`, { method, data: method === "GET" ? undefined : body });
  expect(res.ok(), `${method} ${path} → ${res.status()}`).toBe(true);
  return res.json();
}
