import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { auditCount, NEW_PASSWORD, startTestApp, type TestApp } from "../../../test/support/app";
import { makeDepartment, makeDimension, signedInPerson } from "../users/test-fixtures";
import { createViewer, signInViewer, type Agent } from "./test-viewer";

/*
 * The leadership role `viewer` end to end over HTTP: secadmin assigns and revokes it (audited),
 * an account holds at most one built-in role (service and database), and a viewer reads what the
 * duty matrix gives it and nothing else.
 */
let app: TestApp;
let sys: Agent;
let sec: Agent;
let n = 0;
const username = (base = "leader") => `${base}${++n}${Date.now() % 100000}`;

before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
  sec = await app.signIn("secadmin");
});
after(() => app?.close());

const newAccount = async () => {
  const res = await sys.post("/api/v1/users").send({ username: username("u"), displayName: "王五" });
  assert.equal(res.status, 201, res.text);
  return {
    id: res.body.user.id as string,
    password: res.body.oneTimePassword as string,
    username: res.body.user.username as string,
  };
};

const adminId = async (role: string) =>
  (
    await app.database.db
      .selectFrom("users")
      .select("id")
      .where("username", "=", role)
      .where("tenant_id", "=", app.platformTenantId)
      .executeTakeFirstOrThrow()
  ).id;

test("secadmin assigns viewer: 201, audited, shown on the account, listed with a total; sysadmin may not", async () => {
  const account = await newAccount();
  const denied = await sys.post("/api/v1/viewers").send({ userId: account.id });
  assert.equal(denied.status, 403, "granting a role is not the system administrator's duty");
  const before = await auditCount(app, { action: "role.assign", result: "success" });
  const res = await sec.post("/api/v1/viewers").send({ userId: account.id });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.role, "viewer");
  assert.equal(res.body.userId, account.id);
  assert.equal(res.headers.location, `/api/v1/viewers/${account.id}`);
  assert.equal(await auditCount(app, { action: "role.assign", result: "success" }), before + 1);
  const shown = await sys.get(`/api/v1/users/${account.id}`);
  assert.equal(shown.body.role, "viewer");
  const list = await sec.get("/api/v1/viewers").query({ q: account.username });
  assert.equal(list.status, 200);
  assert.equal(list.headers["x-total-count"], "1");
  assert.deepEqual(
    list.body.map((v: { userId: string }) => v.userId),
    [account.id],
  );
  assert.equal((await sys.get("/api/v1/viewers")).status, 403);
});

test("one built-in role per account: 409 on an admin account or twice, and the database refuses it too", async () => {
  const sysId = await adminId("sysadmin");
  const failures = await auditCount(app, { action: "role.assign", result: "failure" });
  const onAdmin = await sec.post("/api/v1/viewers").send({ userId: sysId });
  assert.equal(onAdmin.status, 409);
  assert.equal(onAdmin.body.code, "ROLE_EXCLUSIVE");
  assert.ok(onAdmin.body.zh, "a Chinese message for the console");
  assert.equal(await auditCount(app, { action: "role.assign", result: "failure" }), failures + 1);

  const account = await newAccount();
  assert.equal((await sec.post("/api/v1/viewers").send({ userId: account.id })).status, 201);
  const twice = await sec.post("/api/v1/viewers").send({ userId: account.id });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.code, "ALREADY_VIEWER");
  for (const role of ["sysadmin", "secadmin", "auditadmin"]) {
    await assert.rejects(
      app.database.db
        .insertInto("role_assignments")
        .values({ tenant_id: app.platformTenantId, user_id: account.id, role })
        .execute(),
      /role_assignments_one_admin_role/,
      `a viewer must not also become ${role}`,
    );
  }
  await assert.rejects(
    app.database.db
      .insertInto("role_assignments")
      .values({ tenant_id: app.platformTenantId, user_id: sysId, role: "viewer" })
      .execute(),
    /role_assignments_one_admin_role/,
    "an admin must not also become viewer",
  );
});

test("unknown and foreign accounts answer 404; bad input 400", async () => {
  const unknown = await sec.post("/api/v1/viewers").send({ userId: "00000000-0000-4000-8000-000000000000" });
  assert.equal(unknown.status, 404);
  assert.equal((await sec.post("/api/v1/viewers").send({ userId: "x" })).status, 400);
  assert.equal((await sec.post("/api/v1/viewers").send({ userId: (await newAccount()).id, extra: 1 })).status, 400);
  const tenant = await app.database.db
    .insertInto("tenants")
    .values({ code: `t${Date.now() % 1000000}`, name: "另一租户" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const foreign = await app.database.db
    .insertInto("users")
    .values({ tenant_id: tenant.id, username: "foreigner", display_name: "外人", password_hash: "x" })
    .returning("id")
    .executeTakeFirstOrThrow();
  assert.equal((await sec.post("/api/v1/viewers").send({ userId: foreign.id })).status, 404);
  assert.equal((await sec.delete(`/api/v1/viewers/${foreign.id}`)).status, 404);
});

test("a viewer signs in with a second factor, reads SLA and incidents only, changes nothing", async () => {
  const viewer = await createViewer(app, username(), { sys, sec });
  const me = await viewer.agent.get("/api/v1/auth/me");
  assert.equal(me.status, 200);
  assert.equal(me.body.role, "viewer");
  assert.equal(me.body.mfa.required, true, "a role holder always presents a second factor");
  const subjects = new Set((me.body.rules as unknown[][]).flatMap((rule) => String(rule[1]).split(",")));
  assert.deepEqual([...subjects].sort(), ["Incident", "Sla"]);
  for (const path of [
    "/api/v1/users",
    "/api/v1/monitors",
    "/api/v1/scoped-admins",
    "/api/v1/audit/events",
    "/api/v1/viewers",
  ]) {
    const res = await viewer.agent.get(path);
    assert.equal(res.status, 403, `${path} must be refused`);
    assert.equal(res.body.code, "FORBIDDEN");
  }
  assert.equal((await viewer.agent.post("/api/v1/users").send({ username: "x", displayName: "x" })).status, 403);
  const guarded = app.routes.routes.flatMap((r) => ("ability" in r.access ? [r.access.ability] : []));
  const readable = guarded.filter((a) => a.action === "read" && (a.subject === "Sla" || a.subject === "Incident"));
  for (const route of app.routes.routes) {
    if (!("ability" in route.access) || !readable.includes(route.access.ability) || route.method !== "get") continue;
    const res = await viewer.agent.get(route.path.replace(/:[A-Za-z]+/g, "00000000-0000-4000-8000-000000000000"));
    assert.notEqual(res.status, 403, `${route.path} is the viewer's to read`);
  }
});

test("revoking ends the viewer's sessions, is audited, and the account may be disabled (no 三员 staffing rule)", async () => {
  const viewer = await createViewer(app, username(), { sys, sec });
  assert.equal((await viewer.agent.get("/api/v1/auth/me")).status, 200);
  const before = await auditCount(app, { action: "role.revoke", result: "success" });
  const res = await sec.delete(`/api/v1/viewers/${viewer.userId}`);
  assert.equal(res.status, 204);
  assert.equal(await auditCount(app, { action: "role.revoke", result: "success" }), before + 1);
  assert.equal((await viewer.agent.get("/api/v1/auth/me")).status, 401, "the session ended with the role");
  const again = await sec.delete(`/api/v1/viewers/${viewer.userId}`);
  assert.equal(again.status, 404);
  assert.equal(again.body.code, "NOT_A_VIEWER");
  const after = await signInViewer(app, viewer.username, NEW_PASSWORD, viewer.key);
  const me = await after.get("/api/v1/auth/me");
  assert.equal(me.body.role, null, "signed in again without the role");

  const only = await createViewer(app, username(), { sys, sec });
  await app.database.db
    .deleteFrom("role_assignments")
    .where("role", "=", "viewer")
    .where("user_id", "<>", only.userId)
    .execute();
  const disabled = await sys.post(`/api/v1/users/${only.userId}/disable`);
  assert.equal(disabled.status, 200, disabled.text);
});

test("a scoped admin allowed to delegate passes the Grant guard but may not hand out the viewer role", async () => {
  const dimension = await makeDimension(app.database.db, app.platformTenantId);
  const department = await makeDepartment(app.database.db, { tenantId: app.platformTenantId, dimensionId: dimension });
  const delegator = await signedInPerson(app, sys, { memberships: [{ departmentId: department.id, isPrimary: true }] });
  const granted = await sec
    .post("/api/v1/scoped-admins")
    .send({ userId: delegator.id, departmentId: department.id, actions: ["view", "delegate"] });
  assert.equal(granted.status, 201, granted.text);
  const target = await newAccount();
  const before = await auditCount(app, { action: "role.assign", result: "denied" });
  const res = await delegator.agent.post("/api/v1/viewers").send({ userId: target.id });
  assert.equal(res.status, 403, res.text);
  assert.equal(
    await auditCount(app, { action: "role.assign", result: "denied" }),
    before + 1,
    "the refusal is audited",
  );
  assert.equal((await delegator.agent.get("/api/v1/viewers")).status, 403);
  assert.equal((await delegator.agent.delete(`/api/v1/viewers/${target.id}`)).status, 403);
});
