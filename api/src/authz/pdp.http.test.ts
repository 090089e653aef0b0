import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type supertest from "supertest";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { serverUrl } from "../../../test/support/db";
import { untilListening } from "../db/bus";
import { departmentChain, makeUser } from "./test-fixtures";

let app: TestApp;
let sec: ReturnType<typeof supertest.agent>;
let bearer: string;
let dept: string[];
let alice: string;
let bob: string;
let carol: string;

const IN_DEPARTMENT = {
  rules: [
    {
      effect: "allow",
      actions: ["read", "download"],
      resource: "Document",
      conditions: [
        { attribute: "resource.departmentPath", operator: "containsAny", value: { ref: "subject.departmentPath" } },
      ],
    },
    {
      effect: "deny",
      actions: ["download"],
      resource: "Document",
      conditions: [{ attribute: "environment.ip", operator: "notInCidr", value: ["10.0.0.0/8"] }],
    },
    {
      effect: "deny",
      actions: ["read", "download"],
      resource: "Document",
      conditions: [
        { attribute: "resource.classificationLevel", operator: "gt", value: { ref: "subject.clearanceLevel" } },
      ],
    },
  ],
};

async function publish(agent: ReturnType<typeof supertest.agent>, name: string, document: unknown): Promise<string> {
  const created = await agent.post("/api/v1/policies").send({ name, document });
  assert.equal(created.status, 201, created.text);
  const pub = await agent.post(`/api/v1/policies/${created.body.id}/publish`).send({ version: 1 });
  assert.equal(pub.status, 200, pub.text);
  return created.body.id as string;
}

before(async () => {
  app = await startTestApp();
  sec = await app.signIn("secadmin");
  const db = app.database.db;
  dept = await departmentChain(db, app.platformTenantId, ["总部", "财务处", "预算科"]);
  alice = await makeUser(db, app.platformTenantId, { username: "alice", clearanceLevel: 3, departmentId: dept[2] });
  bob = await makeUser(db, app.platformTenantId, { username: "bob", clearanceLevel: 3, departmentId: dept[0] });
  carol = await makeUser(db, app.platformTenantId, { username: "carol", departmentId: dept[2], status: "disabled" });
  const created = await sec.post("/api/v1/api-clients").send({ name: "公文系统" });
  assert.equal(created.status, 201);
  bearer = `Bearer ${created.body.secret}`;
  await publish(sec, "部门文档", IN_DEPARTMENT);
});
after(() => app?.close());

const doc = (attrs: Record<string, unknown>) => ({
  type: "Document",
  attributes: { classificationLevel: 1, ...attrs },
});
const check = (body: unknown) =>
  app.http
    .post("/api/v1/authz/check")
    .set("authorization", bearer)
    .send(body as object);

test("API clients: the secret is shown once and stored as an SM3 digest; lists never show it", async () => {
  const list = await sec.get("/api/v1/api-clients");
  assert.equal(list.status, 200);
  assert.equal(list.headers["x-total-count"], "1");
  assert.equal(list.body[0].status, "active");
  assert.ok(!JSON.stringify(list.body).includes(bearer.split(".")[1] as string));
  const row = await app.database.db.selectFrom("api_clients").select("secret_hash").executeTakeFirstOrThrow();
  assert.match(row.secret_hash, /^[0-9a-f]{64}$/);
  assert.ok(!bearer.includes(row.secret_hash));
  const sys = await app.signIn("sysadmin");
  assert.equal((await sys.post("/api/v1/api-clients").send({ name: "x" })).status, 403, "sysadmin may not create one");
});

test("single checks: department scope from the user's memberships, environment, fail-closed attributes", async () => {
  const inFinance = doc({ departmentPath: [dept[0], dept[1]] });
  let res = await check({ subject: { userId: alice }, action: "read", resource: inFinance });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { allowed: true });
  res = await check({ subject: { userId: bob }, action: "read", resource: doc({ departmentPath: [dept[1]] }) });
  assert.deepEqual(res.body, { allowed: false });
  res = await check({
    subject: { userId: alice },
    action: "download",
    resource: inFinance,
    environment: { ip: "10.2.3.4" },
  });
  assert.equal(res.body.allowed, true);
  res = await check({
    subject: { userId: alice },
    action: "download",
    resource: inFinance,
    environment: { ip: "8.8.8.8" },
  });
  assert.equal(res.body.allowed, false);
  res = await check({ subject: { userId: alice }, action: "download", resource: inFinance });
  assert.equal(res.body.allowed, false, "no client IP sent: the IP deny applies");
  res = await check({
    subject: { userId: alice },
    action: "read",
    resource: { type: "Document", attributes: { departmentPath: [dept[1]] } },
  });
  assert.deepEqual(res.body, { allowed: false, reason: "missing_attributes", missing: ["classificationLevel"] });
  res = await check({
    subject: { attributes: { departmentPath: [dept[1]], clearanceLevel: 0 } },
    action: "read",
    resource: doc({ departmentPath: [dept[1]], classificationLevel: 0 }),
  });
  assert.equal(res.body.allowed, true, "a subject given by attributes");
});

test("batches: up to 1,000 checks in order, with reasons; explain names the deciding rule", async () => {
  const other = "00000000-0000-4000-8000-00000000abcd";
  const res = await check({
    checks: [
      { subject: { userId: alice }, action: "read", resource: doc({ departmentPath: [dept[2]] }) },
      {
        subject: { userId: alice },
        action: "read",
        resource: doc({ departmentPath: [dept[2]], classificationLevel: 5 }),
      },
      { subject: { userId: other }, action: "read", resource: doc({}) },
      { subject: { userId: carol }, action: "read", resource: doc({ departmentPath: [dept[2]] }) },
      { subject: { userId: alice }, action: "read", resource: doc({ departmentPath: [dept[2]], tenantId: other }) },
    ],
    explain: true,
  });
  assert.equal(res.status, 200, res.text);
  const results = res.body.results as {
    allowed: boolean;
    reason?: string;
    explain?: { decisive: { effect: string; source: { kind: string; ruleIndex?: number } }[] };
  }[];
  assert.deepEqual(
    results.map((r) => [r.allowed, r.reason ?? null]),
    [
      [true, null],
      [false, null],
      [false, "subject_not_found"],
      [false, "subject_inactive"],
      [false, "other_tenant"],
    ],
  );
  assert.deepEqual(
    results[0]?.explain?.decisive.map((d) => [d.effect, d.source.kind, d.source.ruleIndex]),
    [["allow", "policy", 0]],
  );
  assert.deepEqual(
    results[1]?.explain?.decisive.map((d) => [d.effect, d.source.ruleIndex]),
    [["deny", 2]],
  );

  const many = Array.from({ length: 1000 }, () => ({
    subject: { userId: alice },
    action: "read",
    resource: doc({ departmentPath: [dept[2]] }),
  }));
  const big = await check({ checks: many });
  assert.equal(big.status, 200);
  assert.equal(big.body.results.length, 1000);
  assert.ok(big.body.results.every((r: { allowed: boolean }) => r.allowed));
  assert.equal((await check({ checks: [...many, many[0]] })).status, 400, "1,001 checks");
  const unknownAttr = await check({
    subject: { userId: alice },
    action: "read",
    resource: { type: "Document", attributes: { colour: "red" } },
  });
  assert.equal(unknownAttr.status, 400);
  assert.equal(
    (await check({ subject: { userId: alice }, action: "read", resource: { type: "document" } })).status,
    400,
  );
});

test("credentials: none, malformed, or a session cookie → 401; revoked → 401 at once; audited", async () => {
  const body = { subject: { userId: alice }, action: "read", resource: doc({}) };
  assert.equal((await app.http.post("/api/v1/authz/check").send(body)).status, 401);
  assert.equal((await sec.post("/api/v1/authz/check").send(body)).status, 401, "an admin session is not an API client");
  const failures = await auditCount(app, { action: "apiClient.authenticate", result: "failure" });
  const wrong = `${bearer.slice(0, -4)}AAAA`;
  const bad = await app.http.post("/api/v1/authz/check").set("authorization", wrong).send(body);
  assert.equal(bad.status, 401);
  assert.equal(bad.body.code, "INVALID_CLIENT_CREDENTIALS");
  assert.equal(await auditCount(app, { action: "apiClient.authenticate", result: "failure" }), failures + 1);

  const second = await sec.post("/api/v1/api-clients").send({ name: "临时" });
  const token = `Bearer ${second.body.secret}`;
  assert.equal((await app.http.post("/api/v1/authz/check").set("authorization", token).send(body)).status, 200);
  assert.equal((await sec.delete(`/api/v1/api-clients/${second.body.client.id}`)).status, 204);
  assert.equal((await app.http.post("/api/v1/authz/check").set("authorization", token).send(body)).status, 401);
  assert.equal((await sec.delete(`/api/v1/api-clients/${second.body.client.id}`)).status, 409);
  assert.equal(await auditCount(app, { action: "apiClient.revoke", result: "success" }), 1);
});

test("a new published version changes decisions at once (caches keyed by generation)", async () => {
  const resource = doc({ departmentPath: [dept[0]] });
  assert.equal((await check({ subject: { userId: bob }, action: "approve", resource })).body.allowed, false);
  const id = await publish(sec, "审批", { rules: [{ effect: "allow", actions: ["approve"], resource: "Document" }] });
  assert.equal((await check({ subject: { userId: bob }, action: "approve", resource })).body.allowed, true);
  const v = await sec.get(`/api/v1/policies/${id}`);
  assert.equal((await sec.delete(`/api/v1/policies/${id}`).set("if-match", v.headers.etag as string)).status, 204);
  assert.equal((await check({ subject: { userId: bob }, action: "approve", resource })).body.allowed, false);
});

test("two instances on one server database: a publish on one is seen by the other through LISTEN/NOTIFY", async (t) => {
  if (!serverUrl) {
    t.skip("embedded mode is one process by construction (no LISTEN)");
    return;
  }
  const a = await startTestApp({ DATABASE_URL: app.database.url as string }, { database: app.database });
  const b = await startTestApp({ DATABASE_URL: app.database.url as string }, { database: app.database });
  try {
    await Promise.all([untilListening(a.services.authzDomain.bus), untilListening(b.services.authzDomain.bus)]);
    const resource = doc({ departmentPath: [dept[0]] });
    const onB = () =>
      b.http
        .post("/api/v1/authz/check")
        .set("authorization", bearer)
        .send({ subject: { userId: bob }, action: "sign", resource });
    assert.equal((await onB()).body.allowed, false, "B has cached bob's ability without the new policy");
    const secOnA = await a.signIn("secadmin");
    await publish(secOnA, "签发", { rules: [{ effect: "allow", actions: ["sign"], resource: "Document" }] });
    let allowed = false;
    for (let i = 0; i < 50 && !allowed; i++) {
      allowed = (await onB()).body.allowed;
      if (!allowed) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(allowed, true, "B dropped its caches when A announced the new generation");
  } finally {
    await a.services.authzDomain.bus.close();
    await b.services.authzDomain.bus.close();
  }
});
