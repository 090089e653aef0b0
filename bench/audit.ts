import { sql } from "kysely";
import { chainHash, type ChainedFields } from "../api/src/audit/chain";
import { record } from "../api/src/audit/record";
import { verifyAuditChain } from "../api/src/audit/verify";
import { migrateUp } from "../api/src/db/migrate";
import { type DatabaseHandle, openDatabase } from "../api/src/db/pool";
import { dropDatabaseAt, emptyDatabaseOn } from "../test/support/db";

/**
 * Audit log: (1) append throughput — the same small transaction (update one row) with and without an
 * audit event, 1 and 8 concurrent writers; target overhead < 20 %. (2) chain verification speed over
 * BENCH_AUDIT_EVENTS events (default 1,000,000), generated in bulk with the chain computed here;
 * target ≥ 200,000 events/s. Server PostgreSQL only (BENCH_DATABASE_URL).
 */
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_AUDIT_SECONDS ?? 5);

async function throughput(handle: DatabaseHandle, writers: number, audited: boolean): Promise<number> {
  const { db } = handle;
  const until = Date.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (Date.now() < until) {
        await db.transaction().execute(async (tx) => {
          await sql`UPDATE bench_counters SET n = n + 1 WHERE id = ${w}`.execute(tx);
          if (audited) {
            await record(tx, {
              tenantId: null,
              actorId: null,
              actorName: `writer-${w}`,
              actorRole: "sysadmin",
              action: "bench.update",
              targetType: "Counter",
              targetId: String(w),
              result: "success",
              detail: { writer: w },
              requestId: `bench-${done}`,
            });
          }
        });
        done += 1;
      }
    }),
  );
  return done / SECONDS;
}

/** N chained events written with unnest() in batches, then the head moved to the last one. */
async function generate(handle: DatabaseHandle, n: number): Promise<void> {
  const head = await handle.db.selectFrom("audit_chain_head").select(["seq", "hash"]).executeTakeFirstOrThrow();
  let prev = head.hash;
  let seq = BigInt(head.seq);
  const base = Date.now();
  const BATCH = 5_000;
  for (let start = 0; start < n; start += BATCH) {
    const cols: unknown[][] = Array.from({ length: 8 }, () => []);
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      seq += 1n;
      const micros = (base * 1000 + i).toString();
      const occurredAt = `${new Date(Number(BigInt(micros) / 1000n)).toISOString().slice(0, 23)}${micros.slice(-3)}Z`;
      const fields: ChainedFields = {
        seq: seq.toString(),
        occurredAt,
        tenantId: null,
        actorId: null,
        actorName: `user-${i % 1000}`,
        actorRole: "sysadmin",
        action: "user.update",
        targetType: "User",
        targetId: `u-${i}`,
        result: "success",
        detail: { field: "title", n: i },
        ip: "10.0.0.1",
        userAgent: "bench",
        requestId: `r-${i}`,
      };
      const hash = chainHash("SM3", prev, fields);
      const row = [
        fields.seq,
        occurredAt,
        fields.actorName,
        fields.targetId,
        JSON.stringify(fields.detail),
        fields.requestId,
        prev,
        hash,
      ];
      row.forEach((v, c) => cols[c]?.push(v));
      prev = hash;
    }
    await sql`
      INSERT INTO audit_events (seq, occurred_at, actor_name, actor_role, action, target_type, target_id, result,
        detail, ip, user_agent, request_id, prev_hash, hash)
      SELECT s, t, a, 'sysadmin', 'user.update', 'User', tg, 'success', d::jsonb, '10.0.0.1', 'bench', r, p, h
      FROM unnest(${cols[0]}::bigint[], ${cols[1]}::timestamptz[], ${cols[2]}::text[], ${cols[3]}::text[],
        ${cols[4]}::text[], ${cols[5]}::text[], ${cols[6]}::bytea[], ${cols[7]}::bytea[]) AS u(s, t, a, tg, d, r, p, h)`.execute(
      handle.db,
    );
  }
  await sql`UPDATE audit_chain_head SET seq = ${seq.toString()}::bigint, hash = ${prev}, hash_alg = 'SM3'`.execute(
    handle.db,
  );
  await sql`ANALYZE audit_events`.execute(handle.db);
}

async function run(handle: DatabaseHandle): Promise<void> {
  await migrateUp(handle.pool, () => {});
  await sql`CREATE TABLE bench_counters (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)`.execute(handle.db);
  await sql`INSERT INTO bench_counters (id) SELECT generate_series(0, 7)`.execute(handle.db);
  for (const writers of [1, 8]) {
    const plain = await throughput(handle, writers, false);
    const audited = await throughput(handle, writers, true);
    const overhead = (plain / audited - 1) * 100;
    console.log(
      `append, ${writers} writer(s): ${audited.toFixed(0)} audited tx/s vs ${plain.toFixed(0)} without audit — ` +
        `overhead ${overhead.toFixed(1)} % (target < 20 %: ${overhead < 20 ? "met" : "NOT met"})`,
    );
  }
  const t0 = Date.now();
  await generate(handle, EVENTS);
  console.log(`generated ${EVENTS} chained events in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const report = await verifyAuditChain(handle.db);
  const rate = report.eventsChecked / (report.durationMs / 1000);
  console.log(
    `verify: ${report.eventsChecked} events in ${(report.durationMs / 1000).toFixed(2)} s = ${rate.toFixed(0)} events/s ` +
      `(ok=${report.ok}; target ≥ 200,000 events/s: ${rate >= 200_000 ? "met" : "NOT met"})`,
  );
}

export async function benchAudit(): Promise<void> {
  console.log(`\n## Audit log — append overhead (${SECONDS} s per run) and chain verification over ${EVENTS} events`);
  let url: string;
  try {
    url = await emptyDatabaseOn(SERVER_URL);
  } catch (err) {
    console.log(`(no PostgreSQL server at ${SERVER_URL}: ${(err as Error).message}; audit benchmark skipped)`);
    return;
  }
  const handle = openDatabase(url, 9, () => {});
  try {
    await run(handle);
  } finally {
    await handle.close();
    await dropDatabaseAt(SERVER_URL, url);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchAudit();
