import pino from "pino";
import pg from "pg";
import type { AclIntegrity } from "../api/src/authz/integrity";
import { openDatabase } from "../api/src/db/pool";
import { createAlertEvaluator } from "../monitors/alerting/evaluator";
import { seeded } from "./words-corpus";
import { reachable, runLoad } from "./load";
import { insertApiClient, platformTenant, startSeededServer } from "./server";

/**
 * Business signals end to end (issue 6, docs/monitors.md "Warning rules on business signals"):
 * (a) POST /api/v1/signals over HTTP, batches of BENCH_SIGNALS_BATCH (default 1,000) signals from
 *     an API client with signals:write — signals/s stored, per-request p50/p99; baseline: GET /healthz
 *     on the same server process;
 * (b) the evaluator's consumption: a fresh evaluator (as after a change of leader) reads every stored
 *     signal by cursor and feeds the sliding windows of one rule "more than 50 in 60 minutes, by key"
 *     — signals/s evaluated, against the in-process rule alone (bench/signals.ts's figure).
 * Server PostgreSQL only (BENCH_DATABASE_URL).
 */
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BATCH = Number(process.env.BENCH_SIGNALS_BATCH ?? 1_000);
const KEYS = 100_000;

async function seed(url: string, integrity: AclIntegrity): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const owner = await platformTenant(client);
    await client.query(
      `INSERT INTO alert_rules (tenant_id, name, category, params, severity)
       VALUES ($1, 'bench: applicants', 'signal', $2, 'warning')`,
      [owner.tenant, JSON.stringify({ signal: "permit.submitted", threshold: 50, windowMinutes: 60 })],
    );
    return await insertApiClient(client, integrity, owner, ["signals:write"]);
  } finally {
    await client.end();
  }
}

export async function benchSignalsHttp(): Promise<void> {
  console.log(
    `\n## POST /api/v1/signals, ${BATCH} signals per request — ${CONCURRENCY} connections, ${DURATION_MS / 1000} s; baseline: GET /healthz`,
  );
  if (!(await reachable(SERVER_URL))) {
    console.log(`(no PostgreSQL server at ${SERVER_URL}: skipped; set BENCH_DATABASE_URL)`);
    return;
  }
  // The prober and its jobs stay out of the server process: (b) measures the evaluator on its own.
  const server = await startSeededServer(SERVER_URL, { TIANSHU_MONITORS: "off" }, seed);
  const { base, seeded: bearer } = server;
  try {
    const rand = seeded(11);
    const signals = Array.from({ length: BATCH }, () => ({
      name: "permit.submitted",
      key: `applicant-${Math.floor(rand() ** 2 * KEYS)}`,
    }));
    const body = JSON.stringify({ signals });
    const headers = { authorization: bearer };
    const probe = await fetch(`${base}/api/v1/signals`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    });
    if (probe.status !== 202) throw new Error(`signals refused: ${probe.status} ${await probe.text()}`);
    const baseline = await runLoad({
      url: `${base}/healthz`,
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      expectStatus: 200,
    });
    const ingest = await runLoad({
      url: `${base}/api/v1/signals`,
      headers,
      body,
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      expectStatus: 202,
    });
    console.log(
      `server  /healthz      ${baseline.rps.toFixed(0).padStart(7)} req/s   p50 ${baseline.p50Ms.toFixed(2)} ms   p99 ${baseline.p99Ms.toFixed(2)} ms`,
    );
    console.log(
      `server  /signals      ${ingest.rps.toFixed(0).padStart(7)} req/s = ${(ingest.rps * BATCH).toFixed(0)} signals/s   p50 ${ingest.p50Ms.toFixed(2)} ms   p99 ${ingest.p99Ms.toFixed(2)} ms   (${ingest.errors} errors)`,
    );
    await server.stopServer();

    const handle = openDatabase(server.databaseUrl, 4, () => {});
    try {
      const stored = await handle.pool.query<{ n: string }>("SELECT count(*)::text AS n FROM alert_signals");
      const evaluator = createAlertEvaluator({
        db: handle.db,
        logger: pino({ level: "silent" }),
        readCertificates: false,
      });
      // Signals count once settled (2 s after arrival): evaluate a little later than now.
      const started = performance.now();
      const stats = await evaluator.round(new Date(Date.now() + 5_000));
      const seconds = (performance.now() - started) / 1000;
      const n = Number(stored.rows[0]?.n);
      console.log(
        `evaluator  first round over ${n} stored signals: ${(n / seconds).toFixed(0)} signals/s evaluated (${seconds.toFixed(2)} s, ${stats.fired} alerts fired)`,
      );
    } finally {
      await handle.close();
    }
  } finally {
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSignalsHttp();
