import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { grantFacts } from "../authz/integrity-rows";
import { createDepartment, createDimension, createUser, requireTwoPersons, signInUser } from "../grants/test-fixtures";

let app: TestApp;
let t: string;
let dim: string;
let B: { id: string; path: string[] };
type Agent = Awaited<ReturnType<TestApp["signIn"]>>;
let sec: Agent;
let sys: Agent;
let audit: Agent;

before(async () => {
  app = await startTestApp();
  t = app.platformTenantId;
  dim = await createDimension(app, t, "admin");
  const A = await createDepartment(app, t, dim, "总部", null);
  B = await createDepartment(app, t, dim, "财务处", A);
  sec = await app.signIn("secadmin");
  sys = await app.signIn("sysadmin");
  audit = await app.signIn("auditadmin");
  await requireTwoPersons(app, t, ["scopedAdmin.grant"]);
});
after(() => app?.close());

async function grantsOf(userId: string): Promise<number> {
  const row = await app.database.db
    .selectFrom("scoped_admins")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function propose(username: string): Promise<{ userId: string; approvalId: string }> {
  const userId = await createUser(app, t, username, [{ departmentId: B.id, dimensionId: dim }]);
  const res = await sec.post("/api/v1/scoped-admins").send({ userId, departmentId: B.id, actions: ["users.manage"] });
  assert.equal(res.status, 202, res.text);
  assert.equal(res.body.status, "pending");
  assert.equal(res.headers.location, `/api/v1/approvals/${res.body.approvalId}`);
  return { userId, approvalId: res.body.approvalId as string };
}

test("under the two-person rule a grant is proposed (202), approved by another role, then carried out", async () => {
  const proposals = await auditCount(app, { action: "approval.propose", result: "success" });
  const { userId, approvalId } = await propose("tp-approved");
  assert.equal(await grantsOf(userId), 0, "nothing granted yet");
  assert.equal(await auditCount(app, { action: "approval.propose", result: "success" }), proposals + 1);

  const listed = await sys.get("/api/v1/approvals?status=pending");
  assert.equal(listed.status, 200);
  const mine = (listed.body as { id: string; action: string; proposerRole: string; summary: string }[]).find(
    (a) => a.id === approvalId,
  );
  assert.ok(mine, "the other role sees the pending proposal");
  assert.equal(mine.action, "scopedAdmin.grant");
  assert.equal(mine.proposerRole, "secadmin");
  assert.match(mine.summary, /users\.manage.*财务处.*tp-approved/);
  assert.equal((await audit.get(`/api/v1/approvals/${approvalId}`)).status, 200, "auditadmin may read it");

  const self = await sec.post(`/api/v1/approvals/${approvalId}/approve`).send({});
  assert.equal(self.status, 403, "never the proposer");
  assert.equal(self.body.code, "SELF_APPROVAL");
  const auditor = await audit.post(`/api/v1/approvals/${approvalId}/approve`).send({});
  assert.equal(auditor.status, 403, "auditadmin decides nothing");
  assert.equal(await grantsOf(userId), 0);

  const ok = await sys.post(`/api/v1/approvals/${approvalId}/approve`).send({ reason: "checked with 财务处" });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.status, "approved");
  assert.equal(ok.body.deciderRole, "sysadmin");
  assert.equal(ok.body.reason, "checked with 财务处");
  assert.equal(await grantsOf(userId), 1, "carried out in the approve transaction");
  const grant = await app.database.db
    .selectFrom("scoped_admins")
    .innerJoin("users", "users.id", "scoped_admins.granted_by")
    .select(["users.username", "scoped_admins.actions"])
    .where("scoped_admins.user_id", "=", userId)
    .executeTakeFirstOrThrow();
  assert.equal(grant.username, "secadmin", "granted by the proposer");
  assert.deepEqual(grant.actions, ["users.manage"]);
  const executed = await app.database.db
    .selectFrom("audit_events")
    .select(["actor_role", "detail"])
    .where("action", "=", "scopedAdmin.grant")
    .where("result", "=", "success")
    .orderBy("seq", "desc")
    .executeTakeFirstOrThrow();
  assert.equal(executed.actor_role, "sysadmin");
  assert.equal((executed.detail as { approvalId?: string }).approvalId, approvalId);

  const twice = await sys.post(`/api/v1/approvals/${approvalId}/approve`).send({});
  assert.equal(twice.status, 409);
  assert.equal(twice.body.code, "APPROVAL_NOT_PENDING");
});

test("list and detail name who proposed and who decided (username and display name), never bare ids", async () => {
  type Named = {
    id: string;
    proposerName: string;
    proposerDisplayName: string;
    decidedBy: string | null;
    deciderName: string | null;
    deciderDisplayName: string | null;
  };
  const names = (a: Named | undefined) =>
    a && [a.proposerName, a.proposerDisplayName, a.deciderName, a.deciderDisplayName];
  const inList = async (status: string, id: string) =>
    ((await audit.get(`/api/v1/approvals?status=${status}&_end=200`)).body as Named[]).find((a) => a.id === id);
  const detail = async (id: string) => (await audit.get(`/api/v1/approvals/${id}`)).body as Named;

  const { approvalId: pending } = await propose("tp-named-pending");
  assert.deepEqual(names(await inList("pending", pending)), ["secadmin", "安全保密管理员", null, null]);
  assert.deepEqual(names(await detail(pending)), ["secadmin", "安全保密管理员", null, null], "undecided: no decider");

  const { approvalId: approved } = await propose("tp-named-approved");
  const ok = await sys.post(`/api/v1/approvals/${approved}/approve`).send({});
  assert.equal(ok.status, 200, ok.text);
  const decided = ["secadmin", "安全保密管理员", "sysadmin", "系统管理员"];
  assert.deepEqual(names(ok.body as Named), decided, "the decision's own answer");
  assert.deepEqual(names(await inList("approved", approved)), decided);
  const read = await detail(approved);
  assert.deepEqual(names(read), decided);
  assert.match(read.decidedBy ?? "", /^[0-9a-f-]{36}$/, "the id stays beside the name");

  // Withdrawn by the proposer: decided (decidedAt) but by no second admin.
  const { approvalId: cancelled } = await propose("tp-named-cancelled");
  assert.equal((await sec.post(`/api/v1/approvals/${cancelled}/cancel`)).status, 200);
  assert.deepEqual(names(await inList("cancelled", cancelled)), ["secadmin", "安全保密管理员", null, null]);
});

test("the ids a payload names come with their names (references), in the list and the detail", async () => {
  type WithRefs = { id: string; payload: Record<string, string>; references: Record<string, string> };
  const { userId, approvalId } = await propose("tp-referenced");
  const detail = (await audit.get(`/api/v1/approvals/${approvalId}`)).body as WithRefs;
  assert.equal(detail.payload.userId, userId);
  assert.deepEqual(detail.references, { [userId]: "用户 tp-referenced (tp-referenced)", [B.id]: "财务处" });
  const listed = ((await audit.get("/api/v1/approvals?status=pending&_end=200")).body as WithRefs[]).find(
    (a) => a.id === approvalId,
  );
  assert.deepEqual(listed?.references, detail.references);

  await requireTwoPersons(app, t, ["policy.publish"]);
  const policy = await sec.post("/api/v1/policies").send({
    name: "引用名称测试",
    document: { rules: [{ effect: "allow", actions: ["read"], resource: "Document" }] },
  });
  assert.equal(policy.status, 201, policy.text);
  const proposed = await sec.post(`/api/v1/policies/${policy.body.id}/publish`).send({ version: 1 });
  assert.equal(proposed.status, 202, proposed.text);
  const publish = (await audit.get(`/api/v1/approvals/${proposed.body.approvalId}`)).body as WithRefs;
  assert.deepEqual(publish.references, { [policy.body.id]: "引用名称测试" });
  assert.equal((await sec.post(`/api/v1/approvals/${proposed.body.approvalId}/cancel`)).status, 200);
  await requireTwoPersons(app, t, ["scopedAdmin.grant"]);
});

test("execution fails when the target changed meanwhile: status failed with the reason, nothing else changes", async () => {
  const { userId, approvalId } = await propose("tp-became-admin");
  // Meanwhile the user was given an admin role: a scoped admin it can no longer be.
  await app.database.db
    .insertInto("role_assignments")
    .values({ tenant_id: t, user_id: userId, role: "auditadmin" })
    .execute();
  const failures = await auditCount(app, { action: "approval.approve", result: "failure" });
  const res = await sys.post(`/api/v1/approvals/${approvalId}/approve`).send({});
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, "failed");
  assert.match(res.body.reason, /admin roles are never scoped admins/);
  assert.equal(await grantsOf(userId), 0, "nothing granted");
  assert.equal(await auditCount(app, { action: "approval.approve", result: "failure" }), failures + 1);
});

test("reject needs a reason; a decided proposal cannot be decided again", async () => {
  const { userId, approvalId } = await propose("tp-rejected");
  const noReason = await sys.post(`/api/v1/approvals/${approvalId}/reject`).send({});
  assert.equal(noReason.status, 400);
  const blank = await sys.post(`/api/v1/approvals/${approvalId}/reject`).send({ reason: "   " });
  assert.equal(blank.status, 400);
  const long = await sys.post(`/api/v1/approvals/${approvalId}/reject`).send({ reason: "x".repeat(501) });
  assert.equal(long.status, 400);
  const res = await sys.post(`/api/v1/approvals/${approvalId}/reject`).send({ reason: "not in this quarter" });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, "rejected");
  assert.equal(res.body.reason, "not in this quarter");
  assert.equal((await sys.post(`/api/v1/approvals/${approvalId}/approve`).send({})).status, 409);
  assert.equal(await grantsOf(userId), 0);
  assert.equal(await auditCount(app, { action: "approval.reject", result: "success" }), 1);
});

test("only the proposer cancels", async () => {
  const { approvalId } = await propose("tp-cancelled");
  const other = await sys.post(`/api/v1/approvals/${approvalId}/cancel`);
  assert.equal(other.status, 403);
  assert.equal(other.body.code, "NOT_PROPOSER");
  const res = await sec.post(`/api/v1/approvals/${approvalId}/cancel`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, "cancelled");
  assert.equal((await sys.post(`/api/v1/approvals/${approvalId}/approve`).send({})).status, 409);
});

test("a proposal past its expiry is expired when read or decided, and never carried out", async () => {
  const { userId, approvalId } = await propose("tp-expired");
  const { approvalId: second } = await propose("tp-expired-2");
  for (const id of [approvalId, second]) {
    await app.database.db
      .updateTable("approvals")
      .set({ created_at: new Date(Date.now() - 3 * 3_600_000), expires_at: new Date(Date.now() - 3_600_000) })
      .where("id", "=", id)
      .execute();
  }
  const expiries = await auditCount(app, { action: "approval.expire" });
  const res = await sys.post(`/api/v1/approvals/${approvalId}/approve`).send({});
  assert.equal(res.status, 409);
  assert.equal(res.body.code, "APPROVAL_EXPIRED");
  assert.equal(await grantsOf(userId), 0);
  const row = await app.database.db
    .selectFrom("approvals")
    .select("status")
    .where("id", "=", approvalId)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, "expired", "the expiry is kept although the approval was refused");

  const list = await audit.get("/api/v1/approvals?_end=200");
  assert.equal(list.status, 200);
  const seen = (list.body as { id: string; status: string }[]).find((a) => a.id === second);
  assert.equal(seen?.status, "expired", "reading expires it too");
  assert.equal(await auditCount(app, { action: "approval.expire" }), expiries + 2);
});

test("lists filter in SQL; bad ids and queries are refused; another tenant's proposal is not found", async () => {
  const page = await sys.get("/api/v1/approvals?_start=0&_end=2&_order=asc");
  assert.equal(page.status, 200);
  assert.equal(page.body.length, 2);
  assert.ok(Number(page.headers["x-total-count"]) >= 5);
  assert.equal((await sys.get("/api/v1/approvals?status=maybe")).status, 400);
  assert.equal((await sys.get("/api/v1/approvals/not-a-uuid")).status, 400);
  assert.equal((await sys.get(`/api/v1/approvals/${crypto.randomUUID()}`)).status, 404);
  assert.equal((await sys.post(`/api/v1/approvals/${crypto.randomUUID()}/approve`).send({})).status, 404);
  assert.equal((await sys.post(`/api/v1/approvals/${crypto.randomUUID()}/approve`).send({ extra: 1 })).status, 400);

  const other = await app.database.db
    .insertInto("tenants")
    .values({ code: "approvals-other", name: "另一租户" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const stranger = await createUser(app, other.id, "stranger");
  const foreign = await app.database.db
    .insertInto("approvals")
    .values({
      tenant_id: other.id,
      action: "scopedAdmin.grant",
      payload: JSON.stringify({}),
      proposed_by: stranger,
      proposer_role: "secadmin",
      expires_at: new Date(Date.now() + 3_600_000),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  assert.equal((await sys.get(`/api/v1/approvals/${foreign.id}`)).status, 404);
  assert.equal((await sys.post(`/api/v1/approvals/${foreign.id}/approve`).send({})).status, 404);
  const all = await sys.get("/api/v1/approvals?_end=200");
  assert.ok(!(all.body as { id: string }[]).some((a) => a.id === foreign.id));
});

test("securitySettings.update under the rule: 202, applied when sysadmin approves; a stale proposal fails", async () => {
  await requireTwoPersons(app, t, ["scopedAdmin.grant", "securitySettings.update"]);
  const read = await sec.get("/api/v1/security-settings");
  assert.equal(read.status, 200);
  const etag = read.headers.etag as string;
  const wanted = { ...read.body.settings, lockout: { ...read.body.settings.lockout, maxFailures: 4 } };
  const first = await sec.put("/api/v1/security-settings").set("if-match", etag).send({ settings: wanted });
  assert.equal(first.status, 202, first.text);
  const second = await sec
    .put("/api/v1/security-settings")
    .set("if-match", etag)
    .send({ settings: { ...wanted, lockout: { ...wanted.lockout, lockMinutes: 45 } } });
  assert.equal(second.status, 202);
  assert.equal((await sec.get("/api/v1/security-settings")).body.settings.lockout.maxFailures, 5, "not applied yet");

  const ok = await sys.post(`/api/v1/approvals/${first.body.approvalId}/approve`).send({});
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.status, "approved");
  const after = await sec.get("/api/v1/security-settings");
  assert.equal(after.body.settings.lockout.maxFailures, 4, "applied by the approval");
  assert.notEqual(after.headers.etag, etag);

  const stale = await sys.post(`/api/v1/approvals/${second.body.approvalId}/approve`).send({});
  assert.equal(stale.status, 200);
  assert.equal(stale.body.status, "failed", "proposed against a version that is no longer current");
  assert.match(stale.body.reason, /changed by someone else/);
  assert.equal((await sec.get("/api/v1/security-settings")).body.settings.lockout.lockMinutes, 30);

  const staleAtProposal = await sec.put("/api/v1/security-settings").set("if-match", etag).send({ settings: wanted });
  assert.equal(staleAtProposal.status, 409, "a proposal against an old version is refused at once");
});

test("policy.publish under the rule: 202, published when sysadmin approves", async () => {
  await requireTwoPersons(app, t, ["policy.publish"]);
  const created = await sec.post("/api/v1/policies").send({
    name: "双人复核测试",
    document: { rules: [{ effect: "allow", actions: ["read"], resource: "Document" }] },
  });
  assert.equal(created.status, 201, created.text);
  const proposed = await sec.post(`/api/v1/policies/${created.body.id}/publish`).send({ version: 1 });
  assert.equal(proposed.status, 202, proposed.text);
  assert.equal((await sec.get(`/api/v1/policies/${created.body.id}`)).body.publishedVersion, null);
  const generation = async () =>
    Number(
      (
        await app.database.db
          .selectFrom("policy_generations")
          .select("generation")
          .where("tenant_id", "=", t)
          .executeTakeFirst()
      )?.generation ?? 1,
    );
  const before = await generation();
  const ok = await sys.post(`/api/v1/approvals/${proposed.body.approvalId}/approve`).send({});
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.status, "approved", ok.body.reason);
  assert.equal((await sec.get(`/api/v1/policies/${created.body.id}`)).body.publishedVersion, 1);
  assert.equal(await generation(), before + 1, "publishing through an approval bumps the generation");
});

test("a scoped admin's delegation is a proposal too (proposer role user); it may cancel its own", async () => {
  await requireTwoPersons(app, t, ["scopedAdmin.grant"]);
  const m = [{ departmentId: B.id, dimensionId: dim }];
  const delegator = await createUser(app, t, "tp-delegator", m);
  const grantee = await createUser(app, t, "tp-delegatee", m);
  const secId = await app.database.db
    .selectFrom("users")
    .select("id")
    .where("username", "=", "secadmin")
    .where("tenant_id", "=", t)
    .executeTakeFirstOrThrow();
  // Written past the API, with the MAC every grant carries (authz/integrity.ts).
  const grant = {
    id: crypto.randomUUID(),
    tenant_id: t,
    user_id: delegator,
    dimension_id: dim,
    department_id: B.id,
    actions: ["view", "delegate"],
    granted_by: secId.id,
  };
  const facts = grantFacts({ ...grant, parent_grant_id: null, expires_at: null, revoked_at: null });
  await app.database.db
    .insertInto("scoped_admins")
    .values({ ...grant, mac: app.services.aclGuard.integrity.mac("scoped_admin", facts) })
    .execute();
  const d = await signInUser(app, "tp-delegator");
  const res = await d.post("/api/v1/scoped-admins").send({ userId: grantee, departmentId: B.id, actions: ["view"] });
  assert.equal(res.status, 202, res.text);
  const row = await sys.get(`/api/v1/approvals/${res.body.approvalId}`);
  assert.equal(row.body.proposerRole, "user");
  assert.equal((await d.get(`/api/v1/approvals/${res.body.approvalId}`)).status, 403, "no Approval rule of its own");
  const cancelled = await d.post(`/api/v1/approvals/${res.body.approvalId}/cancel`);
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.body.status, "cancelled");
  assert.equal(await grantsOf(grantee), 0);
});
