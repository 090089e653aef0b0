import { sql } from "kysely";
import type { Db } from "../api/src/db/pool";
import { insertMonitor, insertTenant } from "../monitors/testing-db";

/**
 * The SLA benchmark's data (bench/sla.ts), generated in SQL: `apps` apps of `monitors / apps`
 * monitors each, a year of state transitions (one outage of 1–60 minutes at a random time each week
 * per monitor, and a weekly maintenance window per app), `rawDays` days of 1-minute raw results in
 * daily partitions, and a year of hourly and daily rollups. Minute rollups are left out: for 1-minute
 * checks they are as many rows as the raw results and the SLA never reads them.
 */
export interface SlaData {
  tenantId: string;
  monitorIds: string[];
  appIds: string[];
  yearStart: Date;
  rows: Record<string, number>;
}

const DAY = 86_400_000;

export async function generateSlaData(
  db: Db,
  opts: { monitors: number; apps: number; rawDays: number; now: Date },
): Promise<SlaData> {
  const tenantId = await insertTenant(db);
  const yearStart = new Date(opts.now.getTime() - 365 * DAY);
  const apps = await sql<{ id: string }>`
    INSERT INTO monitor_apps (tenant_id, name, group_name, combine_rule)
    SELECT ${tenantId}, 'app ' || g, 'group ' || (g % 10), CASE WHEN g % 5 = 0 THEN 'any' ELSE 'all' END
    FROM generate_series(0, ${opts.apps - 1}) g RETURNING id`.execute(db);
  const appIds = apps.rows.map((r) => r.id);
  const monitorIds: string[] = [];
  for (let i = 0; i < opts.monitors; i++) {
    const appId = appIds[i % appIds.length] as string;
    monitorIds.push(
      await insertMonitor(db, tenantId, {
        type: "http",
        name: `bench ${i}`,
        url: `http://127.0.0.1:9/${i}`,
        intervalSeconds: 60,
        appId,
      }),
    );
  }
  await sql`
    INSERT INTO monitor_transitions (monitor_id, at, state, reason)
    SELECT id, ${yearStart}, 'up', '' FROM unnest(${monitorIds}::uuid[]) id`.execute(db);
  await sql`
    INSERT INTO monitor_transitions (monitor_id, at, state, reason)
    SELECT m.id, o.start + CASE s.state WHEN 'down' THEN interval '0' ELSE o.length END, s.state, 'bench'
    FROM unnest(${monitorIds}::uuid[]) m(id)
    CROSS JOIN LATERAL (
      SELECT ${yearStart}::timestamptz + (w * 7 + random() * 6.9) * interval '1 day' AS start,
             (1 + floor(random() * 60)) * interval '1 minute' AS length
      FROM generate_series(0, 51) w WHERE m.id IS NOT NULL) o
    CROSS JOIN (VALUES ('down'), ('up')) s(state)
    ON CONFLICT DO NOTHING`.execute(db);
  await sql`
    INSERT INTO maintenance_windows (tenant_id, name, definition, app_ids)
    SELECT ${tenantId}, 'weekly ' || a.n,
           jsonb_build_object('kind', 'recurring', 'frequency', 'weekly', 'weekdays', jsonb_build_array(6),
                              'startTime', '02:00', 'durationMinutes', 60, 'timeZone', 'Asia/Shanghai'),
           ARRAY[a.id]
    FROM unnest(${appIds}::uuid[]) WITH ORDINALITY a(id, n)`.execute(db);

  // Raw results: one partition per day, as the scheduler keeps them (store.ts).
  const rawStart = new Date(Math.floor(opts.now.getTime() / DAY) * DAY - opts.rawDays * DAY);
  for (let d = 0; d < opts.rawDays; d++) {
    const from = new Date(rawStart.getTime() + d * DAY);
    const name = `monitor_results_${from.toISOString().slice(0, 10).replaceAll("-", "")}`;
    await sql
      .raw(
        `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF monitor_results
         FOR VALUES FROM ('${from.toISOString()}') TO ('${new Date(from.getTime() + DAY).toISOString()}')`,
      )
      .execute(db);
    await sql`
      INSERT INTO monitor_results (monitor_id, at, state, latency_ms, reason)
      SELECT m.id, t, 'up', 20 + (random() * 80)::integer, 'ok'
      FROM unnest(${monitorIds}::uuid[]) m(id),
           generate_series(${from}::timestamptz, ${from}::timestamptz + interval '1 day' - interval '1 minute',
                           interval '1 minute') t`.execute(db);
  }
  for (const width of ["hour", "day"] as const) {
    await sql
      .raw(
        `INSERT INTO monitor_rollup_${width} (monitor_id, bucket, checks, up_count, degraded_count, down_count,
                                              latency_sum_ms, latency_max_ms)
         SELECT m.id, b, c, c, 0, 0, c * 60, 100
         FROM unnest('{${monitorIds.join(",")}}'::uuid[]) m(id),
              generate_series('${yearStart.toISOString()}'::timestamptz, '${opts.now.toISOString()}'::timestamptz,
                              interval '1 ${width}') b,
              (SELECT ${width === "hour" ? 60 : 1440} AS c) k`,
      )
      .execute(db);
  }
  await sql`ANALYZE`.execute(db);
  const rows: Record<string, number> = {};
  for (const table of ["monitor_transitions", "monitor_results", "monitor_rollup_hour", "monitor_rollup_day"]) {
    const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(db);
    rows[table] = Number(r.rows[0]?.n);
  }
  return { tenantId, monitorIds, appIds, yearStart, rows };
}
