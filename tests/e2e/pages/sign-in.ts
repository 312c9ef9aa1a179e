import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "e2e-Password-123";
export const DEMO = {
  clinician: "clinician@demo.hiu",
  admin: "admin@demo.hiu",
  auditor: "auditor@demo.hiu",
} as const;

export class SignInPage {
  constructor(private readonly page: Page) {}

  async goto() {
    await this.page.goto("/sign-in");
  }

  /** The sign-in form's own message (Next's route announcer is an alert too). */
  error() {
    return this.page.getByRole("main").getByRole("alert");
  }

  async signIn(email: string, password: string) {
    await this.goto();
    await this.page.getByLabel("Email").fill(email);
    await this.page.getByLabel("Password").fill(password);
    await this.page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  async signInAs(role: keyof typeof DEMO) {
    await this.signIn(DEMO[role], DEMO_PASSWORD);
    await expect(this.page.getByRole("button", { name: /open user menu/i })).toBeVisible();
  }

  async signOut() {
    await this.page.getByRole("button", { name: /open user menu/i }).click();
    await this.page.getByRole("button", { name: "Sign out" }).click();
    await expect(this.page.getByRole("heading", { name: "Sign in to the HIU Portal" })).toBeVisible();
  }
}
