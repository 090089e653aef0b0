import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type TestDatabase, testDatabase } from "../../../test/support/db";
import { verifyPassword } from "../auth/password";
import { bootstrapPlatform } from "./admins";

let database: TestDatabase;
before(async () => {
  database = await testDatabase();
});
after(() => database?.close());

const ITER = 100_000;

test("first start creates exactly one account per admin role, with one-time passwords", async () => {
  const result = await bootstrapPlatform(database.db, { secadmin: "From-Env-Pass-2026!" }, ITER);
  assert.deepEqual(
    result.created.map((c) => c.username),
    ["sysadmin", "secadmin", "auditadmin"],
  );
  assert.equal(result.created.find((c) => c.username === "secadmin")?.generated, false);
  const users = await database.db
    .selectFrom("users as u")
    .innerJoin("role_assignments as r", "r.user_id", "u.id")
    .select(["u.username", "r.role", "u.must_change_password", "u.password_hash"])
    .execute();
  assert.equal(users.length, 3);
  for (const u of users) {
    assert.equal(u.username, u.role, "usernames are exactly the role names");
    assert.equal(u.must_change_password, true);
  }
  const sec = users.find((u) => u.username === "secadmin");
  assert.ok(sec && (await verifyPassword(sec.password_hash, "From-Env-Pass-2026!")), "env password is used");
  const sys = result.created.find((c) => c.username === "sysadmin");
  const sysRow = users.find((u) => u.username === "sysadmin");
  assert.ok(sys?.generated && sysRow && (await verifyPassword(sysRow.password_hash, sys.password)));
});

test("later starts, even concurrent ones, create nothing more", async () => {
  const results = await Promise.all([
    bootstrapPlatform(database.db, {}, ITER),
    bootstrapPlatform(database.db, {}, ITER),
  ]);
  for (const r of results) assert.deepEqual(r.created, []);
  const count = await database.db
    .selectFrom("role_assignments")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 3);
});

test("the database refuses a second admin role on one account (三员分立)", async () => {
  const sys = await database.db
    .selectFrom("users")
    .select(["id", "tenant_id"])
    .where("username", "=", "sysadmin")
    .executeTakeFirstOrThrow();
  for (const role of ["secadmin", "auditadmin"]) {
    await assert.rejects(
      database.db.insertInto("role_assignments").values({ tenant_id: sys.tenant_id, user_id: sys.id, role }).execute(),
      /role_assignments_one_admin_role/,
      `sysadmin must not also become ${role}`,
    );
  }
  // A non-admin role beside the admin role is a different matter and allowed.
  await database.db
    .insertInto("role_assignments")
    .values({ tenant_id: sys.tenant_id, user_id: sys.id, role: "leader" })
    .execute();
});
