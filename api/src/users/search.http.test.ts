import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createMongoAbility } from "@casl/ability";
import type supertest from "supertest";
import type { AppAbility } from "../../../policies/ability";
import { scopedAdminRules } from "../../../policies/scoped";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { type DepartmentFixture, makeDepartment, makeDimension, makePost, username } from "./test-fixtures";

let app: TestApp;
let sys: ReturnType<typeof supertest.agent>;
let hq: DepartmentFixture;
let tech: DepartmentFixture;
let platform: DepartmentFixture;
let sales: DepartmentFixture;
let party: DepartmentFixture;
let dim: string;
let partyDim: string;
let engineer: { id: string };
const ids: Record<string, string> = {};

before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
  const t = app.platformTenantId;
  const db = app.database.db;
  dim = await makeDimension(db, t);
  partyDim = await makeDimension(db, t);
  hq = await makeDepartment(db, { tenantId: t, dimensionId: dim, name: "总部" });
  tech = await makeDepartment(db, { tenantId: t, dimensionId: dim, parent: hq, name: "技术部" });
  platform = await makeDepartment(db, { tenantId: t, dimensionId: dim, parent: tech, name: "平台组" });
  sales = await makeDepartment(db, { tenantId: t, dimensionId: dim, parent: hq, name: "销售部" });
  party = await makeDepartment(db, { tenantId: t, dimensionId: partyDim, name: "党支部" });
  engineer = await makePost(db, t, "ENG", "工程师");
  const people: [string, string, Record<string, unknown>][] = [
    [
      "zhangsan",
      "张三",
      {
        employeeNo: "A001",
        phone: "13800000001",
        memberships: [{ departmentId: platform.id, postId: engineer.id, title: "组长" }, { departmentId: party.id }],
      },
    ],
    [
      "zhangsanfeng",
      "张三丰",
      { employeeNo: "A002", email: "feng@example.cn", memberships: [{ departmentId: tech.id, postId: engineer.id }] },
    ],
    [
      "lisi",
      "李四",
      { employeeNo: "A003", phone: "13800000003", memberships: [{ departmentId: sales.id, title: "组长" }] },
    ],
    ["wangwu", "王五", { employeeNo: "Z-9", memberships: [{ departmentId: hq.id }] }],
    ["alice", "Alice Wang", { memberships: [] }],
  ];
  for (const [name, displayName, extra] of people) {
    const res = await sys.post("/api/v1/users").send({ username: name, displayName, ...extra });
    assert.equal(res.status, 201, res.text);
    ids[name] = res.body.user.id;
  }
});
after(() => app?.close());

async function names(query: string, agent = sys): Promise<string[]> {
  const res = await agent.get(`/api/v1/users?${query}&_start=0&_end=200`);
  assert.equal(res.status, 200, res.text);
  assert.equal(Number(res.headers["x-total-count"]), res.body.length);
  return (res.body as { username: string }[])
    .map((u) => u.username)
    .filter((u) => u in ids)
    .sort();
}

test("q matches username, display-name prefix, pinyin prefix, initials prefix and exact employee number", async () => {
  assert.deepEqual(await names("q=张三"), ["zhangsan", "zhangsanfeng"], "display name prefix");
  assert.deepEqual(await names("q=zhangsanf"), ["zhangsanfeng"], "username / pinyin prefix");
  assert.deepEqual(await names("q=zsf"), ["zhangsanfeng"], "initials");
  assert.deepEqual(
    await names(`q=${encodeURIComponent("Zhang San")}`),
    ["zhangsan", "zhangsanfeng"],
    "pinyin ignores spaces and case",
  );
  assert.deepEqual(await names("q=ls"), ["lisi"]);
  assert.deepEqual(await names("q=A003"), ["lisi"], "employee number, exact");
  assert.deepEqual(await names("q=A00"), [], "employee number is not a prefix match");
  assert.deepEqual(await names("q=aw"), ["alice"], "initials of a Latin name");
  assert.deepEqual(await names(`q=${encodeURIComponent("%")}`), [], "LIKE wildcards are literal");
});

test("phone and e-mail search go through the blind index, in any accepted spelling", async () => {
  assert.deepEqual(await names(`phone=${encodeURIComponent("+86 138 0000 0003")}`), ["lisi"]);
  assert.deepEqual(await names("phone=13800000009"), []);
  assert.deepEqual(await names("email=FENG@example.cn"), ["zhangsanfeng"]);
  const bad = await sys.get("/api/v1/users?phone=123");
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].path, "query.phone");
});

test("department filter, with and without the subtree; dimension, post, title filters on the same membership", async () => {
  assert.deepEqual(await names(`departmentId=${tech.id}`), ["zhangsanfeng"]);
  assert.deepEqual(await names(`departmentId=${tech.id}&includeSubDepartments=true`), ["zhangsan", "zhangsanfeng"]);
  assert.deepEqual(await names(`departmentId=${hq.id}&includeSubDepartments=true`), [
    "lisi",
    "wangwu",
    "zhangsan",
    "zhangsanfeng",
  ]);
  assert.deepEqual(await names(`dimensionId=${partyDim}`), ["zhangsan"]);
  assert.deepEqual(await names(`postId=${engineer.id}`), ["zhangsan", "zhangsanfeng"]);
  assert.deepEqual(await names(`title=${encodeURIComponent("组长")}`), ["lisi", "zhangsan"]);
  assert.deepEqual(await names(`title=${encodeURIComponent("组长")}&departmentId=${sales.id}`), ["lisi"]);
  assert.deepEqual(
    await names(`postId=${engineer.id}&departmentId=${sales.id}`),
    [],
    "post P in department D, not anywhere",
  );
});

test("status filter: deleted accounts only when asked for; sorting and pagination", async () => {
  const res = await sys.post("/api/v1/users").send({ username: username("gone"), displayName: "离职" });
  await sys.delete(`/api/v1/users/${res.body.user.id}`).set("if-match", `"${res.body.user.version}"`);
  const all = await sys.get("/api/v1/users?_start=0&_end=200");
  assert.ok(!all.body.some((u: { id: string }) => u.id === res.body.user.id));
  const deleted = await sys.get("/api/v1/users?status=deleted");
  assert.deepEqual(
    deleted.body.map((u: { id: string }) => u.id),
    [res.body.user.id],
  );

  const byName = await sys.get(
    `/api/v1/users?departmentId=${hq.id}&includeSubDepartments=1&_sort=displayName&_order=asc`,
  );
  assert.deepEqual(
    byName.body.map((u: { displayName: string }) => u.displayName),
    ["李四", "王五", "张三", "张三丰"],
    "display names sort by pinyin",
  );
  const page1 = await sys.get(
    `/api/v1/users?departmentId=${hq.id}&includeSubDepartments=1&_sort=username&_order=asc&_start=0&_end=2`,
  );
  const page2 = await sys.get(
    `/api/v1/users?departmentId=${hq.id}&includeSubDepartments=1&_sort=username&_order=asc&_start=2&_end=4`,
  );
  assert.equal(page1.headers["x-total-count"], "4");
  assert.deepEqual(
    [...page1.body, ...page2.body].map((u: { username: string }) => u.username),
    ["lisi", "wangwu", "zhangsan", "zhangsanfeng"],
  );
  assert.equal((await sys.get("/api/v1/users?_sort=password")).status, 400);
  assert.equal((await sys.get("/api/v1/users?departmentId=nope")).status, 400);
  assert.equal((await sys.get(`/api/v1/users?q=${"x".repeat(65)}`)).status, 400);
});

/** Signs in an ordinary account and makes it a scoped admin of `departmentId` through the Authorizer seam. */
async function scopedAdmin(departmentId: string, actions: ("users.manage" | "view")[]) {
  const name = username("scoped");
  const created = await sys.post("/api/v1/users").send({ username: name, displayName: "分级管理员" });
  const agent = (await import("supertest")).default.agent(app.app);
  await agent.post("/api/v1/auth/login").send({ username: name, password: created.body.oneTimePassword });
  const changed = await agent
    .post("/api/v1/auth/password")
    .send({ currentPassword: created.body.oneTimePassword, newPassword: "Scoped-Admin-2026#x" });
  assert.equal(changed.status, 204, changed.text);
  const previous = app.services.authz;
  const ability: AppAbility = createMongoAbility(
    scopedAdminRules([{ id: "g1", dimensionId: dim, departmentId, actions }]),
  );
  app.services.authz = {
    ...previous,
    abilityFor: async (principal, env) =>
      principal.userId === created.body.user.id ? ability : previous.abilityFor(principal, env),
  };
  return { agent, restore: () => (app.services.authz = previous) };
}

test("a scoped admin sees only its subtree — filtered in SQL, with a correct total — and 404 outside it", async () => {
  const { agent, restore } = await scopedAdmin(tech.id, ["view"]);
  try {
    assert.deepEqual(await names("q=z", agent), ["zhangsan", "zhangsanfeng"]);
    const all = await agent.get("/api/v1/users?_start=0&_end=1");
    assert.equal(all.headers["x-total-count"], "2", "the total counts only visible accounts");
    assert.equal((await agent.get(`/api/v1/users/${ids.lisi}`)).status, 404, "outside the subtree: as if absent");
    assert.equal((await agent.get(`/api/v1/users/${ids.zhangsan}`)).status, 200);
    const change = await agent
      .patch(`/api/v1/users/${ids.zhangsan}`)
      .set("if-match", '"1"')
      .send({ displayName: "改名" });
    assert.equal(change.status, 403, "view only");
  } finally {
    restore();
  }
});

test("a scoped admin with users.manage changes people in its subtree only, and cannot move them out", async () => {
  const { agent, restore } = await scopedAdmin(tech.id, ["users.manage"]);
  try {
    const inside = await agent.post("/api/v1/users").send({
      username: username("in"),
      displayName: "组员",
      memberships: [{ departmentId: platform.id }],
    });
    assert.equal(inside.status, 201, inside.text);
    const outside = await agent.post("/api/v1/users").send({
      username: username("out"),
      displayName: "外部",
      memberships: [{ departmentId: sales.id }],
    });
    assert.equal(outside.status, 403);
    const nowhere = await agent.post("/api/v1/users").send({ username: username("none"), displayName: "无部门" });
    assert.equal(nowhere.status, 403);
    const moveOut = await agent
      .put(`/api/v1/users/${inside.body.user.id}/memberships`)
      .set("if-match", `"${inside.body.user.version}"`)
      .send([{ departmentId: sales.id }]);
    assert.equal(moveOut.status, 403);
    const disable = await agent.post(`/api/v1/users/${inside.body.user.id}/disable`);
    assert.equal(disable.status, 200);
    assert.equal(disable.body.status, "disabled");
    assert.equal((await agent.post(`/api/v1/users/${ids.lisi}/disable`)).status, 404);
  } finally {
    restore();
  }
});
