import { expect, type Page } from "@playwright/test";

/** /admin/inbox: EKA webhook deliveries as an admin sees them. */
export class AdminInboxPage {
  constructor(readonly page: Page) {}

  async goto(status?: "done" | "failed" | "dead" | "pending") {
    await this.page.goto(status ? `/admin/inbox?status=${status}` : "/admin/inbox");
    await expect(this.page.getByRole("heading", { name: "Webhook inbox", level: 1 })).toBeVisible();
  }

  /** Rows of one event type whose consent column shows `consentId`. */
  rows(consentId: string, event: "Data push" | "Consent update") {
    return this.page
      .getByRole("table", { name: "Webhook deliveries" })
      .getByRole("row")
      .filter({ hasText: consentId })
      .filter({ hasText: event });
  }
}
