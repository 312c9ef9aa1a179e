import { expect, test } from "@playwright/test";
import { SignInPage } from "./pages/sign-in";

test.describe("encryption keys", () => {
  test("an admin rotates the HIU key; the old one is retired with its grace period", async ({ page }) => {
    await new SignInPage(page).signInAs("admin");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Encryption keys" }).click();
    await expect(page.getByRole("heading", { name: "Encryption keys", level: 1 })).toBeVisible();
    const active = page.locator("section", { has: page.locator("#active-key-heading") });
    const before = (await active.locator("dd.font-mono").first().textContent())?.trim();
    expect(before).toBeTruthy();

    await page.getByRole("button", { name: "Rotate now" }).click();
    await page.getByRole("button", { name: "Yes, rotate the key" }).click();

    await expect(active.locator("dd.font-mono").first()).not.toHaveText(before!);
    const retired = page.getByRole("table", { name: /Retired keys/ });
    await expect(retired.getByRole("row", { name: new RegExp(before!) })).toBeVisible();
    // The page never shows private material.
    expect(await page.content()).not.toMatch(/private[_ ]?key["':]/i);
  });
});
