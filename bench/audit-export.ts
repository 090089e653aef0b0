import { Writable } from "node:stream";
import { type SqlBool, sql } from "kysely";
import { writeExport } from "../api/src/audit/export";
import type { AuditScope } from "../api/src/audit/search";
import { migrateUp } from "../api/src/db/migrate";
import { type DatabaseHandle, openDatabase } from "../api/src/db/pool";
import { dropDatabaseAt, emptyDatabaseOn } from "../test/support/db";

/**
 * Audit export (docs/audit.md, "Export benchmark"): BENCH_AUDIT_EXPORT_EVENTS events (default
 * 1,000,000), generated with one INSERT … SELECT generate_series into a fresh database, exported to
 * CSV and to XLSX by the real streaming code (writeExport: keyset pages, digest while streaming) into a sink that
 * discards the bytes. Prints events/s and the peak RSS growth: memory must stay bounded whatever the
 * number of events. Server PostgreSQL only (BENCH_DATABASE_URL).
 */
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const EVENTS = Number(process.env.BENCH_AUDIT_EXPORT_EVENTS ?? 1_000_000);
const MB = 1024 * 1024;

export async function benchAuditExport(): Promise<void> {
  console.log(`\n## Audit export — ${EVENTS} events to CSV and XLSX, streamed with bounded memory`);
  let url: string;
  try {
    url = await emptyDatabaseOn(SERVER_URL);
  } catch (err) {
    console.log(`(no PostgreSQL server at ${SERVER_URL}: ${(err as Error).message}; export benchmark skipped)`);
    return;
  }
  const handle = openDatabase(url, 4, () => {});
  try {
    await migrateUp(handle.pool, () => {});
    const t0 = Date.now();
    // One event in ten is the audit admin's own, which the auditadmin scope below leaves out.
    await sql`
      INSERT INTO audit_events (occurred_at, actor_name, actor_role, action, target_type, target_id, result,
        detail, ip, user_agent, request_id)
      SELECT now() - make_interval(secs => (${EVENTS} - i) / 100.0), 'user-' || (i % 1000),
        CASE WHEN i % 10 = 0 THEN 'auditadmin' ELSE 'sysadmin' END, 'user.update', 'User', 'u-' || i, 'success',
        jsonb_build_object('before', jsonb_build_object('title', 'old'),
          'after', jsonb_build_object('title', 'new "' || i || '"')),
        '10.0.' || (i % 250) || '.' || (i % 200), 'Mozilla/5.0 (bench)', 'r-' || i
      FROM generate_series(1, ${EVENTS}::int) AS i`.execute(handle.db);
    await sql`ANALYZE audit_events`.execute(handle.db);
    const seqBound = (await sql<{ seq: string }>`SELECT max(seq)::text AS seq FROM audit_events`.execute(handle.db))
      .rows[0]?.seq as string;
    console.log(`generated ${EVENTS} events in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The auditadmin's scope (policies/duties.ts: actorRole != auditadmin), untenanted events included.
    const scope = {
      tenantId: "00000000-0000-0000-0000-000000000000",
      includeUntenanted: true,
      allowed: sql<SqlBool>`(actor_role IS DISTINCT FROM 'auditadmin')`,
    };
    // CSV, then XLSX (exceljs' streaming workbook writer, zipped as it goes): each with its own baseline.
    for (const format of ["csv", "xlsx"] as const) await measure(handle, { scope, seqBound, format });
  } finally {
    await handle.close();
    await dropDatabaseAt(SERVER_URL, url);
  }
}

async function measure(
  handle: DatabaseHandle,
  opts: { scope: AuditScope; seqBound: string; format: "csv" | "xlsx" },
): Promise<void> {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      // Yield like a socket would, so backpressure is exercised.
      setImmediate(callback);
    },
  });
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage();
  let peak = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sample = () => {
    const now = process.memoryUsage();
    peak = Math.max(peak, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  };
  const sampler = setInterval(sample, 50);
  const started = Date.now();
  const result = await writeExport(handle.db, {
    scope: opts.scope,
    filter: {},
    seqBound: opts.seqBound,
    format: opts.format,
    digestAlgorithm: "SM3",
    out: sink,
  });
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  sample();
  console.log(
    `export ${opts.format}: ${result.rows} events (${(bytes / MB).toFixed(0)} MB, SM3 ${result.digest.slice(0, 16)}…) in ` +
      `${seconds.toFixed(1)} s = ${(result.rows / seconds).toFixed(0)} events/s; peak RSS growth ` +
      `${((peak - baseline.rss) / MB).toFixed(1)} MB (baseline ${(baseline.rss / MB).toFixed(0)} MB), peak heap growth ` +
      `${((peakHeap - baseline.heapUsed) / MB).toFixed(1)} MB`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAuditExport();
