import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { withTx } from "../api/src/db/tx";
import { type TestDatabase, testDatabase } from "../test/support/db";
import { asDeadlineTable, openIncident, tenantDeadlines } from "./incident-store";
import { DEFAULT_DEADLINES } from "./incidents";
import { insertTenant } from "./testing-db";

const MIN = 60_000;

describe("incident storage", () => {
  let db: TestDatabase;
  let tenantId: string;
  before(async () => {
    db = await testDatabase();
    tenantId = await insertTenant(db.db);
  });
  after(() => db.close());

  test("an automatic opening gets a number, its grade's deadlines, a first timeline event and a system audit event", async () => {
    const openedAt = new Date(Date.now() - 3 * MIN);
    const { id, number } = await withTx(db.db, (tx) =>
      openIncident(
        tx,
        { tenantId, title: "  checkout down  ", grade: "II", alertId: crypto.randomUUID(), openedAt },
        { userId: null, role: null },
      ),
    );
    assert.match(number, new RegExp(`^INC-${openedAt.getUTCFullYear()}-0001$`));
    const row = await db.db.selectFrom("incidents").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    assert.equal(row.title, "checkout down");
    assert.equal(row.state, "open");
    assert.equal(row.opened_at.getTime(), openedAt.getTime());
    assert.equal(row.respond_by.getTime() - openedAt.getTime(), DEFAULT_DEADLINES.II.respondMinutes * MIN);
    assert.equal(row.fix_by.getTime() - openedAt.getTime(), DEFAULT_DEADLINES.II.fixMinutes * MIN);
    const events = await db.db.selectFrom("incident_events").selectAll().where("incident_id", "=", id).execute();
    assert.deepEqual(
      events.map((e) => [e.kind, e.actor_name, e.to_value]),
      [["opened", "system", "II"]],
    );
    const audit = await db.db
      .selectFrom("audit_events")
      .selectAll()
      .where("target_id", "=", id)
      .where("action", "=", "incident.open")
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.actor_name, "system");
    assert.equal(audit[0]?.actor_id, null);
  });

  test("numbers follow each other per tenant, also when opened concurrently", async () => {
    const opened = await Promise.all(
      [1, 2, 3].map(() =>
        withTx(db.db, (tx) => openIncident(tx, { tenantId, title: "x", grade: "IV" }, { userId: null, role: null })),
      ),
    );
    const numbers = opened.map((o) => Number(o.number.slice(-4))).sort();
    assert.deepEqual(numbers, [2, 3, 4]);
    const other = await insertTenant(db.db);
    const first = await withTx(db.db, (tx) =>
      openIncident(tx, { tenantId: other, title: "x", grade: "IV" }, { userId: null, role: null }),
    );
    assert.match(first.number, /-0001$/);
  });

  test("the opening rolls back with the caller's transaction", async () => {
    const t = await insertTenant(db.db);
    await assert.rejects(
      withTx(db.db, async (tx) => {
        await openIncident(tx, { tenantId: t, title: "x", grade: "I" }, { userId: null, role: null });
        throw new Error("caller failed");
      }),
      /caller failed/,
    );
    const n = await db.db.selectFrom("incidents").select("id").where("tenant_id", "=", t).execute();
    assert.equal(n.length, 0);
  });

  test("refuses what the API would refuse", async () => {
    for (const input of [
      { tenantId, title: " ", grade: "I" as const },
      { tenantId, title: "x", grade: "V" as never },
      { tenantId, title: "x".repeat(201), grade: "I" as const },
    ]) {
      await assert.rejects(
        withTx(db.db, (tx) => openIncident(tx, input, { userId: null, role: null })),
        /openIncident/,
      );
    }
  });

  test("a tenant's table applies to new incidents; a stored table that is not valid falls back to the defaults", async () => {
    const t = await insertTenant(db.db);
    const table = {
      I: { respondMinutes: 2, fixMinutes: 60 },
      II: { respondMinutes: 10, fixMinutes: 120 },
      III: { respondMinutes: 20, fixMinutes: 240 },
      IV: { respondMinutes: 40, fixMinutes: 480 },
    };
    await db.db
      .insertInto("incident_settings")
      .values({ tenant_id: t, deadlines: JSON.stringify(table) })
      .execute();
    assert.deepEqual(await tenantDeadlines(db.db, t), table);
    const { id } = await withTx(db.db, (tx) =>
      openIncident(tx, { tenantId: t, title: "x", grade: "I" }, { userId: null, role: null }),
    );
    const row = await db.db.selectFrom("incidents").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    assert.equal(row.respond_by.getTime() - row.opened_at.getTime(), 2 * MIN);
    assert.deepEqual(asDeadlineTable({ ...table, I: { respondMinutes: 500, fixMinutes: 60 } }), DEFAULT_DEADLINES);
    assert.deepEqual(asDeadlineTable(null), DEFAULT_DEADLINES);
  });
});
