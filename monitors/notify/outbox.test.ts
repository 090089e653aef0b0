import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { type TestDatabase, testDatabase } from "../../test/support/db";
import { insertTenant } from "../testing-db";
import { clip, enqueueNotification, MAX_ATTEMPTS } from "./outbox";

let database: TestDatabase;
let tenantId: string;
let otherTenantId: string;
before(async () => {
  database = await testDatabase();
  tenantId = await insertTenant(database.db);
  otherTenantId = await insertTenant(database.db);
});
after(() => database?.close());

async function channel(tenant: string, name: string, enabled = true): Promise<string> {
  const row = await database.db
    .insertInto("notification_channels")
    .values({
      tenant_id: tenant,
      name,
      type: "console",
      config: JSON.stringify({ roles: ["sysadmin"], userIds: [] }),
      enabled,
      created_by: null,
      updated_by: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

test("one pending delivery per enabled channel of the tenant, in the caller's transaction", async () => {
  const a = await channel(tenantId, "a");
  const b = await channel(tenantId, "b");
  const off = await channel(tenantId, "off", false);
  const foreign = await channel(otherTenantId, "foreign");
  const alertId = randomUUID();
  const n = {
    tenantId,
    source: { kind: "alert" as const, id: alertId },
    channelIds: [a, b, a, off, foreign, randomUUID(), "not-a-uuid"],
    severity: "critical" as const,
    title: { zh: "数据库不可用", en: "Database down" },
    text: { zh: "主库无响应", en: "The primary does not answer" },
    link: "/monitors/x",
    data: { monitorId: "x" },
  };
  // Rolled back with the caller's transaction: nothing stays.
  await assert.rejects(
    database.db.transaction().execute(async (tx) => {
      assert.equal(await enqueueNotification(tx, n), 2);
      throw new Error("roll back");
    }),
    /roll back/,
  );
  assert.equal((await database.db.selectFrom("notification_deliveries").selectAll().execute()).length, 0);

  const inserted = await database.db.transaction().execute((tx) => enqueueNotification(tx, n));
  assert.equal(inserted, 2);
  const rows = await database.db
    .selectFrom("notification_deliveries")
    .selectAll()
    .where("source_id", "=", alertId)
    .orderBy("channel_name")
    .execute();
  assert.deepEqual(
    rows.map((r) => [r.channel_id, r.channel_name, r.channel_type, r.state, r.attempts, r.max_attempts]),
    [
      [a, "a", "console", "pending", 0, MAX_ATTEMPTS],
      [b, "b", "console", "pending", 0, MAX_ATTEMPTS],
    ],
  );
  const first = rows[0]!;
  assert.equal(first.tenant_id, tenantId);
  assert.equal(first.source_kind, "alert");
  assert.equal(first.severity, "critical");
  assert.equal(first.title_zh, "数据库不可用");
  assert.equal(first.text_en, "The primary does not answer");
  assert.equal(first.link, "/monitors/x");
  assert.deepEqual(first.data, { monitorId: "x" });
});

test("no channels: nothing inserted; a source id that is not a UUID is refused", async () => {
  const n = {
    tenantId,
    source: { kind: "incident" as const, id: randomUUID() },
    channelIds: [],
    severity: "info" as const,
    title: { zh: "x", en: "x" },
    text: { zh: "x", en: "x" },
  };
  assert.equal(await enqueueNotification(database.db, n), 0);
  const a = await channel(tenantId, "c");
  await assert.rejects(
    enqueueNotification(database.db, { ...n, channelIds: [a], source: { kind: "incident", id: "42" } }),
    /not a UUID/,
  );
});

test("clip cuts long texts by characters and marks the cut", () => {
  assert.equal(clip("短文本", 10), "短文本");
  assert.equal(clip("一二三四五六", 4), "一二三…");
  assert.equal(Array.from(clip("😀".repeat(10), 5)).length, 5);
});
