import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { createDepartment, createDimension, createUser, signInUser } from "./test-fixtures";

/*
 * A scoped admin end to end, through the people and org APIs: secadmin grants; the grantee signs in
 * as an ordinary user and manages exactly its subtree (dimension "admin"):  A ─┬─ D ─── C
 *                                                                              └─ X
 */
let app: TestApp;
let t: string;
let dim: string;
let D: { id: string; path: string[] };
let C: { id: string; path: string[] };
let X: { id: string; path: string[] };
let sec: Awaited<ReturnType<TestApp["signIn"]>>;
const ids = { manager: "", deptAdmin: "", inside: "", outside: "" };

before(async () => {
  app = await startTestApp();
  t = app.platformTenantId;
  dim = await createDimension(app, t, "admin");
  const A = await createDepartment(app, t, dim, "总部", null);
  D = await createDepartment(app, t, dim, "财务处", A);
  C = await createDepartment(app, t, dim, "核算科", D);
  X = await createDepartment(app, t, dim, "办公室", A);
  const m = (d: { id: string }) => [{ departmentId: d.id, dimensionId: dim }];
  ids.manager = await createUser(app, t, "finance-manager", m(D));
  ids.deptAdmin = await createUser(app, t, "finance-org-admin", m(D));
  ids.inside = await createUser(app, t, "accountant", m(C));
  ids.outside = await createUser(app, t, "clerk", m(X));
  sec = await app.signIn("secadmin");
});
after(() => app?.close());

test("a users.manage scoped admin lists and changes users under its department, and nobody else", async () => {
  const grant = await sec
    .post("/api/v1/scoped-admins")
    .send({ userId: ids.manager, departmentId: D.id, actions: ["users.manage"] });
  assert.equal(grant.status, 201, grant.text);
  const u = await signInUser(app, "finance-manager");

  const list = await u.get("/api/v1/users?_end=200");
  assert.equal(list.status, 200, list.text);
  const names = (list.body as { username: string }[]).map((x) => x.username).sort();
  assert.deepEqual(names, ["accountant", "finance-manager", "finance-org-admin"], "its subtree's members only");
  assert.equal(list.headers["x-total-count"], "3", "the total is counted in SQL under the same filter");
  const searched = await u.get(`/api/v1/users?departmentId=${X.id}&includeSubDepartments=true`);
  assert.equal(searched.status, 200);
  assert.equal(searched.body.length, 0, "filtering for another department finds nothing");

  const inside = await u.get(`/api/v1/users/${ids.inside}`);
  assert.equal(inside.status, 200);
  const patched = await u
    .patch(`/api/v1/users/${ids.inside}`)
    .set("if-match", inside.headers.etag as string)
    .send({ displayName: "会计 张三" });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.body.displayName, "会计 张三");

  const outside = await u.get(`/api/v1/users/${ids.outside}`);
  assert.ok([403, 404].includes(outside.status), `outside its subtree: ${outside.status}`);
  const outsidePatch = await u.patch(`/api/v1/users/${ids.outside}`).set("if-match", '"1"').send({ displayName: "x" });
  assert.ok([403, 404].includes(outsidePatch.status), `no change outside: ${outsidePatch.status}`);
  const clerk = await app.database.db
    .selectFrom("users")
    .select("display_name")
    .where("id", "=", ids.outside)
    .executeTakeFirstOrThrow();
  assert.equal(clerk.display_name, "用户 clerk", "nothing written outside the subtree");

  // What a users.manage grant does not give: departments, policies, audit, grants.
  const depts = await u.get(`/api/v1/departments?dimensionId=${dim}&_end=200`);
  assert.equal(depts.status, 200, "it may read its subtree's departments");
  assert.ok((depts.body as { id: string; path: string[] }[]).every((d) => d.path.includes(D.id)));
  const newDept = await u.post("/api/v1/departments").send({ dimensionId: dim, parentId: D.id, name: "新科室" });
  assert.equal(newDept.status, 403);
  for (const path of [
    "/api/v1/policies",
    "/api/v1/audit/events",
    "/api/v1/scoped-admins",
    "/api/v1/security-settings",
  ]) {
    assert.equal((await u.get(path)).status, 403, path);
  }

  // Revocation takes effect on the next request (the policy generation drops cached abilities).
  const revoked = await sec.delete(`/api/v1/scoped-admins/${grant.body.id}`);
  assert.equal(revoked.status, 200);
  assert.equal((await u.get("/api/v1/users")).status, 403);
});

test("a departments.manage scoped admin changes the tree under its department only", async () => {
  const grant = await sec
    .post("/api/v1/scoped-admins")
    .send({ userId: ids.deptAdmin, departmentId: D.id, actions: ["departments.manage"] });
  assert.equal(grant.status, 201, grant.text);
  const u = await signInUser(app, "finance-org-admin");
  const inside = await u.post("/api/v1/departments").send({ dimensionId: dim, parentId: C.id, name: "档案组" });
  assert.equal(inside.status, 201, inside.text);
  assert.ok((inside.body.path as string[]).includes(D.id));
  const outside = await u.post("/api/v1/departments").send({ dimensionId: dim, parentId: X.id, name: "档案组" });
  assert.ok([403, 404].includes(outside.status), `outside: ${outside.status} ${outside.text}`);
  const root = await u.post("/api/v1/departments").send({ dimensionId: dim, parentId: null, name: "新总部" });
  assert.ok([403, 404].includes(root.status), `a new root is above its subtree: ${root.status}`);
  assert.equal(
    (await u.patch(`/api/v1/users/${ids.inside}`).set("if-match", '"1"').send({ displayName: "y" })).status,
    403,
  );
});

test("an expiring grant stops working the moment it lapses, not when the subject cache next expires", async () => {
  const temp = await createUser(app, t, "temp-manager", [{ departmentId: D.id, dimensionId: dim }]);
  const lapse = Date.now() + 5_000;
  const grant = await sec
    .post("/api/v1/scoped-admins")
    .send({ userId: temp, departmentId: D.id, actions: ["users.manage"], expiresAt: new Date(lapse).toISOString() });
  assert.equal(grant.status, 201, grant.text);
  const u = await signInUser(app, "temp-manager");
  // Read before the lapse: this caches the subject (30 s TTL) with the grant's rules.
  const before = await u.get(`/api/v1/users/${ids.inside}`);
  assert.equal(before.status, 200, before.text);
  assert.ok(Date.now() < lapse, "the first read ran before the grant lapsed (machine too slow to tell)");

  await new Promise((resolve) => setTimeout(resolve, lapse - Date.now() + 200));
  const afterLapse = await u.get(`/api/v1/users/${ids.inside}`);
  assert.ok([403, 404].includes(afterLapse.status), `after the lapse: ${afterLapse.status}`);
  assert.equal((await u.get("/api/v1/users")).status, 403, "no list either");
});
