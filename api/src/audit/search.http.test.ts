import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, test } from "node:test";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { type AuditEvent, record } from "./record";

/** The auditor's search, event detail and chain status (docs/audit.md, "The auditor's workspace"). */
let app: TestApp;
let audit: Awaited<ReturnType<TestApp["signIn"]>>;
let sec: Awaited<ReturnType<TestApp["signIn"]>>;
const U1 = crypto.randomUUID();
const U2 = crypto.randomUUID();
const U3 = crypto.randomUUID();
/** The seeded events by name, with the seq and occurredAt the database gave them. */
const seeded = new Map<string, { seq: string; occurredAt: string }>();

type Row = { seq: string; actorRole: string | null; action: string; targetId: string | null; sealed: boolean };

before(async () => {
  app = await startTestApp();
  audit = await app.signIn("auditadmin");
  sec = await app.signIn("secadmin");
  const base = { tenantId: app.platformTenantId, targetType: "WsTest" };
  const ev = (
    actorRole: string | null,
    actorName: string,
    actorId: string | null,
    action: string,
    targetId: string,
    result: AuditEvent["result"],
    ip: string | null,
  ): Partial<AuditEvent> => ({ actorRole, actorName, actorId, action, targetId, result, ip });
  const events: [string, Partial<AuditEvent>][] = [
    ["e1", ev("sysadmin", "alice", U1, "wstest.user.create", "t-1", "success", "10.1.2.3")],
    ["e2", ev("secadmin", "bob", U2, "wstest.user.update", "t-2", "failure", "192.168.5.5")],
    ["e3", ev("auditadmin", "carol", U3, "wstest.user.delete", "t-3", "success", "10.200.0.1")],
    ["e4", ev(null, "dave", null, "wstest.login", "t-1", "denied", "::ffff:10.1.9.9")],
    ["e5", ev("sysadmin", "alice", U1, "wstest.userx", "t-5", "success", "fd00::5")],
    ["e6", { ...ev("auditadmin", "carol", U3, "wstest.user.create", "o-1", "failure", null), targetType: "WsOther" }],
    [
      "e7",
      {
        ...ev("sysadmin", "alice", U1, "wstest.settings.update", "c-1", "success", null),
        targetType: "WsChange",
        detail: {
          before: { name: "a", nested: { x: 1, y: 2 } },
          after: { name: "b", nested: { x: 1, y: 3 }, added: true },
        },
      },
    ],
  ];
  for (const [name, e] of events) {
    await record(app.database.db, { ...base, ...e } as AuditEvent);
    const row = await app.database.db
      .selectFrom("audit_events")
      .select(["seq", "occurred_at"])
      .where("action", "=", e.action as string)
      .where("target_id", "=", e.targetId as string)
      .orderBy("seq", "desc")
      .executeTakeFirstOrThrow();
    seeded.set(name, { seq: String(row.seq), occurredAt: row.occurred_at.toISOString() });
    // Distinct timestamps, so from/to can split the events.
    await new Promise((r) => setTimeout(r, 5));
  }
});
after(() => app?.close());

const seqOf = (name: string) => seeded.get(name)?.seq as string;
const names = (rows: Row[]) => rows.map((r) => [...seeded].find(([, v]) => v.seq === r.seq)?.[0] ?? `?${r.seq}`).sort();

async function search(agent: typeof audit, params: Record<string, string>, targetType = "WsTest"): Promise<string[]> {
  const q = new URLSearchParams({ _start: "0", _end: "200", ...(targetType ? { targetType } : {}), ...params });
  const res = await agent.get(`/api/v1/audit/events?${q}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(Number(res.headers["x-total-count"]), res.body.length);
  return names(res.body as Row[]);
}

test("each filter narrows the auditadmin's search (never its own events)", async () => {
  assert.deepEqual(await search(audit, {}), ["e1", "e2", "e4", "e5"]);
  assert.deepEqual(await search(audit, { actor: "alice" }), ["e1", "e5"]);
  assert.deepEqual(await search(audit, { actor: U1 }), ["e1", "e5"], "by actor id");
  assert.deepEqual(await search(audit, { actor: U2.toUpperCase() }), ["e2"], "uuid case does not matter");
  assert.deepEqual(await search(audit, { role: "sysadmin" }), ["e1", "e5"]);
  assert.deepEqual(await search(audit, { role: "none" }), ["e4"]);
  assert.deepEqual(await search(audit, { role: "auditadmin" }), [], "own events stay invisible");
  assert.deepEqual(await search(audit, { action: "wstest.user.create" }), ["e1"]);
  assert.deepEqual(await search(audit, { action: "wstest.user.*" }), ["e1", "e2"], "prefix stops at the dot");
  assert.deepEqual(await search(audit, { action: "wstest.*" }), ["e1", "e2", "e4", "e5"]);
  assert.deepEqual(await search(audit, { targetId: "t-1" }), ["e1", "e4"]);
  assert.deepEqual(await search(audit, { result: "failure" }), ["e2"]);
  assert.deepEqual(await search(audit, { result: "denied" }), ["e4"]);
  assert.deepEqual(await search(audit, { ip: "10.1.2.3" }), ["e1"]);
  assert.deepEqual(await search(audit, { ip: "10.1.9.9" }), ["e4"], "an IPv4-mapped address matches its IPv4 form");
  assert.deepEqual(await search(audit, { ip: "10.0.0.0/8" }), ["e1", "e4"]);
  assert.deepEqual(await search(audit, { ip: "fd00::/16" }), ["e5"]);
  assert.deepEqual(await search(audit, { ip: "192.168.0.0/16" }), ["e2"]);
  const t = (n: string) => seeded.get(n)?.occurredAt as string;
  assert.deepEqual(await search(audit, { from: t("e2") }), ["e2", "e4", "e5"], "from is inclusive");
  assert.deepEqual(await search(audit, { to: t("e4") }), ["e1", "e2"], "to is exclusive");
  assert.deepEqual(await search(audit, { from: t("e2"), to: t("e5") }), ["e2", "e4"]);
  assert.deepEqual(await search(audit, {}, "WsOther"), [], "e6 is the auditadmin's own");
  assert.deepEqual(await search(audit, { actor: "alice", result: "success", ip: "10.0.0.0/8" }), ["e1"], "combined");
});

test("secadmin's search is limited to the audit admin's events whatever the filter", async () => {
  assert.deepEqual(await search(sec, {}), ["e3"]);
  assert.deepEqual(await search(sec, {}, "WsOther"), ["e6"]);
  assert.deepEqual(await search(sec, { role: "sysadmin" }), []);
  assert.deepEqual(await search(sec, { actor: "alice" }), []);
  assert.deepEqual(await search(sec, { action: "wstest.*" }), ["e3"]);
  const res = await sec.get("/api/v1/audit/events?_start=0&_end=200&result=success");
  assert.ok((res.body as Row[]).length > 0);
  assert.ok(
    (res.body as Row[]).every((r) => r.actorRole === "auditadmin"),
    "never another role's event",
  );
});

test("events say whether they are sealed; page/perPage page like _start/_end", async () => {
  const res = await audit.get("/api/v1/audit/events?targetType=WsTest&_sort=seq&_order=asc&page=2&perPage=2");
  assert.equal(res.status, 200);
  assert.deepEqual(names(res.body as Row[]), ["e4", "e5"]);
  assert.equal(res.headers["x-total-count"], "4");
  assert.ok((res.body as Row[]).every((r) => typeof r.sealed === "boolean"));
});

test("invalid filters are refused with 400 problem+json", async () => {
  for (const q of [
    "role=root",
    "result=ok",
    "ip=10.0.0.0/33",
    "ip=not-an-ip",
    "from=yesterday",
    "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
    "action=user.**",
    "targetType=a%20b",
    "perPage=500",
    "colour=blue",
  ]) {
    const res = await audit.get(`/api/v1/audit/events?${q}`);
    assert.equal(res.status, 400, q);
    assert.match(String(res.headers["content-type"]), /application\/problem\+json/, q);
    assert.ok(res.body.zh, `${q}: a Chinese message too`);
  }
});

test("event detail: the event with its changes; 404 when the caller may not see it", async () => {
  const res = await audit.get(`/api/v1/audit/events/${seqOf("e7")}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.action, "wstest.settings.update");
  assert.deepEqual(res.body.changes, [
    { path: "added", before: null, after: true },
    { path: "name", before: "a", after: "b" },
    { path: "nested.y", before: 2, after: 3 },
  ]);
  const login = await audit.get(`/api/v1/audit/events/${seqOf("e4")}`);
  assert.deepEqual(login.body.changes, [], "no before/after, no changes");
  // The auditadmin's own event, for the auditadmin and for secadmin.
  const own = await audit.get(`/api/v1/audit/events/${seqOf("e3")}`);
  assert.equal(own.status, 404);
  assert.equal(own.body.code, "AUDIT_EVENT_NOT_FOUND");
  assert.equal((await sec.get(`/api/v1/audit/events/${seqOf("e3")}`)).status, 200);
  const hidden = await sec.get(`/api/v1/audit/events/${seqOf("e1")}`);
  assert.equal(hidden.status, 404);
  assert.deepEqual(hidden.body.code, own.body.code, "invisible and missing look the same");
  assert.equal((await audit.get("/api/v1/audit/events/999999999999")).status, 404);
  assert.equal((await audit.get("/api/v1/audit/events/abc")).status, 400);
  const sys = await app.signIn("sysadmin");
  assert.equal((await sys.get(`/api/v1/audit/events/${seqOf("e1")}`)).status, 403);
});

test("chain status: head, pending events and the last checkpoint, read-only", async () => {
  const before = await auditCount(app);
  const res = await audit.get("/api/v1/audit/chain-status");
  assert.equal(res.status, 200, res.text);
  assert.match(res.body.headSeq, /^\d+$/);
  assert.equal(typeof res.body.pendingEvents, "number");
  assert.ok(res.body.lastCheckpoint === null || /^\d+$/.test(res.body.lastCheckpoint.seq));
  assert.equal(await auditCount(app), before, "reading the status records nothing");
  assert.equal((await sec.get("/api/v1/audit/chain-status")).status, 200);
  const sys = await app.signIn("sysadmin");
  assert.equal((await sys.get("/api/v1/audit/chain-status")).status, 403);
});

test("saved searches: owner-only, unique names, validated filters, audited", async () => {
  const count = (action: string) =>
    app.database.db
      .selectFrom("audit_events")
      .select(["target_id", "actor_role", "detail"])
      .where("action", "=", action)
      .execute();
  const created = await audit
    .post("/api/v1/audit/saved-searches")
    .send({ name: "失败的登录", filter: { action: "auth.*", result: "failure" } });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.name, "失败的登录");
  assert.deepEqual(created.body.filter, { action: "auth.*", result: "failure" });
  const id = created.body.id as string;
  const createdEvents = await count("audit.saved_search.create");
  assert.ok(
    createdEvents.some((e) => e.target_id === id && e.actor_role === "auditadmin"),
    "creation audited",
  );

  const dup = await audit.post("/api/v1/audit/saved-searches").send({ name: "失败的登录", filter: {} });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.code, "SAVED_SEARCH_NAME_TAKEN");
  for (const body of [
    { name: "", filter: {} },
    { name: "x".repeat(81), filter: {} },
    { name: "bad", filter: { role: "root" } },
    { name: "bad", filter: { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" } },
    { name: "bad", filter: {}, extra: true },
  ]) {
    assert.equal((await audit.post("/api/v1/audit/saved-searches").send(body)).status, 400, JSON.stringify(body));
  }
  // secadmin may use the same name: names are per owner.
  const other = await sec
    .post("/api/v1/audit/saved-searches")
    .send({ name: "失败的登录", filter: { role: "auditadmin" } });
  assert.equal(other.status, 201, other.text);

  const mine = await audit.get("/api/v1/audit/saved-searches?_start=0&_end=50");
  assert.equal(mine.status, 200);
  assert.deepEqual(
    (mine.body as { id: string }[]).map((s) => s.id),
    [id],
  );
  assert.equal(mine.headers["x-total-count"], "1");
  const theirs = await sec.get("/api/v1/audit/saved-searches");
  assert.deepEqual(
    (theirs.body as { id: string }[]).map((s) => s.id),
    [other.body.id],
  );

  // Someone else's saved search is "not found"; its owner deletes it, once.
  const foreign = await sec.delete(`/api/v1/audit/saved-searches/${id}`);
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.code, "SAVED_SEARCH_NOT_FOUND");
  assert.equal((await audit.delete(`/api/v1/audit/saved-searches/${id}`)).status, 204);
  assert.equal((await audit.delete(`/api/v1/audit/saved-searches/${id}`)).status, 404);
  const deleted = await count("audit.saved_search.delete");
  assert.equal(deleted.filter((e) => e.target_id === id).length, 1, "deletion audited once");
  assert.equal((await audit.get("/api/v1/audit/saved-searches")).body.length, 0);

  const sys = await app.signIn("sysadmin");
  assert.equal((await sys.get("/api/v1/audit/saved-searches")).status, 403);
});
