import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { silentLogger, type TestDatabase, testDatabase } from "../test/support/db";
import { startScheduler } from "./scheduler";
import { insertMonitor, insertTenant } from "./testing-db";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real HTTP target that answers after `delayMs` and records when each path was asked and how many ran at once. */
async function slowServer(delayMs: number) {
  const starts = new Map<string, number[]>();
  const runningPerPath = new Map<string, number>();
  let running = 0;
  let maxRunning = 0;
  let maxPerPath = 0;
  const server = http.createServer((req, res) => {
    const path = req.url ?? "/";
    starts.set(path, [...(starts.get(path) ?? []), Date.now()]);
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    runningPerPath.set(path, (runningPerPath.get(path) ?? 0) + 1);
    maxPerPath = Math.max(maxPerPath, runningPerPath.get(path) ?? 0);
    setTimeout(() => {
      running -= 1;
      runningPerPath.set(path, (runningPerPath.get(path) ?? 1) - 1);
      res.end("ok");
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    starts,
    stats: () => ({ maxRunning, maxPerPath }),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const httpMonitor = (url: string, name: string) => ({
  type: "http" as const,
  name,
  url: `${url}/${name}`,
  intervalSeconds: 10,
  timeoutMs: 8000,
});

describe("scheduler", () => {
  let database: TestDatabase;
  let tenantId: string;
  before(async () => {
    database = await testDatabase();
    tenantId = await insertTenant(database.db);
  });
  after(() => database?.close());

  test("jitter spreads the first checks over the interval; results are written in batches", async () => {
    const target = await slowServer(0);
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push(await insertMonitor(database.db, tenantId, httpMonitor(target.url, `j${i}`)));
    const scheduler = startScheduler({ db: database.db, logger: silentLogger, flushMs: 300 });
    try {
      await sleep(10_500);
      const firsts = [...target.starts.values()].map((s) => s[0] as number).sort((a, b) => a - b);
      assert.equal(firsts.length, 8, "every monitor was checked within its first interval");
      const spread = (firsts.at(-1) as number) - (firsts[0] as number);
      assert.ok(spread > 2_000, `first checks spread over ${spread} ms, not fired together`);
      await scheduler.flush();
      const rows = await database.db
        .selectFrom("monitor_results")
        .select("monitor_id")
        .where("monitor_id", "in", ids)
        .execute();
      assert.ok(rows.length >= 8, `results stored (${rows.length})`);
      assert.equal(scheduler.stats().written, rows.length);
    } finally {
      await scheduler.stop();
      await target.close();
    }
  });

  test("concurrency is capped and one monitor's checks never overlap", async () => {
    const target = await slowServer(3_000);
    for (let i = 0; i < 8; i++) await insertMonitor(database.db, tenantId, httpMonitor(target.url, `c${i}`));
    const scheduler = startScheduler({ db: database.db, logger: silentLogger, concurrency: 2 });
    try {
      await sleep(11_000);
      const { maxRunning, maxPerPath } = target.stats();
      assert.equal(maxRunning, 2, "the target saw at most (and, saturated, exactly) 2 checks at once");
      assert.equal(scheduler.stats().maxRunning, 2);
      assert.equal(maxPerPath, 1, "no monitor was checked twice at once");
      for (const [path, starts] of target.starts) {
        for (let i = 1; i < starts.length; i++) {
          assert.ok(
            (starts[i] as number) - (starts[i - 1] as number) >= 3_000,
            `${path}: a check started before the last ended`,
          );
        }
      }
    } finally {
      await scheduler.stop();
      await target.close();
    }
  });
});

describe("scheduler reloads", () => {
  let database: TestDatabase;
  before(async () => {
    database = await testDatabase();
  });
  after(() => database?.close());

  test("paused monitors leave the schedule; an edited definition is used from the next reload", async () => {
    const tenantId = await insertTenant(database.db);
    const target = await slowServer(0);
    const a = await insertMonitor(database.db, tenantId, httpMonitor(target.url, "a"));
    const b = await insertMonitor(database.db, tenantId, httpMonitor(target.url, "b"));
    const scheduler = startScheduler({ db: database.db, logger: silentLogger });
    try {
      await scheduler.reload();
      assert.equal(scheduler.stats().monitors, 2);
      await database.db
        .updateTable("monitors")
        .set((eb) => ({ paused: true, version: eb("version", "+", 1) }))
        .where("id", "=", a)
        .execute();
      const edited = { ...httpMonitor(target.url, "b"), url: `${target.url}/b-edited` };
      await database.db
        .updateTable("monitors")
        .set((eb) => ({ definition: JSON.stringify(edited), version: eb("version", "+", 1) }))
        .where("id", "=", b)
        .execute();
      await scheduler.reload();
      const changedAt = Date.now();
      assert.equal(scheduler.stats().monitors, 1);
      await sleep(10_500);
      // (A check that jitter fired in the few milliseconds before the change is allowed.)
      const after = (path: string) => (target.starts.get(path) ?? []).filter((t) => t > changedAt);
      assert.deepEqual(after("/a"), [], "the paused monitor was not checked");
      assert.deepEqual(after("/b"), [], "the old definition was not used");
      assert.equal(target.starts.get("/b-edited")?.length, 1);
    } finally {
      await scheduler.stop();
      await target.close();
    }
  });
});

describe("scheduler during a database outage", () => {
  let database: TestDatabase;
  before(async () => {
    database = await testDatabase({ proxy: true });
  });
  after(() => database?.close());

  test("results buffer (bounded) while the database is cut, then are written once", async () => {
    const tenantId = await insertTenant(database.db);
    const target = await slowServer(0);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await insertMonitor(database.db, tenantId, httpMonitor(target.url, `o${i}`)));
    const proxy = database.proxy;
    assert.ok(proxy);
    const scheduler = startScheduler({ db: database.db, logger: silentLogger, flushMs: 200, maxBuffer: 3 });
    try {
      await sleep(1_000); // the monitor list is loaded
      proxy.cut();
      await sleep(12_000); // every monitor is checked at least once during the outage
      const during = scheduler.stats();
      assert.ok(during.writeFailures > 0, "writes failed while the database was unreachable");
      assert.ok(during.buffered > 0 && during.buffered <= 3, `buffered ${during.buffered}, at most 3`);
      assert.ok(during.dropped > 0, "beyond the bound, the oldest results were dropped");
      const checked = [...target.starts.values()].reduce((n, s) => n + s.length, 0);
      assert.equal(during.buffered + during.dropped + during.written, checked);
      const buffered = during.buffered;

      proxy.restore();
      for (let i = 0; i < 50 && scheduler.stats().buffered > 0; i++) await sleep(200);
      await scheduler.stop();
      const after = scheduler.stats();
      assert.equal(after.buffered, 0);
      const rows = await database.db.selectFrom("monitor_results").selectAll().where("monitor_id", "in", ids).execute();
      assert.equal(rows.length, after.written, "each written result stored once");
      assert.ok(after.written >= buffered, "the buffered results were written after the outage");
      const rollup = await database.db
        .selectFrom("monitor_rollup_day")
        .select((eb) => eb.fn.sum<string>("checks").as("n"))
        .where("monitor_id", "in", ids)
        .executeTakeFirst();
      assert.equal(Number(rollup?.n), rows.length, "rollups count every stored result once");
    } finally {
      await scheduler.stop();
      await target.close();
    }
  });
});
