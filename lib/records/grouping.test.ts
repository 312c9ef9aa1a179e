import { describe, expect, it } from "vitest";
import { blocksByRecord, groupKeyOf, groupLabel, groupTimeline, timeOfDay } from "./grouping";

const item = (dateText: string | null, dateSort: string | null = null) => ({ dateText, dateSort });

describe("timeline grouping", () => {
  it("groups on the day as written, never shifted by a zone conversion", () => {
    // 23:30 at -06:00 is 05:30 UTC / 11:00 IST the next day; it stays on 9 July.
    expect(groupKeyOf(item("2020-07-09T23:30:00-06:00", "2020-07-10T05:30:00.000Z"))).toBe("2020-07-09");
    // A date-only value sorts at IST midnight (18:30 UTC the day before); still its own day.
    expect(groupKeyOf(item("2020-07-09", "2020-07-08T18:30:00.000Z"))).toBe("2020-07-09");
    expect(groupKeyOf(item("2019-08-01T10:00:00.818234"))).toBe("2019-08-01");
  });

  it("keeps partial dates partial, and labels them honestly", () => {
    expect(groupKeyOf(item("2019"))).toBe("2019");
    expect(groupKeyOf(item("2021-06"))).toBe("2021-06");
    expect(groupLabel("2019")).toEqual({ label: "2019", note: "year only", precision: "year" });
    expect(groupLabel("2021-06")).toEqual({ label: "June 2021", note: "month only", precision: "month" });
    expect(groupLabel("2020-07-09")).toEqual({ label: "Thu, 9 July 2020", note: null, precision: "day" });
  });

  it("places an item without its own date on the IST day it is ordered by, else in Undated", () => {
    expect(groupKeyOf(item(null, "2020-07-08T18:30:00.000Z"))).toBe("2020-07-09");
    expect(groupKeyOf(item(null, null))).toBe("undated");
    expect(groupKeyOf(item("sometime in childhood", null))).toBe("undated");
    expect(groupLabel("undated").label).toBe("Undated");
  });

  it("has one group per day, newest day first, partial and undated groups after", () => {
    const groups = groupTimeline([
      item("2024-01-05T10:00:00+05:30"),
      item(null),
      item("2024-01-05"),
      item("2023-12-31T23:59:00+05:30"),
      item("2023"),
    ]);
    expect(groups.map((g) => [g.key, g.items.length])).toEqual([
      ["2024-01-05", 2],
      ["2023-12-31", 1],
      ["2023", 1],
      ["undated", 1],
    ]);
  });

  it("does not show a day twice when zones interleave the instant order", () => {
    // By instant: 10 Jul 06:15 IST, then 9 Jul 15:37 -06:00 (= 10 Jul 03:07 IST), then 9 Jul 14:58 IST.
    const groups = groupTimeline([
      item("2020-07-10T11:45:00+11:00", "2020-07-10T00:45:00.000Z"),
      item("2020-07-09T15:37:00-06:00", "2020-07-09T21:37:00.000Z"),
      item("2020-07-10", "2020-07-09T18:30:00.000Z"),
      item("2020-07-09T14:58:00+05:30", "2020-07-09T09:28:00.000Z"),
    ]);
    expect(groups.map((g) => [g.key, g.items.map((i) => i.dateText)])).toEqual([
      ["2020-07-10", ["2020-07-10T11:45:00+11:00", "2020-07-10"]],
      ["2020-07-09", ["2020-07-09T15:37:00-06:00", "2020-07-09T14:58:00+05:30"]],
    ]);
  });

  it("shows the time as written with its zone, and hides midnight placeholders", () => {
    expect(timeOfDay("2020-07-09T15:32:00+05:30")).toBe("15:32 IST");
    expect(timeOfDay("2020-07-09T09:00:00Z")).toBe("09:00 UTC");
    expect(timeOfDay("2020-07-09T09:00:00-06:00")).toBe("09:00 UTC-06:00");
    expect(timeOfDay("2020-07-09T10:00:00.818234")).toBe("10:00 IST");
    expect(timeOfDay("2020-07-09T00:00:00+05:30")).toBeNull();
    expect(timeOfDay("2020-07-09")).toBeNull();
    expect(timeOfDay(null)).toBeNull();
  });
});

describe("record blocks", () => {
  it("joins a day's items of a record into one block and puts the report or admission first", () => {
    const it = (recordId: string, resourceType: string, title: string) => ({ recordId, resourceType, title });
    const blocks = blocksByRecord([
      it("a", "Observation", "Hb"),
      it("a", "DiagnosticReport", "CBC"),
      it("a", "Observation", "Platelets"),
      it("b", "Condition", "Fever"),
      it("a", "Observation", "Later"),
    ]);
    expect(blocks.map((b) => [b.recordId, b.items.map((i) => i.title)])).toEqual([
      ["a", ["CBC", "Hb", "Platelets", "Later"]],
      ["b", ["Fever"]],
    ]);
  });
});
