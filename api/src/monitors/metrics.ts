import { sql } from "kysely";
import client from "prom-client";
import { METRICS } from "../../../monitors/grafana/dashboard";
import type { Db } from "../db/pool";

/**
 * Monitor series on the app's registry, read from `monitor_status` at scrape time (cached a few
 * seconds, so one scrape queries once): `tianshu_monitor_up{monitor, app}` — 1 up or degraded, 0
 * down, absent while unknown or paused — and `tianshu_monitors{state}`, the count per state. Labels
 * are monitor names and app ids, bounded by the number of monitors (not by results or time). The
 * SLA, budget and incident series of the dashboard come with the SLA computation and incidents.
 */
interface StatusRow {
  name: string;
  app: string | null;
  state: "up" | "degraded" | "down" | "unknown" | null;
  paused: boolean;
}

export function registerMonitorMetrics(registry: client.Registry, db: Db, cacheMs = 5_000): void {
  let cached: { at: number; rows: Promise<StatusRow[]> } | undefined;
  const current = () => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      cached = {
        at: Date.now(),
        rows: sql<StatusRow>`
          SELECT m.name, m.definition ->> 'appId' AS app, s.state, m.paused
          FROM monitors m LEFT JOIN monitor_status s ON s.monitor_id = m.id`
          .execute(db)
          .then((r) => r.rows)
          .catch(() => []),
      };
    }
    return cached.rows;
  };
  new client.Gauge({
    name: METRICS.up,
    help: "1 when the monitor's last state is up or degraded, 0 when down; absent while unknown or paused",
    labelNames: ["monitor", "app"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await current()) {
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
      for (const r of await current()) {
        const key = r.paused ? "paused" : (r.state ?? "unknown");
        counts[key] = (counts[key] ?? 0) + 1;
      }
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
}
