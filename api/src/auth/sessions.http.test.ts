import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { changeSettings, insertUser, login } from "../../../test/support/identity";
import { withTx } from "../db/tx";
import { generateOneTimePassword, revokeAllSessions, setPasswordByAdmin } from "./account-ops";
import { checkPassword } from "./password-policy";

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app?.close());

const userIdOf = async (username: string) =>
  (await app.database.db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirstOrThrow())
    .id;

describe("own sessions", () => {
  test("listed with the current one marked; another can be ended; others' are not found", async () => {
    const a = await app.signIn("sysadmin");
    const b = await app.signIn("sysadmin");
    const list = await a.get("/api/v1/auth/sessions");
    assert.equal(list.status, 200);
    assert.ok(Number(list.headers["x-total-count"]) >= 2);
    const current = list.body.filter((s: { current: boolean }) => s.current);
    assert.equal(current.length, 1);
    for (const s of list.body) {
      assert.equal(s.username, "sysadmin");
      assert.equal(s.mfaMethod, "sm2");
      assert.ok(s.createdAt && s.lastSeenAt && s.expiresAt && s.ip);
    }
    const bId = (await b.get("/api/v1/auth/sessions")).body.find((s: { current: boolean }) => s.current).id;
    assert.equal((await a.delete(`/api/v1/auth/sessions/${bId}`)).status, 204);
    assert.equal((await b.get("/api/v1/auth/me")).status, 401, "ended server-side");
    assert.equal((await a.delete(`/api/v1/auth/sessions/${bId}`)).status, 404, "already ended");

    const sec = await app.signIn("secadmin");
    const secId = (await sec.get("/api/v1/auth/sessions")).body[0].id;
    assert.equal((await a.delete(`/api/v1/auth/sessions/${secId}`)).status, 404, "not the caller's");
    assert.equal((await sec.get("/api/v1/auth/me")).status, 200);
    assert.equal((await a.delete("/api/v1/auth/sessions/not-a-session")).status, 400);
  });
});

describe("any account's sessions (sysadmin: read/delete Session)", () => {
  test("sysadmin lists one user's sessions and ends one; audited; other roles are refused", async () => {
    const sys = await app.signIn("sysadmin");
    const sec = await app.signIn("secadmin");
    const secId = await userIdOf("secadmin");
    const list = await sys.get(`/api/v1/sessions?userId=${secId}&_start=0&_end=50`);
    assert.equal(list.status, 200);
    assert.ok(list.body.length >= 1);
    assert.ok(list.body.every((s: { userId: string }) => s.userId === secId));
    assert.equal(Number(list.headers["x-total-count"]), list.body.length);
    const own = (await sec.get("/api/v1/auth/sessions")).body.find((s: { current: boolean }) => s.current);
    assert.equal((await sys.delete(`/api/v1/sessions/${own.id}`)).status, 204);
    assert.equal((await sec.get("/api/v1/auth/me")).status, 401);
    const [event] = await app.database.db
      .selectFrom("audit_events")
      .select(["detail", "actor_role", "target_id"])
      .where("action", "=", "auth.session.revoke")
      .orderBy("seq", "desc")
      .limit(1)
      .execute();
    assert.equal(event?.actor_role, "sysadmin");
    assert.equal(event?.target_id, own.id);
    assert.equal((event?.detail as { reason: string }).reason, "admin");
    assert.equal((await sys.delete(`/api/v1/sessions/${"0".repeat(64)}`)).status, 404);

    for (const role of ["secadmin", "auditadmin"] as const) {
      const agent = await app.signIn(role);
      assert.equal((await agent.get("/api/v1/sessions")).status, 403, role);
      assert.equal((await agent.delete(`/api/v1/sessions/${own.id}`)).status, 403, role);
    }
  });

  test("another tenant's sessions are invisible and answer 404", async () => {
    const tenant = await app.database.db
      .insertInto("tenants")
      .values({ code: "sessions-other", name: "另一租户" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const user = await app.database.db
      .insertInto("users")
      .values({ tenant_id: tenant.id, username: "someone", display_name: "someone", password_hash: "x" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const foreignId = "f".repeat(64);
    await app.database.db
      .insertInto("sessions")
      .values({
        id: foreignId,
        tenant_id: tenant.id,
        user_id: user.id,
        idle_timeout_seconds: 900,
        expires_at: new Date(Date.now() + 3_600_000),
      })
      .execute();
    const sys = await app.signIn("sysadmin");
    const all = await sys.get("/api/v1/sessions?_end=200");
    assert.ok(!all.body.some((s: { id: string }) => s.id === foreignId));
    assert.equal((await sys.get(`/api/v1/sessions?userId=${user.id}`)).body.length, 0);
    assert.equal((await sys.delete(`/api/v1/sessions/${foreignId}`)).status, 404);
  });
});

describe("timeouts and limits from the settings", () => {
  test("admins get the shorter admin idle timeout; the absolute lifetime is the setting's", async () => {
    await insertUser(app, { username: "he.yi", password: "He-Yi-Pass-2026!" });
    await app.signIn("auditadmin");
    await login(app, "he.yi", "He-Yi-Pass-2026!");
    const rows = await app.database.db
      .selectFrom("sessions")
      .innerJoin("users", "users.id", "sessions.user_id")
      .select(["users.username", "sessions.idle_timeout_seconds", "sessions.created_at", "sessions.expires_at"])
      .where("users.username", "in", ["auditadmin", "he.yi"])
      .orderBy("sessions.created_at", "desc")
      .execute();
    const admin = rows.find((r) => r.username === "auditadmin");
    const user = rows.find((r) => r.username === "he.yi");
    assert.equal(admin?.idle_timeout_seconds, 600);
    assert.equal(user?.idle_timeout_seconds, 900);
    const hours = ((user?.expires_at as Date).getTime() - (user?.created_at as Date).getTime()) / 3_600_000;
    assert.ok(Math.abs(hours - 8) < 0.01, `${hours} h`);
  });

  test("beyond maxConcurrent the oldest complete session ends (audited); half-signed-in ones push nobody out", async () => {
    const sec = await app.signIn("secadmin");
    assert.equal((await changeSettings(sec, (s) => (s.sessions.maxConcurrent = 2))).status, 200);
    await insertUser(app, { username: "chen.qi", password: "Chen-Qi-Pass-2026!" });
    const before = await auditCount(app, { action: "auth.session.revoke" });
    const s1 = await login(app, "chen.qi", "Chen-Qi-Pass-2026!");
    const s2 = await login(app, "chen.qi", "Chen-Qi-Pass-2026!");
    assert.equal((await s1.agent.get("/api/v1/auth/me")).status, 200);
    const s3 = await login(app, "chen.qi", "Chen-Qi-Pass-2026!");
    assert.equal((await s1.agent.get("/api/v1/auth/me")).status, 401, "the oldest ended");
    assert.equal((await s2.agent.get("/api/v1/auth/me")).status, 200);
    assert.equal((await s3.agent.get("/api/v1/auth/me")).status, 200);
    assert.equal(await auditCount(app, { action: "auth.session.revoke" }), before + 1);

    const sys1 = await app.signIn("sysadmin");
    const sys2 = await app.signIn("sysadmin");
    for (let i = 0; i < 3; i++) await app.signIn("sysadmin", { mfa: false });
    assert.equal((await sys1.get("/api/v1/auth/me")).status, 200, "password-only sessions evict nobody");
    assert.equal((await sys2.get("/api/v1/auth/me")).status, 200);
    assert.equal((await changeSettings(sec, (s) => (s.sessions.maxConcurrent = 3))).status, 200);
  });
});

describe("account operations other domains call", () => {
  test("revokeAllSessions ends every session of the account and says how many", async () => {
    await insertUser(app, { username: "lin.yi", password: "Lin-Yi-Pass-2026!" });
    const a = await login(app, "lin.yi", "Lin-Yi-Pass-2026!");
    const b = await login(app, "lin.yi", "Lin-Yi-Pass-2026!");
    const id = await userIdOf("lin.yi");
    assert.equal(await withTx(app.database.db, (tx) => revokeAllSessions(tx, id, "disabled")), 2);
    assert.equal((await a.agent.get("/api/v1/auth/me")).status, 401);
    assert.equal((await b.agent.get("/api/v1/auth/me")).status, 401);
    const reasons = await app.database.db
      .selectFrom("sessions")
      .select("revoke_reason")
      .where("user_id", "=", id)
      .execute();
    assert.deepEqual(
      reasons.map((r) => r.revoke_reason),
      ["disabled", "disabled"],
    );
  });

  test("setPasswordByAdmin: one-time password, forced change, sessions ended, remembered in the history", async () => {
    await insertUser(app, { username: "gao.er", password: "Gao-Er-Pass-2026!" });
    const before = await login(app, "gao.er", "Gao-Er-Pass-2026!");
    const id = await userIdOf("gao.er");
    const otp = generateOneTimePassword();
    assert.deepEqual(checkPassword(otp, { username: "gao.er" }), [], "meets the default policy");
    await withTx(app.database.db, (tx) => setPasswordByAdmin(tx, id, otp, app.config.pbkdf2Iterations));
    assert.equal((await before.agent.get("/api/v1/auth/me")).status, 401);
    assert.equal((await login(app, "gao.er", "Gao-Er-Pass-2026!")).res.status, 401);
    const after = await login(app, "gao.er", otp);
    assert.equal(after.res.status, 200);
    assert.equal(after.res.body.next, "change-password");
    const same = await after.agent.post("/api/v1/auth/password").send({ currentPassword: otp, newPassword: otp });
    assert.equal(same.status, 400);
    const done = await after.agent
      .post("/api/v1/auth/password")
      .send({ currentPassword: otp, newPassword: "Gao-Er-New-Pass-2026!" });
    assert.equal(done.status, 204);
    assert.equal((await after.agent.get("/api/v1/auth/me")).body.next, null);
  });
});
