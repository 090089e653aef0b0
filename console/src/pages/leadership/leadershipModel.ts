/**
 * The leadership dashboard's arithmetic (docs/monitors.md, "Leadership dashboard"): card and bar
 * colours, the pooled daily trend and the chart's geometry. Pure functions over the SLA API's figures.
 */

/** green: on target with budget to spare; orange: under a quarter of the budget left; red: below target; grey: no data. */
export type Level = "green" | "orange" | "red" | "grey";

export const LEVEL_COLOR: Record<Level, string> = {
  green: "#52c41a",
  orange: "#fa8c16",
  red: "#f5222d",
  grey: "#d9d9d9",
};

/** Below this share of the error budget left, a card turns orange: the app is on track to miss its target. */
export const LOW_BUDGET_SHARE = 0.25;

/** An app's card this month: red below target (budget overspent), orange when little budget is left. */
export function cardLevel(figures: {
  availability: number | null;
  target: number;
  budgetRemainingRatio: number | null;
}): Level {
  if (figures.availability === null) return "grey";
  if (figures.availability < figures.target) return "red";
  if (figures.budgetRemainingRatio !== null && figures.budgetRemainingRatio < LOW_BUDGET_SHARE) return "orange";
  return "green";
}

/**
 * One day's bar: green on target; orange when the day missed the target but stayed within ten times
 * its allowed downtime (99.9 % → at least 99 %); red below that; grey when nothing was eligible.
 */
export function dayLevel(availability: number | null, target: number): Level {
  if (availability === null) return "grey";
  if (availability >= target) return "green";
  return availability >= 1 - 10 * (1 - target) ? "orange" : "red";
}

export interface DailyPoint {
  date: string;
  availability: number | null;
  downMinutes: number;
  eligibleMinutes: number;
}

export interface AppDaily {
  app: { id: string; name: string };
  target: number;
  days: DailyPoint[];
}

export interface TrendPoint {
  date: string;
  availability: number | null;
  target: number;
}

/**
 * Apps pooled day by day as a group is (docs/monitors.md, "Apps and groups"): up minutes over eligible
 * minutes, so an app watched for an hour weighs less than one watched all day. The day's target is the
 * pooled one, Σ target × eligible / Σ eligible (the pooled error budget). A day without data keeps the
 * target of the nearest earlier day with data (the next one before the first), so the target line
 * neither breaks nor jumps; the plain mean of the targets when no day has data.
 */
export function pooledTrend(apps: readonly AppDaily[]): TrendPoint[] {
  const byDate = new Map<string, { up: number; eligible: number; weighted: number }>();
  for (const app of apps) {
    for (const day of app.days) {
      const cell = byDate.get(day.date) ?? { up: 0, eligible: 0, weighted: 0 };
      const up = Math.max(0, day.eligibleMinutes - day.downMinutes);
      cell.up += up;
      cell.eligible += day.eligibleMinutes;
      cell.weighted += app.target * day.eligibleMinutes;
      byDate.set(day.date, cell);
    }
  }
  const meanTarget = apps.length ? apps.reduce((sum, a) => sum + a.target, 0) / apps.length : 0.999;
  const days = [...byDate.entries()].sort(([a], [b]) => a.localeCompare(b));
  const known = days.map(([, cell]) => (cell.eligible > 0 ? cell.weighted / cell.eligible : null));
  let carried = known.find((t) => t !== null) ?? meanTarget;
  return days.map(([date, cell], i) => {
    carried = known[i] ?? carried;
    return { date, availability: cell.eligible > 0 ? cell.up / cell.eligible : null, target: carried };
  });
}

/** An app's availability over all its days: up minutes over eligible minutes (null when none was eligible). */
export function periodAvailability(app: AppDaily): number | null {
  let eligible = 0;
  let down = 0;
  for (const d of app.days) {
    eligible += d.eligibleMinutes;
    down += d.downMinutes;
  }
  return eligible > 0 ? (eligible - down) / eligible : null;
}

/** One app's days as a trend. */
export function appTrend(app: AppDaily): TrendPoint[] {
  return app.days.map((d) => ({ date: d.date, availability: d.availability, target: app.target }));
}

/** The share of the error budget left as "26%"; "—" without data; null when overspent (said in words). */
export function budgetShareText(share: number | null): string | null {
  if (share === null) return "—";
  if (share < 0) return null;
  return `${Math.round(share * 100)}%`;
}

/** "99.95%": two decimals, enough to tell 99.9 from 99.95; null as an em dash. */
export function formatPercent(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return "—";
  return `${(Math.floor(value * 100 * 10 ** digits) / 10 ** digits).toFixed(digits)}%`;
}

/** The y range of the trend chart: from a little under the lowest point (or target) up to 100 %. */
export function yDomain(points: readonly TrendPoint[]): [number, number] {
  let low = 1;
  for (const p of points) {
    if (p.availability !== null) low = Math.min(low, p.availability);
    low = Math.min(low, p.target);
  }
  // Pad below by a fifth of the span (at least 0.1 point), rounded down to a tenth of a percent.
  const span = Math.max(1 - low, 0.001);
  const bottom = Math.max(0, Math.floor((low - span * 0.2) * 1000) / 1000);
  return [bottom, 1];
}

/**
 * SVG path of a series in a `width` × `height` box: one segment per run of days with data (a day
 * without data breaks the line rather than drawing through zero).
 */
export function linePath(
  values: readonly (number | null)[],
  domain: [number, number],
  width: number,
  height: number,
): string {
  const [low, high] = domain;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const y = (v: number) => height - ((Math.min(Math.max(v, low), high) - low) / (high - low || 1)) * height;
  let path = "";
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    path += `${pen ? "L" : "M"}${round(i * step)},${round(y(v))}`;
    pen = true;
  });
  return path;
}

const round = (n: number) => Math.round(n * 10) / 10;
