import dayjs from "dayjs";
import customParseFormat from "dayjs/plugin/customParseFormat";
import { expandMaintenance, type MaintenanceWindow } from "../../../../monitors/maintenance";
import { DEFAULT_TIME_ZONE } from "../../../../monitors/windows";
import "../../time";

// Wall-clock text is parsed with its format ("YYYY-MM-DD HH:mm", "HH:mm"), not by the browser's Date.
dayjs.extend(customParseFormat);

/**
 * Maintenance windows in the console (docs/monitors.md, "Maintenance windows"): the schedule as the API
 * takes it (instants as ISO strings), the form's wall-clock fields in the window's time zone, and the
 * next occurrences, computed with the server's own pure module (monitors/maintenance.ts).
 */
export type Schedule =
  | { kind: "once"; start: string; end: string }
  | {
      kind: "recurring";
      frequency: "daily" | "weekly" | "monthly";
      weekdays?: number[];
      monthDays?: number[];
      startTime: string;
      durationMinutes: number;
      timeZone?: string;
      from?: string;
      until?: string;
    };

export const FREQUENCIES = ["daily", "weekly", "monthly"] as const;
export const TIME_ZONES = [
  "Asia/Shanghai",
  "Asia/Hong_Kong",
  "Asia/Urumqi",
  "UTC",
  "Europe/London",
  "America/New_York",
];
export { DEFAULT_TIME_ZONE };

/** The form's fields: times as wall-clock text "YYYY-MM-DD HH:mm" in `timeZone`. */
export interface ScheduleFields {
  kind: "once" | "recurring";
  timeZone: string;
  start?: string;
  end?: string;
  frequency?: (typeof FREQUENCIES)[number];
  weekdays?: number[];
  monthDays?: number[];
  startTime?: string;
  durationMinutes?: number | null;
  from?: string;
  until?: string;
}

export const WALL = "YYYY-MM-DD HH:mm";

/** A wall-clock time in a zone → ISO instant; undefined when empty or not a time. */
export function wallToIso(wall: string | undefined, timeZone: string): string | undefined {
  if (!wall) return undefined;
  const t = dayjs.tz(wall, WALL, timeZone);
  return t.isValid() ? t.toDate().toISOString() : undefined;
}

export function isoToWall(iso: string | undefined, timeZone: string): string | undefined {
  if (!iso) return undefined;
  const t = dayjs(iso);
  return t.isValid() ? t.tz(timeZone).format(WALL) : undefined;
}

export function toSchedule(f: ScheduleFields): Schedule {
  if (f.kind === "once") {
    return { kind: "once", start: wallToIso(f.start, f.timeZone) ?? "", end: wallToIso(f.end, f.timeZone) ?? "" };
  }
  const frequency = f.frequency ?? "daily";
  const s: Schedule = {
    kind: "recurring",
    frequency,
    startTime: f.startTime ?? "",
    durationMinutes: f.durationMinutes ?? 0,
    timeZone: f.timeZone,
  };
  if (frequency === "weekly") s.weekdays = [...(f.weekdays ?? [])].sort((a, b) => a - b);
  if (frequency === "monthly") s.monthDays = [...(f.monthDays ?? [])].sort((a, b) => a - b);
  const from = wallToIso(f.from, f.timeZone);
  const until = wallToIso(f.until, f.timeZone);
  if (from) s.from = from;
  if (until) s.until = until;
  return s;
}

export function fromSchedule(s: Schedule): ScheduleFields {
  if (s.kind === "once") {
    return {
      kind: "once",
      timeZone: DEFAULT_TIME_ZONE,
      start: isoToWall(s.start, DEFAULT_TIME_ZONE),
      end: isoToWall(s.end, DEFAULT_TIME_ZONE),
    };
  }
  const timeZone = s.timeZone ?? DEFAULT_TIME_ZONE;
  return {
    kind: "recurring",
    timeZone,
    frequency: s.frequency,
    weekdays: s.weekdays ?? [],
    monthDays: s.monthDays ?? [],
    startTime: s.startTime,
    durationMinutes: s.durationMinutes,
    from: isoToWall(s.from, timeZone),
    until: isoToWall(s.until, timeZone),
  };
}

function toWindow(s: Schedule): MaintenanceWindow | null {
  if (s.kind === "once") {
    const start = Date.parse(s.start);
    const end = Date.parse(s.end);
    return Number.isFinite(start) && Number.isFinite(end) && end > start ? { kind: "once", start, end } : null;
  }
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(s.startTime) || !(s.durationMinutes >= 1)) return null;
  if (s.frequency === "weekly" && !s.weekdays?.length) return null;
  if (s.frequency === "monthly" && !s.monthDays?.length) return null;
  const w: MaintenanceWindow = {
    kind: "recurring",
    frequency: s.frequency,
    startTime: s.startTime,
    durationMinutes: s.durationMinutes,
    timeZone: s.timeZone ?? DEFAULT_TIME_ZONE,
  };
  if (s.weekdays) w.weekdays = s.weekdays;
  if (s.monthDays) w.monthDays = s.monthDays;
  if (s.from) w.from = Date.parse(s.from);
  if (s.until) w.until = Date.parse(s.until);
  return w;
}

/**
 * The next occurrences from `now` within `days`, at most `count`, as [start, end) ISO instants. One already
 * under way starts at `now`. Empty for an incomplete schedule (the form is still being filled in).
 */
export function nextOccurrences(s: Schedule, now: Date, count = 5, days = 60): { start: string; end: string }[] {
  const w = toWindow(s);
  if (!w) return [];
  let intervals;
  try {
    intervals = expandMaintenance([w], now.getTime(), now.getTime() + days * 86_400_000);
  } catch {
    return []; // an unknown time zone: the server names the problem on save
  }
  return intervals
    .sort((a, b) => a.start - b.start)
    .slice(0, count)
    .map((i) => ({ start: new Date(i.start).toISOString(), end: new Date(i.end).toISOString() }));
}

/** A schedule in words, through the caller's dictionary (monitors.maintenance.*). */
export function scheduleText(
  s: Schedule,
  t: (key: string, values?: Record<string, unknown>) => string,
  separator: string,
): string {
  if (s.kind === "once") {
    return `${isoToWall(s.start, DEFAULT_TIME_ZONE) ?? ""} – ${isoToWall(s.end, DEFAULT_TIME_ZONE) ?? ""}`;
  }
  const time = s.startTime;
  const when =
    s.frequency === "daily"
      ? t("everyDay", { time })
      : s.frequency === "weekly"
        ? t("everyWeek", { time, days: (s.weekdays ?? []).map((d) => t(`weekdayNames.d${d}`)).join(separator) })
        : t("everyMonth", { time, days: (s.monthDays ?? []).join(separator) });
  const zone = s.timeZone && s.timeZone !== DEFAULT_TIME_ZONE ? ` (${s.timeZone})` : "";
  return `${when}${zone} · ${t("forMinutes", { minutes: s.durationMinutes })}`;
}
