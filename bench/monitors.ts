import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import { once } from "node:events";
import { migrateUp } from "../api/src/db/migrate";
import { openDatabase } from "../api/src/db/pool";
import { startScheduler } from "../monitors/scheduler";
import { insertMonitor, insertTenant } from "../monitors/testing-db";
import { dropDatabaseAt, emptyDatabaseOn } from "../test/support/db";

/**
 * The prober at scale (issue 6): BENCH_MONITORS HTTP monitors (default 1,000) at a 30 s interval
 * against a local target, for BENCH_MONITORS_SECONDS (default 90, three intervals). Reported: probes
 * per second achieved against the due rate, scheduling lag (how late a check starts after it was
 * due) p50/p99/max, and the CPU share of one core used by this process (probes, scheduling and the
 * batched writes to PostgreSQL; the target runs in a child process so its CPU is not counted).
 *
 * **Baseline:** the same monitors as plain timers — one setTimeout chain per monitor with the same
 * random first offset, each firing the same kind of request (a fresh connection, no keep-alive) and
 * writing nothing. The scheduler's CPU is reported as a ratio of the baseline's.
 * Server PostgreSQL only (BENCH_DATABASE_URL).
 */
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const MONITORS = Number(process.env.BENCH_MONITORS ?? 1_000);
const SECONDS = Number(process.env.BENCH_MONITORS_SECONDS ?? 90);
const INTERVAL_S = 30;

interface Run {
  probes: number;
  lags: number[];
  cpuShare: number;
  seconds: number;
}

/** An HTTP target in its own process, answering 200 "ok"; resolves with its URL. */
async function startTarget(): Promise<{ url: string; child: ChildProcess }> {
  const code = `require("node:http").createServer((q, s) => s.end("ok")).listen(0, "127.0.0.1", function () {
    process.stdout.write(String(this.address().port) + "\\n");
  });`;
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  return { url: `http://127.0.0.1:${chunk.toString().trim()}/health`, child };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function measure(body: (record: (lagMs: number) => void) => Promise<() => Promise<void>>): Promise<Run> {
  const lags: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stop = await body((lag) => lags.push(lag));
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  await stop();
  return {
    probes: lags.length,
    lags: lags.sort((a, b) => a - b),
    cpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
    seconds,
  };
}

/** The baseline: one timer chain per monitor, a fresh-connection GET each time, nothing stored. */
function plainTimers(url: string): Promise<Run> {
  return measure(async (record) => {
    const timers = new Set<NodeJS.Timeout>();
    let stopped = false;
    const fire = (dueAt: number) => {
      record(Date.now() - dueAt);
      http.get(url, { agent: false }, (res) => res.resume()).on("error", () => {});
      const next = dueAt + INTERVAL_S * 1000;
      schedule(next);
    };
    const schedule = (dueAt: number) => {
      if (stopped) return;
      const t = setTimeout(() => {
        timers.delete(t);
        fire(dueAt);
      }, dueAt - Date.now());
      timers.add(t);
    };
    const now = Date.now();
    for (let i = 0; i < MONITORS; i++) schedule(now + Math.floor(Math.random() * INTERVAL_S * 1000));
    return async () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
    };
  });
}

function line(name: string, r: Run, due: number, baselineCpu?: number): string {
  const rate = r.probes / r.seconds;
  const cpu = `${(r.cpuShare * 100).toFixed(1)} % of a core`;
  const ratio = baselineCpu === undefined ? "" : ` = ${(r.cpuShare / baselineCpu).toFixed(2)} × baseline CPU`;
  return (
    `${name.padEnd(34)} ${rate.toFixed(1).padStart(6)} probes/s (due ${due.toFixed(1)}), lag p50 ` +
    `${percentile(r.lags, 50).toFixed(0)} ms, p99 ${percentile(r.lags, 99).toFixed(0)} ms, max ` +
    `${(r.lags.at(-1) ?? Number.NaN).toFixed(0)} ms; ${cpu}${ratio}`
  );
}

export async function benchMonitors(): Promise<void> {
  const due = MONITORS / INTERVAL_S;
  console.log(`\n## Prober — ${MONITORS} HTTP monitors every ${INTERVAL_S} s, ${SECONDS} s per run, local target`);
  let dbUrl: string;
  try {
    dbUrl = await emptyDatabaseOn(SERVER_URL);
  } catch (err) {
    console.log(`(no PostgreSQL server at ${SERVER_URL}: ${(err as Error).message}; prober benchmark skipped)`);
    return;
  }
  const handle = openDatabase(dbUrl, 4, () => {});
  const target = await startTarget();
  try {
    await migrateUp(handle.pool, () => {});
    const tenantId = await insertTenant(handle.db);
    for (let i = 0; i < MONITORS; i++) {
      await insertMonitor(handle.db, tenantId, {
        type: "http",
        name: `bench ${i}`,
        url: target.url,
        intervalSeconds: INTERVAL_S,
      });
    }
    const baseline = await plainTimers(target.url);
    console.log(line("baseline  plain timers, no storage", baseline, due));
    const logger = { warn() {}, info() {}, error() {}, debug() {} } as never;
    let written = 0;
    const scheduler = await measure(async (record) => {
      const s = startScheduler({ db: handle.db, logger, onCheckStart: (_id, lag) => record(lag) });
      return async () => {
        await s.stop();
        written = s.stats().written;
      };
    });
    console.log(line("scheduler probes + batched writes", scheduler, due, baseline.cpuShare));
    console.log(`(${written} results written; scheduler concurrency cap 16)`);
  } finally {
    target.child.kill();
    await handle.close();
    await dropDatabaseAt(SERVER_URL, dbUrl);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMonitors();
