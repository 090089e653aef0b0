/**
 * The PostgreSQL probe: connect, run the monitor's query in a READ ONLY transaction with a
 * statement timeout, and compare the first column of the first row with the expected value.
 *
 * The query is sent with the extended protocol, which takes exactly one statement, so "SELECT 1;
 * COMMIT; DELETE …" is refused by the server rather than run; the read-only transaction stops a
 * single statement from writing. A monitor should still connect as a role that can only read.
 */
import pg from "pg";
import type { PostgresMonitor } from "../config";
import { deadline, failure, type ProbeResult, result, upOrDegraded } from "./result";

/** SQLSTATE classes that mean the credentials or the database name are wrong. */
const AUTH_STATES = new Set(["28000", "28P01", "3D000"]);

export async function probePostgres(monitor: PostgresMonitor, signal: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const limit = deadline(signal, monitor.timeoutMs);
  const client = new pg.Client({
    connectionString: monitor.connectionString,
    connectionTimeoutMillis: monitor.timeoutMs,
    statement_timeout: monitor.timeoutMs,
    query_timeout: monitor.timeoutMs,
    application_name: "tianshu-monitor",
  });
  // A server that stops answering must not leave the probe waiting: end() on abort closes the socket.
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => {
      client.end().catch(() => {});
      reject(limit.signal.reason);
    };
    if (limit.signal.aborted) onAbort();
    else limit.signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  client.on("error", () => {}); // a connection lost after the verdict must not crash the process
  let rows: unknown[][];
  try {
    rows = await Promise.race([run(client, monitor.query), aborted]);
  } catch (err) {
    return postgresFailure(err, started, limit.state());
  } finally {
    limit.release();
    client.end().catch(() => {});
  }
  const first = rows[0]?.[0];
  const detail: Record<string, unknown> = { rows: rows.length };
  if (first !== undefined) detail.value = first === null ? null : String(first).slice(0, 200);
  if (monitor.expected !== undefined) {
    if (first === undefined || first === null || String(first) !== monitor.expected) {
      return result(
        "down",
        started,
        "query-result",
        `The query returned ${first === undefined ? "no rows" : String(first).slice(0, 200)}, expected ${monitor.expected}.`,
        `查询结果为 ${first === undefined ? "空" : String(first).slice(0, 200)}，期望 ${monitor.expected}。`,
        detail,
      );
    }
  }
  return upOrDegraded(started, monitor.degradedAfterMs, detail);
}

async function run(client: pg.Client, query: string): Promise<unknown[][]> {
  await client.connect();
  await client.query("BEGIN READ ONLY");
  try {
    // queryMode "extended": one statement only, even without parameters.
    const res = await client.query({ text: query, rowMode: "array", queryMode: "extended" } as pg.QueryArrayConfig);
    return res.rows as unknown[][];
  } finally {
    await client.query("ROLLBACK").catch(() => {});
  }
}

function postgresFailure(err: unknown, started: number, signals: { timedOut: boolean; aborted: boolean }): ProbeResult {
  const e = err as { code?: string; message?: string };
  if (signals.timedOut || signals.aborted) return failure(err, started, signals);
  if (e?.code && AUTH_STATES.has(e.code)) {
    return result(
      "down",
      started,
      "auth-failed",
      `The database refused the login: ${e.message}`,
      `数据库拒绝登录：${e.message}`,
      { sqlstate: e.code },
    );
  }
  // Five-character SQLSTATE: the server answered, the query failed (syntax, timeout, read-only…).
  if (e?.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    const timeout = e.code === "57014";
    return result(
      "down",
      started,
      timeout ? "timeout" : "query-failed",
      `The query failed: ${e.message}`,
      `查询失败：${e.message}`,
      { sqlstate: e.code },
    );
  }
  if (e?.message && /timeout/i.test(e.message)) {
    return result(
      "down",
      started,
      "timeout",
      `No answer within the timeout: ${e.message}`,
      `在超时时间内没有响应：${e.message}`,
    );
  }
  return failure(err, started, signals);
}
