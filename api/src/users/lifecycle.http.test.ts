import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import supertest from "supertest";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { createPeople, identityAccountOps } from "./people";
import { ERASED_DISPLAY_NAME } from "./erasure";
import { makeDepartment, makeDimension, PERSON_PASSWORD, signedInPerson } from "./test-fixtures";

let app: TestApp;
let sys: ReturnType<typeof supertest.agent>;
before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
});
after(() => app?.close());

const NEW_PASSWORD = PERSON_PASSWORD;

/** Creates an account and signs it in as the person would (one-time password, then a new one). */
const person = (extra: Record<string, unknown> = {}) => signedInPerson(app, sys, extra);

const signedIn = async (agent: ReturnType<typeof supertest.agent>) =>
  (await agent.get("/api/v1/auth/me")).status === 200;

test("disable revokes every session and blocks sign-in; enable lets the person back in", async () => {
  const p = await person();
  assert.ok(await signedIn(p.agent));
  const res = await sys.post(`/api/v1/users/${p.id}/disable`);
  assert.equal(res.status, 200);
  assert.equal(res.body.status, "disabled");
  assert.equal(await signedIn(p.agent), false, "the existing session is gone");
  const login = await supertest(app.app).post("/api/v1/auth/login").send({ username: p.name, password: NEW_PASSWORD });
  assert.equal(login.status, 401);
  const again = await sys.post(`/api/v1/users/${p.id}/disable`);
  assert.equal(again.body.version, res.body.version, "disabling twice changes nothing");
  const enabled = await sys.post(`/api/v1/users/${p.id}/enable`).set("if-match", `"${res.body.version}"`);
  assert.equal(enabled.status, 200);
  assert.equal(enabled.body.status, "active");
  const back = await supertest(app.app).post("/api/v1/auth/login").send({ username: p.name, password: NEW_PASSWORD });
  assert.equal(back.status, 200);
  const stale = await sys.post(`/api/v1/users/${p.id}/disable`).set("if-match", `"${res.body.version}"`);
  assert.equal(stale.status, 409, "a stale If-Match on a lifecycle action is refused too");
});

test("unlock clears failed sign-ins and the lockout", async () => {
  const p = await person();
  await app.database.db
    .updateTable("users")
    .set({ failed_logins: 5, locked_until: new Date(Date.now() + 30 * 60_000) })
    .where("id", "=", p.id)
    .execute();
  const locked = await sys.get(`/api/v1/users/${p.id}`);
  assert.equal(locked.body.locked, true);
  const res = await sys.post(`/api/v1/users/${p.id}/unlock`);
  assert.equal(res.status, 200);
  assert.equal(res.body.locked, false);
  assert.equal(res.body.lockedUntil, null);
  const row = await app.database.db
    .selectFrom("users")
    .select(["failed_logins"])
    .where("id", "=", p.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.failed_logins, 0);
});

test("reset password: a new one-time password, sessions revoked, change forced at next sign-in", async () => {
  const p = await person();
  const res = await sys.post(`/api/v1/users/${p.id}/reset-password`);
  assert.equal(res.status, 200);
  assert.equal(typeof res.body.oneTimePassword, "string");
  assert.equal(await signedIn(p.agent), false);
  const old = await supertest(app.app).post("/api/v1/auth/login").send({ username: p.name, password: NEW_PASSWORD });
  assert.equal(old.status, 401, "the old password no longer works");
  const agent = supertest.agent(app.app);
  const login = await agent.post("/api/v1/auth/login").send({ username: p.name, password: res.body.oneTimePassword });
  assert.equal(login.status, 200);
  assert.equal(login.body.mustChangePassword, true);
  const audit = await app.database.db
    .selectFrom("audit_events")
    .select("detail")
    .where("action", "=", "user.password.reset")
    .where("target_id", "=", p.id)
    .executeTakeFirstOrThrow();
  assert.ok(!JSON.stringify(audit.detail).includes(res.body.oneTimePassword));
});

test("the tenant's only holder of an admin role cannot be disabled or deleted; nor can sysadmin remove itself", async () => {
  const users = await sys.get("/api/v1/users?_start=0&_end=200");
  const byRole = new Map(users.body.map((u: { role: string | null; id: string }) => [u.role, u.id]));
  for (const role of ["secadmin", "auditadmin"]) {
    const id = byRole.get(role) as string;
    const disable = await sys.post(`/api/v1/users/${id}/disable`);
    assert.equal(disable.status, 409, role);
    assert.equal(disable.body.code, "LAST_ADMIN_OF_ROLE");
    assert.match(disable.body.zh, /唯一/);
    const got = await sys.get(`/api/v1/users/${id}`);
    const del = await sys.delete(`/api/v1/users/${id}`).set("if-match", String(got.headers.etag));
    assert.equal(del.status, 409);
  }
  const self = byRole.get("sysadmin") as string;
  const disableSelf = await sys.post(`/api/v1/users/${self}/disable`);
  assert.equal(disableSelf.status, 409);
  assert.equal(disableSelf.body.code, "SELF_CHANGE");
  assert.ok((await auditCount(app, { action: "user.disable", result: "failure" })) >= 3, "refusals are audited");
  // A second secadmin (granted directly here) makes the first one's disablement possible.
  const second = await person();
  await app.database.db
    .insertInto("role_assignments")
    .values({ tenant_id: app.platformTenantId, user_id: second.id, role: "secadmin" })
    .execute();
  const ok = await sys.post(`/api/v1/users/${byRole.get("secadmin")}/disable`);
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await sys.post(`/api/v1/users/${second.id}/disable`)).status, 409, "now the second is the last one");
  assert.equal((await sys.post(`/api/v1/users/${byRole.get("secadmin")}/enable`)).status, 200);
});

test("delete is soft: sessions revoked, memberships left, erase_after from the settings; erasure later wipes personal data", async () => {
  const t = app.platformTenantId;
  const dim = await makeDimension(app.database.db, t);
  const dept = await makeDepartment(app.database.db, { tenantId: t, dimensionId: dim });
  const p = await person({
    employeeNo: "ERASE-1",
    phone: "13612345678",
    email: "erase.me@example.cn",
    attributes: { clearance: "secret" },
    memberships: [{ departmentId: dept.id }],
  });
  const got = await sys.get(`/api/v1/users/${p.id}`);
  assert.equal((await sys.delete(`/api/v1/users/${p.id}`)).status, 428, "If-Match required for a delete");
  const del = await sys.delete(`/api/v1/users/${p.id}`).set("if-match", String(got.headers.etag));
  assert.equal(del.status, 204);
  assert.equal(await signedIn(p.agent), false);
  const deleted = await sys.get(`/api/v1/users/${p.id}`);
  assert.equal(deleted.body.status, "deleted");
  assert.deepEqual(deleted.body.memberships, []);
  const days = (Date.parse(deleted.body.eraseAfter) - Date.parse(deleted.body.deletedAt)) / 86_400_000;
  assert.equal(days, 30, "settings.accounts.erasureDays (default 30)");
  const patch = await sys
    .patch(`/api/v1/users/${p.id}`)
    .set("if-match", `"${deleted.body.version}"`)
    .send({ displayName: "复活" });
  assert.equal(patch.status, 409);
  assert.equal(patch.body.code, "USER_DELETED");

  // The erasure job with an injected clock: not yet due, then due.
  const people = createPeople({
    db: app.database.db,
    fields: app.services.fields,
    pbkdf2Iterations: 100_000,
    accounts: identityAccountOps,
  });
  assert.equal(await people.eraseDue(new Date(Date.parse(deleted.body.eraseAfter) - 60_000)), 0);
  const stillThere = await app.database.db
    .selectFrom("users")
    .selectAll()
    .where("id", "=", p.id)
    .executeTakeFirstOrThrow();
  assert.ok(stillThere.phone_enc);
  const findable = await sys.get("/api/v1/users?status=deleted&phone=13612345678");
  assert.equal(findable.body.length, 1, "until erasure the deleted account is still findable by an admin");
  assert.ok(((await people.eraseDue(new Date(Date.parse(deleted.body.eraseAfter) + 60_000))) ?? 0) >= 1);
  const erased = await app.database.db.selectFrom("users").selectAll().where("id", "=", p.id).executeTakeFirstOrThrow();
  assert.equal(erased.display_name, ERASED_DISPLAY_NAME);
  assert.equal(erased.username, `erased-${p.id}`);
  for (const column of ["employee_no", "phone_enc", "phone_bidx", "phone_last4", "email_enc", "email_bidx"] as const) {
    assert.equal(erased[column], null, column);
  }
  assert.equal(erased.name_pinyin, "");
  assert.equal(erased.name_initials, "");
  assert.deepEqual(erased.attributes, {});
  assert.ok(erased.erased_at);
  assert.ok(!erased.password_hash.startsWith("pbkdf2"), "the password hash is gone");
  const history = await app.database.db
    .selectFrom("password_history")
    .select("id")
    .where("user_id", "=", p.id)
    .execute();
  assert.equal(history.length, 0);
  const login = await supertest(app.app).post("/api/v1/auth/login").send({ username: p.name, password: NEW_PASSWORD });
  assert.equal(login.status, 401);
  assert.equal((await auditCount(app, { action: "user.erase" })) >= 1, true);
  assert.equal(await people.eraseDue(new Date(Date.parse(deleted.body.eraseAfter) + 120_000)), 0, "erased once");
  for (const query of ["q=ERASE-1", "phone=13612345678", "email=erase.me@example.cn", "q=yuangong"]) {
    const list = await sys.get(`/api/v1/users?status=deleted&${query}`);
    assert.equal(list.body.length, 0, `nothing found by ${query}`);
  }
});
