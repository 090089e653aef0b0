import { sql } from "kysely";
import client from "prom-client";
import { METRICS } from "../../../monitors/grafana/dashboard";
import { type AppSla, slaForApps } from "../../../monitors/sla-store";
import { calendarWindow, DEFAULT_TIME_ZONE } from "../../../monitors/windows";
import type { Db } from "../db/pool";

/**
 * Monitoring series on the app's registry (docs/monitors.md, "Grafana"), read from the database at
 * scrape time and cached, so a scrape costs a few queries whatever the number of monitors and
 * scrapers. Labels are bounded: monitor names and app names (the number of monitors and apps),
 * severities, grades and word categories (fixed lists) — never results, times, users or words.
 *
 * - `tianshu_monitor_up{monitor, app}`: 1 up or degraded, 0 down; absent while unknown or paused;
 *   `tianshu_monitors{state}`: the count per state (from monitor_status).
 * - `tianshu_monitor_latency_seconds{monitor}`: histogram of the latency of up and degraded results,
 *   counted by this process from the results stored since it started (read incrementally, see below).
 * - `tianshu_sla_availability_ratio{app, app_id, window}`: window `1d` and `30d` (rolling, what the
 *   dashboard reads), `day` and `month` (the calendar day and month so far, Asia/Shanghai);
 *   `tianshu_sla_target_ratio{app, app_id}`; `tianshu_error_budget_remaining_ratio{app, app_id}` (the
 *   calendar month: 1 untouched, 0 spent, negative overspent). Computed by monitors/sla-store.ts.
 * - `tianshu_alerts_firing{severity}` (state firing, not yet acknowledged) and
 *   `tianshu_incidents_open{grade}` (open, acknowledged or mitigated), zero when none.
 * - `tianshu_sensitive_word_hits_total{category}`: hits counted by the sensitive-word checks
 *   (word_hit_stats, over the days still kept), so `rate()` gives hits per second.
 */
export interface MonitorMetricsOptions {
  /** How long monitor states, alert and incident counts are reused (default 5 s). */
  cacheMs?: number;
  /**
   * How often SLA figures are recomputed (default 60 s: a month's SLA moves slowly); a scrape in
   * between gets the last figures without waiting, only the first scrape waits.
   */
  slaCacheMs?: number;
  /** Results newer than this are left for the next read: the prober writes in batches (default 5 s). */
  latencyLagMs?: number;
  now?: () => number;
  timeZone?: string;
}

interface StatusRow {
  name: string;
  app: string | null;
  state: "up" | "degraded" | "down" | "unknown" | null;
  paused: boolean;
}

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
export const SLA_WINDOWS = ["1d", "30d", "day", "month"] as const;
const SEVERITIES = ["critical", "warning", "info"] as const;
const GRADES = ["I", "II", "III", "IV"] as const;
const DAY = 86_400_000;

/** A value computed at most once per `ms`; a failure gives `fallback` (a scrape never fails on it). */
function cachedFor<T>(ms: number, now: () => number, load: () => Promise<T>, fallback: T): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!cached || now() - cached.at > ms) {
      cached = { at: now(), value: load().catch(() => fallback) };
    }
    return cached.value;
  };
}

/**
 * Like cachedFor, but once a value exists a scrape never waits for the next one: an expired value is
 * served while its successor is computed in the background (the SLA of every app takes a while).
 */
function refreshedEvery<T>(ms: number, now: () => number, load: () => Promise<T>, fallback: T): () => Promise<T> {
  let value: T | undefined;
  let at = Number.NEGATIVE_INFINITY;
  let pending: Promise<T> | undefined;
  return async () => {
    if (!pending && now() - at > ms) {
      const started = now();
      pending = load()
        .then((v) => (value = v))
        .catch(() => value ?? fallback)
        .finally(() => {
          at = started;
          pending = undefined;
        });
    }
    return value ?? (await (pending ?? Promise.resolve(fallback)));
  };
}

const tableExists = async (db: Db, table: string) =>
  (await sql<{ t: string | null }>`SELECT to_regclass(${table})::text AS t`.execute(db)).rows[0]?.t != null;

export function registerMonitorMetrics(registry: client.Registry, db: Db, opts: MonitorMetricsOptions = {}): void {
  const now = opts.now ?? Date.now;
  const cacheMs = opts.cacheMs ?? 5_000;
  const statuses = cachedFor(
    cacheMs,
    now,
    async () =>
      (
        await sql<StatusRow>`
          SELECT m.name, m.definition ->> 'appId' AS app, s.state, m.paused
          FROM monitors m LEFT JOIN monitor_status s ON s.monitor_id = m.id`.execute(db)
      ).rows,
    [] as StatusRow[],
  );
  new client.Gauge({
    name: METRICS.up,
    help: "1 when the monitor's last state is up or degraded, 0 when down; absent while unknown or paused",
    labelNames: ["monitor", "app"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await statuses()) {
        if (r.paused || (r.state !== "up" && r.state !== "degraded" && r.state !== "down")) continue;
        this.set({ monitor: r.name, app: r.app ?? "" }, r.state === "down" ? 0 : 1);
      }
    },
  });
  new client.Gauge({
    name: "tianshu_monitors",
    help: "Monitors by their current state (paused counted apart)",
    labelNames: ["state"] as const,
    registers: [registry],
    async collect() {
      const counts: Record<string, number> = { up: 0, degraded: 0, down: 0, unknown: 0, paused: 0 };
      for (const r of await statuses()) {
        const key = r.paused ? "paused" : (r.state ?? "unknown");
        counts[key] = (counts[key] ?? 0) + 1;
      }
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });

  registerLatency(registry, db, now, cacheMs, opts.latencyLagMs ?? 5_000);
  registerSla(registry, db, now, opts.slaCacheMs ?? 60_000, opts.timeZone ?? DEFAULT_TIME_ZONE);
  registerCounts(registry, db, now, cacheMs);
}

/**
 * The latency histogram is a set of counters, so it cannot be recomputed from a window at each
 * scrape. This process counts the results stored since it started: each read takes those in
 * [cursor, now − lag) through the time index and advances the cursor, so a result is counted
 * once. A result stored later than `lag` after its time (a prober catching up after a database
 * outage) is not counted. Every API instance counts the same results: aggregate with max(), not sum().
 */
function registerLatency(registry: client.Registry, db: Db, now: () => number, cacheMs: number, lagMs: number) {
  let cursor = now() - lagMs;
  let reading: Promise<void> | undefined;
  let readAt = 0;
  const histogram = new client.Histogram({
    name: "tianshu_monitor_latency_seconds",
    help: "Latency of up and degraded monitor results stored since this process started (seconds)",
    labelNames: ["monitor"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
    async collect() {
      if (!reading || now() - readAt > cacheMs) {
        readAt = now();
        reading = (async () => {
          const upto = now() - lagMs;
          if (upto <= cursor) return;
          const rows = await sql<{ name: string; latency_ms: number }>`
            SELECT m.name, r.latency_ms FROM monitor_results r JOIN monitors m ON m.id = r.monitor_id
            WHERE r.at >= ${new Date(cursor)} AND r.at < ${new Date(upto)} AND r.state IN ('up', 'degraded')`.execute(
            db,
          );
          for (const r of rows.rows) histogram.observe({ monitor: r.name }, r.latency_ms / 1000);
          cursor = upto;
        })().catch(() => {});
      }
      await reading;
    },
  });
}

function registerSla(registry: client.Registry, db: Db, now: () => number, ms: number, timeZone: string) {
  const windows = (t: number): Record<(typeof SLA_WINDOWS)[number], { from: Date; to: Date }> => {
    const day = calendarWindow("day", t, timeZone);
    const month = calendarWindow("month", t, timeZone);
    return {
      "1d": { from: new Date(t - DAY), to: new Date(t) },
      "30d": { from: new Date(t - 30 * DAY), to: new Date(t) },
      day: { from: new Date(day.start), to: new Date(t) },
      month: { from: new Date(month.start), to: new Date(t) },
    };
  };
  const figures = refreshedEvery(
    ms,
    now,
    async () => {
      if (!(await tableExists(db, "monitor_apps"))) return [];
      const tenants = (await sql<{ tenant_id: string }>`SELECT DISTINCT tenant_id FROM monitor_apps`.execute(db)).rows;
      const t = now();
      const out: { window: (typeof SLA_WINDOWS)[number]; apps: AppSla[] }[] = [];
      for (const [window, range] of Object.entries(windows(t)) as [
        (typeof SLA_WINDOWS)[number],
        { from: Date; to: Date },
      ][]) {
        const apps: AppSla[] = [];
        for (const { tenant_id } of tenants) apps.push(...(await slaForApps(db, { tenantId: tenant_id, ...range })));
        out.push({ window, apps });
      }
      return out;
    },
    [] as { window: (typeof SLA_WINDOWS)[number]; apps: AppSla[] }[],
  );
  const labels = (a: AppSla) => ({ app: a.app.name, app_id: a.app.id });
  new client.Gauge({
    name: METRICS.availability,
    help: "Availability of each app over a window (1d, 30d rolling; day, month calendar so far), 0-1",
    labelNames: ["app", "app_id", "window"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { window, apps } of await figures()) {
        for (const a of apps)
          if (a.report.availability !== null) this.set({ ...labels(a), window }, a.report.availability);
      }
    },
  });
  new client.Gauge({
    name: METRICS.target,
    help: "The app's availability target, 0-1",
    labelNames: ["app", "app_id"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const month = (await figures()).find((f) => f.window === "month");
      for (const a of month?.apps ?? []) this.set(labels(a), a.app.slaTarget);
    },
  });
  new client.Gauge({
    name: METRICS.budget,
    help: "Error budget left this calendar month: 1 untouched, 0 spent, below 0 overspent",
    labelNames: ["app", "app_id"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const month = (await figures()).find((f) => f.window === "month");
      for (const a of month?.apps ?? []) {
        if (a.report.budgetRemainingRatio !== null) this.set(labels(a), a.report.budgetRemainingRatio);
      }
    },
  });
}

function registerCounts(registry: client.Registry, db: Db, now: () => number, ms: number) {
  const counts = cachedFor(
    ms,
    now,
    async () => {
      const [hasAlerts, hasIncidents, hasHits] = await Promise.all([
        tableExists(db, "alerts"),
        tableExists(db, "incidents"),
        tableExists(db, "word_hit_stats"),
      ]);
      const alerts = hasAlerts
        ? (
            await sql<{ key: string; n: string }>`
              SELECT severity AS key, count(*) AS n FROM alerts WHERE state = 'firing' GROUP BY severity`.execute(db)
          ).rows
        : [];
      const incidents = hasIncidents
        ? (
            await sql<{ key: string; n: string }>`
              SELECT grade AS key, count(*) AS n FROM incidents
              WHERE state IN ('open', 'acknowledged', 'mitigated') GROUP BY grade`.execute(db)
          ).rows
        : [];
      const hits = hasHits
        ? (
            await sql<{ key: string; n: string }>`
              SELECT category AS key, sum(hits) AS n FROM word_hit_stats GROUP BY category`.execute(db)
          ).rows
        : [];
      const map = (rows: { key: string; n: string }[]) => new Map(rows.map((r) => [r.key, Number(r.n)]));
      return { alerts: map(alerts), incidents: map(incidents), hits: map(hits) };
    },
    { alerts: new Map<string, number>(), incidents: new Map<string, number>(), hits: new Map<string, number>() },
  );
  new client.Gauge({
    name: "tianshu_alerts_firing",
    help: "Alerts firing and not yet acknowledged, per severity",
    labelNames: ["severity"] as const,
    registers: [registry],
    async collect() {
      const { alerts } = await counts();
      for (const severity of SEVERITIES) this.set({ severity }, alerts.get(severity) ?? 0);
    },
  });
  new client.Gauge({
    name: METRICS.incidents,
    help: "Incidents not yet resolved (open, acknowledged or mitigated), per grade",
    labelNames: ["grade"] as const,
    registers: [registry],
    async collect() {
      const { incidents } = await counts();
      for (const grade of GRADES) this.set({ grade }, incidents.get(grade) ?? 0);
    },
  });
  new client.Counter({
    name: "tianshu_sensitive_word_hits_total",
    help: "Sensitive-word hits counted by the content checks, per category (the days still kept)",
    labelNames: ["category"] as const,
    registers: [registry],
    async collect() {
      const { hits } = await counts();
      this.reset();
      for (const [category, n] of hits) this.inc({ category }, n);
    },
  });
}
