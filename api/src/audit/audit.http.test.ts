import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { record } from "./record";

let app: TestApp;
before(async () => {
  app = await startTestApp();
  // Every admin signs in (and changes the one-time password), so each role has events of its own.
  for (const role of ["sysadmin", "secadmin", "auditadmin"] as const) await app.signIn(role);
});
after(() => app?.close());

type Row = { seq: string; actorRole: string | null; action: string; tenantId: string | null };

test("auditadmin reads the events of everyone but itself, newest first, including anonymous failures", async () => {
  await app.http.post("/api/v1/auth/login").send({ username: "intruder", password: "guess-guess-guess" });
  const agent = await app.signIn("auditadmin");
  const res = await agent.get("/api/v1/audit/events?_start=0&_end=200");
  assert.equal(res.status, 200);
  const rows = res.body as Row[];
  assert.equal(Number(res.headers["x-total-count"]), rows.length);
  const roles = new Set(rows.map((r) => r.actorRole));
  assert.ok(roles.has("sysadmin") && roles.has("secadmin"), "sees both other admins");
  assert.ok(roles.has(null), "sees events without an actor role (failed login of an unknown user)");
  assert.ok(!roles.has("auditadmin"), "never its own events");
  const seqs = rows.map((r) => BigInt(r.seq));
  assert.deepEqual(
    [...seqs].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)),
    seqs,
    "newest first",
  );
});

test("secadmin reads only the audit admin's own events", async () => {
  const agent = await app.signIn("secadmin");
  const res = await agent.get("/api/v1/audit/events?_start=0&_end=200");
  assert.equal(res.status, 200);
  const rows = res.body as Row[];
  assert.ok(rows.length > 0);
  assert.ok(rows.every((r) => r.actorRole === "auditadmin"));
  const ownInDb = await app.database.db
    .selectFrom("audit_events")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("actor_role", "=", "auditadmin")
    .executeTakeFirstOrThrow();
  assert.equal(Number(res.headers["x-total-count"]), Number(ownInDb.n));
});

test("sysadmin may not read audit logs: 403, and the denial itself is audited", async () => {
  const agent = await app.signIn("sysadmin");
  const before = await auditCount(app, { action: "authz.denied", result: "denied" });
  const res = await agent.get("/api/v1/audit/events");
  assert.equal(res.status, 403);
  assert.equal(res.body.code, "FORBIDDEN");
  assert.equal(await auditCount(app, { action: "authz.denied", result: "denied" }), before + 1);
});

test("pagination: pages do not overlap and the total is stable", async () => {
  const agent = await app.signIn("auditadmin");
  const first = await agent.get("/api/v1/audit/events?_start=0&_end=3&_sort=seq&_order=asc");
  const second = await agent.get("/api/v1/audit/events?_start=3&_end=6&_sort=seq&_order=asc");
  assert.equal(first.body.length, 3);
  assert.equal(first.headers["x-total-count"], second.headers["x-total-count"]);
  const a = (first.body as Row[]).map((r) => BigInt(r.seq));
  const b = (second.body as Row[]).map((r) => BigInt(r.seq));
  assert.ok((a.at(-1) as bigint) < (b[0] as bigint));
});

test("another tenant's events are invisible", async () => {
  const other = await app.database.db
    .insertInto("tenants")
    .values({ code: "other-tenant", name: "另一租户" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await record(app.database.db, {
    tenantId: other.id,
    actorId: null,
    actorName: "someone-else",
    actorRole: "sysadmin",
    action: "test.other-tenant",
    result: "success",
  });
  const agent = await app.signIn("auditadmin");
  const res = await agent.get("/api/v1/audit/events?_start=0&_end=200");
  assert.ok((res.body as Row[]).every((r) => r.tenantId === app.platformTenantId || r.tenantId === null));
  assert.ok(!(res.body as Row[]).some((r) => r.action === "test.other-tenant"));
});

test("the audit table is append-only: the database refuses UPDATE and DELETE", async () => {
  await assert.rejects(app.database.pool.query("UPDATE audit_events SET action = 'forged'"), /append-only/);
  await assert.rejects(app.database.pool.query("DELETE FROM audit_events"), /append-only/);
});

test("a failed audit write fails the change with it (same transaction)", async () => {
  const { withTx } = await import("../db/tx");
  const before = await app.database.db.selectFrom("tenants").select("id").execute();
  await assert.rejects(
    withTx(app.database.db, async (tx) => {
      await tx.insertInto("tenants").values({ code: "doomed", name: "不应存在" }).execute();
      // result violates the CHECK constraint, so the audit insert fails
      await record(tx, {
        tenantId: null,
        actorId: null,
        actorName: null,
        actorRole: null,
        action: "x",
        result: "bogus" as "success",
      });
    }),
  );
  const afterRows = await app.database.db.selectFrom("tenants").select("id").execute();
  assert.equal(afterRows.length, before.length, "the tenant insert was rolled back");
});
