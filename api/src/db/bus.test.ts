import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { silentLogger, serverUrl, type TestDatabase, testDatabase } from "../../../test/support/db";
import { type Bus, createInProcessBus, createPgBus, untilListening } from "./bus";
import { openDatabase } from "./pool";

/**
 * Collects what a bus hears on a channel. Subscribed once, before the bus is listening: a LISTEN
 * issued later is asynchronous, and a NOTIFY racing it may legitimately be missed.
 */
function collector(bus: Bus, channel: string) {
  const heard: string[] = [];
  bus.subscribe(channel, (payload) => heard.push(payload));
  return {
    heard,
    async next(expected: string): Promise<void> {
      const deadline = Date.now() + 5_000;
      while (!heard.includes(expected)) {
        if (Date.now() > deadline) throw new Error(`nothing like ${expected} on ${channel}: ${heard.join(", ")}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

test("in-process bus: delivers asynchronously to every subscriber; unsubscribe stops delivery", async () => {
  const bus = createInProcessBus();
  const got: string[] = [];
  const off = bus.subscribe("tianshu_test", (p) => got.push(`a:${p}`));
  bus.subscribe("tianshu_test", (p) => got.push(`b:${p}`));
  await bus.publish("tianshu_test", "1");
  assert.deepEqual(got, [], "not inside the publisher's call");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got.sort(), ["a:1", "b:1"]);
  off();
  await bus.publish("tianshu_test", "2");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got.sort(), ["a:1", "b:1", "b:2"]);
  await assert.rejects(bus.publish("Bad Channel", "x"));
  await assert.rejects(bus.publish("tianshu_test", "x".repeat(8_000)));
});

// The PostgreSQL bus needs a real server: PGlite answers LISTEN but never delivers.
let database: TestDatabase | undefined;
before(async () => {
  if (serverUrl) database = await testDatabase();
});
after(() => database?.close());

test("PostgreSQL bus: two instances (two pools) exchange NOTIFYs; a lost listener reconnects and resyncs", async (t) => {
  if (!database?.url) {
    t.skip("needs DATABASE_URL (a PostgreSQL server)");
    return;
  }
  const url = database.url;
  const second = openDatabase(url, 2, () => {});
  const a = createPgBus({ connection: url, db: database.db, logger: silentLogger, minDelayMs: 50 });
  const b = createPgBus({ connection: url, db: second.db, logger: silentLogger, minDelayMs: 50 });
  try {
    const onA = collector(a, "tianshu_test");
    const onB = collector(b, "tianshu_test");
    await Promise.all([untilListening(a), untilListening(b)]);
    await a.publish("tianshu_test", '{"t":"x","g":"2"}');
    await onB.next('{"t":"x","g":"2"}');
    await b.publish("tianshu_test", "back");
    await onA.next("back");
    assert.ok(onA.heard.includes('{"t":"x","g":"2"}'), "the publisher's own instance hears it too");

    // Kill B's listening connection from the server side: B notices, reconnects, re-LISTENs and resyncs.
    let resynced = 0;
    b.onResync(() => resynced++);
    await database.pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tianshu-bus' AND datname = current_database() AND pid <> pg_backend_pid()",
    );
    const deadline = Date.now() + 5_000;
    while (resynced === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(resynced > 0, "subscribers were told to drop their caches");
    await Promise.all([untilListening(a), untilListening(b)]);
    await a.publish("tianshu_test", "after-reconnect");
    await onB.next("after-reconnect");
  } finally {
    await a.close();
    await b.close();
    await second.close();
  }
});
