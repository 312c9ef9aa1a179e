import { describe, expect, it } from "vitest";
import { ageInYears, dayKey, formatFhirDate, isMidnightPlaceholder, parseFhirDate } from "./dates";

describe("parseFhirDate", () => {
  it("places date-only values at IST midnight so they never move to the previous day", () => {
    expect(parseFhirDate("2020-07-09")).toMatchObject({ precision: "day", instant: "2020-07-08T18:30:00.000Z" });
  });

  it("keeps partial dates at their own precision", () => {
    expect(parseFhirDate("2019")).toMatchObject({ precision: "year", instant: "2018-12-31T18:30:00.000Z" });
    expect(parseFhirDate("2021-06")).toMatchObject({ precision: "month", instant: "2021-05-31T18:30:00.000Z" });
  });

  it("honours every offset style seen in ABDM data", () => {
    expect(parseFhirDate("2020-07-09T15:32:26.605+05:30")?.instant).toBe("2020-07-09T10:02:26.605Z");
    expect(parseFhirDate("2020-07-12T09:00:00Z")?.instant).toBe("2020-07-12T09:00:00.000Z");
    expect(parseFhirDate("2020-07-10T11:45:33+11:00")?.instant).toBe("2020-07-10T00:45:33.000Z");
    expect(parseFhirDate("2020-07-09T15:37:31-06:00")?.instant).toBe("2020-07-09T21:37:31.000Z");
    expect(parseFhirDate("2020-07-09T15:37:31+0530")?.offset).toBe("+05:30");
  });

  it("reads offset-less times (with microseconds) as IST", () => {
    const p = parseFhirDate("2019-08-01T10:00:00.818234");
    expect(p).toMatchObject({ precision: "datetime", offset: null, instant: "2019-08-01T04:30:00.818Z" });
  });

  it("accepts a time without seconds and a space separator", () => {
    expect(parseFhirDate("2019-08-01 10:00")?.instant).toBe("2019-08-01T04:30:00.000Z");
  });

  it("rejects impossible and free-text dates instead of guessing", () => {
    for (const bad of ["2020-02-30", "2020-13-01", "2020-07-09T25:00:00Z", "childhood", "", "09/07/2020", "2020-07-09T10:00:00+15:00", "0099-01-01"]) {
      expect(parseFhirDate(bad), bad).toBeNull();
    }
    expect(parseFhirDate(undefined)).toBeNull();
    expect(parseFhirDate(20200709)).toBeNull();
  });

  it("keeps a leap day and a leap second", () => {
    expect(parseFhirDate("2020-02-29")?.precision).toBe("day");
    expect(parseFhirDate("2016-12-31T23:59:60Z")?.instant).toBe("2016-12-31T23:59:59.000Z");
  });
});

describe("formatFhirDate", () => {
  it("shows only the precision the source has", () => {
    expect(formatFhirDate("2019")).toBe("2019");
    expect(formatFhirDate("2021-06")).toBe("Jun 2021");
    expect(formatFhirDate("2020-07-09")).toBe("9 Jul 2020");
  });

  it("shows times on the wall clock as written, with their zone", () => {
    expect(formatFhirDate("2020-07-09T15:32:26.605+05:30")).toBe("9 Jul 2020, 15:32 IST");
    expect(formatFhirDate("2020-07-12T09:00:00Z")).toBe("12 Jul 2020, 09:00 UTC");
    expect(formatFhirDate("2020-07-09T23:30:00-06:00")).toBe("9 Jul 2020, 23:30 UTC-06:00");
    expect(formatFhirDate("2019-08-01T10:00:00.818234")).toBe("1 Aug 2019, 10:00 IST");
  });

  it("hides placeholder midnight stamps", () => {
    expect(formatFhirDate("2019-08-01T00:00:00+05:30")).toBe("1 Aug 2019");
    expect(formatFhirDate("2019-08-01T00:00:00.000+05:30")).toBe("1 Aug 2019");
    expect(formatFhirDate("2018-08-01T00:00:00.605+05:30")).toBe("1 Aug 2018");
    expect(isMidnightPlaceholder(parseFhirDate("2019-08-01T00:30:00+05:30")!)).toBe(false);
  });

  it("returns unparseable input unchanged rather than hiding it", () => {
    expect(formatFhirDate("sometime in March")).toBe("sometime in March");
    expect(formatFhirDate(null)).toBe("");
  });
});

describe("dayKey and ageInYears", () => {
  it("groups by the date as written, not the UTC date", () => {
    expect(dayKey("2020-07-09T23:30:00-06:00")).toBe("2020-07-09");
    expect(dayKey("2020-07-10T01:00:00+05:30")).toBe("2020-07-10");
    expect(dayKey("2021-06")).toBe("2021-06");
  });

  it("computes ages in IST", () => {
    expect(ageInYears("1981-01-12", new Date("2020-01-11T12:00:00Z"))).toBe(38);
    expect(ageInYears("1981-01-12", new Date("2020-01-11T19:00:00Z"))).toBe(39);
    expect(ageInYears("not a date")).toBeNull();
  });
});
