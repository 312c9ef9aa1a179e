import { expect, type Locator, type Page } from "@playwright/test";

/** The timeline section of /patients/[id]. */
export class TimelineSection {
  constructor(readonly page: Page) {}

  region(): Locator {
    return this.page.getByRole("region", { name: "Timeline" });
  }

  filters(): Locator {
    return this.page.getByRole("search", { name: "Filter the timeline" });
  }

  /** One line per clinical item. */
  items(): Locator {
    return this.region().getByTestId("timeline-item");
  }

  /** One block per record and day: HI type, facility, New, links to the record and consent. */
  records(): Locator {
    return this.region().getByTestId("timeline-record");
  }

  /** The HI type of every record block on this page. */
  async typeLabels(): Promise<string[]> {
    return (await this.records().getByTestId("hi-type").allTextContents()).map((t) => t.trim());
  }

  async filterBy(opts: { type?: string; facility?: string; q?: string; from?: string; to?: string }) {
    const f = this.filters();
    if (opts.q !== undefined) await f.getByLabel("Search records").fill(opts.q);
    if (opts.type !== undefined) await f.getByLabel("Record type").selectOption({ label: opts.type });
    if (opts.facility !== undefined) await f.getByLabel("Facility").selectOption({ label: opts.facility });
    if (opts.from !== undefined) await f.getByLabel("From").fill(opts.from);
    if (opts.to !== undefined) await f.getByLabel("To").fill(opts.to);
    await this.navigates(() => f.getByRole("button", { name: "Apply" }).click());
  }

  async clear() {
    await this.navigates(() => this.filters().getByRole("link", { name: "Clear" }).click());
  }

  /** Goes to the next (older) page; false when this is the last one. */
  async older(): Promise<boolean> {
    const link = this.page.getByRole("navigation", { name: "Timeline pages" }).getByRole("link", { name: "Older" });
    if ((await link.count()) === 0) return false;
    await this.navigates(() => link.click());
    return true;
  }

  /** Runs `action` and waits until the URL has changed and the timeline is there again. */
  private async navigates(action: () => Promise<void>) {
    const before = this.page.url();
    await action();
    await this.page.waitForURL((u) => u.toString() !== before);
    await expect(this.region()).toBeVisible();
  }

  /** The record types offered by the filter (only those the patient has records of). */
  async typeOptions(): Promise<string[]> {
    return (await this.filters().getByLabel("Record type").locator("option").allTextContents()).map((t) => t.trim());
  }

  /** The distinct record pages linked from this page of the timeline. */
  async recordHrefs(): Promise<string[]> {
    const hrefs = await this.records().getByRole("link", { name: /Open record/ }).evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    return [...new Set(hrefs.filter((h): h is string => !!h))];
  }

  /** The item titles (links) on this page. */
  async titles(): Promise<string[]> {
    return (await this.items().getByRole("link").allTextContents()).map((t) => t.trim());
  }

  /** Opens the record of the first item whose title matches. */
  async openItem(title: string | RegExp) {
    await this.region().getByRole("link", { name: title }).first().click();
    await expect(this.page).toHaveURL(/\/records\/[0-9a-f-]{36}/);
    return new RecordPage(this.page);
  }

  async waitForItems(min = 1, timeout = 60_000) {
    await expect
      .poll(
        async () => {
          await this.page.reload();
          return this.items().count();
        },
        { timeout, intervals: [2_000] },
      )
      .toBeGreaterThanOrEqual(min);
  }
}

/** /records/[id]: one record with its provenance, the HI-type view and trend charts. */
export class RecordPage {
  constructor(readonly page: Page) {}

  provenance(): Locator {
    return this.page.getByRole("region", { name: "Where this record came from" });
  }

  trends(): Locator {
    return this.page.getByRole("region", { name: "Trends across records" });
  }
}
