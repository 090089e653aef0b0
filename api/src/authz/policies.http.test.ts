import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type supertest from "supertest";
import { unpackRules } from "@casl/ability/extra";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { departmentChain, makeUser } from "./test-fixtures";

let app: TestApp;
let sec: ReturnType<typeof supertest.agent>;
let dept: string[];
let alice: string;
let bob: string;

const CLASSIFIED = {
  rules: [
    {
      effect: "allow",
      actions: ["read"],
      resource: "Document",
      conditions: [
        { attribute: "resource.classificationLevel", operator: "lte", value: { ref: "subject.clearanceLevel" } },
      ],
    },
  ],
};

before(async () => {
  app = await startTestApp();
  sec = await app.signIn("secadmin");
  dept = await departmentChain(app.database.db, app.platformTenantId, ["总部", "财务处"]);
  alice = await makeUser(app.database.db, app.platformTenantId, {
    username: "alice",
    clearanceLevel: 3,
    departmentId: dept[1],
  });
  bob = await makeUser(app.database.db, app.platformTenantId, {
    username: "bob",
    clearanceLevel: 1,
    departmentId: dept[0],
  });
});
after(() => app?.close());

const count = async (table: "policies" | "policy_versions") =>
  Number(
    (
      await app.database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );
const generation = async () =>
  (
    await app.database.db
      .selectFrom("policy_generations")
      .select("generation")
      .where("tenant_id", "=", app.platformTenantId)
      .executeTakeFirst()
  )?.generation ?? "1";

test("bad documents: 400 with the path of each error, nothing written, the refusal audited", async () => {
  const [policies, versions] = [await count("policies"), await count("policy_versions")];
  const failures = await auditCount(app, { action: "policy.create", result: "failure" });
  const res = await sec.post("/api/v1/policies").send({
    name: "bad",
    document: {
      rules: [
        {
          effect: "allow",
          actions: ["read"],
          resource: "Document",
          conditions: [
            { attribute: "subject.shoeSize", operator: "eq", value: 42 },
            { attribute: "environment.ip", operator: "inCidr", value: ["10.0.0.0/33"] },
          ],
        },
      ],
    },
  });
  assert.equal(res.status, 400);
  assert.equal(res.body.code, "POLICY_INVALID");
  assert.deepEqual(
    res.body.errors.map((e: { path: string }) => e.path),
    ["body.document.rules.0.conditions.0.attribute", "body.document.rules.0.conditions.1.value.0"],
  );
  const op = await sec.post("/api/v1/policies").send({
    name: "bad-op",
    document: {
      rules: [
        {
          effect: "allow",
          actions: ["read"],
          resource: "Document",
          conditions: [{ attribute: "subject.role", operator: "regex", value: "x" }],
        },
      ],
    },
  });
  assert.equal(op.status, 400);
  assert.equal(op.body.errors[0].path, "body.document.rules.0.conditions.0.operator");
  const superAdmin = await sec.post("/api/v1/policies").send({
    name: "grant myself audit",
    document: { rules: [{ effect: "allow", actions: ["read"], resource: "AuditEvent" }] },
  });
  assert.equal(superAdmin.status, 400);
  assert.equal(superAdmin.body.errors[0].path, "body.document.rules.0.effect");
  assert.equal(await count("policies"), policies);
  assert.equal(await count("policy_versions"), versions);
  assert.equal(await auditCount(app, { action: "policy.create", result: "failure" }), failures + 2);
});

test("draft → published → new draft → publish → restore: versions, ETags, audit, generations", async () => {
  const created = await sec
    .post("/api/v1/policies")
    .send({ name: "密级", description: "按密级阅读", document: CLASSIFIED });
  assert.equal(created.status, 201);
  const id = created.body.id as string;
  assert.equal(created.body.publishedVersion, null);
  assert.equal(created.body.latestVersion, 1);

  const dup = await sec.post("/api/v1/policies").send({ name: "密级", document: CLASSIFIED });
  assert.equal(dup.status, 409);

  const g0 = await generation();
  const audits = await auditCount(app, { action: "policy.publish", result: "success" });
  const pub = await sec.post(`/api/v1/policies/${id}/publish`).send({ version: 1 });
  assert.equal(pub.status, 200);
  assert.equal(pub.body.publishedVersion, 1);
  assert.equal(BigInt(await generation()), BigInt(g0) + 1n, "publishing bumps the generation");
  assert.equal(await auditCount(app, { action: "policy.publish", result: "success" }), audits + 1);

  const v2 = await sec.post(`/api/v1/policies/${id}/versions`).send({
    document: { rules: [{ ...CLASSIFIED.rules[0], actions: ["read", "download"] }] },
  });
  assert.equal(v2.status, 201);
  assert.equal(v2.body.version, 2);
  assert.equal(v2.body.status, "draft");
  const g1 = await generation();
  assert.equal(g1, await generation(), "a draft changes no decision and keeps the generation");

  assert.equal((await sec.post(`/api/v1/policies/${id}/publish`).send({ version: 2 })).status, 200);
  const versions = await sec.get(`/api/v1/policies/${id}/versions`);
  assert.equal(versions.headers["x-total-count"], "2");
  assert.deepEqual(
    versions.body.map((v: { version: number; status: string }) => [v.version, v.status]),
    [
      [2, "published"],
      [1, "superseded"],
    ],
  );

  // Restore v1 as a new draft (v3), then republish v1 itself.
  const restored = await sec.post(`/api/v1/policies/${id}/restore`).send({ version: 1 });
  assert.equal(restored.status, 201);
  assert.equal(restored.body.version, 3);
  assert.deepEqual(restored.body.document, CLASSIFIED);
  assert.equal((await sec.post(`/api/v1/policies/${id}/publish`).send({ version: 1 })).status, 200);
  const again = await sec.post(`/api/v1/policies/${id}/publish`).send({ version: 1 });
  assert.equal(again.status, 409);
  assert.equal((await sec.post(`/api/v1/policies/${id}/publish`).send({ version: 99 })).status, 404);

  // Optimistic concurrency on the policy itself.
  const got = await sec.get(`/api/v1/policies/${id}`);
  const etag = got.headers.etag as string;
  assert.match(etag, /^"\d+"$/);
  const renamed = await sec.patch(`/api/v1/policies/${id}`).set("if-match", etag).send({ name: "密级阅读" });
  assert.equal(renamed.status, 200);
  const stale = await sec.patch(`/api/v1/policies/${id}`).set("if-match", etag).send({ name: "x" });
  assert.equal(stale.status, 409);
  assert.equal((await sec.patch(`/api/v1/policies/${id}`).send({ name: "y" })).status, 428);

  const list = await sec.get("/api/v1/policies?status=published&_start=0&_end=10");
  assert.equal(list.status, 200);
  assert.ok(list.body.some((p: { id: string }) => p.id === id));
  assert.equal(Number(list.headers["x-total-count"]), list.body.length);
});

test("the simulator explains a decision; the diff lists what a draft would change", async () => {
  const list = await sec.get("/api/v1/policies?q=密级");
  const id = list.body[0].id as string;
  const sim = await sec.post("/api/v1/policies/simulate").send({
    subject: { userId: alice },
    action: "read",
    resource: { type: "Document", attributes: { classificationLevel: 3 } },
  });
  assert.equal(sim.status, 200);
  assert.equal(sim.body.allowed, true);
  assert.equal(sim.body.decisive[0].source.kind, "policy");
  assert.equal(sim.body.decisive[0].source.policyId, id);
  assert.equal(sim.body.decisive[0].source.ruleIndex, 0);
  const bobSim = await sec.post("/api/v1/policies/simulate").send({
    subject: { userId: bob },
    action: "read",
    resource: { type: "Document", attributes: { classificationLevel: 3 } },
  });
  assert.equal(bobSim.body.allowed, false);
  assert.deepEqual(bobSim.body.decisive, []);
  assert.equal(bobSim.body.considered[0].matched, false);

  // A draft that only lets the finance department read: alice keeps access, bob loses his level-0/1 reads.
  const draft = await sec.post(`/api/v1/policies/${id}/versions`).send({
    document: {
      rules: [
        {
          ...CLASSIFIED.rules[0],
          conditions: [
            ...(CLASSIFIED.rules[0]?.conditions ?? []),
            { attribute: "subject.departmentPath", operator: "contains", value: dept[1] },
          ],
        },
      ],
    },
  });
  const withDraft = await sec.post("/api/v1/policies/simulate").send({
    subject: { userId: bob },
    action: "read",
    resource: { type: "Document", attributes: { classificationLevel: 0 } },
    draft: { policyId: id, version: draft.body.version },
  });
  assert.equal(withDraft.body.allowed, false);
  assert.match(
    withDraft.body.considered.find((r: { notes?: string[] }) => r.notes)?.notes[0],
    /departmentPath contains/,
  );

  const diff = await sec.post("/api/v1/policies/diff").send({ policyId: id, version: draft.body.version });
  assert.equal(diff.status, 200);
  assert.ok(diff.body.evaluated > 0);
  const changed = new Set(diff.body.changes.map((c: { subject: { username: string } }) => c.subject.username));
  assert.ok(changed.has("bob"), "bob loses access");
  assert.ok(!changed.has("alice"), "alice keeps hers");
  assert.ok(diff.body.changes.every((c: { before: boolean; after: boolean }) => c.before && !c.after));

  const missing = await sec.post("/api/v1/policies/simulate").send({
    subject: { userId: "00000000-0000-4000-8000-000000000009" },
    action: "read",
    resource: { type: "Document" },
  });
  assert.equal(missing.status, 404);
});

test("deny policies narrow the admins' own rules, in /auth/me too; a publish may not lock its author out", async () => {
  const denyDelete = await sec.post("/api/v1/policies").send({
    name: "no user deletion without mfa",
    document: {
      rules: [
        {
          effect: "deny",
          actions: ["delete"],
          resource: "User",
          conditions: [{ attribute: "environment.mfa", operator: "eq", value: false }],
        },
      ],
    },
  });
  assert.equal(denyDelete.status, 201);
  assert.equal((await sec.post(`/api/v1/policies/${denyDelete.body.id}/publish`).send({ version: 1 })).status, 200);
  // sysadmin signed in with a second factor: the deny does not apply to it.
  const sys = await app.signIn("sysadmin");
  const me = await sys.get("/api/v1/auth/me");
  const rules = unpackRules(me.body.rules as never) as { subject: string | string[]; inverted?: boolean }[];
  assert.ok(rules.some((r) => ([] as string[]).concat(r.subject).includes("User")));
  assert.ok(!rules.some((r) => r.inverted), "no deny applies to a session with a second factor");

  const lockout = await sec.post("/api/v1/policies").send({
    name: "freeze policies",
    document: { rules: [{ effect: "deny", actions: ["update"], resource: "Policy" }] },
  });
  assert.equal(lockout.status, 201);
  const before = await generation();
  const refused = await sec.post(`/api/v1/policies/${lockout.body.id}/publish`).send({ version: 1 });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code, "POLICY_LOCKOUT");
  assert.equal(await generation(), before, "nothing was published");
  assert.equal((await sec.get(`/api/v1/policies/${lockout.body.id}`)).body.publishedVersion, null);

  // A deny the author is not subject to is fine, and takes effect for the others at once.
  const noAuditExport = await sec.post("/api/v1/policies").send({
    name: "no audit export",
    document: { rules: [{ effect: "deny", actions: ["export"], resource: "AuditEvent" }] },
  });
  assert.equal((await sec.post(`/api/v1/policies/${noAuditExport.body.id}/publish`).send({ version: 1 })).status, 200);
  const aud = await app.signIn("auditadmin");
  const audMe = await aud.get("/api/v1/auth/me");
  const audRules = unpackRules(audMe.body.rules as never) as { inverted?: boolean; subject: string | string[] }[];
  assert.ok(audRules.some((r) => r.inverted && ([] as string[]).concat(r.subject).includes("AuditEvent")));
  const denied = await aud.get("/api/v1/audit/events");
  assert.equal(denied.status, 200, "reading stays allowed: the deny names export only");
});

test("the duty matrix still rules the policy API: sysadmin and auditadmin may not touch policies; other tenants' are 404", async () => {
  const sys = await app.signIn("sysadmin");
  assert.equal((await sys.get("/api/v1/policies")).status, 403);
  assert.equal((await sys.post("/api/v1/policies").send({ name: "x", document: CLASSIFIED })).status, 403);
  const aud = await app.signIn("auditadmin");
  assert.equal((await aud.post("/api/v1/policies/simulate").send({})).status, 403);
  const other = await app.database.db
    .insertInto("tenants")
    .values({ code: "other-authz", name: "其他" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const foreign = await app.database.db
    .insertInto("policies")
    .values({ tenant_id: other.id, name: "foreign" })
    .returning("id")
    .executeTakeFirstOrThrow();
  assert.equal((await sec.get(`/api/v1/policies/${foreign.id}`)).status, 404);
  assert.equal((await sec.post(`/api/v1/policies/${foreign.id}/publish`).send({ version: 1 })).status, 404);
  const list = await sec.get("/api/v1/policies?_end=200");
  assert.ok(!list.body.some((p: { id: string }) => p.id === foreign.id));
});
