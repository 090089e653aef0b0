import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { type TestDatabase, testDatabase } from "../test/support/db";
import { computeSla } from "./sla";
import { applyRetention, ensureResultPartitions, markUnknown, storageMode, transitionsIn, writeResults } from "./store";
import { insertMonitor, insertTenant } from "./testing-db";
import { type RawResult, transitionsFor } from "./transitions";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 26, 0, 0, 0);
const res = (monitorId: string, at: number, state: RawResult["state"], latencyMs = 10): RawResult => ({
  monitorId,
  at,
  state,
  latencyMs,
  reason: state === "up" ? "ok" : state === "degraded" ? "latency" : "timeout",
  message: "",
});

describe("transitionsFor", () => {
  test("repeated states add nothing; changes and the first result are transitions", () => {
    const rs = [
      res("m", T0, "up"),
      res("m", T0 + MIN, "up"),
      res("m", T0 + 2 * MIN, "down"),
      res("m", T0 + 3 * MIN, "up"),
    ];
    const { changes, status } = transitionsFor(rs, null, MIN);
    assert.deepEqual(
      changes.map((c) => [c.at - T0, c.state]),
      [
        [0, "up"],
        [2 * MIN, "down"],
        [3 * MIN, "up"],
      ],
    );
    assert.equal(status?.lastResultAt, T0 + 3 * MIN);
    assert.equal(status?.since, T0 + 3 * MIN);
  });

  test("a silence longer than two intervals is unknown from one interval after the last result", () => {
    const first = transitionsFor([res("m", T0, "up")], null, MIN);
    const { changes } = transitionsFor([res("m", T0 + 10 * MIN, "up")], first.status, MIN);
    assert.deepEqual(
      changes.map((c) => [c.at - T0, c.state]),
      [
        [MIN, "unknown"],
        [10 * MIN, "up"],
      ],
    );
    // Two intervals exactly is not yet a gap.
    assert.deepEqual(transitionsFor([res("m", T0 + 2 * MIN, "up")], first.status, MIN).changes, []);
  });

  test("results at or before the last stored one are ignored", () => {
    const first = transitionsFor([res("m", T0 + MIN, "up")], null, MIN);
    assert.deepEqual(transitionsFor([res("m", T0, "down")], first.status, MIN).changes, []);
  });
});

describe("writeResults", () => {
  let database: TestDatabase;
  let tenantId: string;
  before(async () => {
    database = await testDatabase();
    tenantId = await insertTenant(database.db);
  });
  after(() => database?.close());

  const definition = { type: "tcp", name: "db", host: "127.0.0.1", port: 5432, intervalSeconds: 60 } as const;

  test("native storage on this machine, with daily partitions", async () => {
    assert.equal(await storageMode(database.db), "native");
    await ensureResultPartitions(database.db, 1);
    const parts = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'monitor_results'::regclass`.execute(database.db);
    assert.ok((parts.rows[0]?.n ?? 0) >= 3, "default + today + tomorrow");
  });

  test("results, transitions, status and rollups; a retried batch counts nothing twice", async () => {
    const id = await insertMonitor(database.db, tenantId, definition);
    const intervals = new Map([[id, MIN]]);
    const batch = [res(id, T0, "up", 10), res(id, T0 + 20_000, "up", 30), res(id, T0 + MIN, "down", 5000)];
    assert.equal(await writeResults(database.db, batch, intervals), 3);
    // The same batch again (a COMMIT whose acknowledgement was lost), plus one new result.
    assert.equal(await writeResults(database.db, [...batch, res(id, T0 + 2 * MIN, "up", 20)], intervals), 1);

    const raw = await database.db.selectFrom("monitor_results").selectAll().where("monitor_id", "=", id).execute();
    assert.equal(raw.length, 4);
    const minute = await database.db
      .selectFrom("monitor_rollup_minute")
      .selectAll()
      .where("monitor_id", "=", id)
      .orderBy("bucket")
      .execute();
    assert.deepEqual(
      minute.map((m) => [
        m.bucket.getTime() - T0,
        m.checks,
        m.up_count,
        m.down_count,
        Number(m.latency_sum_ms),
        m.latency_max_ms,
      ]),
      [
        [0, 2, 2, 0, 40, 30],
        [MIN, 1, 0, 1, 5000, 5000],
        [2 * MIN, 1, 1, 0, 20, 20],
      ],
    );
    const day = await database.db.selectFrom("monitor_rollup_day").selectAll().where("monitor_id", "=", id).execute();
    assert.equal(day.length, 1);
    assert.equal(day[0]?.checks, 4);
    assert.equal(day[0]?.down_count, 1);

    const transitions = await transitionsIn(database.db, id, new Date(T0), new Date(T0 + 10 * MIN));
    assert.deepEqual(
      transitions.map((t) => [t.at - T0, t.state]),
      [
        [0, "up"],
        [MIN, "down"],
        [2 * MIN, "up"],
      ],
    );
    const sla = computeSla(transitions, { start: T0, end: T0 + 3 * MIN });
    assert.equal(sla.downMinutes, 1);
    assert.equal(sla.upMinutes, 2);
    const status = await database.db
      .selectFrom("monitor_status")
      .selectAll()
      .where("monitor_id", "=", id)
      .executeTakeFirst();
    assert.equal(status?.state, "up");
    assert.equal(status?.last_result_at?.getTime(), T0 + 2 * MIN);
  });

  test("pausing marks the state unknown, which leaves the SLA denominator", async () => {
    const id = await insertMonitor(database.db, tenantId, definition);
    await writeResults(database.db, [res(id, T0, "up")], new Map([[id, MIN]]));
    await database.db.transaction().execute((tx) => markUnknown(tx, id, new Date(T0 + 5 * MIN), "paused"));
    const transitions = await transitionsIn(database.db, id, new Date(T0), new Date(T0 + 10 * MIN));
    const sla = computeSla(transitions, { start: T0, end: T0 + 10 * MIN });
    assert.equal(sla.upMinutes, 5);
    assert.equal(sla.unknownMinutes, 5);
    assert.equal(sla.availability, 1);
  });

  test("retention drops day partitions older than 90 days and old minute rollups", async () => {
    const now = Date.now();
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const oldDay = day(now - 100 * 86_400_000);
    const name = `monitor_results_${oldDay.replaceAll("-", "")}`;
    await sql`CREATE TABLE ${sql.table(name)} PARTITION OF monitor_results
      FOR VALUES FROM (${sql.lit(`${oldDay}T00:00:00Z`)}) TO (${sql.lit(`${day(now - 99 * 86_400_000)}T00:00:00Z`)})`.execute(
      database.db,
    );
    await ensureResultPartitions(database.db, 0);
    const id = await insertMonitor(database.db, tenantId, definition);
    const old = now - 100 * 86_400_000;
    await writeResults(
      database.db,
      [res(id, old, "up"), res(id, now - 40 * 86_400_000, "up"), res(id, now, "up")],
      new Map([[id, MIN]]),
    );
    assert.deepEqual(await applyRetention(database.db), [name]);
    const raw = await database.db.selectFrom("monitor_results").select("at").where("monitor_id", "=", id).execute();
    assert.equal(raw.length, 2, "the old day's results went with their partition");
    const minutes = await database.db
      .selectFrom("monitor_rollup_minute")
      .select("bucket")
      .where("monitor_id", "=", id)
      .execute();
    assert.equal(minutes.length, 1, "minute rollups older than 30 days deleted");
    const days = await database.db
      .selectFrom("monitor_rollup_day")
      .select("bucket")
      .where("monitor_id", "=", id)
      .execute();
    assert.equal(days.length, 3, "day rollups kept");
    const today = `monitor_results_${day(now).replaceAll("-", "")}`;
    const left = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_class WHERE relname = ${today}`.execute(
      database.db,
    );
    assert.equal(left.rows[0]?.n, 1, "today's partition stays");
  });
});
