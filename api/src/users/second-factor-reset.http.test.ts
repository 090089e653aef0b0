import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createMongoAbility } from "@casl/ability";
import supertest from "supertest";
import type { AppAbility } from "../../../policies/ability";
import { scopedAdminRules } from "../../../policies/scoped";
import { NEW_PASSWORD, startTestApp, type TestApp } from "../../../test/support/app";
import { login } from "../../../test/support/identity";
import { newSm2Key, signChallenge } from "../../../test/support/server-process";
import {
  type DepartmentFixture,
  makeDepartment,
  makeDimension,
  makeTenant,
  PERSON_PASSWORD,
  signedInPerson,
  username,
} from "./test-fixtures";

type Agent = ReturnType<typeof supertest.agent>;

let app: TestApp;
let sys: Agent;
before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
});
after(() => app?.close());

/** An ordinary account, signed in, that enrolled an SM2 key of its own accord. */
async function personWithKey(extra: Record<string, unknown> = {}) {
  const person = await signedInPerson(app, sys, extra, "mfa");
  const { agent } = person;
  const key = newSm2Key();
  const challenge = (await agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
  const registered = await agent.post("/api/v1/auth/mfa/sm2/register").send({
    publicKey: key.publicKey,
    label: "U 盾",
    challengeId: challenge.challengeId,
    signature: signChallenge(challenge.nonce, key),
  });
  assert.equal(registered.status, 201, registered.text);
  return person;
}

const factorCount = async (userId: string) =>
  (await app.database.db.selectFrom("mfa_factors").select("id").where("user_id", "=", userId).execute()).length;
const recoveryCodeCount = async (userId: string) =>
  (await app.database.db.selectFrom("mfa_recovery_codes").select("id").where("user_id", "=", userId).execute()).length;

async function userIdOf(name: string): Promise<string> {
  const row = await app.database.db
    .selectFrom("users")
    .select("id")
    .where("tenant_id", "=", app.platformTenantId)
    .where("username", "=", name)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The account as sysadmin reads it, with the ETag to send back. */
async function read(id: string): Promise<{ version: number; etag: string }> {
  const res = await sys.get(`/api/v1/users/${id}`);
  assert.equal(res.status, 200, res.text);
  return { version: res.body.version, etag: String(res.headers.etag) };
}

const reset = (agent: Agent, id: string, etag?: string) => {
  const req = agent.post(`/api/v1/users/${id}/reset-second-factor`);
  return etag === undefined ? req : req.set("if-match", etag);
};

async function lastResetEvent(targetId: string) {
  return app.database.db
    .selectFrom("audit_events")
    .select(["actor_name", "result", "detail"])
    .where("action", "=", "user.second_factor.reset")
    .where("target_id", "=", targetId)
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
}

describe("POST /users/:id/reset-second-factor", () => {
  test("sysadmin resets an admin's factor: factors and codes gone, sessions ended, enrolment next, audited", async () => {
    const sec = await app.signIn("secadmin");
    const secId = await userIdOf("secadmin");
    assert.equal(await factorCount(secId), 1, "the harness key");
    assert.equal(await recoveryCodeCount(secId), 10, "enrolling the first factor at sign-in gave recovery codes");
    const before = await read(secId);

    const res = await reset(sys, secId, before.etag);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.version, before.version + 1, "the version moves on");
    assert.equal(res.headers.etag, `"${before.version + 1}"`);
    assert.equal(await factorCount(secId), 0);
    assert.equal(await recoveryCodeCount(secId), 0);
    assert.equal((await sec.get("/api/v1/auth/me")).status, 401, "the open session has ended");

    const again = await login(app, "secadmin", NEW_PASSWORD);
    assert.equal(again.res.status, 200);
    assert.equal(again.res.body.next, "mfa-enroll", "an admin must enrol a new factor at the next sign-in");
    assert.deepEqual(again.res.body.mfa, { required: true, verified: false, enrolled: [] });
    assert.equal((await again.agent.get("/api/v1/security-settings")).body.code, "MFA_REQUIRED");

    const event = await lastResetEvent(secId);
    assert.equal(event?.result, "success");
    assert.equal(event?.actor_name, "sysadmin");
    const detail = event?.detail as Record<string, unknown>;
    assert.equal(detail.factorsRemoved, 1);
    assert.equal(detail.recoveryCodesRemoved, 10);
    assert.ok((detail.sessionsRevoked as number) >= 1);
    const [ended] = await app.database.db
      .selectFrom("sessions")
      .select("revoke_reason")
      .where("user_id", "=", secId)
      .where("revoke_reason", "=", "factor_removed")
      .execute();
    assert.ok(ended, "the sessions are revoked as factor_removed");

    // The harness enrols again on its next sign-in: the account works as before.
    const back = await app.signIn("secadmin");
    assert.equal((await back.get("/api/v1/auth/me")).body.next, null);
    assert.equal(await factorCount(secId), 1);
  });

  test("an ordinary account's voluntary factor is removed; without a requirement it signs in with the password", async () => {
    const p = await personWithKey();
    assert.equal((await login(app, p.name, PERSON_PASSWORD)).res.body.next, "mfa-verify", "the key is required now");
    const res = await reset(sys, p.id, (await read(p.id)).etag);
    assert.equal(res.status, 200, res.text);
    assert.equal((await p.agent.get("/api/v1/auth/me")).status, 401);
    const again = await login(app, p.name, PERSON_PASSWORD);
    assert.equal(again.res.body.next, null);
    assert.deepEqual(again.res.body.mfa, { required: false, verified: false, enrolled: [] });
  });

  test("If-Match is required (428) and must be current (409); nothing changes either way", async () => {
    const p = await personWithKey();
    const { etag, version } = await read(p.id);
    const missing = await reset(sys, p.id);
    assert.equal(missing.status, 428);
    assert.equal(missing.body.code, "IF_MATCH_REQUIRED");
    assert.ok(missing.body.zh);
    const stale = await reset(sys, p.id, `"${version - 1}"`);
    assert.equal(stale.status, 409);
    assert.equal(stale.body.code, "VERSION_CONFLICT");
    assert.equal(await factorCount(p.id), 1);
    assert.equal((await p.agent.get("/api/v1/auth/me")).status, 200, "the session is still open");
    assert.equal((await read(p.id)).etag, etag, "the version did not move");
    assert.equal((await lastResetEvent(p.id))?.result, "failure", "the refusal is audited");
  });

  test("secadmin and auditadmin may not reset anyone's factor (403)", async () => {
    const p = await personWithKey();
    const { etag } = await read(p.id);
    for (const role of ["secadmin", "auditadmin"] as const) {
      const agent = await app.signIn(role);
      const res = await reset(agent, p.id, etag);
      assert.equal(res.status, 403, `${role}: ${res.text}`);
    }
    assert.equal(await factorCount(p.id), 1);
  });

  test("nobody resets their own factor this way (409 SELF_CHANGE)", async () => {
    const sysId = await userIdOf("sysadmin");
    const res = await reset(sys, sysId, (await read(sysId)).etag);
    assert.equal(res.status, 409);
    assert.equal(res.body.code, "SELF_CHANGE");
    assert.match(res.body.zh, /自己/);
    assert.equal(await factorCount(sysId), 1, "the factor stays");
    assert.equal((await sys.get("/api/v1/auth/me")).status, 200, "and so does the session");
    assert.equal((await lastResetEvent(sysId))?.result, "failure");
  });

  test("an unknown account, and another tenant's, answer 404", async () => {
    const unknown = await reset(sys, "00000000-0000-4000-8000-000000000000", '"1"');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, "USER_NOT_FOUND");
    const tenantId = await makeTenant(app.database.db);
    const foreign = await app.database.db
      .insertInto("users")
      .values({ tenant_id: tenantId, username: username("far"), display_name: "外租户", password_hash: "x" })
      .returning("id")
      .executeTakeFirstOrThrow();
    assert.equal((await reset(sys, foreign.id, '"1"')).status, 404);
    assert.equal((await reset(sys, "not-a-uuid", '"1"')).status, 400);
  });

  test("a scoped admin with users.manage resets people in its subtree only", async () => {
    const t = app.platformTenantId;
    const dim = await makeDimension(app.database.db, t);
    const unit: DepartmentFixture = await makeDepartment(app.database.db, { tenantId: t, dimensionId: dim });
    const elsewhere = await makeDepartment(app.database.db, { tenantId: t, dimensionId: dim });
    const inside = await personWithKey({ memberships: [{ departmentId: unit.id }] });
    const outside = await personWithKey({ memberships: [{ departmentId: elsewhere.id }] });

    const name = username("scoped");
    const created = await sys.post("/api/v1/users").send({ username: name, displayName: "分级管理员" });
    const agent = supertest.agent(app.app);
    await agent.post("/api/v1/auth/login").send({ username: name, password: created.body.oneTimePassword });
    await agent
      .post("/api/v1/auth/password")
      .send({ currentPassword: created.body.oneTimePassword, newPassword: "Scoped-Admin-2026#x" });
    const previous = app.services.authz;
    const ability: AppAbility = createMongoAbility(
      scopedAdminRules([{ id: "g1", dimensionId: dim, departmentId: unit.id, actions: ["users.manage"] }]),
    );
    app.services.authz = {
      ...previous,
      abilityFor: async (principal, env) =>
        principal.userId === created.body.user.id ? ability : previous.abilityFor(principal, env),
    };
    try {
      const ok = await reset(agent, inside.id, (await read(inside.id)).etag);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(await factorCount(inside.id), 0);
      const far = await reset(agent, outside.id, (await read(outside.id)).etag);
      assert.equal(far.status, 404, "outside the subtree: as if absent");
      assert.equal(await factorCount(outside.id), 1);
    } finally {
      app.services.authz = previous;
    }
  });
});
