import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import type pg from "pg";
import { testDatabase, type TestDatabase } from "../../../test/support/db";
import { record } from "../audit/record";
import { deferredStatement } from "./deferred";

let database: TestDatabase;
/** Messages sent to the server, counted on every client of the pool. */
let sent = 0;

before(async () => {
  database = await testDatabase();
  await sql`CREATE TABLE deferred_probe (id int PRIMARY KEY, n int NOT NULL CHECK (n >= 0))`.execute(database.db);
  await sql`INSERT INTO deferred_probe VALUES (1, 0)`.execute(database.db);
  const counted = new WeakSet<pg.PoolClient>();
  database.pool.on("acquire", (client: pg.PoolClient) => {
    if (counted.has(client)) return;
    counted.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      sent += 1;
      return query(...args);
    };
  });
});
after(() => database.close());

const event = (action: string, extra: Record<string, unknown> = {}) => ({
  tenantId: null,
  actorId: null,
  actorName: "tester",
  actorRole: "sysadmin",
  action,
  result: "success" as const,
  detail: extra,
});

async function events(action: string) {
  const { rows } = await sql<{
    actor_name: string;
    detail: unknown;
  }>`SELECT actor_name, detail FROM audit_events WHERE action = ${action} ORDER BY seq`.execute(database.db);
  return rows;
}

async function counter(): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT n FROM deferred_probe WHERE id = 1`.execute(database.db);
  return rows[0]?.n ?? -1;
}

test("an audited transaction sends no more messages than the same transaction without the event", async () => {
  sent = 0;
  await database.db.transaction().execute(async (tx) => {
    await sql`UPDATE deferred_probe SET n = n + 1 WHERE id = 1`.execute(tx);
  });
  const plain = sent;
  sent = 0;
  await database.db.transaction().execute(async (tx) => {
    await sql`UPDATE deferred_probe SET n = n + 1 WHERE id = 1`.execute(tx);
    await record(tx, event("deferred.count"));
    await record(tx, event("deferred.count"));
  });
  assert.equal(sent, plain, "BEGIN, UPDATE, INSERT+INSERT+COMMIT");
  assert.equal((await events("deferred.count")).length, 2);
});

test("the change and its event commit together, and a throw leaves neither", async () => {
  const before = await counter();
  await assert.rejects(
    database.db.transaction().execute(async (tx) => {
      await sql`UPDATE deferred_probe SET n = n + 1 WHERE id = 1`.execute(tx);
      await record(tx, event("deferred.thrown"));
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(await counter(), before);
  assert.equal((await events("deferred.thrown")).length, 0);
});

test("a held statement that fails at COMMIT rolls the change back and reaches the caller", async () => {
  const before = await counter();
  await assert.rejects(
    database.db.transaction().execute(async (tx) => {
      await sql`UPDATE deferred_probe SET n = n + 1 WHERE id = 1`.execute(tx);
      await record(tx, event("deferred.failing"));
      await tx.executeQuery(deferredStatement("deferred_probe", "INSERT INTO deferred_probe VALUES (2, -1)"));
    }),
    /check constraint/,
  );
  assert.equal(await counter(), before, "the UPDATE was rolled back");
  assert.equal((await events("deferred.failing")).length, 0, "so was the event before the failing statement");
  // The connection is usable afterwards: the next transaction commits normally.
  await database.db.transaction().execute((tx) => record(tx, event("deferred.after-failure")));
  assert.equal((await events("deferred.after-failure")).length, 1);
});

test("ROLLBACK TO SAVEPOINT drops the events written after the savepoint, keeps those before", async () => {
  await database.db.transaction().execute(async (tx) => {
    await record(tx, event("deferred.savepoint", { at: "before" }));
    await sql`SAVEPOINT sp`.execute(tx);
    await record(tx, event("deferred.savepoint", { at: "inside, rolled back" }));
    await sql`ROLLBACK TO SAVEPOINT sp`.execute(tx);
    await sql`SAVEPOINT sp2`.execute(tx);
    await record(tx, event("deferred.savepoint", { at: "inside, released" }));
    await sql`RELEASE SAVEPOINT sp2`.execute(tx);
  });
  assert.deepEqual(
    (await events("deferred.savepoint")).map((r) => r.detail),
    [{ at: "before" }, { at: "inside, released" }],
  );
  // Kysely's own savepoint API goes through the driver's savepoint methods.
  const trx = await database.db.startTransaction().execute();
  await record(trx, event("deferred.kysely-savepoint", { at: "before" }));
  const sp = await trx.savepoint("a").execute();
  await record(sp, event("deferred.kysely-savepoint", { at: "rolled back" }));
  await sp.rollbackToSavepoint("a").execute();
  await trx.commit().execute();
  assert.deepEqual(
    (await events("deferred.kysely-savepoint")).map((r) => r.detail),
    [{ at: "before" }],
  );
});

test("a transaction reads back the events it has written", async () => {
  const seen = await database.db.transaction().execute(async (tx) => {
    await record(tx, event("deferred.read-own"));
    const { rows } = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM audit_events WHERE action = 'deferred.read-own'`.execute(tx);
    return Number(rows[0]?.n);
  });
  assert.equal(seen, 1);
  assert.equal((await events("deferred.read-own")).length, 1, "and it is not written twice");
});

test("values travel as literals exactly: quotes, backslashes, dollar signs, CJK, emoji, injection attempts", async () => {
  const nasty = ["O'Brien", "C:\\path\\to", "$1 $$ $tag$", "张三 😀", "'); DROP TABLE audit_events; --", "E'\\x00'"];
  await database.db.transaction().execute(async (tx) => {
    for (const name of nasty) await record(tx, { ...event("deferred.literal", { name }), actorName: name });
  });
  const rows = await events("deferred.literal");
  assert.deepEqual(
    rows.map((r) => r.actor_name),
    nasty,
  );
  assert.deepEqual(
    rows.map((r) => r.detail),
    nasty.map((name) => ({ name })),
  );
});

test("NUL is refused before anything is sent, outside and inside a transaction", async () => {
  await assert.rejects(record(database.db, { ...event("deferred.nul"), actorName: "a\0b" }), /NUL/);
  await assert.rejects(
    database.db.transaction().execute((tx) => record(tx, { ...event("deferred.nul"), targetId: "\0" })),
    /NUL/,
  );
  assert.equal((await events("deferred.nul")).length, 0);
});

test("outside a transaction the event is written at once", async () => {
  await record(database.db, event("deferred.autocommit"));
  assert.equal((await events("deferred.autocommit")).length, 1);
});
