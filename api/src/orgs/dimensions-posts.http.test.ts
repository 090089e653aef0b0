import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { type Agent, etag, orgApi, plainUser } from "./test-support";

let app: TestApp;
let sys: Agent;
before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
});
after(() => app?.close());

test("dimensions: CRUD with ETag/If-Match; duplicate code 409; a dimension with departments cannot go", async () => {
  const created = await sys.post("/api/v1/dimensions").send({ code: "party", name: "党组织", kind: "party" });
  assert.equal(created.status, 201);
  assert.equal(created.headers.etag, '"1"');
  const dup = await sys.post("/api/v1/dimensions").send({ code: "party", name: "又一个", kind: "party" });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.code, "DIMENSION_CODE_TAKEN");
  for (const body of [
    { code: "x", name: "x", kind: "galaxy" },
    { code: "UPPER", name: "x", kind: "other" },
    { code: "ok", name: "x".repeat(101), kind: "other" },
    { code: "ok", name: "x", kind: "other", extra: 1 },
  ]) {
    assert.equal((await sys.post("/api/v1/dimensions").send(body)).status, 400, JSON.stringify(body).slice(0, 60));
  }
  const id = created.body.id;
  const got = await sys.get(`/api/v1/dimensions/${id}`);
  const patched = await sys.patch(`/api/v1/dimensions/${id}`).set("if-match", etag(got)).send({ name: "党委" });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.version, 2);
  const stale = await sys.patch(`/api/v1/dimensions/${id}`).set("if-match", etag(got)).send({ name: "旧" });
  assert.equal(stale.status, 409);
  const dept = await orgApi(sys).dept(id, "第一支部");
  const busy = await sys.delete(`/api/v1/dimensions/${id}`).set("if-match", '"2"');
  assert.equal(busy.status, 409);
  assert.equal(busy.body.code, "DIMENSION_NOT_EMPTY");
  assert.equal((await sys.delete(`/api/v1/departments/${dept.id}`).set("if-match", `"${dept.version}"`)).status, 204);
  assert.equal((await sys.delete(`/api/v1/dimensions/${id}`).set("if-match", '"2"')).status, 204);
  assert.equal((await sys.get(`/api/v1/dimensions/${id}`)).status, 404);
  const list = await sys.get("/api/v1/dimensions");
  assert.equal(list.headers["x-total-count"], String(list.body.length));
});

test("posts: CRUD; duplicate codes 409 on create and rename; a post in use cannot go", async () => {
  const a = await sys.post("/api/v1/posts").send({ code: "DIR", name: "处长" });
  const b = await sys.post("/api/v1/posts").send({ code: "DEP", name: "副处长" });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  const dup = await sys.post("/api/v1/posts").send({ code: "DIR", name: "x" });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.code, "POST_CODE_TAKEN");
  const clash = await sys.patch(`/api/v1/posts/${b.body.id}`).set("if-match", '"1"').send({ code: "DIR" });
  assert.equal(clash.status, 409);
  assert.equal(clash.body.code, "POST_CODE_TAKEN");
  const q = await sys.get("/api/v1/posts").query({ q: "副" });
  assert.deepEqual(
    q.body.map((p: { id: string }) => p.id),
    [b.body.id],
  );
  const dim = await orgApi(sys).dimension("adm");
  const dept = await orgApi(sys).dept(dim, "处室");
  const user = await plainUser(app, app.platformTenantId, "poster");
  await app.database.db
    .insertInto("memberships")
    .values({
      tenant_id: app.platformTenantId,
      user_id: user,
      department_id: dept.id,
      dimension_id: dim,
      post_id: a.body.id,
      is_primary: true,
    })
    .execute();
  const inUse = await sys.delete(`/api/v1/posts/${a.body.id}`).set("if-match", '"1"');
  assert.equal(inUse.status, 409);
  assert.equal(inUse.body.code, "POST_IN_USE");
  assert.equal((await sys.delete(`/api/v1/posts/${b.body.id}`).set("if-match", '"1"')).status, 204);
});

test("secadmin reads the directory but changes none of it; auditadmin reads nothing", async () => {
  const sec = await app.signIn("secadmin");
  assert.equal((await sec.get("/api/v1/dimensions")).status, 200);
  assert.equal((await sec.get("/api/v1/posts")).status, 200);
  assert.equal((await sec.get("/api/v1/departments")).status, 200);
  assert.equal((await sec.post("/api/v1/dimensions").send({ code: "sec", name: "x", kind: "other" })).status, 403);
  assert.equal((await sec.post("/api/v1/posts").send({ code: "SEC", name: "x" })).status, 403);
  assert.equal((await sec.get("/api/v1/tenants")).status, 403);
  const audit = await app.signIn("auditadmin");
  assert.equal((await audit.get("/api/v1/departments")).status, 403);
  assert.equal((await audit.get("/api/v1/org-changes")).status, 403);
});

test("lists: search by name or code, sort either way with ties broken by code, page with a total", async () => {
  for (const [code, name, sortOrder] of [
    ["list-c", "列表丙", 1],
    ["list-a", "列表甲", 2],
    ["list-b", "列表乙", 1],
  ] as const) {
    assert.equal((await sys.post("/api/v1/posts").send({ code: code.toUpperCase(), name, sortOrder })).status, 201);
    const dim = await sys.post("/api/v1/dimensions").send({ code, name, kind: "other", sortOrder });
    assert.equal(dim.status, 201);
  }
  for (const plural of ["posts", "dimensions"]) {
    const page = (query: Record<string, string | number>) =>
      sys.get(`/api/v1/${plural}`).query({ q: "列表", ...query });
    const codes = (res: { body: { code: string }[] }) => res.body.map((r) => r.code.toLowerCase());
    const asc = await page({ _sort: "code", _order: "asc" });
    assert.equal(asc.status, 200);
    assert.equal(asc.headers["x-total-count"], "3");
    assert.deepEqual(codes(asc), ["list-a", "list-b", "list-c"]);
    assert.deepEqual(codes(await page({ _sort: "code", _order: "desc" })), ["list-c", "list-b", "list-a"]);
    assert.deepEqual(
      codes(await page({ _sort: "sortOrder", _order: "asc" })),
      ["list-b", "list-c", "list-a"],
      "equal sort orders fall back to the code",
    );
    const second = await page({ _sort: "code", _order: "asc", _start: 1, _end: 2 });
    assert.deepEqual(codes(second), ["list-b"]);
    assert.equal(second.headers["x-total-count"], "3", "the total counts every match, not the page");
    assert.deepEqual(codes(await page({ q: "LIST-C" })), ["list-c"], "the code matches too, any case");
  }
});
