import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { abilityFor, type AppRule } from "../../../policies/ability";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { mode } from "../../../test/support/db";
import { recordOrgChange } from "./changes";
import { type Agent, etag, orgApi, overrideAbilities, sysadminRules, userAgent } from "./test-support";

let app: TestApp;
let sys: Agent;
let sec: Agent;
let overrides: ReturnType<typeof overrideAbilities>;
before(async () => {
  app = await startTestApp();
  overrides = overrideAbilities(app);
  sys = await app.signIn("sysadmin");
  sec = await app.signIn("secadmin");
});
after(() => app?.close());

interface Change {
  seq: string;
  entity: string;
  entityId: string;
  op: string;
  data: Record<string, unknown>;
}

async function feedAfter(after: string, limit = 1000): Promise<{ changes: Change[]; next: string }> {
  const res = await sys.get("/api/v1/org-changes").query({ after, limit });
  assert.equal(res.status, 200, res.text);
  return res.body;
}

async function head(): Promise<string> {
  let cursor = "0";
  for (;;) {
    const page = await feedAfter(cursor);
    if (page.changes.length === 0) return cursor;
    cursor = page.next;
  }
}

test("every dimension, department and post change appends one row, in order, paged by cursor", async () => {
  const start = await head();
  const api = orgApi(sys);
  const dim = await api.dimension("feed");
  const a = await api.dept(dim, "甲");
  const b = await api.dept(dim, "乙");
  const moved = await api.act(b.id, "move", { parentId: a.id });
  assert.equal(moved.status, 200);
  const renamed = await sys
    .patch(`/api/v1/departments/${a.id}`)
    .set("if-match", etag(await api.get(a.id)))
    .send({ name: "甲处" });
  assert.equal(renamed.status, 200);
  await api.act(a.id, "disable");
  const post = await sys.post("/api/v1/posts").send({ code: "FEED", name: "岗位" });
  const all = await feedAfter(start);
  assert.deepEqual(
    all.changes.map((c) => [c.entity, c.op, c.entityId]),
    [
      ["dimension", "created", dim],
      ["department", "created", a.id],
      ["department", "created", b.id],
      ["department", "moved", b.id],
      ["department", "updated", a.id],
      ["department", "disabled", a.id],
      ["department", "disabled", b.id],
      ["post", "created", post.body.id],
    ],
  );
  const move = all.changes[3];
  assert.deepEqual(move?.data.path, [a.id, b.id]);
  assert.equal(move?.data.previousParentId, null);
  assert.equal(all.changes[4]?.data.name, "甲处");
  const seqs = all.changes.map((c) => BigInt(c.seq));
  assert.deepEqual(
    seqs,
    [...seqs].sort((x, y) => (x < y ? -1 : 1)),
  );

  const first = await feedAfter(start, 3);
  assert.equal(first.changes.length, 3);
  const second = await feedAfter(first.next, 3);
  assert.equal(second.changes[0]?.entityId, b.id);
  assert.equal(second.changes[0]?.op, "moved");
  const end = await feedAfter(all.next);
  assert.deepEqual(end, { changes: [], next: all.next });
  const bad = await sys.get("/api/v1/org-changes").query({ after: "-1" });
  assert.equal(bad.status, 400);
});

test(
  "a transaction that commits late is never skipped: feed rows of a tenant commit in seq order",
  { skip: mode === "embedded" ? "the embedded database runs one transaction at a time" : false },
  async () => {
    const start = await head();
    const tenantId = app.platformTenantId;
    const change = (id: string) => ({ tenantId, entity: "post" as const, entityId: id, op: "updated" as const });
    // M takes its transaction id first; L records a change first and stays open.
    const m = await app.database.db.startTransaction().execute();
    const l = await app.database.db.startTransaction().execute();
    try {
      await m.selectNoFrom((eb) => eb.fn<string>("pg_current_xact_id", []).as("xid")).execute();
      const lId = crypto.randomUUID();
      const mId = crypto.randomUUID();
      await recordOrgChange(l, change(lId));
      let mDone = false;
      const mRecords = recordOrgChange(m, change(mId)).then(() => {
        mDone = true;
      });
      // A change over HTTP meanwhile: it too must wait behind L.
      const viaHttp = sys.post("/api/v1/posts").send({ code: "LATE", name: "迟到" });
      const httpDone = viaHttp.then((r) => r);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(mDone, false, "M waits for L instead of drawing a seq L could land below");
      assert.deepEqual((await feedAfter(start)).changes, [], "nothing uncommitted is handed out");
      await l.commit().execute();
      await mRecords;
      const seen = await feedAfter(start);
      assert.deepEqual(
        seen.changes.map((c) => c.entityId),
        [lId],
        "L is visible; M is not committed yet",
      );
      await m.commit().execute();
      const res = await httpDone;
      assert.equal(res.status, 201, res.text);
      const later = await feedAfter(seen.next);
      assert.deepEqual(
        later.changes.map((c) => c.entityId).sort(),
        [mId, res.body.id].sort(),
        "everything committed after the first read shows up after its cursor",
      );
    } finally {
      await l
        .rollback()
        .execute()
        .catch(() => {});
      await m
        .rollback()
        .execute()
        .catch(() => {});
    }
  },
);

// ---- business systems: the same feed with an API client (scope org:read) ----

interface Client {
  id: string;
  bearer: string;
}

/** An API client created by `admin` (secadmin duties) through the API, with the scopes asked for. */
async function newClient(admin: Agent, name: string, scopes?: string[]): Promise<Client> {
  const res = await admin.post("/api/v1/api-clients").send(scopes ? { name, scopes } : { name });
  assert.equal(res.status, 201, res.text);
  return { id: res.body.client.id, bearer: `Bearer ${res.body.secret}` };
}

const clientFeed = (client: Client | string, query: Record<string, string | number>) =>
  app.http
    .get("/api/v1/org-changes")
    .set("authorization", typeof client === "string" ? client : client.bearer)
    .query(query);

/** Every change after `after`, read by `client` in pages of `limit`. */
async function pageAll(client: Client, after: string, limit: number): Promise<{ changes: Change[]; pages: number }> {
  const changes: Change[] = [];
  let cursor = after;
  for (let pages = 1; ; pages++) {
    const res = await clientFeed(client, { after: cursor, limit });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.changes.length <= limit);
    changes.push(...res.body.changes);
    if (res.body.changes.length === 0) {
      assert.equal(res.body.next, cursor, "an empty page hands the cursor back unchanged");
      return { changes, pages };
    }
    cursor = res.body.next;
  }
}

test("a business system's API client with org:read pages the feed by cursor; its polls are not audited", async () => {
  const client = await newClient(sec, "统一组织架构", ["org:read"]);
  const start = await head();
  const api = orgApi(sys);
  const dim = await api.dimension("sync");
  const a = await api.dept(dim, "同步甲");
  await api.dept(dim, "同步乙", a.id);
  await sys.post("/api/v1/posts").send({ code: "SYNC", name: "同步岗" });
  const bySysadmin = await feedAfter(start);
  assert.equal(bySysadmin.changes.length, 4);

  const events = await auditCount(app);
  const read = await pageAll(client, start, 3);
  assert.deepEqual(read.changes, bySysadmin.changes, "the client sees exactly what the tenant's sysadmin sees");
  assert.equal(read.pages, 3, "3 + 1 changes, then an empty page");
  assert.equal(await auditCount(app), events, "reading the feed writes nothing to the audit log");

  const row = await app.database.db
    .selectFrom("api_clients")
    .select("last_used_at")
    .where("id", "=", client.id)
    .executeTakeFirstOrThrow();
  assert.ok(row.last_used_at, "the client's last use is kept");
});

test("a client without org:read is refused with 403 (audited); bad or no credentials answer 401", async () => {
  const pdpOnly = await newClient(sec, "公文系统");
  const listed = await sec.get(`/api/v1/api-clients/${pdpOnly.id}`);
  assert.deepEqual(listed.body.scopes, ["authz:check"], "authz:check is the default");
  const denied = await auditCount(app, { action: "authz.denied", result: "denied" });
  const refused = await clientFeed(pdpOnly, { after: "0" });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.body.code, "FORBIDDEN");
  assert.match(refused.body.detail, /org:read/);
  assert.equal(await auditCount(app, { action: "authz.denied", result: "denied" }), denied + 1);
  const event = await app.database.db
    .selectFrom("audit_events")
    .select(["tenant_id", "actor_id", "actor_name", "target_id", "detail"])
    .where("action", "=", "authz.denied")
    .orderBy("seq", "desc")
    .executeTakeFirstOrThrow();
  assert.deepEqual(event, {
    tenant_id: app.platformTenantId,
    actor_id: pdpOnly.id,
    actor_name: "api-client:公文系统",
    target_id: "GET /api/v1/org-changes",
    detail: { needed: "scope org:read" },
  });

  // The Authorization header names the caller: a signed-in admin's cookie does not lend its access.
  const withCookie = await sys.get("/api/v1/org-changes").set("authorization", pdpOnly.bearer).query({ after: "0" });
  assert.equal(withCookie.status, 403);
  // And the feed scope does not open the decision point.
  const feedOnly = await newClient(sec, "只读组织", ["org:read"]);
  const pdp = await app.http
    .post("/api/v1/authz/check")
    .set("authorization", feedOnly.bearer)
    .send({ subject: { attributes: {} }, action: "read", resource: { type: "Document" } });
  assert.equal(pdp.status, 403);

  const failures = await auditCount(app, { action: "apiClient.authenticate", result: "failure" });
  const wrongSecret = await clientFeed(`${feedOnly.bearer.slice(0, -4)}AAAA`, { after: "0" });
  assert.equal(wrongSecret.status, 401);
  assert.equal(wrongSecret.body.code, "INVALID_CLIENT_CREDENTIALS");
  assert.equal((await clientFeed("Bearer not-a-credential", { after: "0" })).status, 401);
  assert.equal(await auditCount(app, { action: "apiClient.authenticate", result: "failure" }), failures + 2);
  const anonymous = await app.http.get("/api/v1/org-changes").query({ after: "0" });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.code, "UNAUTHENTICATED");
  assert.equal((await sec.delete(`/api/v1/api-clients/${feedOnly.id}`)).status, 204);
  assert.equal((await clientFeed(feedOnly, { after: "0" })).status, 401, "a revoked client stops at once");
});

test("a client of another tenant reads only its own tenant's changes", async () => {
  const created = await sys.post("/api/v1/tenants").send({ code: "feedco", name: "订阅公司" });
  assert.equal(created.status, 201, created.text);
  const tenantId: string = created.body.tenant.id;
  // Stand-ins for that tenant's own secadmin and sysadmin (see test-support overrideAbilities).
  const theirSec = await userAgent(app, tenantId, "feedco-sec");
  overrides.set(theirSec.id, abilityFor("secadmin").rules as AppRule[]);
  const theirSys = await userAgent(app, tenantId, "feedco-sys");
  overrides.set(theirSys.id, sysadminRules());
  const theirDim = await orgApi(theirSys.agent).dimension("theirs");
  const ourDim = await orgApi(sys).dimension("ours");

  const theirs = await newClient(theirSec.agent, "对方系统", ["org:read"]);
  const seen = await pageAll(theirs, "0", 50);
  assert.deepEqual(
    seen.changes.map((c) => [c.entity, c.op, c.entityId]),
    [
      ["tenant", "created", tenantId],
      ["dimension", "created", theirDim],
    ],
  );
  const ours = await newClient(sec, "本租户系统", ["org:read"]);
  const ourIds = (await pageAll(ours, "0", 200)).changes.map((c) => c.entityId);
  assert.ok(ourIds.includes(ourDim));
  assert.ok(ourIds.includes(tenantId), "a tenant's creation is in the platform tenant's feed too");
  assert.ok(!ourIds.includes(theirDim), "never another tenant's dimension");
});

test("user and membership entries carry ids, states and field names, never personal data", async () => {
  const client = await newClient(sec, "人员同步", ["org:read"]);
  const start = await head();
  const api = orgApi(sys);
  const dept = await api.dept(await api.dimension("people"), "人事处");
  const created = await sys.post("/api/v1/users").send({
    username: "feed.person",
    displayName: "冯订阅",
    phone: "13912345678",
    email: "Feng.Dingyue@Example.cn",
    memberships: [{ departmentId: dept.id, title: "科员" }],
  });
  assert.equal(created.status, 201, created.text);
  const user = created.body.user;
  const patched = await sys
    .patch(`/api/v1/users/${user.id}`)
    .set("if-match", `"${user.version}"`)
    .send({ phone: "13700001111", email: "other.mail@example.cn" });
  assert.equal(patched.status, 200, patched.text);

  const people = (await pageAll(client, start, 100)).changes.filter(
    (c) => c.entity === "user" || c.entity === "membership",
  );
  assert.deepEqual(people.map((c) => `${c.entity} ${c.op}`).sort(), [
    "membership created",
    "user created",
    "user updated",
  ]);
  const update = people.find((c) => c.op === "updated");
  assert.deepEqual((update?.data.changed as string[]).sort(), ["email", "phone"], "which fields, not their values");
  const text = JSON.stringify(people).toLowerCase();
  for (const personal of [
    "13912345678",
    "13700001111",
    "139****5678",
    "137****1111",
    "feng.dingyue",
    "example.cn",
    "other.mail",
  ]) {
    assert.ok(!text.includes(personal), `the feed carries no ${personal}`);
  }
});

test("the create request chooses scopes from a closed list; the list shows them; OpenAPI names both schemes", async () => {
  for (const scopes of [["org:write"], [], ["org:read", "org:read"], "org:read"]) {
    const res = await sec.post("/api/v1/api-clients").send({ name: "坏范围", scopes });
    assert.equal(res.status, 400, JSON.stringify(scopes));
    assert.equal(res.body.code, "VALIDATION_FAILED");
    assert.ok(
      res.body.errors.some((e: { path: string }) => e.path.startsWith("body.scopes")),
      JSON.stringify(res.body.errors),
    );
  }
  const both = await newClient(sec, "全能系统", ["org:read", "authz:check"]);
  const list = await sec.get("/api/v1/api-clients").query({ _end: 200 });
  assert.equal(list.status, 200);
  const listed = list.body.find((c: { id: string }) => c.id === both.id);
  assert.deepEqual(listed.scopes, ["org:read", "authz:check"]);
  const audit = await app.database.db
    .selectFrom("audit_events")
    .select("detail")
    .where("action", "=", "apiClient.create")
    .where("target_id", "=", both.id)
    .executeTakeFirstOrThrow();
  assert.deepEqual((audit.detail as { after: { scopes: string[] } }).after.scopes, ["org:read", "authz:check"]);
  assert.equal((await sys.post("/api/v1/api-clients").send({ name: "x", scopes: ["org:read"] })).status, 403);

  const doc = (await app.http.get("/api/openapi.json")).body;
  const feed = doc.paths["/api/v1/org-changes"].get;
  assert.deepEqual(feed.security, [{ session: [] }, { apiClient: [] }], "either scheme, not both at once");
  assert.equal(feed["x-api-client-scope"], "org:read");
  assert.deepEqual(feed["x-required-ability"], { action: "read", subject: "OrgUnit" });
  assert.deepEqual(doc.paths["/api/v1/authz/check"].post.security, [{ apiClient: [] }]);
  assert.deepEqual(doc.components.schemas.CreateApiClientRequest.properties.scopes.items.enum, [
    "authz:check",
    "org:read",
    "watermark:read",
    "content:check",
    "signals:write",
  ]);
});
