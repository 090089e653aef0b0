import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { type TestDatabase, testDatabase } from "../../../test/support/db";
import { TEST_KEK } from "../../../test/support/app";
import { bootstrapPlatform } from "../bootstrap/admins";
import { parseKek } from "../crypto/keys";
import { cryptoProfile } from "../crypto/profile";
import { withTx } from "../db/tx";
import { createAclIntegrity } from "./integrity";
import { backfillAclIntegrity, backfillDone } from "./integrity-backfill";
import { roleFacts } from "./integrity-rows";

/*
 * The one-time backfill on a real database. Rows "from before migration 0012" are made by running
 * the first-start bootstrap without the MAC (as the code before 0012 did).
 */
let database: TestDatabase;
const integrity = createAclIntegrity(cryptoProfile("gm"), parseKek(TEST_KEK));
const ITER = 100_000;

before(async () => {
  database = await testDatabase();
});
after(() => database?.close());

const roles = () =>
  database.db.selectFrom("role_assignments").select(["id", "tenant_id", "user_id", "role", "mac"]).execute();

test("the first start after 0012 MACs the rows it finds, once, in one audited transaction", async () => {
  await bootstrapPlatform(database.db, {}, ITER);
  assert.ok(
    (await roles()).every((r) => r.mac === null),
    "pre-0012 rows have no MAC",
  );
  assert.equal(await backfillDone(database.db), false);

  await bootstrapPlatform(database.db, {}, ITER, integrity);
  const after = await roles();
  assert.equal(after.length, 3);
  for (const r of after) assert.ok(integrity.verify("role_assignment", roleFacts(r), r.mac), r.role);
  const events = await database.db
    .selectFrom("audit_events")
    .select(["detail", "result"])
    .where("action", "=", "integrity.backfill")
    .execute();
  assert.equal(events.length, 1);
  assert.equal(events[0]?.result, "success");
  assert.equal((events[0]?.detail as { backfilled: Record<string, number> }).backfilled.role_assignment, 3);
  const state = await database.db.selectFrom("acl_integrity_state").selectAll().executeTakeFirstOrThrow();
  assert.ok(integrity.verify("state", { backfilled: state.backfilled }, state.mac), "the state row is MACed");
});

test("it never runs again: a MAC nulled later stays a violation, even with the state row deleted", async () => {
  const [row] = await roles();
  assert.ok(row);
  await sql`UPDATE role_assignments SET mac = NULL WHERE id = ${row.id}`.execute(database.db);
  assert.equal(await withTx(database.db, (tx) => backfillAclIntegrity(tx, integrity, null)), null);
  await sql`DELETE FROM acl_integrity_state`.execute(database.db);
  assert.equal(await backfillDone(database.db), true, "the audit event still says it ran");
  assert.equal(await withTx(database.db, (tx) => backfillAclIntegrity(tx, integrity, null)), null);
  await bootstrapPlatform(database.db, {}, ITER, integrity);
  const again = await database.db
    .selectFrom("role_assignments")
    .select("mac")
    .where("id", "=", row.id)
    .executeTakeFirstOrThrow();
  assert.equal(again.mac, null, "not MACed into legitimacy");
});
