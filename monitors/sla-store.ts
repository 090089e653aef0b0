import { sql } from "kysely";
import type { DbOrTx } from "../api/src/db/pool";
import { maintenanceIntervalsFor } from "./maintenance-store";
import {
  combineTimelines,
  computeSla,
  DEFAULT_TARGET,
  groupAvailability,
  type Interval,
  type MonitorState,
  normaliseIntervals,
  type SlaReport,
  type Transition,
} from "./sla";
import { addDays, wallDateOf, type WallDate, zonedMidnight } from "./windows";

/**
 * SLA figures read from the database (docs/monitors.md, "How availability is computed", "Apps and
 * groups"): per monitor, per app (its monitors combined with the app's rule) and per group (its apps
 * pooled), over a window or day by day. Every call reads the transitions of all the monitors involved
 * in ONE query, and their maintenance in one more, so a table of 1,000 monitors costs the same number
 * of round trips as one monitor. Callable directly (benchmarks) with a database handle.
 */

export interface AppRow {
  id: string;
  name: string;
  kind: "app" | "platform";
  groupName: string | null;
  combineRule: "all" | "any";
  slaTarget: number;
}

export interface MonitorSla {
  monitorId: string;
  name: string;
  report: SlaReport;
}

export interface AppSla {
  app: AppRow;
  monitorIds: string[];
  report: SlaReport;
  monitors?: MonitorSla[];
}

export interface GroupSla {
  groupName: string;
  appIds: string[];
  /** Pooled: the sum of the apps' up minutes over the sum of their eligible minutes. */
  availability: number | null;
  /** The strictest target of its apps. */
  target: number;
  windowMinutes: number;
  eligibleMinutes: number;
  upMinutes: number;
  downMinutes: number;
  unknownMinutes: number;
  maintenanceMinutes: number;
  outages: number;
  longestOutageMinutes: number;
}

export interface DailyPoint {
  /** The wall date in the time zone, YYYY-MM-DD. */
  date: string;
  availability: number | null;
  downMinutes: number;
  eligibleMinutes: number;
  unknownMinutes: number;
  maintenanceMinutes: number;
  outages: number;
}

/**
 * Transitions of many monitors over [from, to), each list starting with the one in force at `from`:
 * one query (an index probe per monitor for the state at `from`, a range scan for the rest).
 */
export async function transitionsOfMany(
  db: DbOrTx,
  monitorIds: readonly string[],
  from: Date,
  to: Date,
): Promise<Map<string, Transition[]>> {
  const out = new Map<string, Transition[]>(monitorIds.map((id) => [id, []]));
  if (monitorIds.length === 0) return out;
  const ids = [...monitorIds];
  // Epoch milliseconds as float8 rather than timestamptz: tens of thousands of rows parse faster.
  const { rows } = await sql<{ monitor_id: string; at: number; state: MonitorState }>`
    SELECT ids.id AS monitor_id, (extract(epoch FROM t.at) * 1000)::float8 AS at, t.state
    FROM unnest(${ids}::uuid[]) AS ids (id)
    CROSS JOIN LATERAL (
      SELECT at, state FROM monitor_transitions
      WHERE monitor_id = ids.id AND at <= ${from}
      ORDER BY at DESC LIMIT 1
    ) t
    UNION ALL
    SELECT monitor_id, (extract(epoch FROM at) * 1000)::float8, state FROM monitor_transitions
    WHERE monitor_id = ANY(${ids}::uuid[]) AND at > ${from} AND at < ${to}`.execute(db);
  for (const r of rows) out.get(r.monitor_id)?.push({ at: Math.round(Number(r.at)), state: r.state });
  // Sorted here rather than by the server, whose sort of a large result spills to disk.
  for (const list of out.values()) list.sort((x, y) => x.at - y.at);
  return out;
}

/**
 * A timeline with `state` in force over the given intervals (merged, within [from, to)) and the
 * original state again after each; transitions inside them are dropped.
 */
export function overlayState(
  transitions: readonly Transition[],
  intervals: readonly Interval[],
  state: MonitorState,
  from: number,
  to: number,
): Transition[] {
  const merged = normaliseIntervals(intervals, from, to);
  if (merged.length === 0) return [...transitions];
  const sorted = [...transitions].sort((a, b) => a.at - b.at);
  const stateAt = (t: number): MonitorState => {
    let s: MonitorState = "unknown";
    for (const x of sorted) {
      if (x.at > t) break;
      s = x.state;
    }
    return s;
  };
  const out: Transition[] = [];
  let k = 0;
  for (const x of sorted) {
    while (k < merged.length && (merged[k] as Interval).end <= x.at) {
      const iv = merged[k] as Interval;
      out.push({ at: iv.start, state }, { at: iv.end, state: stateAt(iv.end) });
      k++;
    }
    const iv = merged[k];
    if (iv && x.at >= iv.start) continue; // inside a masked interval
    out.push(x);
  }
  for (; k < merged.length; k++) {
    const iv = merged[k] as Interval;
    out.push({ at: iv.start, state }, { at: iv.end, state: stateAt(iv.end) });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The instants covered by every list (each list merged first). */
export function intersectIntervals(lists: readonly (readonly Interval[])[], from: number, to: number): Interval[] {
  if (lists.length === 0) return [];
  let acc = normaliseIntervals(lists[0] as Interval[], from, to);
  for (const list of lists.slice(1)) {
    const other = normaliseIntervals(list, from, to);
    const next: Interval[] = [];
    let i = 0;
    let j = 0;
    while (i < acc.length && j < other.length) {
      const a = acc[i] as Interval;
      const b = other[j] as Interval;
      const start = Math.max(a.start, b.start);
      const end = Math.min(a.end, b.end);
      if (end > start) next.push({ start, end });
      if (a.end < b.end) i++;
      else j++;
    }
    acc = next;
  }
  return acc;
}

/**
 * An app's timeline and maintenance from its monitors'. A monitor in maintenance counts for nothing:
 * it takes the state that leaves the others' verdict unchanged (up under rule `all`, down under
 * `any`); the app itself is in maintenance only while all its monitors are (an app's own windows
 * cover all of them).
 */
export function appTimeline(
  monitors: readonly { transitions: readonly Transition[]; maintenance: readonly Interval[] }[],
  rule: "all" | "any",
  from: number,
  to: number,
): { transitions: Transition[]; maintenance: Interval[] } {
  if (monitors.length === 0) return { transitions: [], maintenance: [] };
  const neutral: MonitorState = rule === "all" ? "up" : "down";
  const masked = monitors.map((m) => overlayState(m.transitions, m.maintenance, neutral, from, to));
  return {
    transitions: combineTimelines(masked, rule),
    maintenance: intersectIntervals(
      monitors.map((m) => m.maintenance),
      from,
      to,
    ),
  };
}

/** Pools apps' reports into a group's figures. */
export function poolGroup(groupName: string, apps: readonly AppSla[]): GroupSla {
  const reports = apps.map((a) => a.report);
  const sum = (f: (r: SlaReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  return {
    groupName,
    appIds: apps.map((a) => a.app.id),
    availability: groupAvailability(reports),
    target: Math.max(...apps.map((a) => a.app.slaTarget)),
    windowMinutes: Math.max(0, ...reports.map((r) => r.windowMinutes)),
    eligibleMinutes: sum((r) => r.eligibleMinutes),
    upMinutes: sum((r) => r.upMinutes),
    downMinutes: sum((r) => r.downMinutes),
    unknownMinutes: sum((r) => r.unknownMinutes),
    maintenanceMinutes: sum((r) => r.maintenanceMinutes),
    outages: sum((r) => r.outages.length),
    longestOutageMinutes: Math.max(0, ...reports.map((r) => r.longestOutageMinutes)),
  };
}

async function loadApps(db: DbOrTx, tenantId: string, appIds?: readonly string[]): Promise<AppRow[]> {
  let q = db
    .selectFrom("monitor_apps")
    .select(["id", "name", "kind", "group_name", "combine_rule", "sla_target"])
    .where("tenant_id", "=", tenantId);
  if (appIds) {
    if (appIds.length === 0) return [];
    q = q.where("id", "in", [...appIds]);
  }
  const rows = await q.orderBy("name").orderBy("id").execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    groupName: r.group_name,
    combineRule: r.combine_rule,
    slaTarget: Number(r.sla_target),
  }));
}

async function monitorsOfApps(
  db: DbOrTx,
  tenantId: string,
  appIds: readonly string[],
): Promise<{ id: string; name: string; appId: string }[]> {
  if (appIds.length === 0) return [];
  const { rows } = await sql<{ id: string; name: string; app_id: string }>`
    SELECT id, name, definition ->> 'appId' AS app_id FROM monitors
    WHERE tenant_id = ${tenantId} AND definition ->> 'appId' = ANY(${[...appIds]}::text[])
    ORDER BY name, id`.execute(db);
  return rows.map((r) => ({ id: r.id, name: r.name, appId: r.app_id }));
}

/** Per-monitor reports over [from, to), their maintenance excluded. Two queries in all. */
export async function slaForMonitors(
  db: DbOrTx,
  monitorIds: readonly string[],
  window: { from: Date; to: Date },
  target = DEFAULT_TARGET,
): Promise<Map<string, SlaReport>> {
  const [timelines, maintenance] = await Promise.all([
    transitionsOfMany(db, monitorIds, window.from, window.to),
    maintenanceIntervalsFor(db, monitorIds, window.from, window.to),
  ]);
  const w = { start: window.from.getTime(), end: window.to.getTime() };
  return new Map(
    monitorIds.map((id) => [id, computeSla(timelines.get(id) ?? [], w, maintenance.get(id) ?? [], target)]),
  );
}

/**
 * Per-app reports over [from, to) for the tenant's apps (or those named), each against its target;
 * with `perMonitor`, each app's monitors' own reports too. Four queries whatever the number of apps.
 */
export async function slaForApps(
  db: DbOrTx,
  opts: { tenantId: string; from: Date; to: Date; appIds?: readonly string[]; perMonitor?: boolean },
): Promise<AppSla[]> {
  const apps = await loadApps(db, opts.tenantId, opts.appIds);
  const monitors = await monitorsOfApps(
    db,
    opts.tenantId,
    apps.map((a) => a.id),
  );
  const ids = monitors.map((m) => m.id);
  const [timelines, maintenance] = await Promise.all([
    transitionsOfMany(db, ids, opts.from, opts.to),
    maintenanceIntervalsFor(db, ids, opts.from, opts.to),
  ]);
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  return apps.map((app) => {
    const mine = monitors.filter((m) => m.appId === app.id);
    const parts = mine.map((m) => ({
      transitions: timelines.get(m.id) ?? [],
      maintenance: maintenance.get(m.id) ?? [],
    }));
    const combined = appTimeline(parts, app.combineRule, from, to);
    const report = computeSla(combined.transitions, { start: from, end: to }, combined.maintenance, app.slaTarget);
    const out: AppSla = { app, monitorIds: mine.map((m) => m.id), report };
    if (opts.perMonitor) {
      out.monitors = mine.map((m, k) => ({
        monitorId: m.id,
        name: m.name,
        report: computeSla(
          (parts[k] as { transitions: Transition[] }).transitions,
          { start: from, end: to },
          (parts[k] as { maintenance: Interval[] }).maintenance,
          app.slaTarget,
        ),
      }));
    }
    return out;
  });
}

/** Groups of the tenant's apps (apps without a group are left out), pooled. */
export async function slaForGroups(db: DbOrTx, opts: { tenantId: string; from: Date; to: Date }): Promise<GroupSla[]> {
  const apps = (await slaForApps(db, opts)).filter((a) => a.app.groupName !== null);
  const groups = new Map<string, AppSla[]>();
  for (const a of apps) groups.set(a.app.groupName as string, [...(groups.get(a.app.groupName as string) ?? []), a]);
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, list]) => poolGroup(name, list));
}

const dateText = (d: WallDate) => `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;

/** The last `days` calendar days in the zone, ending with the day containing `now` (today so far). */
export function lastDays(days: number, now: number, timeZone: string): { date: string; start: number; end: number }[] {
  const today = wallDateOf(now, timeZone);
  const out: { date: string; start: number; end: number }[] = [];
  for (let k = days - 1; k >= 0; k--) {
    const d = addDays(today, -k);
    const start = zonedMidnight(d, timeZone);
    const end = Math.min(now, zonedMidnight(addDays(d, 1), timeZone));
    out.push({ date: dateText(d), start, end });
  }
  return out;
}

/** Day-by-day reports of a timeline: each day reads only the transitions that concern it. */
export function dailyOf(
  transitions: readonly Transition[],
  maintenance: readonly Interval[],
  days: readonly { date: string; start: number; end: number }[],
  target: number,
): DailyPoint[] {
  const sorted = [...transitions].sort((a, b) => a.at - b.at);
  let k = 0;
  return days.map((day) => {
    // The transition in force at the day's start, then the day's own.
    while (k + 1 < sorted.length && (sorted[k + 1] as Transition).at <= day.start) k++;
    let j = k;
    while (j < sorted.length && (sorted[j] as Transition).at < day.end) j++;
    const r =
      day.end > day.start
        ? computeSla(sorted.slice(k, j), { start: day.start, end: day.end }, maintenance, target)
        : null;
    return {
      date: day.date,
      availability: r?.availability ?? null,
      downMinutes: r?.downMinutes ?? 0,
      eligibleMinutes: r?.eligibleMinutes ?? 0,
      unknownMinutes: r?.unknownMinutes ?? 0,
      maintenanceMinutes: r?.maintenanceMinutes ?? 0,
      outages: r?.outages.length ?? 0,
    };
  });
}

/** Daily availability of the tenant's apps (or those named) over the last `days` days: four queries. */
export async function dailyForApps(
  db: DbOrTx,
  opts: { tenantId: string; days: number; timeZone: string; now: number; appIds?: readonly string[] },
): Promise<{ app: AppRow; days: DailyPoint[] }[]> {
  const days = lastDays(opts.days, opts.now, opts.timeZone);
  const from = (days[0] as { start: number }).start;
  const to = opts.now;
  const apps = await loadApps(db, opts.tenantId, opts.appIds);
  const monitors = await monitorsOfApps(
    db,
    opts.tenantId,
    apps.map((a) => a.id),
  );
  const ids = monitors.map((m) => m.id);
  const [timelines, maintenance] = await Promise.all([
    transitionsOfMany(db, ids, new Date(from), new Date(to)),
    maintenanceIntervalsFor(db, ids, new Date(from), new Date(to)),
  ]);
  return apps.map((app) => {
    const parts = monitors
      .filter((m) => m.appId === app.id)
      .map((m) => ({ transitions: timelines.get(m.id) ?? [], maintenance: maintenance.get(m.id) ?? [] }));
    const combined = appTimeline(parts, app.combineRule, from, to);
    return { app, days: dailyOf(combined.transitions, combined.maintenance, days, app.slaTarget) };
  });
}
