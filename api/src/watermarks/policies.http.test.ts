import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, test } from "node:test";
import { abilityFor, type AppRule } from "../../../policies/ability";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { orgApi, overrideAbilities, userAgent } from "../orgs/test-support";
import { makeDepartment, makeDimension, makeTenant } from "../users/test-fixtures";
import { type Agent, clearPolicies, createPolicy, patchPolicy, policyBody, STYLE } from "./test-fixtures";

/** Watermark policies through the HTTP API on a real database: CRUD, validation, If-Match, audit, duties. */
let app: TestApp;
let sec: Agent;
let sys: Agent;
let finance: string;
before(async () => {
  app = await startTestApp();
  sec = await app.signIn("secadmin");
  sys = await app.signIn("sysadmin");
  const org = orgApi(sys);
  finance = (await org.dept(await org.dimension("wm-crud"), "财务部")).id;
});
after(() => app?.close());

const lastEvent = (action: string) =>
  app.database.db
    .selectFrom("audit_events")
    .select(["result", "target_id", "detail", "actor_role"])
    .where("action", "=", action)
    .orderBy("seq", "desc")
    .executeTakeFirstOrThrow();

test("create, read, update with If-Match, delete: each change audited with before and after", async () => {
  const created = await sec.post("/api/v1/watermarks").send(
    policyBody({
      name: "财务部外部群",
      priority: 5,
      scope: { departments: [finance], apps: ["im"], contexts: ["external-group"] },
      validFrom: "2026-01-01T00:00:00+08:00",
      template: "{name} {phoneLast4}\n{date} {text}",
      customText: "内部资料",
    }),
  );
  assert.equal(created.status, 201, created.text);
  assert.equal(created.headers.etag, '"1"');
  assert.equal(created.headers.location, `/api/v1/watermarks/${created.body.id}`);
  assert.deepEqual(created.body.scope, { departments: [finance], apps: ["im"], contexts: ["external-group"] });
  assert.equal(created.body.validFrom, "2025-12-31T16:00:00.000Z", "stored and returned in UTC");
  assert.equal(created.body.validTo, null);
  assert.deepEqual(created.body.style, STYLE);
  const id = created.body.id as string;
  const createdEvent = await lastEvent("watermark.create");
  assert.equal(createdEvent.target_id, id);
  assert.equal(createdEvent.actor_role, "secadmin");
  assert.equal((createdEvent.detail as { after: { name: string } }).after.name, "财务部外部群");

  const read = await sec.get(`/api/v1/watermarks/${id}`);
  assert.equal(read.status, 200);
  assert.deepEqual(read.body, created.body);

  const noIfMatch = await sec.patch(`/api/v1/watermarks/${id}`).send({ priority: 6 });
  assert.equal(noIfMatch.status, 428);
  const updated = await sec
    .patch(`/api/v1/watermarks/${id}`)
    .set("if-match", '"1"')
    .send({ priority: 6, style: { ...STYLE, visible: false } });
  assert.equal(updated.status, 200, updated.text);
  assert.equal(updated.headers.etag, '"2"');
  assert.equal(updated.body.priority, 6);
  assert.equal(updated.body.style.visible, false);
  assert.equal(updated.body.template, "{name} {phoneLast4}\n{date} {text}", "fields not sent are kept");
  const updateEvent = await lastEvent("watermark.update");
  const detail = updateEvent.detail as { before: { priority: number }; after: { priority: number } };
  assert.deepEqual([detail.before.priority, detail.after.priority], [5, 6]);

  const failures = await auditCount(app, { action: "watermark.update", result: "failure" });
  const stale = await sec.patch(`/api/v1/watermarks/${id}`).set("if-match", '"1"').send({ priority: 7 });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.code, "VERSION_CONFLICT");
  assert.ok(stale.body.zh);
  assert.equal(await auditCount(app, { action: "watermark.update", result: "failure" }), failures + 1);
  assert.equal((await sec.get(`/api/v1/watermarks/${id}`)).body.priority, 6, "the stale change did not apply");

  assert.equal((await sec.delete(`/api/v1/watermarks/${id}`).set("if-match", '"1"')).status, 409);
  assert.equal((await sec.delete(`/api/v1/watermarks/${id}`)).status, 428);
  assert.equal((await sec.delete(`/api/v1/watermarks/${id}`).set("if-match", '"2"')).status, 204);
  assert.equal((await sec.get(`/api/v1/watermarks/${id}`)).status, 404);
  assert.equal((await lastEvent("watermark.delete")).target_id, id);
});

test("invalid policies are refused field by field, in English and Chinese, and nothing is saved", async () => {
  const otherTenant = await makeTenant(app.database.db);
  const foreign = await makeDepartment(app.database.db, {
    tenantId: otherTenant,
    dimensionId: await makeDimension(app.database.db, otherTenant),
  });
  const cases: [string, Record<string, unknown>, string][] = [
    ["unknown field", { template: "{name} {salary}" }, "body.template"],
    ["empty template", { template: "  " }, "body.template"],
    ["five lines", { template: "a\nb\nc\nd\ne" }, "body.template"],
    ["colour", { style: { ...STYLE, color: "red" } }, "body.style.color"],
    ["opacity", { style: { ...STYLE, opacity: 1.5 } }, "body.style.opacity"],
    ["rotation", { style: { ...STYLE, rotate: 120 } }, "body.style.rotate"],
    ["font size", { style: { ...STYLE, fontSize: 4 } }, "body.style.fontSize"],
    ["gap", { style: { ...STYLE, gapX: -1 } }, "body.style.gapX"],
    ["period", { validFrom: "2026-02-01T00:00:00Z", validTo: "2026-01-01T00:00:00Z" }, "body.validTo"],
    ["context", { scope: { contexts: ["fax"] } }, "body.scope.contexts.0"],
    ["unknown department", { scope: { departments: [crypto.randomUUID()] } }, "body.scope.departments"],
    ["another tenant's department", { scope: { departments: [foreign.id] } }, "body.scope.departments"],
    ["twice the same app", { scope: { apps: ["im", "im"] } }, "body.scope.apps"],
    ["unknown property", { watermark: true }, "body"],
  ];
  const count = async () => (await sec.get("/api/v1/watermarks")).headers["x-total-count"];
  const before = await count();
  for (const [name, over, path] of cases) {
    const res = await sec.post("/api/v1/watermarks").send(policyBody(over));
    assert.equal(res.status, 400, `${name}: ${res.text}`);
    assert.ok(
      (res.body.errors as { path: string; zh: string }[]).some((e) => e.path === path && e.zh),
      `${name}: ${JSON.stringify(res.body.errors)}`,
    );
  }
  assert.equal(await count(), before);
  const template = await sec.post("/api/v1/watermarks").send(policyBody({ template: "{salary}" }));
  assert.match(template.body.errors[0].zh, /未知字段 \{salary\}/);

  // An update is validated whole: a new start after the stored end is refused.
  const p = await createPolicy(sec, { validFrom: "2026-01-01T00:00:00Z", validTo: "2026-02-01T00:00:00Z" });
  const later = await patchPolicy(sec, p.id, { validFrom: "2026-03-01T00:00:00Z" });
  assert.equal(later.status, 400);
  assert.equal(later.body.errors[0].path, "body.validTo");

  const named = await createPolicy(sec, { name: "重名策略" });
  const twice = await sec.post("/api/v1/watermarks").send(policyBody({ name: "重名策略" }));
  assert.equal(twice.status, 409);
  assert.equal(twice.body.code, "WATERMARK_NAME_TAKEN");
  assert.equal((await patchPolicy(sec, p.id, { name: "重名策略" })).status, 409);
  assert.equal((await patchPolicy(sec, named.id, { name: "重名策略" })).status, 200, "its own name is fine");
});

test("the list pages, sorts and filters in SQL, with x-total-count", async () => {
  await clearPolicies(sec);
  await createPolicy(sec, { name: "L-全员", priority: 1 });
  await createPolicy(sec, { name: "L-财务", priority: 9, scope: { departments: [finance] } });
  await createPolicy(sec, { name: "L-外部群", priority: 5, scope: { contexts: ["external-group"], apps: ["im"] } });
  await createPolicy(sec, { name: "L-停用", priority: 3, enabled: false, scope: { contexts: ["screen-share"] } });
  const names = async (query: Record<string, string | number>) => {
    const res = await sec.get("/api/v1/watermarks").query(query);
    assert.equal(res.status, 200, res.text);
    return { names: (res.body as { name: string }[]).map((p) => p.name), total: res.headers["x-total-count"] };
  };
  assert.deepEqual(await names({}), { names: ["L-财务", "L-外部群", "L-停用", "L-全员"], total: "4" });
  assert.deepEqual(await names({ _start: 1, _end: 3 }), { names: ["L-外部群", "L-停用"], total: "4" });
  assert.deepEqual((await names({ _sort: "priority", _order: "asc" })).names[0], "L-全员");
  assert.deepEqual((await names({ enabled: "false" })).names, ["L-停用"]);
  assert.deepEqual((await names({ context: "external-group" })).names, ["L-财务", "L-外部群", "L-全员"]);
  assert.deepEqual((await names({ departmentId: finance })).names, ["L-财务"]);
  assert.deepEqual((await names({ appId: "im" })).names, ["L-外部群"]);
  assert.deepEqual((await names({ q: "财务" })).names, ["L-财务"]);
  assert.equal((await sec.get("/api/v1/watermarks").query({ _sort: "template" })).status, 400);
});

test("only secadmin manages watermarks (三员分立); denials audited; another tenant's policy is not found", async () => {
  const p = await createPolicy(sec);
  for (const role of ["sysadmin", "auditadmin"] as const) {
    const agent = await app.signIn(role);
    const denied = await auditCount(app, { action: "authz.denied" });
    assert.equal((await agent.get("/api/v1/watermarks")).status, 403, role);
    assert.equal((await agent.post("/api/v1/watermarks").send(policyBody())).status, 403, role);
    assert.equal((await agent.delete(`/api/v1/watermarks/${p.id}`).set("if-match", '"1"')).status, 403, role);
    assert.equal((await agent.post("/api/v1/watermarks/trace").send({ code: "x" })).status, 403, role);
    assert.equal(await auditCount(app, { action: "authz.denied" }), denied + 4, role);
  }
  assert.equal((await app.http.get("/api/v1/watermarks")).status, 401);

  // A secadmin of another tenant sees its own (empty) list, and this tenant's policy as absent.
  const tenantId = await makeTenant(app.database.db);
  const other = await userAgent(app, tenantId, `wm-sec-${Date.now()}`);
  overrideAbilities(app).set(other.id, abilityFor("secadmin").rules as AppRule[]);
  assert.equal((await other.agent.get(`/api/v1/watermarks/${p.id}`)).status, 404);
  assert.deepEqual((await other.agent.get("/api/v1/watermarks")).body, []);
  assert.equal(
    (await other.agent.patch(`/api/v1/watermarks/${p.id}`).set("if-match", '"1"').send({ priority: 1 })).status,
    404,
  );
  assert.equal((await other.agent.delete(`/api/v1/watermarks/${p.id}`).set("if-match", '"1"')).status, 404);
  assert.equal((await sec.get(`/api/v1/watermarks/${p.id}`)).status, 200, "still there");
});
