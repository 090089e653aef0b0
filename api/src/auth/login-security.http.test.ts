import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import supertest from "supertest";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { changeSettings, insertUser, login } from "../../../test/support/identity";
import { hashPassword } from "./password";

let app: TestApp;
before(async () => {
  // Behind a proxy, so a test can speak from any client address (X-Forwarded-For).
  app = await startTestApp({ TIANSHU_TRUST_PROXY: "loopback" });
});
after(() => app?.close());

const DAY = 86_400_000;
const lastLoginEvent = async (username: string) => {
  const [row] = await app.database.db
    .selectFrom("audit_events")
    .select(["detail", "result"])
    .where("action", "=", "auth.login")
    .where("actor_name", "=", username)
    .orderBy("seq", "desc")
    .limit(1)
    .execute();
  return row;
};

describe("lockout", () => {
  test("5 consecutive failures lock for 30 minutes; the right password then gets the generic error", async () => {
    const password = "Wang-Wu-Pass-2026";
    const id = await insertUser(app, { username: "wang.wu", password });
    const unknown = await login(app, "nobody-at-all", "Whatever-2026-x");
    for (let i = 1; i <= 5; i++) {
      const res = (await login(app, "wang.wu", `Wrong-Pass-${i}-2026`)).res;
      assert.equal(res.status, 401, `attempt ${i}`);
    }
    const locked = (await login(app, "wang.wu", password)).res;
    assert.equal(locked.status, 401);
    assert.equal(locked.body.code, "INVALID_CREDENTIALS");
    assert.equal(locked.body.detail, unknown.res.body.detail, "indistinguishable from an unknown account");
    assert.equal(locked.body.zh, unknown.res.body.zh);
    assert.equal((await lastLoginEvent("wang.wu"))?.detail.reason, "locked", "the real reason is audited");
    const row = await app.database.db
      .selectFrom("users")
      .select(["locked_until", "failed_logins"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    const minutes = ((row.locked_until as Date).getTime() - Date.now()) / 60_000;
    assert.ok(minutes > 29 && minutes <= 30, `locked for ${minutes} min`);
    assert.equal(await auditCount(app, { action: "auth.account.lock" }), 1);

    // The lock runs out: the right password works again and the count starts afresh.
    await app.database.db
      .updateTable("users")
      .set({ locked_until: new Date(Date.now() - 1000) })
      .where("id", "=", id)
      .execute();
    assert.equal((await login(app, "wang.wu", password)).res.status, 200);
  });

  test("a success resets the count: failures must be consecutive", async () => {
    const password = "Sun-Ba-Pass-2026";
    await insertUser(app, { username: "sun.ba", password });
    for (let i = 0; i < 4; i++) assert.equal((await login(app, "sun.ba", "Wrong-Pass-2026")).res.status, 401);
    assert.equal((await login(app, "sun.ba", password)).res.status, 200);
    for (let i = 0; i < 4; i++) assert.equal((await login(app, "sun.ba", "Wrong-Pass-2026")).res.status, 401);
    assert.equal((await login(app, "sun.ba", password)).res.status, 200, "4 + 4 is not 5 in a row");
  });
});

test("a disabled tenant: its accounts cannot sign in (generic error) and their sessions stop working", async () => {
  const tenant = await app.database.db
    .insertInto("tenants")
    .values({ code: "branch", name: "分支机构" })
    .returning("id")
    .executeTakeFirstOrThrow();
  await app.database.db
    .insertInto("users")
    .values({
      tenant_id: tenant.id,
      username: "ma.liu",
      display_name: "马六",
      password_hash: await hashPassword("Ma-Liu-Pass-2026!", app.config.pbkdf2Iterations),
      must_change_password: false,
      password_changed_at: new Date(),
    })
    .execute();
  const agent = supertest.agent(app.app);
  const send = () =>
    agent.post("/api/v1/auth/login").send({ username: "ma.liu", password: "Ma-Liu-Pass-2026!", tenant: "branch" });
  assert.equal((await send()).status, 200);
  assert.equal((await agent.get("/api/v1/auth/me")).status, 200);
  assert.equal((await login(app, "ma.liu", "Ma-Liu-Pass-2026!")).res.status, 401, "not in the platform tenant");
  await app.database.db.updateTable("tenants").set({ status: "disabled" }).where("id", "=", tenant.id).execute();
  assert.equal((await agent.get("/api/v1/auth/me")).status, 401, "the open session stops working");
  const refused = await send();
  assert.equal(refused.status, 401);
  assert.equal(refused.body.code, "INVALID_CREDENTIALS");
  assert.equal((await lastLoginEvent("ma.liu"))?.detail.reason, "tenant_disabled");
});

describe("password policy from the settings", () => {
  test("length, classes, username, history — and an older password is fine again", async () => {
    const sec = await app.signIn("secadmin");
    const saved = await changeSettings(sec, (s) => {
      s.passwordPolicy.minLength = 16;
      s.passwordPolicy.minClasses = 4;
      s.passwordPolicy.historyCount = 3;
    });
    assert.equal(saved.status, 200, saved.text);
    const p0 = "Zhou-Jiu-Pass-2026";
    await insertUser(app, { username: "zhou.jiu", password: p0 });
    const { agent } = await login(app, "zhou.jiu", p0);
    let current = p0;
    const change = async (next: string) => {
      const res = await agent.post("/api/v1/auth/password").send({ currentPassword: current, newPassword: next });
      if (res.status === 204) current = next;
      return res;
    };
    const tooShort = await change("Short-Pass-20#6");
    assert.equal(tooShort.status, 400);
    assert.ok(tooShort.body.errors.some((e: { zh: string }) => e.zh.includes("16")));
    const threeClasses = await change("ThreeClassesOnly2026xyz");
    assert.equal(threeClasses.status, 400, "no symbol: three classes of four");
    assert.ok(threeClasses.body.errors.some((e: { zh: string }) => e.zh.includes("四类")));
    assert.equal((await change("Zhou.Jiu-Long-Pass-2026")).status, 400, "contains the username");
    const p1 = "First-New-Pass-2026!";
    const p2 = "Second-New-Pass-2026!";
    const p3 = "Third-New-Pass-2026!";
    for (const p of [p1, p2, p3]) assert.equal((await change(p)).status, 204, p);
    const reused = await change(p1);
    assert.equal(reused.status, 400);
    assert.equal(reused.body.code, "PASSWORD_POLICY");
    assert.ok(reused.body.errors.some((e: { zh: string }) => e.zh.includes("最近 3 次")));
    assert.equal((await change(p0)).status, 204, "four passwords ago is outside a history of 3");
    const history = await app.database.db
      .selectFrom("password_history")
      .innerJoin("users", "users.id", "password_history.user_id")
      .select("password_history.password_hash")
      .where("users.username", "=", "zhou.jiu")
      .execute();
    assert.equal(history.length, 4);
    for (const h of history) assert.match(h.password_hash, /^pbkdf2-sm3\$/);
  });

  test("past the maximum age the password must be changed at sign-in; the warning window is reported", async () => {
    await insertUser(app, {
      username: "wu.shi",
      password: "Wu-Shi-Pass-2026!",
      passwordChangedAt: new Date(Date.now() - 91 * DAY),
    });
    const expired = await login(app, "wu.shi", "Wu-Shi-Pass-2026!");
    assert.equal(expired.res.status, 200);
    assert.equal(expired.res.body.mustChangePassword, true);
    assert.equal(expired.res.body.next, "change-password");
    assert.equal((await expired.agent.get("/api/v1/auth/sessions")).body.code, "PASSWORD_CHANGE_REQUIRED");
    assert.equal((await lastLoginEvent("wu.shi"))?.detail.passwordExpired, true);

    const changedAt = new Date(Date.now() - 80 * DAY);
    await insertUser(app, { username: "zheng.yi", password: "Zheng-Yi-Pass-2026!", passwordChangedAt: changedAt });
    const soon = await login(app, "zheng.yi", "Zheng-Yi-Pass-2026!");
    assert.equal(soon.res.body.next, null);
    assert.equal(soon.res.body.passwordExpiryWarning, true, "10 days left, inside the 14-day window");
    assert.equal(soon.res.body.passwordExpiresAt, new Date(changedAt.getTime() + 90 * DAY).toISOString());
    const me = await soon.agent.get("/api/v1/auth/me");
    assert.equal(me.body.passwordExpiryWarning, true);
    assert.equal(me.body.passwordExpiresAt, soon.res.body.passwordExpiresAt);
  });
});

describe("admin-plane isolation", () => {
  const outside = { "x-forwarded-for": "203.0.113.5" };

  test("with an allow-list, admins outside it are refused at sign-in and on every request; others are not", async () => {
    const sec = await app.signIn("secadmin");
    const sys = await app.signIn("sysadmin");
    const saved = await changeSettings(
      sec,
      (s) => (s.adminPlane.ipAllowList = ["127.0.0.0/8", "::1/128", "10.0.0.0/8"]),
    );
    assert.equal(saved.status, 200, saved.text);

    const denied = await auditCount(app, { action: "auth.admin_plane.denied" });
    const me = await sys.get("/api/v1/auth/me").set(outside);
    assert.equal(me.status, 403);
    assert.equal(me.body.code, "ADMIN_NETWORK_DENIED");
    assert.equal((await sys.get("/api/v1/sessions").set(outside)).status, 403);
    assert.equal(await auditCount(app, { action: "auth.admin_plane.denied" }), denied + 2);
    assert.equal((await sys.get("/api/v1/auth/me").set({ "x-forwarded-for": "10.9.8.7" })).status, 200, "inside");
    assert.equal((await sys.get("/api/v1/auth/me")).status, 200, "loopback is in the list");

    const signIn = await login(app, "sysadmin", "Changed-Pass-2026#", outside);
    assert.equal(signIn.res.status, 403);
    assert.equal(signIn.res.body.code, "ADMIN_NETWORK_DENIED");
    assert.equal((await lastLoginEvent("sysadmin"))?.detail.reason, "admin_network");
    const wrong = await login(app, "sysadmin", "Wrong-Pass-2026", outside);
    assert.equal(wrong.res.status, 401, "without the password nothing about the account is revealed");

    await insertUser(app, { username: "qian.er", password: "Qian-Er-Pass-2026!" });
    const user = await login(app, "qian.er", "Qian-Er-Pass-2026!", outside);
    assert.equal(user.res.status, 200, "ordinary accounts are not on the admin plane");

    const cleared = await changeSettings(sec, (s) => (s.adminPlane.ipAllowList = []));
    assert.equal(cleared.status, 200);
    assert.equal((await sys.get("/api/v1/auth/me").set(outside)).status, 200, "an empty list allows anywhere");
  });
});
