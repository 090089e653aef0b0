import { sql } from "kysely";
import { migrateUp } from "../api/src/db/migrate";
import { type Db, openDatabase } from "../api/src/db/pool";
import { dailyForApps, slaForApps, slaForMonitors } from "../monitors/sla-store";
import { dropDatabaseAt, emptyDatabaseOn } from "../test/support/db";
import { generateSlaData } from "./sla-data";

/**
 * SLA queries (issue 6): BENCH_SLA_MONITORS monitors (default 1,000) in 100 apps with a year of
 * transitions, weekly maintenance, BENCH_SLA_RAW_DAYS (default 30) days of 1-minute raw results and a
 * year of hourly and daily rollups (bench/sla-data.ts). Targets: one monitor's month < 200 ms p99;
 * every monitor's monthly figures < 2 s p99. Also the apps' monthly table (with per-monitor rows) and
 * the leadership dashboard's 90 daily bars for every app.
 *
 * **Baseline:** reading the same transitions with a plain SQL query and nothing computed — the floor
 * under any SLA computation of these rows. Server PostgreSQL only (BENCH_DATABASE_URL).
 */
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const MONITORS = Number(process.env.BENCH_SLA_MONITORS ?? 1_000);
const RAW_DAYS = Number(process.env.BENCH_SLA_RAW_DAYS ?? 30);
const DAY = 86_400_000;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs `fn` `n` times (after 2 warm-ups) and returns p50 and p99 in milliseconds. */
async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 2; i++) await fn(i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

const plainRead = (db: Db, ids: readonly string[], from: Date, to: Date) =>
  sql`SELECT monitor_id, at, state FROM monitor_transitions
      WHERE monitor_id = ANY(${[...ids]}::uuid[]) AND at < ${to} AND at > ${new Date(from.getTime() - 7 * DAY)}
      ORDER BY 1, 2`.execute(db);

function line(name: string, r: { p50: number; p99: number }, baseline?: { p99: number }, target?: number): string {
  const ratio = baseline ? ` = ${(r.p99 / baseline.p99).toFixed(2)} × baseline p99` : "";
  const goal = target === undefined ? "" : ` (target < ${target} ms: ${r.p99 < target ? "met" : "NOT met"})`;
  return `${name.padEnd(44)} p50 ${r.p50.toFixed(1).padStart(7)} ms, p99 ${r.p99.toFixed(1).padStart(7)} ms${ratio}${goal}`;
}

export async function benchSla(): Promise<void> {
  console.log(
    `\n## SLA queries — ${MONITORS} monitors, a year of transitions, ${RAW_DAYS} days raw + a year of rollups`,
  );
  let url: string;
  try {
    url = await emptyDatabaseOn(SERVER_URL);
  } catch (err) {
    console.log(`(no PostgreSQL server at ${SERVER_URL}: ${(err as Error).message}; SLA benchmark skipped)`);
    return;
  }
  const handle = openDatabase(url, 4, () => {});
  try {
    await migrateUp(handle.pool, () => {});
    const { db } = handle;
    const now = new Date();
    const t0 = performance.now();
    const data = await generateSlaData(db, {
      monitors: MONITORS,
      apps: Math.max(1, MONITORS / 10),
      rawDays: RAW_DAYS,
      now,
    });
    const rows = Object.entries(data.rows)
      .map(([t, n]) => `${t} ${n.toLocaleString("en")}`)
      .join(", ");
    console.log(`(data generated in ${((performance.now() - t0) / 1000).toFixed(0)} s: ${rows})`);
    const month = { from: new Date(now.getTime() - 30 * DAY), to: now };
    const ids = data.monitorIds;
    const one = (i: number) => ids[(i * 7919) % ids.length] as string;

    const oneBase = await timed(200, (i) => plainRead(db, [one(i)], month.from, month.to));
    console.log(line("baseline  one monitor's transitions, SQL only", oneBase));
    const oneSla = await timed(200, (i) => slaForMonitors(db, [one(i)], month));
    console.log(line("one monitor, 30 days, with maintenance", oneSla, oneBase, 200));

    const allBase = await timed(20, () => plainRead(db, ids, month.from, month.to));
    console.log(line("baseline  all monitors' transitions, SQL only", allBase));
    const allSla = await timed(20, () => slaForMonitors(db, ids, month));
    console.log(line(`all ${ids.length} monitors, 30 days`, allSla, allBase, 2000));
    const apps = await timed(20, () => slaForApps(db, { tenantId: data.tenantId, ...month, perMonitor: true }));
    console.log(line(`${data.appIds.length} apps + their monitors, 30 days`, apps, allBase, 2000));
    const daily = await timed(10, () =>
      dailyForApps(db, { tenantId: data.tenantId, days: 90, timeZone: "Asia/Shanghai", now: now.getTime() }),
    );
    console.log(line(`${data.appIds.length} apps × 90 daily bars`, daily, allBase));
    const year = await timed(5, () => slaForMonitors(db, ids, { from: data.yearStart, to: now }));
    console.log(line(`all ${ids.length} monitors, 365 days`, year));
  } finally {
    await handle.close();
    await dropDatabaseAt(SERVER_URL, url);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSla();
