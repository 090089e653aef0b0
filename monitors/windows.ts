/**
 * Calendar windows for SLA reports in a time zone (default Asia/Shanghai): the day, ISO week
 * (Monday first), month, quarter or year containing an instant, as [start, end) in epoch
 * milliseconds. Wall-clock midnights are converted with the zone's offset at that moment, so the
 * rules also hold in zones with daylight saving time.
 */
export type CalendarPeriod = "day" | "week" | "month" | "quarter" | "year";
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

export interface WallDate {
  year: number;
  month: number; // 1–12
  day: number;
}

// Building an Intl.DateTimeFormat costs far more than formatting with one (about 0.2 ms against
// 2 µs): a year of daily maintenance occurrences built thousands. One per zone and use, kept.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function cached(cache: Map<string, Intl.DateTimeFormat>, timeZone: string, make: () => Intl.DateTimeFormat) {
  let format = cache.get(timeZone);
  if (!format) {
    format = make(); // throws RangeError for an unknown zone, so only valid zones are kept
    cache.set(timeZone, format);
  }
  return format;
}

export function wallDateOf(instant: number, timeZone: string): WallDate & { weekday: number } {
  const format = cached(
    dateFormats,
    timeZone,
    () =>
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        year: "numeric",
        month: "numeric",
        day: "numeric",
        weekday: "short",
      }),
  );
  const parts = format.formatToParts(new Date(instant));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(get("weekday"));
  return { year: Number(get("year")), month: Number(get("month")), day: Number(get("day")), weekday };
}

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const format = cached(
    offsetFormats,
    timeZone,
    () =>
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      }),
  );
  const parts = format.formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - (instant - (instant % 1000));
}

/** Epoch milliseconds of midnight at the start of a wall date in the zone. */
export function zonedMidnight(date: WallDate, timeZone: string): number {
  return zonedWallTime(date, 0, timeZone);
}

/**
 * Epoch milliseconds of a wall-clock time (minutes after midnight) on a wall date in the zone. Where
 * daylight saving applies, a wall time skipped by the spring jump resolves an hour early (the offset
 * before the jump), and one repeated in autumn resolves to its first occurrence.
 */
export function zonedWallTime(date: WallDate, minuteOfDay: number, timeZone: string): number {
  const guess = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  let instant = guess - offsetAt(guess, timeZone);
  // A second pass settles the case where the offset differs between the guess and the answer (DST).
  instant = guess - offsetAt(instant, timeZone);
  return instant;
}

/** Normalises month/day overflow (month 13 → next January) through UTC arithmetic. */
export function addDays(d: WallDate, days: number): WallDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export function calendarWindow(
  period: CalendarPeriod,
  instant: number,
  timeZone = DEFAULT_TIME_ZONE,
): { start: number; end: number } {
  const d = wallDateOf(instant, timeZone);
  let first: WallDate;
  let next: WallDate;
  switch (period) {
    case "day":
      first = d;
      next = addDays(d, 1);
      break;
    case "week":
      first = addDays(d, -d.weekday);
      next = addDays(first, 7);
      break;
    case "month":
      first = { year: d.year, month: d.month, day: 1 };
      next = d.month === 12 ? { year: d.year + 1, month: 1, day: 1 } : { year: d.year, month: d.month + 1, day: 1 };
      break;
    case "quarter": {
      const q = Math.floor((d.month - 1) / 3) * 3 + 1;
      first = { year: d.year, month: q, day: 1 };
      next = q === 10 ? { year: d.year + 1, month: 1, day: 1 } : { year: d.year, month: q + 3, day: 1 };
      break;
    }
    case "year":
      first = { year: d.year, month: 1, day: 1 };
      next = { year: d.year + 1, month: 1, day: 1 };
      break;
  }
  return { start: zonedMidnight(first, timeZone), end: zonedMidnight(next, timeZone) };
}
