import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import type supertest from "supertest";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { createDepartment, createDimension, createUser, signInUser } from "../grants/test-fixtures";
import { storedRows } from "./integrity-rows";
import { makeUser } from "./test-fixtures";

/*
 * Integrity of access-control data (密评): rows changed in SQL, past the API, are not used. Each
 * tampering is followed by a second API instance on the same database (a restart, or another node
 * behind the load balancer: no cache remembers the good row), except for role assignments, which
 * are read on every request.
 */
type Agent = ReturnType<typeof supertest.agent>;
let app: TestApp;
let t: string;
let sec: Agent;
let aud: Agent;
let dept: { id: string; path: string[] };
let dim: string;

before(async () => {
  app = await startTestApp();
  t = app.platformTenantId;
  sec = await app.signIn("secadmin");
  aud = await app.signIn("auditadmin");
  dim = await createDimension(app, t, "integrity");
  dept = await createDepartment(app, t, dim, "财务处", null);
});
after(() => app?.close());

/** Another API instance on the same database: loads everything afresh. */
async function freshInstance(): Promise<TestApp> {
  return startTestApp({}, { database: app.database });
}

async function violations(rowId: string, target: TestApp = app): Promise<{ reason: string; table: string }[]> {
  await target.services.aclGuard.flush();
  const rows = await app.database.db
    .selectFrom("audit_events")
    .select(["detail", "result", "target_type"])
    .where("action", "=", "integrity.violation")
    .where("target_id", "=", rowId)
    .execute();
  for (const r of rows) assert.equal(r.result, "failure");
  return rows.map((r) => r.detail as { reason: string; table: string });
}

const counted = async (target: TestApp, table: string) => {
  const metric = await target.services.aclGuard.counter.get();
  return metric.values.filter((v) => v.labels.table === table).reduce((n, v) => n + v.value, 0);
};

async function roleRow(username: string) {
  return app.database.db
    .selectFrom("role_assignments as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .select(["r.id", "r.role", "r.mac"])
    .where("u.username", "=", username)
    .where("u.tenant_id", "=", t)
    .executeTakeFirstOrThrow();
}

test("an untampered system keeps working: every row verifies, the check is the auditor's and secadmin's", async () => {
  const res = await aud.get("/api/v1/integrity/check");
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.ok, true, JSON.stringify(res.body.violations));
  assert.equal(res.body.algorithm, "HMAC-SM3");
  assert.equal(res.body.backfilled, true, "the start-up backfill ran and is recorded");
  const roles = (res.body.tables as { table: string; rows: number }[]).find((x) => x.table === "role_assignments");
  assert.ok(roles && roles.rows >= 3, "the three admin role assignments were checked");
  assert.equal((await sec.get("/api/v1/integrity/check")).status, 200);
  const sys = await app.signIn("sysadmin");
  assert.equal((await sys.get("/api/v1/integrity/check")).status, 403);
  const checks = await app.database.db
    .selectFrom("audit_events")
    .select("result")
    .where("action", "=", "integrity.check")
    .execute();
  assert.ok(checks.length >= 2 && checks.every((c) => c.result === "success"), "each check is audited");
  assert.equal((await aud.get("/api/v1/audit/events?_end=1")).status, 200, "auditadmin works");
});

test("a role assignment changed in SQL gives no role: the escalation is denied over HTTP and audited", async () => {
  const row = await roleRow("auditadmin");
  assert.equal((await aud.get("/api/v1/policies")).status, 403, "auditadmin never reads policies");
  await sql`UPDATE role_assignments SET role = 'secadmin' WHERE id = ${row.id}`.execute(app.database.db);
  const before = await counted(app, "role_assignments");
  try {
    assert.equal((await aud.get("/api/v1/policies")).status, 403, "the forged secadmin role is not given");
    assert.equal((await aud.get("/api/v1/audit/events?_end=1")).status, 403, "nor is any admin role");
    assert.equal((await sec.get("/api/v1/policies")).status, 200, "other accounts are not affected");
    const found = await violations(row.id);
    assert.ok(
      found.some((v) => v.reason === "mismatch" && v.table === "role_assignments"),
      JSON.stringify(found),
    );
    assert.ok((await counted(app, "role_assignments")) > before, "counted in tianshu_acl_integrity_violations_total");
    const metrics = await app.http.get("/metrics");
    assert.match(metrics.text, /tianshu_acl_integrity_violations_total\{table="role_assignments",reason="mismatch"\}/);
    const report = await sec.get("/api/v1/integrity/check");
    assert.equal(report.body.ok, false);
    assert.ok(report.body.violations.some((v: { rowId: string }) => v.rowId === row.id));
  } finally {
    await sql`UPDATE role_assignments SET role = 'auditadmin' WHERE id = ${row.id}`.execute(app.database.db);
  }
  assert.equal((await aud.get("/api/v1/audit/events?_end=1")).status, 200, "the original row verifies again");
});

test("after the backfill a NULL mac is a violation; a MAC copied from another row does not verify", async () => {
  const row = await roleRow("auditadmin");
  const other = await roleRow("sysadmin");
  await sql`UPDATE role_assignments SET mac = NULL WHERE id = ${row.id}`.execute(app.database.db);
  try {
    assert.equal((await aud.get("/api/v1/audit/events?_end=1")).status, 403);
    assert.ok((await violations(row.id)).some((v) => v.reason === "missing"));
    await sql`UPDATE role_assignments SET mac = ${other.mac} WHERE id = ${row.id}`.execute(app.database.db);
    assert.equal((await aud.get("/api/v1/audit/events?_end=1")).status, 403, "sysadmin's MAC on auditadmin's row");
  } finally {
    await sql`UPDATE role_assignments SET mac = ${row.mac} WHERE id = ${row.id}`.execute(app.database.db);
  }
  assert.equal((await aud.get("/api/v1/audit/events?_end=1")).status, 200);
  // The backfill does not run again: a fresh start leaves a NULL mac NULL.
  await sql`UPDATE role_assignments SET mac = NULL WHERE id = ${row.id}`.execute(app.database.db);
  const second = await freshInstance();
  try {
    const after = await app.database.db
      .selectFrom("role_assignments")
      .select("mac")
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.mac, null, "a restart did not MAC the nulled row");
    const backfills = await app.database.db
      .selectFrom("audit_events")
      .select("seq")
      .where("action", "=", "integrity.backfill")
      .execute();
    assert.equal(backfills.length, 1, "one backfill, at the first start");
  } finally {
    await sql`UPDATE role_assignments SET mac = ${row.mac} WHERE id = ${row.id}`.execute(app.database.db);
    await second.close();
  }
});

test("grants: a changed grant and two grants with swapped MACs grant nothing; others keep theirs", async () => {
  const m = [{ departmentId: dept.id, dimensionId: dim }];
  const ids = {
    a: await createUser(app, t, "integrity-a", m),
    b: await createUser(app, t, "integrity-b", m),
    c: await createUser(app, t, "integrity-c", m),
  };
  const grants: Record<string, string> = {};
  for (const [k, userId] of Object.entries(ids)) {
    const res = await sec
      .post("/api/v1/scoped-admins")
      .send({ userId, departmentId: dept.id, actions: ["users.manage"] });
    assert.equal(res.status, 201, res.text);
    grants[k] = res.body.id;
  }
  for (const k of ["a", "b", "c"]) {
    const agent = await signInUser(app, `integrity-${k}`);
    assert.equal((await agent.get("/api/v1/users?_end=200")).status, 200, `${k} manages its department`);
  }
  const db = app.database.db;
  // a and b: MACs swapped. c: widened to "delegate" as well.
  await sql`UPDATE scoped_admins SET mac = CASE id WHEN ${grants.a} THEN (SELECT mac FROM scoped_admins WHERE id = ${grants.b})
    ELSE (SELECT mac FROM scoped_admins WHERE id = ${grants.a}) END WHERE id IN (${grants.a}, ${grants.b})`.execute(db);
  await sql`UPDATE scoped_admins SET actions = ARRAY['users.manage', 'delegate'] WHERE id = ${grants.c}`.execute(db);
  const d = await createUser(app, t, "integrity-d", m);
  const untouched = await sec
    .post("/api/v1/scoped-admins")
    .send({ userId: d, departmentId: dept.id, actions: ["users.manage"] });
  assert.equal(untouched.status, 201);

  const second = await freshInstance();
  try {
    for (const k of ["a", "b", "c"]) {
      const agent = await signInUser(second, `integrity-${k}`);
      assert.equal((await agent.get("/api/v1/users?_end=200")).status, 403, `${k}'s tampered grant is not used`);
    }
    const delegate = await signInUser(second, "integrity-c");
    const res = await delegate
      .post("/api/v1/scoped-admins")
      .send({ userId: ids.a, departmentId: dept.id, actions: ["view"] });
    assert.equal(res.status, 403, "the forged delegate action is not given");
    const ok = await signInUser(second, "integrity-d");
    assert.equal((await ok.get("/api/v1/users?_end=200")).status, 200, "an untouched grant still works");
    // A revocation through the API re-MACs the row as revoked: it verifies, and grants nothing.
    assert.equal((await sec.delete(`/api/v1/scoped-admins/${untouched.body.id}`)).status, 200);
    const rows = await storedRows(app.database.db, "scoped_admin", { tenantId: t });
    const row = rows.find((r) => r.rowId === untouched.body.id);
    assert.ok(row && (row.facts as { revoked: boolean }).revoked, "revoked");
    assert.ok(app.services.aclGuard.integrity.verify("scoped_admin", row.facts as never, row.mac), "re-MACed");
    for (const k of ["a", "b", "c"]) {
      const found = await violations(grants[k] as string, second);
      assert.ok(
        found.some((v) => v.reason === "mismatch" && v.table === "scoped_admins"),
        `${k}: ${JSON.stringify(found)}`,
      );
    }
  } finally {
    await second.close();
  }
});

test("policies: a published document changed in SQL gives nothing, its deny rules still hold; restore is refused", async () => {
  const db = app.database.db;
  const alice = await makeUser(db, t, { username: "integrity-alice", departmentId: dept.id });
  const bob = await makeUser(db, t, { username: "integrity-bob" });
  const level = (operator: string, value: number) => ({ attribute: "resource.classificationLevel", operator, value });
  // A (tampered below): its department reads, nothing above level 3. B (untouched): anyone downloads up to 5.
  const a = {
    rules: [
      {
        effect: "allow",
        actions: ["read"],
        resource: "Document",
        conditions: [{ attribute: "subject.departmentPath", operator: "containsAny", value: [dept.id] }],
      },
      { effect: "deny", actions: ["read", "download"], resource: "Document", conditions: [level("gt", 3)] },
    ],
  };
  const b = {
    rules: [{ effect: "allow", actions: ["download"], resource: "Document", conditions: [level("lte", 5)] }],
  };
  const ids: string[] = [];
  for (const [name, document] of [
    ["完整性 A", a],
    ["完整性 B", b],
  ] as const) {
    const created = await sec.post("/api/v1/policies").send({ name, document });
    assert.equal(created.status, 201, created.text);
    assert.equal((await sec.post(`/api/v1/policies/${created.body.id}/publish`).send({ version: 1 })).status, 200);
    ids.push(created.body.id as string);
  }
  const policyId = ids[0] as string;
  const client = await sec.post("/api/v1/api-clients").send({ name: "integrity-pdp" });
  assert.equal(client.status, 201, client.text);
  const bearer = `Bearer ${client.body.secret}`;
  const decide = async (target: TestApp, userId: string, action: string, classificationLevel: number) => {
    const res = await target.http
      .post("/api/v1/authz/check")
      .set("authorization", bearer)
      .send({ subject: { userId }, action, resource: { type: "Document", attributes: { classificationLevel } } });
    assert.equal(res.status, 200, res.text);
    return (res.body as { allowed: boolean }).allowed;
  };
  assert.equal(await decide(app, alice, "read", 1), true);
  assert.equal(await decide(app, bob, "read", 1), false);
  assert.equal(await decide(app, alice, "download", 2), true);

  // Widen A's allow to everyone, and (as an attacker would not, but it must still hold) tighten its deny.
  const tampered = {
    rules: [
      { ...a.rules[0], conditions: [level("gte", 0)] },
      { ...a.rules[1], conditions: [level("gt", 1)] },
    ],
  };
  await sql`UPDATE policy_versions SET document = ${JSON.stringify(tampered)}::jsonb
    WHERE policy_id = ${policyId} AND version = 1`.execute(db);
  const second = await freshInstance();
  try {
    assert.equal(await decide(second, bob, "read", 1), false, "the widened allow is not used");
    assert.equal(await decide(second, alice, "read", 1), false, "nor is the original one: the row is not trusted");
    assert.equal(await decide(second, alice, "download", 2), false, "its deny rules still take access away");
    assert.equal(await decide(second, alice, "download", 1), true, "the untouched policy B still applies");
    const found = await violations(`${policyId}:v1`, second);
    assert.ok(
      found.some((v) => v.table === "policy_versions" && v.reason === "mismatch"),
      JSON.stringify(found),
    );
    const sec2 = await second.signIn("secadmin");
    const restore = await sec2.post(`/api/v1/policies/${policyId}/restore`).send({ version: 1 });
    assert.equal(restore.status, 409, restore.text);
    assert.equal(restore.body.code, "POLICY_INTEGRITY");
    assert.ok(restore.body.zh, "with a Chinese message");
  } finally {
    await second.close();
  }
});

test("API clients: scopes widened in SQL, or a revocation undone, authenticate as nobody", async () => {
  const created = await sec.post("/api/v1/api-clients").send({ name: "integrity-client" });
  assert.equal(created.status, 201, created.text);
  const id = created.body.client.id as string;
  const bearer = `Bearer ${created.body.secret}`;
  const someone = await makeUser(app.database.db, t, { username: "integrity-subject" });
  const body = { subject: { userId: someone }, action: "read", resource: { type: "Document", attributes: {} } };
  assert.equal((await app.http.post("/api/v1/authz/check").set("authorization", bearer).send(body)).status, 200);
  await sql`UPDATE api_clients SET scopes = ARRAY['authz:check', 'org:read'] WHERE id = ${id}`.execute(app.database.db);
  let second = await freshInstance();
  try {
    const res = await second.http.post("/api/v1/authz/check").set("authorization", bearer).send(body);
    assert.equal(res.status, 401, res.text);
    assert.ok((await violations(id, second)).some((v) => v.table === "api_clients"));
  } finally {
    await second.close();
  }
  await sql`UPDATE api_clients SET scopes = ARRAY['authz:check'] WHERE id = ${id}`.execute(app.database.db);
  assert.ok((await sec.delete(`/api/v1/api-clients/${id}`)).status < 300, "revoked through the API");
  const revoked = await storedRows(app.database.db, "api_client", { tenantId: t });
  const mine = revoked.find((r) => r.rowId === id);
  assert.ok(mine && app.services.aclGuard.integrity.verify("api_client", mine.facts as never, mine.mac), "re-MACed");
  await sql`UPDATE api_clients SET revoked_at = NULL WHERE id = ${id}`.execute(app.database.db);
  second = await freshInstance();
  try {
    const res = await second.http.post("/api/v1/authz/check").set("authorization", bearer).send(body);
    assert.equal(res.status, 401, "the revocation is part of the MAC");
  } finally {
    await second.close();
  }
});
