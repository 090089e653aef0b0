import { sql } from "kysely";
import type { DbOrTx } from "../api/src/db/pool";
import { expandMaintenance, type MaintenanceWindow } from "./maintenance";
import type { Interval } from "./sla";

/**
 * Stored maintenance windows (migration 0018, docs/monitors.md "Maintenance windows"): what the SLA
 * leaves out of its denominator and what raises no alerts. A window applies to the monitors it lists
 * and to every monitor of the apps it lists (a monitor's app is `definition.appId`).
 *
 * The stored definition is `maintenance.ts`'s `MaintenanceWindow` with its instants as ISO strings
 * (what the API takes and returns); `toMaintenanceWindow` converts it.
 */
export type StoredMaintenance =
  | { kind: "once"; start: string; end: string }
  | {
      kind: "recurring";
      frequency: "daily" | "weekly" | "monthly";
      weekdays?: number[] | undefined;
      monthDays?: number[] | undefined;
      startTime: string;
      durationMinutes: number;
      timeZone?: string | undefined;
      from?: string | undefined;
      until?: string | undefined;
    };

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

export function toMaintenanceWindow(d: StoredMaintenance): MaintenanceWindow {
  if (d.kind === "once") return { kind: "once", start: Date.parse(d.start), end: Date.parse(d.end) };
  const w: MaintenanceWindow = {
    kind: "recurring",
    frequency: d.frequency,
    startTime: d.startTime,
    durationMinutes: d.durationMinutes,
  };
  if (d.weekdays !== undefined) w.weekdays = d.weekdays;
  if (d.monthDays !== undefined) w.monthDays = d.monthDays;
  if (d.timeZone !== undefined) w.timeZone = d.timeZone;
  const from = ms(d.from);
  const until = ms(d.until);
  if (from !== undefined) w.from = from;
  if (until !== undefined) w.until = until;
  return w;
}

/**
 * The instants any occurrence of a window can cover, [notBefore, notAfter] (null: unbounded), kept in
 * columns so readers fetch only windows that can touch their range. A recurring occurrence starts at
 * or after `from` and before `until`, and lasts durationMinutes.
 */
export function boundsOf(d: StoredMaintenance): { notBefore: Date | null; notAfter: Date | null } {
  if (d.kind === "once") return { notBefore: new Date(d.start), notAfter: new Date(d.end) };
  const until = ms(d.until);
  return {
    notBefore: d.from === undefined ? null : new Date(d.from),
    notAfter: until === undefined ? null : new Date(until + d.durationMinutes * 60_000),
  };
}

interface WindowRow {
  window_id: string;
  monitor_id: string;
  definition: StoredMaintenance;
}

/** Enabled windows that can touch [from, to), each with the monitors (of `monitorIds`, or all) it covers. */
async function windowsCovering(
  db: DbOrTx,
  monitorIds: readonly string[] | null,
  from: Date,
  to: Date,
): Promise<WindowRow[]> {
  const only = monitorIds === null ? sql`true` : sql`m.id = ANY(${[...monitorIds]}::uuid[])`;
  const { rows } = await sql<WindowRow>`
    SELECT w.id AS window_id, m.id AS monitor_id, w.definition
    FROM maintenance_windows w
    JOIN monitors m
      ON m.tenant_id = w.tenant_id
     AND (m.id = ANY(w.monitor_ids) OR (m.definition ->> 'appId') = ANY(w.app_ids::text[]))
    WHERE w.enabled
      AND (w.not_before IS NULL OR w.not_before < ${to})
      AND (w.not_after IS NULL OR w.not_after > ${from})
      AND ${only}`.execute(db);
  return rows;
}

/**
 * Maintenance intervals per monitor over [from, to), clipped to it and unmerged (computeSla merges):
 * the monitor's own windows and its app's. Monitors without maintenance are absent from the map.
 * One query whatever the number of monitors.
 */
export async function maintenanceIntervalsFor(
  db: DbOrTx,
  monitorIds: readonly string[],
  from: Date,
  to: Date,
): Promise<Map<string, Interval[]>> {
  const out = new Map<string, Interval[]>();
  if (monitorIds.length === 0 || !(to > from)) return out;
  const expanded = new Map<string, Interval[]>();
  for (const row of await windowsCovering(db, monitorIds, from, to)) {
    let intervals = expanded.get(row.window_id);
    if (!intervals) {
      intervals = expandMaintenance([toMaintenanceWindow(row.definition)], from.getTime(), to.getTime());
      expanded.set(row.window_id, intervals);
    }
    if (intervals.length === 0) continue;
    out.set(row.monitor_id, [...(out.get(row.monitor_id) ?? []), ...intervals]);
  }
  return out;
}

/** The monitors inside a maintenance window at `at` (they raise no alerts). */
export async function monitorsInMaintenance(db: DbOrTx, at: Date): Promise<Set<string>> {
  const to = new Date(at.getTime() + 1);
  const inside = new Set<string>();
  const active = new Map<string, boolean>();
  for (const row of await windowsCovering(db, null, at, to)) {
    let on = active.get(row.window_id);
    if (on === undefined) {
      on = expandMaintenance([toMaintenanceWindow(row.definition)], at.getTime(), to.getTime()).length > 0;
      active.set(row.window_id, on);
    }
    if (on) inside.add(row.monitor_id);
  }
  return inside;
}
