import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, SignInPage } from "./pages/sign-in";

test.describe("sign-in and roles", () => {
  test("a clinician signs in, lands on consents, and sees no admin menu", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs("clinician");
    await expect(page).toHaveURL(/\/consents/);
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Patients" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
  });

  test("an admin signs in and lands on users; an auditor on the audit log", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs("admin");
    await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();
    await signIn.signOut();
    await signIn.signInAs("auditor");
    await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
    await expect(page.getByRole("cell", { name: "auth.sign_in" }).first()).toBeVisible();
  });

  test("a wrong password shows a clear error", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signIn("clinician@demo.hiu", "not-the-password");
    await expect(signIn.error()).toHaveText("The email or password is incorrect.");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("a clinician who opens an admin URL gets a not-found page", async ({ page }) => {
    await new SignInPage(page).signInAs("clinician");
    for (const url of ["/admin/users", "/admin/keys", "/audit"]) {
      const res = await page.goto(url);
      expect(res?.status()).toBe(404);
      await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    }
  });

  test("an anonymous visitor is sent to sign in, then back", async ({ page }) => {
    await page.goto("/patients");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fpatients/);
    await page.getByLabel("Email").fill("clinician@demo.hiu");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(/\/patients$/);
  });

  test("sign out ends the session", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs("clinician");
    await signIn.signOut();
    await page.goto("/consents");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("a disabled user cannot sign in", async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.signInAs("admin");
    const stamp = Date.now().toString(36);
    const name = `Temporary Nurse ${stamp}`;
    const email = `nurse.${stamp}@demo.hiu`;
    await page.getByLabel("Full name").fill(name);
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Add user" }).click();
    // A clinician needs a registration number: the form says so and keeps what was typed.
    await expect(page.getByText("Clinicians need a registration number")).toBeVisible();
    await page.getByLabel("Full name").fill(name);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Registration number (for consent requests)").fill("KA-99001");
    await page.getByRole("button", { name: "Add user" }).click();
    const password = await page.locator("code").first().textContent();
    expect(password).toMatch(/^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/);
    await page.getByRole("button", { name: `Disable ${name}` }).click();
    await expect(page.getByRole("row", { name: new RegExp(name) })).toContainText("Disabled");
    await signIn.signOut();
    await signIn.signIn(email, password!);
    await expect(signIn.error()).toHaveText(/This account is disabled/);
  });
});
