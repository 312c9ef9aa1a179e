/**
 * Calendar dates for consent ranges, in India Standard Time. IST is UTC+05:30 all year (no DST),
 * so a fixed offset is exact. A clinician picks days; ABDM wants instants — a day runs from its
 * IST midnight to the last millisecond before the next one.
 */

const IST_OFFSET_MS = (5 * 60 + 30) * 60_000;
export const DAY_MS = 86_400_000;
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The IST calendar day of an instant, as `YYYY-MM-DD`. */
export function istDay(d: Date): string {
  return new Date(d.getTime() + IST_OFFSET_MS).toISOString().slice(0, 10);
}

export function isYmd(s: string): boolean {
  const m = YMD.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

export function startOfIstDay(ymd: string): Date {
  return new Date(Date.parse(`${ymd}T00:00:00.000Z`) - IST_OFFSET_MS);
}

export function endOfIstDay(ymd: string): Date {
  return new Date(startOfIstDay(ymd).getTime() + DAY_MS - 1);
}

/** `ymd` moved by whole months, clamped to the month's last day (31 Mar − 1 month = 28/29 Feb). */
export function addMonths(ymd: string, months: number): string {
  const [y, m, d] = ymd.split("-").map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

export function addDays(ymd: string, days: number): string {
  return new Date(Date.parse(`${ymd}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

const dayFormat = new Intl.DateTimeFormat("en-IN", { day: "numeric", month: "short", year: "numeric", timeZone: "Asia/Kolkata" });
const dateTimeFormat = new Intl.DateTimeFormat("en-IN", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Kolkata" });

export function formatDay(d: Date | string): string {
  return dayFormat.format(typeof d === "string" ? new Date(d) : d);
}

export function formatDateTime(d: Date | string): string {
  return dateTimeFormat.format(typeof d === "string" ? new Date(d) : d);
}

/** "in 3 days", "in 5 hours", "2 days ago" — coarse on purpose (a worklist column). */
export function relativeTime(target: Date | string, now: Date = new Date()): string {
  const ms = (typeof target === "string" ? Date.parse(target) : target.getTime()) - now.getTime();
  const abs = Math.abs(ms);
  const unit =
    abs >= 2 * DAY_MS
      ? { n: Math.round(abs / DAY_MS), w: "day" }
      : abs >= 2 * 3_600_000
        ? { n: Math.round(abs / 3_600_000), w: "hour" }
        : { n: Math.max(1, Math.round(abs / 60_000)), w: "minute" };
  const text = `${unit.n} ${unit.w}${unit.n === 1 ? "" : "s"}`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}
