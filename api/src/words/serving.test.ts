import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { silentLogger, type TestDatabase, testDatabase } from "../../../test/support/db";
import { type Bus, createInProcessBus } from "../db/bus";
import { createServingCache, WORDS_CHANNEL } from "./serving";

/**
 * The serving cache against a real database, with a bus whose `listening` the test controls: a
 * message reloads, a stray message is ignored, and without a listening bus the cache re-checks the
 * active version itself (messages may be lost while the listener reconnects).
 */
let database: TestDatabase;
let tenantId: string;
before(async () => {
  database = await testDatabase();
  tenantId = (
    await database.db
      .insertInto("tenants")
      .values({ code: "serving", name: "服务缓存" })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
});
after(() => database?.close());

async function activate(version: number, words: string[]) {
  const snapshot = { words: words.map((w) => [w, "custom", 3, "block", false]), allow: [] };
  await database.db
    .insertInto("word_publications")
    .values({
      tenant_id: tenantId,
      version,
      snapshot: JSON.stringify(snapshot),
      word_count: words.length,
      allow_count: 0,
    })
    .execute();
  await database.db
    .insertInto("word_active_versions")
    .values({ tenant_id: tenantId, version })
    .onConflict((oc) => oc.column("tenant_id").doUpdateSet({ version }))
    .execute();
}

const until = async (cond: () => Promise<boolean>, ms: number) => {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
};

test("loads on first use, reloads on a message, ignores stray messages, re-checks while not listening", async () => {
  const inner = createInProcessBus();
  let listening = true;
  const bus: Bus = {
    get listening() {
      return listening;
    },
    publish: (c, p) => inner.publish(c, p),
    subscribe: (c, h) => inner.subscribe(c, h),
    onResync: (h) => inner.onResync(h),
    close: () => inner.close(),
  };
  const cache = createServingCache({ db: database.db, bus, logger: silentLogger });
  assert.equal((await cache.servingFor(tenantId)).version, 0, "nothing published");
  assert.equal((await cache.servingFor(tenantId)).dictionary.check("甲词").verdict, "pass");

  await activate(1, ["甲词"]);
  assert.equal((await cache.servingFor(tenantId)).version, 0, "cached until told");
  await bus.publish(WORDS_CHANNEL, "not json");
  await bus.publish(WORDS_CHANNEL, JSON.stringify({ tenantId }));
  assert.ok(await until(async () => (await cache.servingFor(tenantId)).version === 1, 1_000));
  assert.equal((await cache.servingFor(tenantId)).dictionary.check("甲词").verdict, "block");

  listening = false; // the listener reconnects: a message sent now would be lost
  await activate(2, ["乙词"]);
  assert.ok(
    await until(async () => (await cache.servingFor(tenantId)).version === 2, 2_000),
    "picked up within about a second without any message",
  );
  assert.equal((await cache.servingFor(tenantId)).dictionary.check("乙词").verdict, "block");

  // install() never goes backwards: an older version compiled elsewhere does not replace a newer one.
  cache.install(tenantId, 1, (await cache.servingFor(tenantId)).dictionary);
  assert.equal((await cache.servingFor(tenantId)).version, 2);
  await bus.close();
});
