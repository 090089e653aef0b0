import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, test } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { orgApi, plainUser } from "../orgs/test-support";
import { makeTenant, username } from "../users/test-fixtures";
import { type Agent, clearPolicies, createPolicy, patchPolicy } from "./test-fixtures";

/**
 * The effective watermark and the tester through the HTTP API on a real database: resolution over
 * departments, apps, contexts, priority and period; the ETag and 304; API clients and their scope.
 */
let app: TestApp;
let sec: Agent;
let sys: Agent;
const dept: Record<"root" | "finance" | "payroll" | "rnd", string> = { root: "", finance: "", payroll: "", rnd: "" };
let alice: string;
let bob: string;

async function person(displayName: string, departmentId: string, extra: Record<string, string> = {}) {
  const res = await sys
    .post("/api/v1/users")
    .send({ username: username("wm"), displayName, memberships: [{ departmentId, isPrimary: true }], ...extra });
  assert.equal(res.status, 201, res.text);
  return res.body.user.id as string;
}

before(async () => {
  app = await startTestApp();
  sec = await app.signIn("secadmin");
  sys = await app.signIn("sysadmin");
  const org = orgApi(sys);
  const dim = await org.dimension("wm-eff");
  dept.root = (await org.dept(dim, "总部")).id;
  dept.finance = (await org.dept(dim, "财务部", dept.root)).id;
  dept.payroll = (await org.dept(dim, "薪酬组", dept.finance)).id;
  dept.rnd = (await org.dept(dim, "研发部", dept.root)).id;
  alice = await person("艾丽丝", dept.payroll, { phone: "13800138000", employeeNo: "E1001" });
  bob = await person("鲍勃", dept.rnd);
});
after(() => app?.close());

type Query = { userId: string; appId?: string; context?: string; format?: string };
const effective = (q: Query, agent: Agent = sec) => agent.get("/api/v1/watermarks/effective").query(q);

async function chosen(q: Query): Promise<string | null> {
  const res = await effective(q);
  assert.equal(res.status, 200, res.text);
  return res.body.policy?.name ?? null;
}

test("resolution through the API: department subtree, app and context, priority, period", async () => {
  await clearPolicies(sec);
  assert.equal(await chosen({ userId: alice }), null, "no policy: nothing to draw");
  await createPolicy(sec, { name: "全员", template: "{name}" });
  await createPolicy(sec, {
    name: "财务",
    scope: { departments: [dept.finance] },
    template: "{name} {phoneLast4}\n{department} {employeeNo} {text}",
    customText: "机密",
  });
  await createPolicy(sec, {
    name: "外部群",
    scope: { apps: ["im"], contexts: ["external-group"] },
    template: "外 {name}",
  });
  await createPolicy(sec, { name: "关闭的", priority: 100, enabled: false });
  await createPolicy(sec, { name: "已过期", priority: 100, validTo: "2020-01-01T00:00:00Z" });
  const future = await createPolicy(sec, { name: "将来", priority: 50, validFrom: "2099-01-01T00:00:00Z" });

  const res = await effective({ userId: alice });
  assert.equal(res.body.policy.name, "财务", "a department subtree beats the tenant-wide policy");
  assert.deepEqual(res.body.lines, ["艾丽丝 8000", "薪酬组 E1001 机密"], "filled; only the last 4 phone digits");
  assert.doesNotMatch(JSON.stringify(res.body), /13800138000/);
  assert.match(res.body.svg, /^<svg /);
  assert.match(res.body.svg, /艾丽丝 8000/);
  assert.ok(res.body.svg.includes(res.body.traceCode), "the tile carries the trace code");
  assert.match(res.body.traceCode, /^[0-9A-HJKMNP-TV-Z]{20}$/);
  assert.match(res.body.textMark, /^[\u200c\u200d]{96}\u2060$/);
  assert.equal(await chosen({ userId: bob }), "全员", "outside the finance subtree");
  assert.equal(await chosen({ userId: alice, appId: "im", context: "external-group" }), "外部群", "two dimensions");
  assert.equal(await chosen({ userId: alice, appId: "mail", context: "external-group" }), "财务", "app must match too");
  assert.equal(await chosen({ userId: bob, appId: "im", context: "chat" }), "全员");

  assert.equal((await patchPolicy(sec, future.id, { validFrom: "2020-01-01T00:00:00Z" })).status, 200);
  assert.equal(await chosen({ userId: alice, appId: "im", context: "external-group" }), "将来", "priority first");
});

test("the tester names the chosen policy, ranks the others with the rule that separated them, and says why the rest do not apply", async () => {
  await clearPolicies(sec);
  await createPolicy(sec, { name: "T-全员" });
  await createPolicy(sec, { name: "T-财务", scope: { departments: [dept.finance] } });
  await createPolicy(sec, { name: "T-薪酬", scope: { departments: [dept.payroll] } });
  await createPolicy(sec, { name: "T-外部群", scope: { contexts: ["external-group"] } });
  await createPolicy(sec, { name: "T-研发", scope: { departments: [dept.rnd] } });
  await createPolicy(sec, { name: "T-将来", validFrom: "2099-01-01T00:00:00Z" });
  await createPolicy(sec, { name: "T-高", priority: 3, scope: { apps: ["mail"] } });
  const res = await sec.post("/api/v1/watermarks/test").send({ userId: alice, context: "chat", appId: "im" });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.chosen.name, "T-薪酬");
  assert.deepEqual(res.body.lines, ["艾丽丝"]);
  assert.deepEqual(
    (res.body.candidates as { name: string; rank: number; depth: number; reason: string }[]).map((c) => [
      c.name,
      c.rank,
      c.depth,
      c.reason,
    ]),
    [
      ["T-薪酬", 1, 3, "chosen"],
      ["T-财务", 2, 2, 'below "T-薪酬": a shallower department matched (level 2 < 3)'],
      ["T-全员", 3, 0, 'below "T-财务": fewer scope dimensions set (0 < 1)'],
    ],
  );
  const excluded = Object.fromEntries(
    (res.body.excluded as { name: string; reason: string }[]).map((e) => [e.name, e.reason]),
  );
  assert.deepEqual(excluded, {
    "T-外部群": "context",
    "T-研发": "department",
    "T-将来": "not-yet-valid",
    "T-高": "app",
  });
  // As at a date in the future period, the future policy competes, and on a tie the newer one wins.
  const later = await sec.post("/api/v1/watermarks/test").send({ userId: bob, at: "2099-06-01T00:00:00Z" });
  assert.equal(later.body.chosen.name, "T-研发");
  assert.equal(later.body.candidates[2].reason, 'below "T-将来": updated less recently');
  const effectiveNow = await effective({ userId: alice, context: "chat", appId: "im" });
  assert.equal(effectiveNow.body.policy.name, res.body.chosen.name, "the tester agrees with what clients get");
  assert.equal((await sec.post("/api/v1/watermarks/test").send({ userId: crypto.randomUUID() })).status, 404);
});

test("the ETag: stable, 304 on If-None-Match, changed by a policy change and by the user's name", async () => {
  await clearPolicies(sec);
  const p = await createPolicy(sec, { name: "E-全员", template: "{name} {employeeNo}" });
  const first = await effective({ userId: alice });
  const etag = first.headers.etag as string;
  assert.match(etag, /^"wm-[A-Za-z0-9_-]+"$/);
  assert.equal(first.body.etag, etag);
  assert.equal(first.headers["cache-control"], "private, no-cache");
  assert.equal((await effective({ userId: alice })).headers.etag, etag, "same inputs, same ETag");
  const cached = await effective({ userId: alice }).set("if-none-match", etag);
  assert.equal(cached.status, 304);
  assert.equal(cached.text, "");
  assert.notEqual((await effective({ userId: bob })).headers.etag, etag, "another user");

  assert.equal((await patchPolicy(sec, p.id, { style: { ...first.body.style, color: "#aa0000" } })).status, 200);
  const restyled = await effective({ userId: alice }).set("if-none-match", etag);
  assert.equal(restyled.status, 200, "the policy changed");
  assert.match(restyled.body.svg, /fill="#aa0000"/);
  const etag2 = restyled.headers.etag as string;
  assert.notEqual(etag2, etag);

  const user = await sys.get(`/api/v1/users/${alice}`);
  const renamed = await sys
    .patch(`/api/v1/users/${alice}`)
    .set("if-match", user.headers.etag as string)
    .send({ displayName: "艾丽丝·王" });
  assert.equal(renamed.status, 200, renamed.text);
  const after = await effective({ userId: alice }).set("if-none-match", etag2);
  assert.equal(after.status, 200, "the user's name changed");
  assert.deepEqual(after.body.lines, ["艾丽丝·王 E1001"]);
  assert.equal((await effective({ userId: alice }).set("if-none-match", after.headers.etag as string)).status, 304);

  const svg = await effective({ userId: alice, format: "svg" });
  assert.equal(svg.status, 200);
  assert.match(svg.headers["content-type"] as string, /^image\/svg\+xml/);
  assert.match(String(svg.body), /艾丽丝·王 E1001/);
  assert.notEqual(svg.headers.etag, after.headers.etag, "each representation has its own ETag");
  assert.equal(
    (await effective({ userId: alice, format: "svg" }).set("if-none-match", svg.headers.etag as string)).status,
    304,
  );
});

test("bad input: unknown user 404, bad context 400, another tenant's user 404", async () => {
  const missing = await effective({ userId: crypto.randomUUID() });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, "USER_NOT_FOUND");
  assert.ok(missing.body.zh);
  const bad = await effective({ userId: alice, context: "fax" });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].path, "query.context");
  assert.equal((await effective({ userId: "not-a-uuid" })).status, 400);
  const elsewhere = await plainUser(app, await makeTenant(app.database.db), username("wm-other"));
  assert.equal((await effective({ userId: elsewhere })).status, 404, "another tenant's account is not found");
});

test("API clients: watermark:read reads the effective watermark and marks text; other scopes and no credentials are refused", async () => {
  await clearPolicies(sec);
  await createPolicy(sec, { name: "C-全员" });
  const client = async (name: string, scopes: string[]) => {
    const res = await sec.post("/api/v1/api-clients").send({ name, scopes });
    assert.equal(res.status, 201, res.text);
    return `Bearer ${res.body.secret}`;
  };
  const reader = await client("即时通讯", ["watermark:read"]);
  const feedOnly = await client("组织同步", ["org:read"]);
  const viaClient = await app.http
    .get("/api/v1/watermarks/effective")
    .set("authorization", reader)
    .query({ userId: bob });
  assert.equal(viaClient.status, 200, viaClient.text);
  assert.equal(viaClient.body.policy.name, "C-全员");
  assert.deepEqual(viaClient.body.lines, ["鲍勃"]);
  const marked = await app.http
    .post("/api/v1/watermarks/mark")
    .set("authorization", reader)
    .send({ userId: bob, text: "会议纪要" });
  assert.equal(marked.status, 200, marked.text);
  assert.equal(marked.body.text.replace(/(?:\u200c|\u200d|\u2060)/g, ""), "会议纪要");
  assert.equal(marked.body.text.split("\u2060").length - 1, 1, "a short text: one frame, at its end");
  const dense = await app.http
    .post("/api/v1/watermarks/mark")
    .set("authorization", reader)
    .send({ userId: bob, text: "一二三四五六七八九十".repeat(2), every: 8 });
  assert.equal(dense.body.text.split("\u2060").length - 1, 2, "20 characters, a frame after every 8");
  const refused = await app.http
    .get("/api/v1/watermarks/effective")
    .set("authorization", feedOnly)
    .query({ userId: bob });
  assert.equal(refused.status, 403);
  assert.equal((await app.http.get("/api/v1/watermarks/effective").query({ userId: bob })).status, 401);
  // A client reads; it never manages policies or traces leaks.
  assert.equal((await app.http.get("/api/v1/watermarks").set("authorization", reader)).status, 401);
  assert.equal(
    (await app.http.post("/api/v1/watermarks/trace").set("authorization", reader).send({ code: "x" })).status,
    401,
  );
  const doc = (await app.http.get("/api/openapi.json")).body;
  assert.equal(doc.paths["/api/v1/watermarks/effective"].get["x-api-client-scope"], "watermark:read");
});
