/**
 * Results → state transitions (docs/monitors.md, "Storage"). The SLA arithmetic (sla.ts) reads
 * transitions, not results: a state holds from its transition until the next one, so repeated
 * results in one state add nothing. A silence longer than two intervals — the prober was down, the
 * database unreachable past the buffer, the monitor paused — becomes an `unknown` transition one
 * interval after the last result, so the gap counts neither for nor against availability.
 */
import type { ProbeState } from "./probes/result";
import type { MonitorState } from "./sla";

export interface RawResult {
  monitorId: string;
  /** When the check started, epoch milliseconds: with the monitor, the result's identity. */
  at: number;
  state: ProbeState;
  latencyMs: number;
  reason: string;
  message: string;
}

export interface StateChange {
  at: number;
  state: MonitorState;
  reason: string;
}

export interface MonitorStatus {
  state: MonitorState;
  since: number;
  lastResultAt: number | null;
  lastLatencyMs: number | null;
  lastReason: string | null;
}

/** A gap is a silence longer than this many intervals. */
export const GAP_INTERVALS = 2;

/**
 * The transitions one monitor's new results make, after its stored status (null: never checked),
 * and the status after them. Results at or before the stored last result are ignored here (they
 * were already counted, or arrive out of order from a prober that lost the lead).
 */
export function transitionsFor(
  results: readonly RawResult[],
  status: MonitorStatus | null,
  intervalMs: number,
): { changes: StateChange[]; status: MonitorStatus | null } {
  const sorted = [...results].sort((a, b) => a.at - b.at);
  const changes: StateChange[] = [];
  let current = status ? { ...status } : null;
  for (const r of sorted) {
    if (current?.lastResultAt != null && r.at <= current.lastResultAt) continue;
    if (current && current.lastResultAt != null && r.at - current.lastResultAt > GAP_INTERVALS * intervalMs) {
      const gapAt = current.lastResultAt + intervalMs;
      if (current.state !== "unknown") {
        changes.push({ at: gapAt, state: "unknown", reason: "gap" });
        current = { ...current, state: "unknown", since: gapAt };
      }
    }
    if (!current || current.state !== r.state) {
      changes.push({ at: r.at, state: r.state, reason: r.reason });
      current = { state: r.state, since: r.at, lastResultAt: r.at, lastLatencyMs: r.latencyMs, lastReason: r.reason };
    } else {
      current = { ...current, lastResultAt: r.at, lastLatencyMs: r.latencyMs, lastReason: r.reason };
    }
  }
  return { changes, status: current };
}

export type RollupWidth = "minute" | "hour" | "day";
const WIDTH_MS: Record<RollupWidth, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface RollupRow {
  monitorId: string;
  bucket: number;
  checks: number;
  up: number;
  degraded: number;
  down: number;
  latencySumMs: number;
  latencyMaxMs: number;
}

/** Results summed per monitor and UTC-aligned bucket (as TimescaleDB's time_bucket aligns them). */
export function rollupsOf(results: readonly RawResult[], width: RollupWidth): RollupRow[] {
  const size = WIDTH_MS[width];
  const rows = new Map<string, RollupRow>();
  for (const r of results) {
    const bucket = Math.floor(r.at / size) * size;
    const key = `${r.monitorId}|${bucket}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        monitorId: r.monitorId,
        bucket,
        checks: 0,
        up: 0,
        degraded: 0,
        down: 0,
        latencySumMs: 0,
        latencyMaxMs: 0,
      };
      rows.set(key, row);
    }
    row.checks += 1;
    row[r.state] += 1;
    row.latencySumMs += r.latencyMs;
    row.latencyMaxMs = Math.max(row.latencyMaxMs, r.latencyMs);
  }
  return [...rows.values()];
}
