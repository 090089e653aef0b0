import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { type Agent, etag, orgApi, overrideAbilities, sysadminRules, userAgent } from "./test-support";

let app: TestApp;
let sys: Agent;
before(async () => {
  app = await startTestApp();
  overrides = overrideAbilities(app);
  sys = await app.signIn("sysadmin");
});
after(() => app?.close());
let overrides: ReturnType<typeof overrideAbilities>;

async function createTenant(
  code: string,
): Promise<{ id: string; admins: { role: string; username: string; oneTimePassword: string }[] }> {
  const res = await sys.post("/api/v1/tenants").send({ code, name: `租户${code}` });
  assert.equal(res.status, 201, res.text);
  return { id: res.body.tenant.id, admins: res.body.admins };
}

/** An account of `tenantId` holding the sysadmin duties, as that tenant's own sysadmin would. */
async function tenantSysadmin(tenantId: string, username: string): Promise<Agent> {
  const { id, agent } = await userAgent(app, tenantId, username);
  overrides.set(id, sysadminRules());
  return agent;
}

describe("the platform sysadmin manages tenants", () => {
  test("creating a tenant creates its three admins with one-time passwords that sign in", async () => {
    const t = await createTenant("acme");
    assert.deepEqual(
      t.admins.map((a) => a.role),
      ["sysadmin", "secadmin", "auditadmin"],
    );
    for (const a of t.admins) {
      const login = await app.http
        .post("/api/v1/auth/login")
        .send({ username: a.username, password: a.oneTimePassword, tenant: "acme" });
      assert.equal(login.status, 200, login.text);
      assert.equal(login.body.role, a.role);
      assert.equal(login.body.mustChangePassword, true);
      assert.equal(login.body.user.tenantId, t.id);
    }
    const audit = await app.database.db
      .selectFrom("audit_events")
      .select(["action", "actor_name"])
      .where("tenant_id", "=", t.id)
      .where("action", "=", "tenant.admin.create")
      .execute();
    assert.equal(audit.length, 3);
    assert.ok(audit.every((a) => a.actor_name === "sysadmin"));
    const dup = await sys.post("/api/v1/tenants").send({ code: "acme", name: "又一个" });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, "TENANT_CODE_TAKEN");
    const bad = await sys.post("/api/v1/tenants").send({ code: "Bad Code", name: "x" });
    assert.equal(bad.status, 400);
  });

  test("list, read with ETag, rename with If-Match, disable signs the tenant out, enable", async () => {
    const t = await createTenant("beta");
    const list = await sys.get("/api/v1/tenants").query({ _start: 0, _end: 50 });
    assert.equal(list.status, 200);
    assert.ok(list.body.some((x: { id: string }) => x.id === t.id));
    assert.ok(list.body.some((x: { id: string; platform: boolean }) => x.id === app.platformTenantId && x.platform));
    const got = await sys.get(`/api/v1/tenants/${t.id}`);
    const renamed = await sys.patch(`/api/v1/tenants/${t.id}`).set("if-match", etag(got)).send({ name: "贝塔" });
    assert.equal(renamed.status, 200);
    const stale = await sys.patch(`/api/v1/tenants/${t.id}`).set("if-match", etag(got)).send({ name: "旧" });
    assert.equal(stale.status, 409);

    const member = await userAgent(app, t.id, "beta-user");
    assert.equal((await member.agent.get("/api/v1/auth/me")).status, 200);
    const disabled = await sys.post(`/api/v1/tenants/${t.id}/disable`).set("if-match", `"${renamed.body.version}"`);
    assert.equal(disabled.status, 200, disabled.text);
    assert.equal(disabled.body.status, "disabled");
    assert.equal((await member.agent.get("/api/v1/auth/me")).status, 401, "sessions revoked");
    const enabled = await sys.post(`/api/v1/tenants/${t.id}/enable`).set("if-match", `"${disabled.body.version}"`);
    assert.equal(enabled.status, 200);
    assert.equal(enabled.body.status, "active");

    const platform = await sys.get(`/api/v1/tenants/${app.platformTenantId}`);
    const self = await sys.post(`/api/v1/tenants/${app.platformTenantId}/disable`).set("if-match", etag(platform));
    assert.equal(self.status, 400);
    assert.equal(self.body.code, "PLATFORM_TENANT");
  });
});

test("the tenant list searches name and code, filters by status, sorts and pages", async () => {
  const ids: Record<string, string> = {};
  for (const code of ["zeta-a", "zeta-b", "zeta-c"]) ids[code] = (await createTenant(code)).id;
  const b = await sys.get(`/api/v1/tenants/${ids["zeta-b"]}`);
  assert.equal((await sys.post(`/api/v1/tenants/${ids["zeta-b"]}/disable`).set("if-match", etag(b))).status, 200);
  const list = (query: Record<string, string | number>) => sys.get("/api/v1/tenants").query({ q: "zeta", ...query });
  const codes = (res: { body: { code: string }[] }) => res.body.map((t) => t.code);
  const all = await list({ _sort: "code", _order: "desc" });
  assert.deepEqual(codes(all), ["zeta-c", "zeta-b", "zeta-a"]);
  assert.equal(all.headers["x-total-count"], "3");
  assert.deepEqual(codes(await list({ status: "disabled" })), ["zeta-b"]);
  const active = await list({ status: "active", _sort: "code", _order: "asc", _start: 1, _end: 2 });
  assert.deepEqual(codes(active), ["zeta-c"]);
  assert.equal(active.headers["x-total-count"], "2");
  assert.deepEqual(codes(await list({ q: "租户zeta-a" })), ["zeta-a"], "the name matches too");
});

describe("another tenant's sysadmin", () => {
  test("sees only its own tenant; the platform's answers 404; creating or disabling tenants is refused", async () => {
    const t = await createTenant("gamma");
    const admin = await tenantSysadmin(t.id, "gamma-admin");
    const list = await admin.get("/api/v1/tenants");
    assert.deepEqual(
      list.body.map((x: { id: string }) => x.id),
      [t.id],
    );
    assert.equal((await admin.get(`/api/v1/tenants/${app.platformTenantId}`)).status, 404);
    const create = await admin.post("/api/v1/tenants").send({ code: "sneaky", name: "x" });
    assert.equal(create.status, 403);
    assert.equal(create.body.code, "PLATFORM_ONLY");
    const own = await admin.get(`/api/v1/tenants/${t.id}`);
    assert.equal(own.status, 200);
    assert.equal((await admin.post(`/api/v1/tenants/${t.id}/disable`).set("if-match", etag(own))).status, 403);
    const rename = await admin.patch(`/api/v1/tenants/${t.id}`).set("if-match", etag(own)).send({ name: "伽马" });
    assert.equal(rename.status, 200);
  });

  test("the platform tenant's org ids answer 404 in every org endpoint", async () => {
    const t = await createTenant("delta");
    const admin = await tenantSysadmin(t.id, "delta-admin");
    const api = orgApi(sys);
    const dim = await api.dimension("platform-dim");
    const dept = await api.dept(dim, "平台部门");
    const post = await sys.post("/api/v1/posts").send({ code: "P1", name: "岗位" });
    const tag = `"${dept.version}"`;
    for (const res of [
      await admin.get(`/api/v1/departments/${dept.id}`),
      await admin.patch(`/api/v1/departments/${dept.id}`).set("if-match", tag).send({ name: "x" }),
      await admin.delete(`/api/v1/departments/${dept.id}`).set("if-match", tag),
      await admin.post(`/api/v1/departments/${dept.id}/disable`).set("if-match", tag),
      await admin.get(`/api/v1/dimensions/${dim}`),
      await admin.get(`/api/v1/departments/tree`).query({ dimensionId: dim }),
      await admin.post("/api/v1/departments").send({ dimensionId: dim, parentId: null, name: "x" }),
      await admin.get(`/api/v1/posts/${post.body.id}`),
      await admin.delete(`/api/v1/posts/${post.body.id}`).set("if-match", '"1"'),
    ]) {
      assert.equal(res.status, 404, res.text);
    }
    const ownDim = orgApi(admin);
    const theirs = await ownDim.dimension("own");
    const mine = await ownDim.dept(theirs, "自己的");
    const move = await admin
      .post(`/api/v1/departments/${mine.id}/move`)
      .set("if-match", `"${mine.version}"`)
      .send({ parentId: dept.id });
    assert.equal(move.status, 404);
    const lists = await Promise.all([
      admin.get("/api/v1/departments"),
      admin.get("/api/v1/dimensions"),
      admin.get("/api/v1/posts"),
    ]);
    assert.deepEqual(
      lists.map((l) => l.body.length),
      [1, 1, 0],
    );
    assert.equal((await sys.get(`/api/v1/departments/${dept.id}`)).body.status, "active", "untouched");
  });
});
