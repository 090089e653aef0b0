import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { auditCount, INIT_PASSWORDS, NEW_PASSWORD, startTestApp, type TestApp } from "../../../test/support/app";

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app?.close());

function sessionCookie(setCookie: string[] | string | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = all.find((c) => c.startsWith("tianshu_sid="));
  assert.ok(found, "a session cookie is set");
  return found;
}

describe("login", () => {
  test("right password: 200 with identity and an HttpOnly, SameSite=Strict session cookie; audited", async () => {
    const before = await auditCount(app, { action: "auth.login", result: "success" });
    const res = await app.http
      .post("/api/v1/auth/login")
      .send({ username: "secadmin", password: INIT_PASSWORDS.secadmin });
    assert.equal(res.status, 200);
    assert.equal(res.body.role, "secadmin");
    assert.equal(res.body.mustChangePassword, true);
    assert.equal(res.body.user.username, "secadmin");
    assert.equal(res.body.user.password_hash, undefined);
    const cookie = sessionCookie(res.headers["set-cookie"]);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.match(cookie, /Path=\//);
    assert.equal(await auditCount(app, { action: "auth.login", result: "success" }), before + 1);
  });

  test("wrong password and unknown user: the same 401 message, both audited as failures", async () => {
    const before = await auditCount(app, { action: "auth.login", result: "failure" });
    const wrong = await app.http.post("/api/v1/auth/login").send({ username: "sysadmin", password: "nope-nope-nope" });
    const unknown = await app.http.post("/api/v1/auth/login").send({ username: "nobody", password: "nope-nope-nope" });
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 401);
      assert.match(res.headers["content-type"] ?? "", /application\/problem\+json/);
      assert.equal(res.body.code, "INVALID_CREDENTIALS");
      assert.equal(res.body.zh, "用户名或密码错误。");
      assert.equal(res.headers["set-cookie"], undefined);
    }
    assert.equal(wrong.body.detail, unknown.body.detail);
    assert.equal(await auditCount(app, { action: "auth.login", result: "failure" }), before + 2);
    const rows = await app.database.db
      .selectFrom("audit_events")
      .select(["actor_name", "detail", "ip", "request_id"])
      .where("action", "=", "auth.login")
      .where("result", "=", "failure")
      .orderBy("seq", "desc")
      .limit(2)
      .execute();
    assert.deepEqual(rows.map((r) => r.actor_name).sort(), ["nobody", "sysadmin"]);
    assert.deepEqual(rows.map((r) => r.detail.reason).sort(), ["unknown_user", "wrong_password"]);
    for (const r of rows) {
      assert.ok(r.ip, "client IP recorded");
      assert.ok(r.request_id, "request id recorded");
    }
  });

  test("a disabled account cannot sign in, with the generic message", async () => {
    const app2 = await startTestApp();
    try {
      await app2.database.db
        .updateTable("users")
        .set({ status: "disabled" })
        .where("username", "=", "sysadmin")
        .execute();
      const res = await app2.http
        .post("/api/v1/auth/login")
        .send({ username: "sysadmin", password: INIT_PASSWORDS.sysadmin });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, "INVALID_CREDENTIALS");
    } finally {
      await app2.close();
    }
  });
});

describe("one-time password", () => {
  test("until changed, every other route answers 403 PASSWORD_CHANGE_REQUIRED; me and logout still work", async () => {
    const agent = await app.signIn("auditadmin", { changed: false });
    const list = await agent.get("/api/v1/audit/events");
    assert.equal(list.status, 403);
    assert.equal(list.body.code, "PASSWORD_CHANGE_REQUIRED");
    const me = await agent.get("/api/v1/auth/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.mustChangePassword, true);
    assert.deepEqual(me.body.rules, [], "no rules for the console before the password is changed");
  });

  test("a weak new password is refused with the reasons, and nothing changes", async () => {
    const agent = await app.signIn("sysadmin", { changed: false });
    const res = await agent
      .post("/api/v1/auth/password")
      .send({ currentPassword: INIT_PASSWORDS.sysadmin, newPassword: "sysadmin-password-1" });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, "PASSWORD_POLICY");
    assert.ok(res.body.errors.some((e: { zh: string }) => e.zh.includes("用户名")));
    const me = await agent.get("/api/v1/auth/me");
    assert.equal(me.body.mustChangePassword, true);
  });

  test("a wrong current password is refused and audited", async () => {
    const agent = await app.signIn("sysadmin", { changed: false });
    const before = await auditCount(app, { action: "auth.password.change", result: "failure" });
    const res = await agent
      .post("/api/v1/auth/password")
      .send({ currentPassword: "Wrong-Pass-2026!", newPassword: NEW_PASSWORD });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, "CURRENT_PASSWORD_WRONG");
    assert.equal(await auditCount(app, { action: "auth.password.change", result: "failure" }), before + 1);
  });

  test("changing it unlocks the role's routes, revokes the account's other sessions and is audited", async () => {
    const other = await app.signIn("auditadmin", { changed: false });
    const agent = await app.signIn("auditadmin", { changed: false });
    const res = await agent
      .post("/api/v1/auth/password")
      .send({ currentPassword: INIT_PASSWORDS.auditadmin, newPassword: NEW_PASSWORD });
    assert.equal(res.status, 204);
    const me = await agent.get("/api/v1/auth/me");
    assert.equal(me.body.mustChangePassword, false);
    assert.ok(me.body.rules.length > 0);
    assert.equal((await agent.get("/api/v1/audit/events")).status, 200);
    assert.equal((await other.get("/api/v1/auth/me")).status, 401, "the other session was revoked");
    const old = await app.http
      .post("/api/v1/auth/login")
      .send({ username: "auditadmin", password: INIT_PASSWORDS.auditadmin });
    assert.equal(old.status, 401, "the one-time password no longer works");
    const stored = await app.database.db
      .selectFrom("users")
      .select("password_hash")
      .where("username", "=", "auditadmin")
      .executeTakeFirstOrThrow();
    assert.match(stored.password_hash, /^pbkdf2-sm3\$\d{6,}\$/);
    assert.ok(!stored.password_hash.includes(NEW_PASSWORD));
  });
});

describe("sessions", () => {
  test("logout revokes the session server-side: the old cookie stops working", async () => {
    const login = await app.http
      .post("/api/v1/auth/login")
      .send({ username: "secadmin", password: INIT_PASSWORDS.secadmin });
    const cookie = sessionCookie(login.headers["set-cookie"]).split(";")[0] as string;
    assert.equal((await app.http.get("/api/v1/auth/me").set("cookie", cookie)).status, 200);
    assert.equal((await app.http.post("/api/v1/auth/logout").set("cookie", cookie)).status, 204);
    assert.equal((await app.http.get("/api/v1/auth/me").set("cookie", cookie)).status, 401);
    assert.equal((await auditCount(app, { action: "auth.logout" })) >= 1, true);
  });

  test("the session dies after the idle timeout and after the absolute timeout", async () => {
    const idle = await app.signIn("sysadmin");
    assert.equal((await idle.get("/api/v1/auth/me")).status, 200);
    await sql`UPDATE sessions SET last_seen_at = now() - interval '16 minutes' WHERE revoked_at IS NULL`.execute(
      app.database.db,
    );
    assert.equal((await idle.get("/api/v1/auth/me")).status, 401, "idle for longer than 15 min");

    const absolute = await app.signIn("sysadmin");
    await sql`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL`.execute(
      app.database.db,
    );
    assert.equal((await absolute.get("/api/v1/auth/me")).status, 401, "past the absolute lifetime");
  });

  test("garbage and forged cookies are simply unauthenticated", async () => {
    for (const cookie of ["tianshu_sid=x", `tianshu_sid=${"A".repeat(43)}`, "tianshu_sid=", "other=1"]) {
      const res = await app.http.get("/api/v1/auth/me").set("cookie", cookie);
      assert.equal(res.status, 401, cookie);
      assert.equal(res.body.code, "UNAUTHENTICATED");
    }
  });

  test("the database stores only a hash of the session token", async () => {
    const login = await app.http
      .post("/api/v1/auth/login")
      .send({ username: "secadmin", password: INIT_PASSWORDS.secadmin });
    const token = sessionCookie(login.headers["set-cookie"]).split(";")[0]?.split("=")[1] as string;
    const hit = await app.database.db.selectFrom("sessions").select("id").where("id", "=", token).executeTakeFirst();
    assert.equal(hit, undefined);
  });
});

/** Fixed one-minute windows: start a rate-limit test well inside one, so it cannot roll over midway. */
async function awayFromWindowEdge(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
}

test("login is rate limited per client address, across every API instance on the database", async () => {
  const limited = await startTestApp({ TIANSHU_AUTH_RATE_LIMIT: "3" });
  const sibling = await startTestApp({ TIANSHU_AUTH_RATE_LIMIT: "3" }, { database: limited.database });
  try {
    await awayFromWindowEdge();
    const statuses: number[] = [];
    for (const instance of [limited, limited, sibling, limited, sibling]) {
      const res = await instance.http.post("/api/v1/auth/login").send({ username: "x", password: "y" });
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429], "the instances share one counter");
    const res = await sibling.http.post("/api/v1/auth/login").send({ username: "x", password: "y" });
    assert.equal(res.body.code, "RATE_LIMITED");
    assert.match(res.headers["content-type"] ?? "", /problem\+json/);
    assert.ok(Number(res.headers["retry-after"]) > 0, "says when to retry");
  } finally {
    await sibling.close();
    await limited.close();
  }
});
