import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { openDatabase } from "../api/src/db/pool";
import { serverUrl, silentLogger, type TestDatabase, testDatabase } from "../test/support/db";
import { startProxy } from "../test/support/proxy";
import { electLeader, type Leadership, startMonitoring } from "./leader";
import { insertMonitor, insertTenant } from "./testing-db";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const skip = serverUrl ? false : "leader election needs the server PostgreSQL (DATABASE_URL)";

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await cond())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * The leader reaches the database through a relay the test cuts: its lock connection and its pool
 * go down together, as when the database is unreachable from it.
 */
describe("leader during a database outage", { skip }, () => {
  let database: TestDatabase;
  let target: http.Server;
  let targetUrl: string;
  const ids: string[] = [];
  before(async () => {
    database = await testDatabase();
    target = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const tenantId = await insertTenant(database.db);
    for (let i = 0; i < 3; i++) {
      ids.push(
        await insertMonitor(database.db, tenantId, {
          type: "http",
          name: `m${i}`,
          url: `${targetUrl}/${i}`,
          intervalSeconds: 10,
        }),
      );
    }
  });
  after(async () => {
    await new Promise<void>((r) => target?.close(() => r()));
    await database?.close();
  });

  async function relayed() {
    const direct = new URL(database.url as string);
    const proxy = await startProxy(direct.hostname, Number(direct.port || 5432));
    const url = new URL(direct);
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    const handle = openDatabase(url.toString(), 3, () => {});
    return { proxy, url: url.toString(), handle };
  }
  const stored = async () =>
    database.db.selectFrom("monitor_results").select(["monitor_id", "at"]).where("monitor_id", "in", ids).execute();

  test("the leader keeps probing into its buffer, takes the lock back and writes each result once", async () => {
    const { proxy, url, handle } = await relayed();
    const monitoring = startMonitoring({ db: handle.db, logger: silentLogger, connectionString: url, pollMs: 500 });
    try {
      await until("results", async () => (await stored()).length >= 1, 15_000);
      const scheduler = monitoring.scheduler();
      assert.ok(scheduler);
      proxy.cut();
      await sleep(11_000);
      assert.equal(monitoring.scheduler(), scheduler, "still the same prober");
      const during = scheduler.stats();
      assert.ok(during.buffered >= 3, `results buffered during the outage (${during.buffered})`);
      proxy.restore();
      await until("the buffer written", () => scheduler.stats().buffered === 0, 15_000);
      const rows = await stored();
      assert.equal(rows.length, scheduler.stats().written, "every result stored once");
      assert.equal(scheduler.stats().dropped, 0);
    } finally {
      await monitoring.stop();
      await handle.close();
      await proxy.close();
      await database.db.deleteFrom("monitor_results").where("monitor_id", "in", ids).execute();
    }
  });

  test("when another instance took the lead meanwhile, the old leader stops and discards its buffer", async () => {
    const { proxy, url, handle } = await relayed();
    const monitoring = startMonitoring({ db: handle.db, logger: silentLogger, connectionString: url, pollMs: 500 });
    let rivalLed = false;
    let rival: Leadership | undefined;
    try {
      await until("the first leader", () => monitoring.scheduler() !== null, 10_000);
      rival = electLeader({
        connectionString: database.url as string,
        logger: silentLogger,
        pollMs: 200,
        onLead: () => (rivalLed = true),
        onLose() {},
      });
      await sleep(1_000);
      assert.equal(rivalLed, false);
      proxy.cut();
      const cutAt = Date.now();
      await until("the rival to lead", () => rivalLed, 10_000);
      await sleep(10_000); // the old leader buffers what it probes meanwhile
      proxy.restore();
      await until("the old leader to stop", () => monitoring.scheduler() === null, 10_000);
      await sleep(1_500);
      const late = (await stored()).filter((r) => r.at.getTime() > cutAt);
      assert.deepEqual(late, [], "nothing the old leader probed after losing the lock was written");
    } finally {
      await monitoring.stop();
      await rival?.stop();
      await handle.close();
      await proxy.close();
    }
  });
});
