import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { scopedAdminRules } from "../../../policies/scoped";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { type Agent, orgApi, overrideAbilities, userAgent } from "./test-support";

/**
 * A scoped admin (分级管理员) granted `departments.manage` over G sees and changes only G's subtree,
 * and cannot move, disable, delete or merge G itself (that needs G's parent).
 */
let app: TestApp;
let sys: Agent;
let scoped: Agent;
let viewer: Agent;
let dim: string;
let top: { id: string; version: number };
let g: { id: string; version: number };
let c1: { id: string; version: number };
let c2: { id: string; version: number };
before(async () => {
  app = await startTestApp();
  const overrides = overrideAbilities(app);
  sys = await app.signIn("sysadmin");
  const api = orgApi(sys);
  dim = await api.dimension("scoped");
  top = await api.dept(dim, "总部");
  g = await api.dept(dim, "分公司", top.id);
  c1 = await api.dept(dim, "一科", g.id);
  c2 = await api.dept(dim, "二科", g.id);
  await api.dept(dim, "兄弟公司", top.id);
  const manager = await userAgent(app, app.platformTenantId, "branch-manager");
  overrides.set(
    manager.id,
    scopedAdminRules([{ id: "grant-1", dimensionId: dim, departmentId: g.id, actions: ["departments.manage"] }]),
  );
  scoped = manager.agent;
  const look = await userAgent(app, app.platformTenantId, "branch-viewer");
  overrides.set(
    look.id,
    scopedAdminRules([{ id: "grant-2", dimensionId: dim, departmentId: g.id, actions: ["view"] }]),
  );
  viewer = look.agent;
});
after(() => app?.close());

test("lists and the tree show only the subtree, filtered in SQL (the total counts only it)", async () => {
  const list = await scoped.get("/api/v1/departments").query({ dimensionId: dim });
  assert.equal(list.status, 200);
  assert.deepEqual(new Set(list.body.map((d: { id: string }) => d.id)), new Set([g.id, c1.id, c2.id]));
  assert.equal(list.headers["x-total-count"], "3");
  const tree = await scoped.get("/api/v1/departments/tree").query({ dimensionId: dim });
  assert.deepEqual(
    tree.body.map((n: { id: string; children: unknown[] }) => [n.id, n.children.length]),
    [[g.id, 2]],
  );
  assert.equal((await scoped.get(`/api/v1/departments/${top.id}`)).status, 404);
  assert.equal((await scoped.get(`/api/v1/departments/tree`).query({ dimensionId: dim, rootId: top.id })).status, 404);
});

test("changes inside the subtree are allowed; outside or on its own root they are refused", async () => {
  const made = await scoped.post("/api/v1/departments").send({ dimensionId: dim, parentId: g.id, name: "三科" });
  assert.equal(made.status, 201, made.text);
  const atTop = await scoped.post("/api/v1/departments").send({ dimensionId: dim, parentId: null, name: "越权" });
  assert.equal(atTop.status, 403);
  const outside = await scoped.post("/api/v1/departments").send({ dimensionId: dim, parentId: top.id, name: "越权" });
  assert.equal(outside.status, 404);

  const inside = await scoped
    .post(`/api/v1/departments/${c1.id}/move`)
    .set("if-match", `"${c1.version}"`)
    .send({ parentId: c2.id });
  assert.equal(inside.status, 200, inside.text);
  const out = await scoped
    .post(`/api/v1/departments/${c2.id}/move`)
    .set("if-match", `"${c2.version}"`)
    .send({ parentId: top.id });
  assert.equal(out.status, 404, "the parent outside the subtree is invisible");

  const gNow = await scoped.get(`/api/v1/departments/${g.id}`);
  const tag = `"${gNow.body.version}"`;
  const renamed = await scoped.patch(`/api/v1/departments/${g.id}`).set("if-match", tag).send({ name: "分公司（新）" });
  assert.equal(renamed.status, 200, "renaming its own root is fine");
  const tag2 = `"${renamed.body.version}"`;
  for (const res of [
    await scoped.post(`/api/v1/departments/${g.id}/move`).set("if-match", tag2).send({ parentId: null }),
    await scoped.post(`/api/v1/departments/${g.id}/disable`).set("if-match", tag2),
    await scoped.delete(`/api/v1/departments/${g.id}`).set("if-match", tag2),
    await scoped.post(`/api/v1/departments/${g.id}/merge`).set("if-match", tag2).send({ intoId: c2.id }),
    await scoped.post("/api/v1/departments/reorder").send({ dimensionId: dim, parentId: top.id, orderedIds: [g.id] }),
  ]) {
    assert.ok(res.status === 403 || res.status === 404, `${res.status} ${res.text}`);
  }
  assert.equal((await sys.get(`/api/v1/departments/${g.id}`)).body.status, "active");
  const denied = await app.database.db
    .selectFrom("audit_events")
    .select("action")
    .where("actor_name", "=", "branch-manager")
    .where("result", "=", "denied")
    .execute();
  assert.ok(denied.length >= 4, "refusals are audited");
});

test("a view-only scoped admin reads the subtree and changes nothing; the tenant-wide feed is refused", async () => {
  assert.equal((await viewer.get("/api/v1/departments").query({ dimensionId: dim })).headers["x-total-count"], "4");
  assert.equal(
    (await viewer.post("/api/v1/departments").send({ dimensionId: dim, parentId: g.id, name: "x" })).status,
    403,
  );
  const feed = await scoped.get("/api/v1/org-changes");
  assert.equal(feed.status, 403);
  assert.equal(feed.body.code, "FEED_NEEDS_WHOLE_TENANT");
});
