import type { Interval } from "./sla";
import { addDays, DEFAULT_TIME_ZONE, type WallDate, wallDateOf, zonedWallTime } from "./windows";

/**
 * Maintenance windows (docs/monitors.md, "Maintenance windows"): one-off, or recurring daily, on
 * weekdays or on days of the month at a wall-clock time in a time zone, for a number of minutes.
 * Their minutes leave the SLA's denominator and raise no alerts. `expandMaintenance` turns them into
 * the intervals `computeSla` takes. Pure; storage and routes come with the monitors API.
 */
export type MaintenanceWindow =
  | { kind: "once"; start: number; end: number }
  | {
      kind: "recurring";
      /** "daily"; "weekly" on `weekdays` (1 Monday … 7 Sunday); "monthly" on `monthDays` (1–31). */
      frequency: "daily" | "weekly" | "monthly";
      weekdays?: readonly number[];
      monthDays?: readonly number[];
      /** Wall-clock start, "HH:MM" (24-hour), in `timeZone`. */
      startTime: string;
      durationMinutes: number;
      timeZone?: string;
      /** Occurrences starting before `from` or at/after `until` are not part of it (epoch ms). */
      from?: number;
      until?: number;
    };

const MAX_DURATION_MINUTES = 7 * 24 * 60;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function maintenanceProblems(w: MaintenanceWindow): { message: string; zh: string }[] {
  const problems: { message: string; zh: string }[] = [];
  if (w.kind === "once") {
    if (!(w.end > w.start)) problems.push({ message: "end must be after start", zh: "结束时间须晚于开始时间" });
    return problems;
  }
  if (!HHMM.test(w.startTime)) problems.push({ message: "startTime must be HH:MM", zh: "开始时刻须为 HH:MM 格式" });
  if (!Number.isInteger(w.durationMinutes) || w.durationMinutes < 1 || w.durationMinutes > MAX_DURATION_MINUTES) {
    problems.push({ message: "durationMinutes must be 1 to 10080", zh: "持续分钟数须在 1 至 10080 之间" });
  }
  if (
    w.frequency === "weekly" &&
    !(w.weekdays?.length && w.weekdays.every((d) => Number.isInteger(d) && d >= 1 && d <= 7))
  ) {
    problems.push({
      message: "weekdays must be 1 (Monday) to 7 (Sunday)",
      zh: "每周重复须选择星期一至星期日中的至少一天",
    });
  }
  if (
    w.frequency === "monthly" &&
    !(w.monthDays?.length && w.monthDays.every((d) => Number.isInteger(d) && d >= 1 && d <= 31))
  ) {
    problems.push({ message: "monthDays must be 1 to 31", zh: "每月重复须选择 1 至 31 日中的至少一天" });
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: w.timeZone ?? DEFAULT_TIME_ZONE });
  } catch {
    problems.push({ message: `unknown time zone ${w.timeZone}`, zh: `未知时区 ${w.timeZone}` });
  }
  if (w.from !== undefined && w.until !== undefined && !(w.until > w.from)) {
    problems.push({ message: "until must be after from", zh: "截止时间须晚于起始时间" });
  }
  return problems;
}

function occursOn(w: Extract<MaintenanceWindow, { kind: "recurring" }>, date: WallDate & { weekday: number }): boolean {
  if (w.frequency === "daily") return true;
  if (w.frequency === "weekly") return (w.weekdays ?? []).includes(date.weekday + 1);
  // A day the month does not have (31 in April) simply does not occur that month.
  return (w.monthDays ?? []).includes(date.day);
}

/**
 * The intervals of the windows that overlap [from, to), clipped to it, unmerged (computeSla merges).
 * A recurring window's occurrence is counted if it starts on a day that matches; one that began the
 * day before (or earlier, up to its duration) and runs into the range is included.
 */
export function expandMaintenance(windows: readonly MaintenanceWindow[], from: number, to: number): Interval[] {
  const out: Interval[] = [];
  const clip = (start: number, end: number) => {
    const s = Math.max(start, from);
    const e = Math.min(end, to);
    if (e > s) out.push({ start: s, end: e });
  };
  for (const w of windows) {
    if (w.kind === "once") {
      clip(w.start, w.end);
      continue;
    }
    if (maintenanceProblems(w).length > 0) continue;
    const zone = w.timeZone ?? DEFAULT_TIME_ZONE;
    const [hh, mm] = w.startTime.split(":").map(Number) as [number, number];
    const durationMs = w.durationMinutes * 60_000;
    // Days whose occurrence could reach into the range: from (from − duration − a day) to `to`.
    let day: WallDate = wallDateOf(from - durationMs - 86_400_000, zone);
    const last = wallDateOf(to, zone);
    // Enough days to reach `last` whatever the zone's offsets; the loop ends there.
    const days = Math.ceil((to - from + durationMs) / 86_400_000) + 4;
    for (let i = 0; i < days; i++) {
      const date = { ...day, weekday: wallDateOf(zonedWallTime(day, 12 * 60, zone), zone).weekday };
      if (occursOn(w, date)) {
        const start = zonedWallTime(day, hh * 60 + mm, zone);
        if ((w.from === undefined || start >= w.from) && (w.until === undefined || start < w.until)) {
          clip(start, start + durationMs);
        }
      }
      if (day.year === last.year && day.month === last.month && day.day === last.day) break;
      day = addDays(day, 1);
    }
  }
  return out;
}
