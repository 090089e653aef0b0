import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { createDepartment, createDimension, createUser, policyGeneration, signInUser } from "./test-fixtures";

/*
 * Tree used throughout (dimension "admin"):  A ─┬─ B ─── C
 *                                               └─ X
 * plus a second tenant with its own department.
 */
let app: TestApp;
let t: string;
let dim: string;
let A: { id: string; path: string[] };
let B: { id: string; path: string[] };
let C: { id: string; path: string[] };
let X: { id: string; path: string[] };
let otherDept: string;
let sec: Awaited<ReturnType<TestApp["signIn"]>>;

before(async () => {
  app = await startTestApp();
  t = app.platformTenantId;
  dim = await createDimension(app, t, "admin");
  A = await createDepartment(app, t, dim, "总部", null);
  B = await createDepartment(app, t, dim, "财务处", A);
  C = await createDepartment(app, t, dim, "核算科", B);
  X = await createDepartment(app, t, dim, "办公室", A);
  const other = await app.database.db
    .insertInto("tenants")
    .values({ code: "grants-other", name: "另一租户" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const otherDim = await createDimension(app, other.id, "admin");
  otherDept = (await createDepartment(app, other.id, otherDim, "外部门", null)).id;
  sec = await app.signIn("secadmin");
});
after(() => app?.close());

const member = (d: { id: string }) => ({ departmentId: d.id, dimensionId: dim });

async function countGrants(): Promise<number> {
  const row = await app.database.db
    .selectFrom("scoped_admins")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

test("secadmin grants a scoped admin: 201, audited, policy generation bumped, listed and readable", async () => {
  const u = await createUser(app, t, "grantee1", [member(C)]);
  const generation = await policyGeneration(app, t);
  const audits = await auditCount(app, { action: "scopedAdmin.grant", result: "success" });
  const res = await sec
    .post("/api/v1/scoped-admins")
    .send({ userId: u, departmentId: B.id, actions: ["users.manage"] });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.userId, u);
  assert.equal(res.body.departmentId, B.id);
  assert.equal(res.body.dimensionId, dim, "the grant is in the department's dimension");
  assert.deepEqual(res.body.actions, ["users.manage"]);
  assert.equal(res.body.status, "active");
  assert.equal(res.body.parentGrantId, null);
  assert.equal(res.headers.location, `/api/v1/scoped-admins/${res.body.id}`);
  assert.equal(await policyGeneration(app, t), generation + 1);
  assert.equal(await auditCount(app, { action: "scopedAdmin.grant", result: "success" }), audits + 1);

  const list = await sec.get(`/api/v1/scoped-admins?userId=${u}`);
  assert.equal(list.status, 200);
  assert.equal(list.headers["x-total-count"], "1");
  assert.equal(list.body[0].id, res.body.id);
  const byDept = await sec.get(`/api/v1/scoped-admins?departmentId=${A.id}&_end=200`);
  assert.ok(
    (byDept.body as { id: string }[]).some((g) => g.id === res.body.id),
    "a grant over B is under A",
  );
  const byLeaf = await sec.get(`/api/v1/scoped-admins?departmentId=${X.id}`);
  assert.ok(!(byLeaf.body as { id: string }[]).some((g) => g.id === res.body.id), "and not under X");
  const one = await sec.get(`/api/v1/scoped-admins/${res.body.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.departmentName, "财务处");
});

test("bad input: admin grantee 409, unknown or foreign ids 404, invalid body 400, past expiry 400; nothing written", async () => {
  const u = await createUser(app, t, "grantee-bad", [member(B)]);
  const sysadmin = await app.database.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", "sysadmin")
    .where("tenant_id", "=", t)
    .executeTakeFirstOrThrow();
  const before = await countGrants();
  const generation = await policyGeneration(app, t);
  const cases: [Record<string, unknown>, number, string | undefined][] = [
    [{ userId: sysadmin.id, departmentId: B.id, actions: ["view"] }, 409, "ADMIN_NOT_GRANTABLE"],
    [{ userId: crypto.randomUUID(), departmentId: B.id, actions: ["view"] }, 404, "USER_NOT_FOUND"],
    [{ userId: u, departmentId: crypto.randomUUID(), actions: ["view"] }, 404, "DEPARTMENT_NOT_FOUND"],
    [{ userId: u, departmentId: otherDept, actions: ["view"] }, 404, "DEPARTMENT_NOT_FOUND"],
    [{ userId: u, departmentId: B.id, actions: ["manage-everything"] }, 400, "VALIDATION_FAILED"],
    [{ userId: u, departmentId: B.id, actions: [] }, 400, "VALIDATION_FAILED"],
    [{ userId: u, departmentId: B.id, actions: ["view", "view"] }, 400, "VALIDATION_FAILED"],
    [{ userId: u, departmentId: B.id, actions: ["view"], role: "secadmin" }, 400, "VALIDATION_FAILED"],
    [{ userId: "not-a-uuid", departmentId: B.id, actions: ["view"] }, 400, "VALIDATION_FAILED"],
    [{ userId: u, departmentId: B.id, actions: ["view"], expiresAt: "2001-01-01T00:00:00Z" }, 400, "EXPIRY_IN_PAST"],
    [{ userId: u, departmentId: B.id, actions: ["view"], expiresAt: "tomorrow" }, 400, "VALIDATION_FAILED"],
  ];
  for (const [body, status, code] of cases) {
    const res = await sec.post("/api/v1/scoped-admins").send(body);
    assert.equal(res.status, status, `${JSON.stringify(body)} → ${res.text}`);
    assert.equal(res.body.code, code);
    assert.ok(res.body.detail && res.body.zh, "problem+json with English and Chinese messages");
  }
  assert.equal(await countGrants(), before, "nothing written");
  assert.equal(await policyGeneration(app, t), generation, "no generation bump");
  assert.ok((await auditCount(app, { action: "scopedAdmin.grant", result: "failure" })) >= 4, "refusals are audited");

  const ok = await sec.post("/api/v1/scoped-admins").send({ userId: u, departmentId: B.id, actions: ["view"] });
  assert.equal(ok.status, 201);
  const dup = await sec
    .post("/api/v1/scoped-admins")
    .send({ userId: u, departmentId: B.id, actions: ["users.manage"] });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.code, "GRANT_EXISTS");
});

test("the duty matrix: sysadmin and auditadmin may not grant, list or revoke", async () => {
  for (const role of ["sysadmin", "auditadmin"] as const) {
    const agent = await app.signIn(role);
    const u = await createUser(app, t, `grantee-${role}`, [member(B)]);
    const create = await agent.post("/api/v1/scoped-admins").send({ userId: u, departmentId: B.id, actions: ["view"] });
    assert.equal(create.status, 403);
    assert.equal((await agent.get("/api/v1/scoped-admins")).status, 403);
    assert.equal((await agent.delete(`/api/v1/scoped-admins/${crypto.randomUUID()}`)).status, 403);
  }
});

test("another tenant's grant is not found", async () => {
  const other = await app.database.db
    .selectFrom("tenants")
    .select("id")
    .where("code", "=", "grants-other")
    .executeTakeFirstOrThrow();
  const otherUser = await createUser(app, other.id, "foreigner");
  const secOther = await app.database.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", "secadmin")
    .executeTakeFirstOrThrow();
  const dimOther = await app.database.db
    .selectFrom("departments")
    .select("dimension_id")
    .where("id", "=", otherDept)
    .executeTakeFirstOrThrow();
  const foreign = await app.database.db
    .insertInto("scoped_admins")
    .values({
      tenant_id: other.id,
      user_id: otherUser,
      dimension_id: dimOther.dimension_id,
      department_id: otherDept,
      actions: ["view"],
      granted_by: secOther.id,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  assert.equal((await sec.get(`/api/v1/scoped-admins/${foreign.id}`)).status, 404);
  assert.equal((await sec.delete(`/api/v1/scoped-admins/${foreign.id}`)).status, 404);
  const list = await sec.get("/api/v1/scoped-admins?status=all&_end=200");
  assert.ok(!(list.body as { id: string }[]).some((g) => g.id === foreign.id));
});

test("delegation: a scoped admin grants inside its subtree only what it holds; revoking cascades", async () => {
  const u1 = await createUser(app, t, "delegator", [member(B)]);
  const u2 = await createUser(app, t, "delegate2", [member(C)]);
  const u3 = await createUser(app, t, "delegate3", [member(C)]);
  const outsider = await createUser(app, t, "outsider", [member(X)]);
  const expires = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const root = await sec
    .post("/api/v1/scoped-admins")
    .send({ userId: u1, departmentId: B.id, actions: ["users.manage", "delegate"], expiresAt: expires });
  assert.equal(root.status, 201, root.text);
  const sibling = await sec.post("/api/v1/scoped-admins").send({ userId: u3, departmentId: C.id, actions: ["view"] });
  assert.equal(sibling.status, 201);

  const d1 = await signInUser(app, "delegator");
  const before = await countGrants();
  const refusals: [Record<string, unknown>, number, string][] = [
    [{ userId: u2, departmentId: C.id, actions: ["departments.manage"] }, 403, "GRANT_BEYOND_SCOPE"],
    [{ userId: u2, departmentId: A.id, actions: ["view"] }, 403, "GRANT_BEYOND_SCOPE"],
    [{ userId: u2, departmentId: X.id, actions: ["users.manage"] }, 403, "GRANT_BEYOND_SCOPE"],
    [{ userId: outsider, departmentId: C.id, actions: ["view"] }, 403, "GRANT_BEYOND_SCOPE"],
    [{ userId: u1, departmentId: C.id, actions: ["view"] }, 403, "SELF_GRANT"],
    [
      {
        userId: u2,
        departmentId: C.id,
        actions: ["users.manage"],
        expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      },
      403,
      "GRANT_BEYOND_SCOPE",
    ],
  ];
  for (const [body, status, code] of refusals) {
    const res = await d1.post("/api/v1/scoped-admins").send(body);
    assert.equal(res.status, status, `${JSON.stringify(body)} → ${res.text}`);
    assert.equal(res.body.code, code, res.text);
  }
  assert.equal(await countGrants(), before, "nothing written by a refused delegation");

  const child = await d1
    .post("/api/v1/scoped-admins")
    .send({ userId: u2, departmentId: C.id, actions: ["users.manage", "delegate"] });
  assert.equal(child.status, 201, child.text);
  assert.equal(child.body.parentGrantId, root.body.id, "the chain is recorded");
  assert.equal(child.body.expiresAt, root.body.expiresAt, "a delegated grant never outlives its grantor's");
  const grandchild = await (
    await signInUser(app, "delegate2")
  )
    .post("/api/v1/scoped-admins")
    .send({ userId: u3, departmentId: C.id, actions: ["view"] });
  assert.equal(grandchild.status, 409, "u3 already holds a grant over C from secadmin");

  // The delegator sees grants in its subtree only, and cannot revoke secadmin's sibling grant.
  const seen = await d1.get("/api/v1/scoped-admins?_end=200");
  assert.equal(seen.status, 200);
  const ids = (seen.body as { id: string; departmentPath: string[] }[]).map((g) => g.id);
  assert.ok(ids.includes(child.body.id) && ids.includes(root.body.id) && ids.includes(sibling.body.id));
  assert.ok((seen.body as { departmentPath: string[] }[]).every((g) => g.departmentPath.includes(B.id)));
  const notMine = await d1.delete(`/api/v1/scoped-admins/${sibling.body.id}`);
  assert.equal(notMine.status, 403);
  assert.equal(notMine.body.code, "NOT_YOUR_DELEGATION");

  const revoked = await sec.delete(`/api/v1/scoped-admins/${root.body.id}`);
  assert.equal(revoked.status, 200, revoked.text);
  assert.deepEqual(
    revoked.body.revoked,
    [root.body.id, child.body.id],
    "revoking a grant revokes those delegated from it",
  );
  const childNow = await sec.get(`/api/v1/scoped-admins/${child.body.id}`);
  assert.equal(childNow.body.status, "revoked");
  const again = await sec.delete(`/api/v1/scoped-admins/${root.body.id}`);
  assert.equal(again.status, 409);
  assert.equal(again.body.code, "GRANT_REVOKED");
  // Once revoked, the delegator holds nothing: the route guard refuses it outright.
  const after = await d1.post("/api/v1/scoped-admins").send({ userId: u2, departmentId: C.id, actions: ["view"] });
  assert.equal(after.status, 403);
});

test("the database itself keeps admin roles and scoped grants apart (三员分立), both ways", async () => {
  const db = app.database.db;
  const secadmin = await db
    .selectFrom("role_assignments")
    .select("user_id")
    .where("tenant_id", "=", t)
    .where("role", "=", "secadmin")
    .executeTakeFirstOrThrow();
  const u = await createUser(app, t, "grantee-then-admin", [member(C)]);
  const res = await sec.post("/api/v1/scoped-admins").send({ userId: u, departmentId: B.id, actions: ["view"] });
  assert.equal(res.status, 201, res.text);

  await assert.rejects(
    db.insertInto("role_assignments").values({ tenant_id: t, user_id: u, role: "auditadmin" }).execute(),
    /admin_role_without_scoped_grants|scoped-admin grants in force/,
    "an account holding a grant in force cannot be given an admin role",
  );
  await db
    .updateTable("scoped_admins")
    .set({ revoked_at: new Date(), revoked_by: secadmin.user_id })
    .where("id", "=", res.body.id)
    .execute();
  await db.insertInto("role_assignments").values({ tenant_id: t, user_id: u, role: "auditadmin" }).execute();

  await assert.rejects(
    db
      .insertInto("scoped_admins")
      .values({
        tenant_id: t,
        user_id: u,
        dimension_id: dim,
        department_id: B.id,
        actions: ["view"],
        granted_by: secadmin.user_id,
      })
      .execute(),
    /scoped_grant_not_to_admin|never scoped admins/,
    "a grant to an admin account is refused even when written past the service",
  );
  await db.deleteFrom("role_assignments").where("user_id", "=", u).execute();
});
