import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type supertest from "supertest";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { type DepartmentFixture, makeDepartment, makeDimension, makePost, makeTenant, username } from "./test-fixtures";

let app: TestApp;
let sys: ReturnType<typeof supertest.agent>;
let dim: string;
let dim2: string;
let root: DepartmentFixture;
let child: DepartmentFixture;
let other: DepartmentFixture;
before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
  const t = app.platformTenantId;
  dim = await makeDimension(app.database.db, t);
  dim2 = await makeDimension(app.database.db, t);
  root = await makeDepartment(app.database.db, { tenantId: t, dimensionId: dim, name: "总部" });
  child = await makeDepartment(app.database.db, { tenantId: t, dimensionId: dim, parent: root, name: "技术部" });
  other = await makeDepartment(app.database.db, { tenantId: t, dimensionId: dim2, name: "党委" });
});
after(() => app?.close());

const create = (body: Record<string, unknown>) => sys.post("/api/v1/users").send(body);

test("create: 201 with a one-time password once, personal data sealed and masked, audited, in the feed", async () => {
  const feedBefore = await app.database.db.selectFrom("org_changes").select("seq").execute();
  const res = await create({
    username: username("zhang"),
    displayName: "张三丰",
    employeeNo: "E1001",
    phone: "+86 138-1234-5678",
    email: "Zhang.San@Example.cn",
    memberships: [{ departmentId: child.id, title: "工程师" }],
  });
  assert.equal(res.status, 201, res.text);
  const { user, oneTimePassword } = res.body;
  assert.match(oneTimePassword, /^.{20}$/);
  assert.equal(user.phone, "138****5678");
  assert.equal(user.email, "z***@example.cn");
  assert.equal(user.mustChangePassword, true);
  assert.equal(user.status, "active");
  assert.equal(user.memberships.length, 1);
  assert.equal(user.memberships[0].isPrimary, true, "the only membership of a dimension is its primary");
  assert.equal(user.memberships[0].departmentName, "技术部");
  assert.equal(res.headers.etag, `"${user.version}"`);

  const row = await app.database.db.selectFrom("users").selectAll().where("id", "=", user.id).executeTakeFirstOrThrow();
  assert.ok(row.phone_enc?.startsWith("v3."), "phone encrypted at rest");
  assert.ok(!JSON.stringify(row).includes("13812345678"), "no clear phone anywhere in the row");
  assert.equal(row.phone_bidx, app.services.fields.blindIndex("phone", "13812345678"));
  assert.equal(row.phone_last4, "5678");
  assert.equal(row.email_bidx, app.services.fields.blindIndex("email", "zhang.san@example.cn"));
  assert.equal(row.name_pinyin, "zhangsanfeng");
  assert.equal(row.name_initials, "zsf");

  const audit = await app.database.db
    .selectFrom("audit_events")
    .selectAll()
    .where("action", "=", "user.create")
    .where("target_id", "=", user.id)
    .executeTakeFirstOrThrow();
  const text = JSON.stringify(audit.detail);
  assert.ok(text.includes("138****5678") && !text.includes("13812345678"), "audit detail masks the phone");
  assert.ok(!text.includes(oneTimePassword), "the one-time password is never audited");

  const feed = await app.database.db
    .selectFrom("org_changes")
    .selectAll()
    .where("seq", ">", feedBefore.at(-1)?.seq ?? "0")
    .execute();
  assert.deepEqual(feed.map((f) => `${f.entity}:${f.op}`).sort(), ["membership:created", "user:created"]);
  const feedText = JSON.stringify(feed.map((f) => f.data));
  assert.ok(
    !feedText.includes("张三丰") && !feedText.includes("5678") && !feedText.includes("example"),
    "no personal data in the feed",
  );
});

test("the new account signs in with its one-time password and must change it first", async () => {
  const name = username("first");
  const { body } = await create({ username: name, displayName: "初次" });
  const agent = (await import("supertest")).default.agent(app.app);
  const login = await agent.post("/api/v1/auth/login").send({ username: name, password: body.oneTimePassword });
  assert.equal(login.status, 200, login.text);
  assert.equal(login.body.mustChangePassword, true);
  const blocked = await agent.get("/api/v1/auth/sessions");
  assert.equal(blocked.status, 403);
  assert.equal(blocked.body.code, "PASSWORD_CHANGE_REQUIRED");
});

test("bad input: phone, e-mail, unknown fields, long names — 400 with field errors, nothing written", async () => {
  const before = await app.database.db.selectFrom("users").select("id").execute();
  const bad = await create({ username: username(), displayName: "坏", phone: "12345678901", email: "not-an-email" });
  assert.equal(bad.status, 400);
  assert.deepEqual(
    bad.body.errors.map((e: { path: string }) => e.path),
    ["body.phone", "body.email"],
  );
  assert.match(bad.body.errors[0].zh, /手机号/);
  assert.equal((await create({ username: username(), displayName: "x", role: "sysadmin" })).status, 400);
  assert.equal((await create({ username: "空 格", displayName: "x" })).status, 400);
  assert.equal((await create({ username: username(), displayName: "长".repeat(101) })).status, 400);
  assert.equal((await create({ username: username(), displayName: "x", clearanceLevel: 10 })).status, 400);
  const after = await app.database.db.selectFrom("users").select("id").execute();
  assert.equal(after.length, before.length);
});

test("duplicate employee number and username: 409 with a clear message; a deleted holder frees the number", async () => {
  const first = await create({ username: username(), displayName: "甲", employeeNo: "DUP-1" });
  assert.equal(first.status, 201);
  const dup = await create({ username: username(), displayName: "乙", employeeNo: "DUP-1" });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.code, "EMPLOYEE_NO_TAKEN");
  assert.match(dup.body.detail, /DUP-1/);
  assert.match(dup.body.zh, /工号/);
  const sameName = await create({ username: first.body.user.username.toUpperCase(), displayName: "丙" });
  assert.equal(sameName.status, 409);
  assert.equal(sameName.body.code, "USERNAME_TAKEN");
  const del = await sys.delete(`/api/v1/users/${first.body.user.id}`).set("if-match", `"${first.body.user.version}"`);
  assert.equal(del.status, 204);
  assert.equal((await create({ username: username(), displayName: "丁", employeeNo: "DUP-1" })).status, 201);
});

test("memberships: one primary per dimension, posts and titles, disabled and foreign departments refused", async () => {
  const post = await makePost(app.database.db, app.platformTenantId);
  const { body } = await create({ username: username(), displayName: "多部门" });
  const put = (memberships: unknown[], version: number) =>
    sys.put(`/api/v1/users/${body.user.id}/memberships`).set("if-match", `"${version}"`).send(memberships);

  const twoNoPrimary = await put([{ departmentId: root.id }, { departmentId: child.id }], body.user.version);
  assert.equal(twoNoPrimary.status, 400);
  assert.equal(twoNoPrimary.body.code, "INVALID_MEMBERSHIPS");
  const twoPrimaries = await put(
    [
      { departmentId: root.id, isPrimary: true },
      { departmentId: child.id, isPrimary: true },
    ],
    body.user.version,
  );
  assert.equal(twoPrimaries.status, 400);

  const ok = await put(
    [
      { departmentId: root.id, isPrimary: true, postId: post.id, title: "主任", sortOrder: 3 },
      { departmentId: child.id },
      { departmentId: other.id },
    ],
    body.user.version,
  );
  assert.equal(ok.status, 200, ok.text);
  const byDept = new Map(ok.body.memberships.map((m: { departmentId: string }) => [m.departmentId, m]));
  assert.deepEqual(byDept.get(root.id), {
    departmentId: root.id,
    departmentName: "总部",
    dimensionId: dim,
    isPrimary: true,
    postId: post.id,
    postName: post.name,
    title: "主任",
    sortOrder: 3,
  });
  assert.equal((byDept.get(other.id) as { isPrimary: boolean }).isPrimary, true, "its own dimension's only one");
  assert.equal(ok.body.version, body.user.version + 1);

  // The primary moves from root to child in one request (the one-primary index holds throughout).
  const moved = await put(
    [
      { departmentId: root.id, isPrimary: false },
      { departmentId: child.id, isPrimary: true },
    ],
    ok.body.version,
  );
  assert.equal(moved.status, 200, moved.text);
  assert.deepEqual(
    moved.body.memberships.map((m: { departmentId: string; isPrimary: boolean }) => [m.departmentId, m.isPrimary]),
    [
      [child.id, true],
      [root.id, false],
    ],
  );

  const disabled = await makeDepartment(app.database.db, {
    tenantId: app.platformTenantId,
    dimensionId: dim,
    status: "disabled",
  });
  const refused = await put([{ departmentId: disabled.id }], moved.body.version);
  assert.equal(refused.status, 400);
  assert.match(refused.body.errors[0].zh, /停用/);

  const foreignTenant = await makeTenant(app.database.db);
  const foreignDim = await makeDimension(app.database.db, foreignTenant);
  const foreign = await makeDepartment(app.database.db, { tenantId: foreignTenant, dimensionId: foreignDim });
  const notFound = await put([{ departmentId: foreign.id }], moved.body.version);
  assert.equal(notFound.status, 404);
  assert.equal(notFound.body.code, "DEPARTMENT_NOT_FOUND");
  const stillThere = await sys.get(`/api/v1/users/${body.user.id}`);
  assert.equal(stillThere.body.memberships.length, 2, "nothing written by the refused requests");
});

test("optimistic concurrency: stale If-Match 409, missing 428, and a GET gives the ETag", async () => {
  const { body } = await create({ username: username(), displayName: "并发" });
  const got = await sys.get(`/api/v1/users/${body.user.id}`);
  assert.equal(got.headers.etag, `"${body.user.version}"`);
  const first = await sys
    .patch(`/api/v1/users/${body.user.id}`)
    .set("if-match", got.headers.etag)
    .send({ displayName: "并发甲" });
  assert.equal(first.status, 200);
  const second = await sys
    .patch(`/api/v1/users/${body.user.id}`)
    .set("if-match", got.headers.etag)
    .send({ displayName: "并发乙" });
  assert.equal(second.status, 409);
  assert.equal(second.body.code, "VERSION_CONFLICT");
  const missing = await sys.patch(`/api/v1/users/${body.user.id}`).send({ displayName: "并发丙" });
  assert.equal(missing.status, 428);
  const now = await sys.get(`/api/v1/users/${body.user.id}`);
  assert.equal(now.body.displayName, "并发甲");
});

test("patch: name keys follow the display name, phone cleared, employee number change checked", async () => {
  const { body } = await create({ username: username(), displayName: "李四", phone: "13900001111", employeeNo: "P-1" });
  const res = await sys
    .patch(`/api/v1/users/${body.user.id}`)
    .set("if-match", `"${body.user.version}"`)
    .send({
      displayName: "欧阳娜娜",
      phone: null,
      email: "nana@example.com",
      attributes: { level: "A", remote: true },
    });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.phone, null);
  assert.equal(res.body.email, "n***@example.com");
  assert.deepEqual(res.body.attributes, { level: "A", remote: true });
  const row = await app.database.db
    .selectFrom("users")
    .selectAll()
    .where("id", "=", body.user.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.name_pinyin, "ouyangnana");
  assert.equal(row.name_initials, "oynn");
  assert.equal(row.phone_enc, null);
  assert.equal(row.phone_bidx, null);
  assert.equal(row.phone_last4, null);
  await create({ username: username(), displayName: "占号", employeeNo: "P-2" });
  const clash = await sys
    .patch(`/api/v1/users/${body.user.id}`)
    .set("if-match", `"${res.body.version}"`)
    .send({ employeeNo: "P-2" });
  assert.equal(clash.status, 409);
  assert.equal(clash.body.code, "EMPLOYEE_NO_TAKEN");
  assert.equal(
    (await sys.patch(`/api/v1/users/${body.user.id}`).set("if-match", `"${res.body.version}"`).send({ username: "x" }))
      .status,
    400,
  );
});

test("personal data in the clear: sysadmin only, every view audited; secadmin refused and the denial audited", async () => {
  const { body } = await create({
    username: username(),
    displayName: "王五",
    phone: "13700001234",
    email: "wang@example.org",
  });
  const before = await auditCount(app, { action: "user.personal_data.view", result: "success" });
  const res = await sys.get(`/api/v1/users/${body.user.id}/personal-data`);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { phone: "13700001234", email: "wang@example.org" });
  assert.equal(await auditCount(app, { action: "user.personal_data.view", result: "success" }), before + 1);

  const sec = await app.signIn("secadmin");
  const listed = await sec.get(`/api/v1/users/${body.user.id}`);
  assert.equal(listed.status, 200, "secadmin reads the directory");
  assert.equal(listed.body.phone, "137****1234");
  const deniedBefore = await auditCount(app, { action: "user.personal_data.view", result: "denied" });
  const denied = await sec.get(`/api/v1/users/${body.user.id}/personal-data`);
  assert.equal(denied.status, 403);
  assert.equal(await auditCount(app, { action: "user.personal_data.view", result: "denied" }), deniedBefore + 1);
  assert.equal((await sec.post("/api/v1/users").send({ username: username(), displayName: "x" })).status, 403);
  const audit = await app.signIn("auditadmin");
  assert.equal((await audit.get("/api/v1/users")).status, 403, "auditadmin does not read the directory");
});

test("tenant isolation: another tenant's account answers 404 everywhere and never appears in lists", async () => {
  const t2 = await makeTenant(app.database.db);
  const foreign = await app.database.db
    .insertInto("users")
    .values({ tenant_id: t2, username: "foreigner", display_name: "外人", password_hash: "!x" })
    .returning("id")
    .executeTakeFirstOrThrow();
  assert.equal((await sys.get(`/api/v1/users/${foreign.id}`)).status, 404);
  assert.equal((await sys.get(`/api/v1/users/${foreign.id}/personal-data`)).status, 404);
  assert.equal(
    (await sys.patch(`/api/v1/users/${foreign.id}`).set("if-match", '"1"').send({ displayName: "x" })).status,
    404,
  );
  assert.equal((await sys.post(`/api/v1/users/${foreign.id}/disable`)).status, 404);
  assert.equal((await sys.delete(`/api/v1/users/${foreign.id}`).set("if-match", '"1"')).status, 404);
  const list = await sys.get("/api/v1/users?q=foreigner");
  assert.equal(list.body.length, 0);
});
