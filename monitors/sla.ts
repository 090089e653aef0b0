/**
 * SLA arithmetic (docs/monitors.md, "How availability is computed"). Availability is time-weighted:
 * minutes up over minutes that count, from state transitions — not a count of checks. Times are
 * milliseconds since the epoch; results are in minutes.
 *
 * What counts:
 *   - a state holds from its transition until the next one;
 *   - `degraded` (slow but answering) is up for availability, and reported apart;
 *   - `unknown` — no data: before the first result, or a gap the scheduler marked — counts neither
 *     for nor against: it leaves the denominator, and is reported so a window mostly unknown is
 *     visible;
 *   - maintenance windows leave the denominator whatever the state in them.
 */
export type MonitorState = "up" | "degraded" | "down" | "unknown";

export interface Transition {
  at: number;
  state: MonitorState;
}

export interface Interval {
  start: number;
  end: number;
}

export interface Outage {
  start: number;
  end: number;
  /** Down minutes of this outage inside the window and outside maintenance. */
  minutes: number;
}

export interface SlaReport {
  windowMinutes: number;
  maintenanceMinutes: number;
  unknownMinutes: number;
  /** Minutes that count: the window less maintenance and unknown. */
  eligibleMinutes: number;
  upMinutes: number;
  degradedMinutes: number;
  downMinutes: number;
  /** upMinutes / eligibleMinutes; null when nothing counts (all maintenance or unknown). */
  availability: number | null;
  outages: Outage[];
  longestOutageMinutes: number;
  /** Mean outage length; null without outages. */
  mttrMinutes: number | null;
  /** Up minutes per outage (mean time between failures); null without outages. */
  mtbfMinutes: number | null;
  target: number;
  /** Allowed down minutes: (1 − target) × eligible. */
  errorBudgetMinutes: number;
  budgetRemainingMinutes: number;
  /** Remaining share of the budget: 1 untouched, 0 spent, negative overspent; null when there is no budget. */
  budgetRemainingRatio: number | null;
}

const MINUTE = 60_000;
export const DEFAULT_TARGET = 0.999;

/** Sorted, merged, clipped to [from, to). */
export function normaliseIntervals(intervals: readonly Interval[], from: number, to: number): Interval[] {
  const clipped = intervals
    .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const i of clipped) {
    const last = merged[merged.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else merged.push({ ...i });
  }
  return merged;
}

/** Length of [start, end) outside the merged intervals. */
function outside(start: number, end: number, excluded: readonly Interval[]): number {
  let length = end - start;
  for (const x of excluded) {
    if (x.end <= start) continue;
    if (x.start >= end) break;
    length -= Math.min(end, x.end) - Math.max(start, x.start);
  }
  return length;
}

/** The timeline as segments covering [from, to) exactly; the state before the first transition is unknown. */
export function segments(
  transitions: readonly Transition[],
  from: number,
  to: number,
): (Interval & { state: MonitorState })[] {
  const sorted = [...transitions].sort((a, b) => a.at - b.at);
  let state: MonitorState = "unknown";
  let i = 0;
  for (; i < sorted.length && (sorted[i] as Transition).at <= from; i++) state = (sorted[i] as Transition).state;
  const out: (Interval & { state: MonitorState })[] = [];
  let start = from;
  for (; i < sorted.length && (sorted[i] as Transition).at < to; i++) {
    const t = sorted[i] as Transition;
    if (t.state === state) continue;
    if (t.at > start) out.push({ start, end: t.at, state });
    start = t.at;
    state = t.state;
  }
  if (to > start) out.push({ start, end: to, state });
  return out;
}

export function computeSla(
  transitions: readonly Transition[],
  window: Interval,
  maintenance: readonly Interval[] = [],
  target = DEFAULT_TARGET,
): SlaReport {
  const { start: from, end: to } = window;
  const excluded = normaliseIntervals(maintenance, from, to);
  const totals: Record<MonitorState, number> = { up: 0, degraded: 0, down: 0, unknown: 0 };
  const outages: Outage[] = [];
  for (const s of segments(transitions, from, to)) {
    const counted = outside(s.start, s.end, excluded);
    totals[s.state] += counted;
    // segments() merges equal neighbours, so each down segment is one whole outage.
    if (s.state === "down" && counted > 0) outages.push({ start: s.start, end: s.end, minutes: counted / MINUTE });
  }
  const windowMinutes = (to - from) / MINUTE;
  const maintenanceMinutes = excluded.reduce((n, x) => n + (x.end - x.start), 0) / MINUTE;
  const unknownMinutes = totals.unknown / MINUTE;
  const upMinutes = (totals.up + totals.degraded) / MINUTE;
  const downMinutes = totals.down / MINUTE;
  const eligibleMinutes = upMinutes + downMinutes;
  const errorBudgetMinutes = (1 - target) * eligibleMinutes;
  return {
    windowMinutes,
    maintenanceMinutes,
    unknownMinutes,
    eligibleMinutes,
    upMinutes,
    degradedMinutes: totals.degraded / MINUTE,
    downMinutes,
    availability: eligibleMinutes > 0 ? upMinutes / eligibleMinutes : null,
    outages,
    longestOutageMinutes: Math.max(0, ...outages.map((o) => o.minutes)),
    mttrMinutes: outages.length > 0 ? downMinutes / outages.length : null,
    mtbfMinutes: outages.length > 0 ? upMinutes / outages.length : null,
    target,
    errorBudgetMinutes,
    budgetRemainingMinutes: errorBudgetMinutes - downMinutes,
    budgetRemainingRatio: errorBudgetMinutes > 0 ? (errorBudgetMinutes - downMinutes) / errorBudgetMinutes : null,
  };
}

const SEVERITY: Record<MonitorState, number> = { up: 0, degraded: 1, unknown: 2, down: 3 };

/**
 * An app's timeline from its monitors' (docs/monitors.md, "Apps and groups"). Rule `all` (the
 * default: every monitor is needed) takes the worst state at each instant — down, then unknown,
 * then degraded, then up; rule `any` (redundant monitors) takes the best.
 */
export function combineTimelines(
  timelines: readonly (readonly Transition[])[],
  rule: "all" | "any" = "all",
): Transition[] {
  const points = [...new Set(timelines.flatMap((t) => t.map((x) => x.at)))].sort((a, b) => a - b);
  const sorted = timelines.map((t) => [...t].sort((a, b) => a.at - b.at));
  const cursor = sorted.map(() => 0);
  const current: MonitorState[] = sorted.map(() => "unknown");
  const out: Transition[] = [];
  for (const at of points) {
    sorted.forEach((t, k) => {
      while ((cursor[k] as number) < t.length && (t[cursor[k] as number] as Transition).at <= at) {
        current[k] = (t[cursor[k] as number] as Transition).state;
        cursor[k] = (cursor[k] as number) + 1;
      }
    });
    const pick = current.reduce((a, b) =>
      rule === "all" ? (SEVERITY[b] > SEVERITY[a] ? b : a) : SEVERITY[b] < SEVERITY[a] ? b : a,
    );
    if (out[out.length - 1]?.state !== pick) out.push({ at, state: pick });
  }
  return out;
}

/**
 * A group's availability: its apps pooled, time-weighted — the sum of their up minutes over the sum
 * of their eligible minutes — so an app watched for a day weighs less than one watched all month.
 */
export function groupAvailability(reports: readonly SlaReport[]): number | null {
  const eligible = reports.reduce((n, r) => n + r.eligibleMinutes, 0);
  return eligible > 0 ? reports.reduce((n, r) => n + r.upMinutes, 0) / eligible : null;
}

/** Multi-window, multi-burn-rate alerting (Google SRE workbook, chapter 5, table 5-8). */
export const BURN_RATE_RULES = [
  { severity: "page", burnRate: 14.4, longMs: 60 * MINUTE, shortMs: 5 * MINUTE },
  { severity: "page", burnRate: 6, longMs: 6 * 60 * MINUTE, shortMs: 30 * MINUTE },
  { severity: "ticket", burnRate: 1, longMs: 3 * 24 * 60 * MINUTE, shortMs: 6 * 60 * MINUTE },
] as const;

export interface BurnRateAlert {
  severity: "page" | "ticket";
  threshold: number;
  longBurnRate: number;
  shortBurnRate: number;
  firing: boolean;
}

/** Burn rate over [now − length, now): the error ratio divided by the budget ratio (1 − target). */
export function burnRate(
  transitions: readonly Transition[],
  now: number,
  lengthMs: number,
  maintenance: readonly Interval[] = [],
  target = DEFAULT_TARGET,
): number {
  const r = computeSla(transitions, { start: now - lengthMs, end: now }, maintenance, target);
  return r.eligibleMinutes > 0 ? r.downMinutes / r.eligibleMinutes / (1 - target) : 0;
}

/** Each rule fires when both its long and its short window burn faster than its threshold. */
export function burnRateAlerts(
  transitions: readonly Transition[],
  now: number,
  maintenance: readonly Interval[] = [],
  target = DEFAULT_TARGET,
): BurnRateAlert[] {
  return BURN_RATE_RULES.map((rule) => {
    const longBurnRate = burnRate(transitions, now, rule.longMs, maintenance, target);
    const shortBurnRate = burnRate(transitions, now, rule.shortMs, maintenance, target);
    return {
      severity: rule.severity,
      threshold: rule.burnRate,
      longBurnRate,
      shortBurnRate,
      firing: longBurnRate > rule.burnRate && shortBurnRate > rule.burnRate,
    };
  });
}
