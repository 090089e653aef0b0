import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { silentLogger, testDatabase, type TestDatabase } from "../../../test/support/db";
import { gmProfile } from "../crypto/profile";
import { checkRewrap } from "../keys/rewrap";
import { holdInstancePresence, runningInstances } from "./presence";

/**
 * Instance presence on the server database (the embedded default admits one process by its lock file,
 * and its connections share one backend, so advisory locks cannot tell instances apart there).
 */
if (process.env.DATABASE_URL) {
  let database: TestDatabase;
  /** Polls the count of running instances until it is `n` (or 20 s have passed); returns the last count. */
  const until = async (n: number) => {
    const deadline = Date.now() + 20_000;
    let seen = await runningInstances(database.db);
    while (seen !== n && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      seen = await runningInstances(database.db);
    }
    return seen;
  };
  before(async () => {
    database = await testDatabase();
  });
  after(() => database.close());

  const rewrap = () =>
    checkRewrap(database.db, {
      profile: gmProfile,
      oldKek: crypto.randomBytes(32),
      newKek: crypto.randomBytes(32),
      oldSource: "TIANSHU_KEK",
    });

  test("running instances are counted, and a KEK re-wrap is refused while any runs", async () => {
    assert.equal(await runningInstances(database.db), 0);
    const url = database.url as string;
    const one = await holdInstancePresence(url, silentLogger);
    const two = await holdInstancePresence(url, silentLogger);
    try {
      assert.equal(await runningInstances(database.db), 2);
      await assert.rejects(rewrap(), /2 Tianshu instance\(s\) are running on this database.*请先停止所有实例/);
      await one.close();
      assert.equal(await runningInstances(database.db), 1);
    } finally {
      await one.close();
      await two.close();
    }
    assert.equal(await runningInstances(database.db), 0);
    // With none running, the re-wrap check goes on to its other conditions (no data keys here: it passes).
    await rewrap();
  });

  test("an instance starting during a re-wrap waits for its transaction to end", async () => {
    let started = false;
    await database.db.transaction().execute(async (tx) => {
      assert.equal(await runningInstances(tx), 0, "the exclusive lock is now held by this transaction");
      const starting = holdInstancePresence(database.url as string, silentLogger).then((p) => {
        started = true;
        return p;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(started, false, "the instance waits");
      after(async () => (await starting).close());
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(started, true, "and starts once the transaction has ended");
  });

  test("an instance whose presence connection is cut takes the lock again", { timeout: 30_000 }, async () => {
    const presence = await holdInstancePresence(database.url as string, silentLogger);
    try {
      assert.equal(await runningInstances(database.db), 1);
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'tianshu-presence' AND datname = current_database()`.execute(database.db);
      // The lock goes with the connection; it is taken again after the retry delay (5 s).
      assert.equal(await until(0), 0, "the lock went with the connection");
      assert.equal(await until(1), 1, "and was taken again");
    } finally {
      await presence.close();
    }
  });
}
