/**
 * The prober (docs/monitors.md, "Scheduler"): checks every active monitor at its interval, spread
 * with jitter, at most `concurrency` checks at a time, never two of one monitor at once, and writes
 * the results in batches. When the database is unreachable (or this instance is not confirmed
 * leader) results wait in a bounded in-memory buffer — the oldest dropped beyond `maxBuffer`, the
 * gap then recorded as unknown — and are written when it returns; writes are idempotent, keyed by
 * monitor and check time (store.ts), so a retried batch counts nothing twice.
 */
import type { Logger } from "pino";
import type { Db } from "../api/src/db/pool";
import type { ActiveMonitor } from "./config";
import { type ProbeResult, runCheck } from "./probes/index";
import { activeMonitors, applyRetention, type DefinitionOpener, ensureResultPartitions, writeResults } from "./store";
import type { RawResult } from "./transitions";

export interface SchedulerOptions {
  db: Db;
  logger: Logger;
  /** Checks running at once (default 16). */
  concurrency?: number;
  /** Results per INSERT (default 500). */
  batchSize?: number;
  /** How often the buffer is written (default 1 s). */
  flushMs?: number;
  /** Results kept while the database is unreachable (default 10 000); beyond it the oldest go. */
  maxBuffer?: number;
  /** How often the monitor list is re-read, to pick up changes made by other instances (default 5 s). */
  reloadMs?: number;
  /** Whether results may be written now: false while leadership is unconfirmed (leader.ts). */
  canWrite?: () => boolean;
  /** The check itself: the probes' runCheck. */
  check?: (monitor: ActiveMonitor, signal: AbortSignal) => Promise<ProbeResult>;
  /** Called as each check starts, with how late it starts after it was due (scheduling lag). */
  onCheckStart?: (monitorId: string, lagMs: number) => void;
  /** Opens the credentials sealed in stored definitions (api/src/monitors/secrets.ts). */
  openDefinition?: DefinitionOpener;
}

export interface SchedulerStats {
  monitors: number;
  running: number;
  maxRunning: number;
  buffered: number;
  written: number;
  dropped: number;
  writeFailures: number;
}

export interface Scheduler {
  /** Re-reads the monitors now (after a change through the API of this instance). */
  reload(): Promise<void>;
  /** Writes what is buffered, if it can. */
  flush(): Promise<void>;
  stats(): SchedulerStats;
  /** Stops probing, waits for checks in flight and writes the buffer (unless `discard`). */
  stop(opts?: { discard?: boolean }): Promise<void>;
}

interface Entry {
  monitor: ActiveMonitor;
  version: number;
  intervalMs: number;
  nextAt: number;
  running: boolean;
}

// The scheduler wakes when the next check is due, but at least every MAX_TICK_MS (to pick up
// reloaded monitors) and at most every MIN_TICK_MS (while checks are due but all slots are busy).
const MAX_TICK_MS = 200;
const MIN_TICK_MS = 20;
const PARTITIONS_MS = 3_600_000;

export function startScheduler(opts: SchedulerOptions): Scheduler {
  const { db, logger } = opts;
  const concurrency = opts.concurrency ?? 16;
  const batchSize = opts.batchSize ?? 500;
  const maxBuffer = opts.maxBuffer ?? 10_000;
  const canWrite = opts.canWrite ?? (() => true);
  const check = opts.check ?? runCheck;
  const entries = new Map<string, Entry>();
  // Intervals of every monitor seen, also after it was removed: its buffered results still need one.
  const intervals = new Map<string, number>();
  const buffer: RawResult[] = [];
  const inFlight = new Set<Promise<void>>();
  const abort = new AbortController();
  const stats = { running: 0, maxRunning: 0, written: 0, dropped: 0, writeFailures: 0 };
  let stopped = false;
  let flushing: Promise<void> | null = null;
  let writeFailing = false;

  async function reload(): Promise<void> {
    let monitors;
    try {
      monitors = await activeMonitors(db, new Map([...entries].map(([id, e]) => [id, e.version])), opts.openDefinition);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "monitors: could not read the monitor list; keeping the last one");
      return;
    }
    const now = Date.now();
    const seen = new Set<string>(monitors.unchanged);
    for (const m of monitors.changed) {
      if (m.definition.type === "push") continue;
      seen.add(m.id);
      const intervalMs = m.definition.intervalSeconds * 1000;
      intervals.set(m.id, intervalMs);
      const known = entries.get(m.id);
      if (known && known.version === m.version) continue;
      // Jitter: a new (or rescheduled) monitor starts at a random point of its first interval, so
      // monitors created together, or loaded together at start, do not all fire on the same tick.
      const nextAt =
        known && known.intervalMs === intervalMs ? known.nextAt : now + Math.floor(Math.random() * intervalMs);
      entries.set(m.id, {
        monitor: m.definition,
        version: m.version,
        intervalMs,
        nextAt,
        running: known?.running ?? false,
      });
    }
    for (const id of entries.keys()) if (!seen.has(id)) entries.delete(id);
  }

  function run(id: string, entry: Entry, dueAt: number): void {
    opts.onCheckStart?.(id, Date.now() - dueAt);
    entry.running = true;
    stats.running += 1;
    stats.maxRunning = Math.max(stats.maxRunning, stats.running);
    const at = Date.now();
    const p = check(entry.monitor, abort.signal)
      .then((r) => {
        // A check cut short by shutdown says nothing about the target.
        if (r.reason === "aborted" && abort.signal.aborted) return;
        buffer.push({
          monitorId: id,
          at,
          state: r.state,
          latencyMs: r.latencyMs,
          reason: r.reason,
          message: r.message,
        });
        if (buffer.length > maxBuffer) {
          const over = buffer.length - maxBuffer;
          buffer.splice(0, over);
          stats.dropped += over;
          logger.warn({ dropped: stats.dropped }, "monitors: result buffer full; oldest results dropped");
        }
      })
      .finally(() => {
        entry.running = false;
        stats.running -= 1;
        inFlight.delete(p);
      });
    inFlight.add(p);
  }

  function tick(): void {
    if (stopped) return;
    const now = Date.now();
    const due = [...entries.entries()].filter(([, e]) => e.nextAt <= now).sort((a, b) => a[1].nextAt - b[1].nextAt);
    for (const [id, e] of due) {
      // Never two checks of one monitor: a check still running when its next is due skips that one.
      if (e.running) {
        e.nextAt += e.intervalMs;
        continue;
      }
      if (stats.running >= concurrency) break; // the rest stay due and start as slots free up
      const dueAt = e.nextAt;
      e.nextAt += e.intervalMs;
      if (e.nextAt <= now) e.nextAt = now + e.intervalMs; // fell behind (a long stop): do not burst
      run(id, e, dueAt);
    }
    if (buffer.length >= batchSize) void flush();
  }

  let tickTimer: NodeJS.Timeout | undefined;
  function scheduleTick(): void {
    if (stopped) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const e of entries.values()) if (!e.running && e.nextAt < earliest) earliest = e.nextAt;
    const delay = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, earliest - Date.now()));
    tickTimer = setTimeout(() => {
      tick();
      scheduleTick();
    }, delay);
    tickTimer.unref();
  }

  async function writeBuffer(): Promise<void> {
    while (buffer.length > 0 && canWrite()) {
      const batch = buffer.slice(0, batchSize);
      try {
        stats.written += await writeResults(db, batch, intervals);
      } catch (err) {
        stats.writeFailures += 1;
        if (!writeFailing) {
          logger.warn(
            { err: (err as Error).message, buffered: buffer.length },
            "monitors: writing results failed; buffering",
          );
        }
        writeFailing = true;
        return;
      }
      if (writeFailing) logger.info({ buffered: buffer.length }, "monitors: writing results again");
      writeFailing = false;
      // Only now: a batch whose write failed stays, and is written again (idempotently) later.
      buffer.splice(0, batch.length);
    }
  }

  function flush(): Promise<void> {
    flushing ??= writeBuffer().finally(() => {
      flushing = null;
    });
    return flushing;
  }

  // Tomorrow's partitions exist before midnight, and old ones go (native mode; store.ts).
  const partitions = () =>
    ensureResultPartitions(db)
      .then(() => applyRetention(db))
      .then((dropped) => {
        if (dropped.length > 0) logger.info({ dropped }, "monitors: old result partitions dropped");
      })
      .catch((err: Error) => logger.warn({ err: err.message }, "monitors: partition upkeep failed"));

  void partitions();
  void reload();
  scheduleTick();
  const timers = [
    setInterval(() => void flush(), opts.flushMs ?? 1_000),
    setInterval(() => void reload(), opts.reloadMs ?? 5_000),
    setInterval(() => void partitions(), PARTITIONS_MS),
  ];
  for (const t of timers) t.unref();

  return {
    reload,
    flush,
    stats: () => ({
      monitors: entries.size,
      running: stats.running,
      maxRunning: stats.maxRunning,
      buffered: buffer.length,
      written: stats.written,
      dropped: stats.dropped,
      writeFailures: stats.writeFailures,
    }),
    async stop(stopOpts = {}) {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearInterval(t);
      clearTimeout(tickTimer);
      abort.abort();
      await Promise.allSettled([...inFlight]);
      if (stopOpts.discard) {
        if (buffer.length > 0) logger.warn({ discarded: buffer.length }, "monitors: buffered results discarded");
        buffer.length = 0;
        return;
      }
      await flush().catch(() => {});
      if (buffer.length > 0) logger.warn({ lost: buffer.length }, "monitors: results not written at shutdown");
    },
  };
}
