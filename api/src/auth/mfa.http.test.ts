import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Secret, TOTP } from "otpauth";
import smCrypto from "sm-crypto";
import type supertest from "supertest";
import { auditCount, INIT_PASSWORDS, NEW_PASSWORD, startTestApp, type TestApp } from "../../../test/support/app";
import { changeSettings, insertUser, login, totpCode } from "../../../test/support/identity";

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app?.close());

const lastStepOf = async (userId: string) => {
  const row = await app.database.db
    .selectFrom("mfa_factors")
    .select("last_step")
    .where("user_id", "=", userId)
    .where("kind", "=", "totp")
    .where("confirmed_at", "is not", null)
    .executeTakeFirstOrThrow();
  return Number(row.last_step);
};
const codeForStep = (secret: string, step: number) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: step * 30_000 });

describe("TOTP for an admin (mandatory), from first sign-in on", () => {
  let secret = "";
  let recoveryCodes: string[] = [];
  let userId = "";

  test("first sign-in: next is mfa-enroll; until done every other route is 403 MFA_REQUIRED", async () => {
    const { agent, res } = await login(app, "auditadmin", INIT_PASSWORDS.auditadmin);
    assert.equal(res.status, 200);
    userId = res.body.user.id;
    assert.deepEqual(res.body.mfa, { required: true, verified: false, enrolled: [] });
    assert.equal(res.body.next, "mfa-enroll");
    assert.equal(res.body.mustChangePassword, true);
    const list = await agent.get("/api/v1/audit/events");
    assert.equal(list.status, 403);
    assert.equal(list.body.code, "MFA_REQUIRED");
    assert.ok(list.body.zh);
    const change = await agent
      .post("/api/v1/auth/password")
      .send({ currentPassword: INIT_PASSWORDS.auditadmin, newPassword: NEW_PASSWORD });
    assert.equal(change.status, 403, "the password alone cannot replace the password");
    assert.equal(change.body.code, "MFA_REQUIRED");
    assert.equal((await agent.get("/api/v1/auth/sessions")).status, 403);
    const me = await agent.get("/api/v1/auth/me");
    assert.equal(me.status, 200);
    assert.equal(me.body.next, "mfa-enroll");
    assert.deepEqual(me.body.rules, []);

    assert.equal((await agent.post("/api/v1/auth/mfa/totp/confirm").send({ code: "123456" })).status, 409);
    const enrol = await agent.post("/api/v1/auth/mfa/totp/enroll");
    assert.equal(enrol.status, 200);
    secret = enrol.body.secret;
    assert.match(enrol.body.otpauthUri, /^otpauth:\/\/totp\/Tianshu:auditadmin\?/);
    const stored = await app.database.db
      .selectFrom("mfa_factors")
      .select("secret")
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();
    assert.match(stored.secret, /^v3\./, "sealed with the field cipher");
    assert.ok(!stored.secret.includes(secret));
    assert.equal(app.services.fields.open(stored.secret, `mfa_factors.secret:${userId}`), secret);

    const wrong = await agent.post("/api/v1/auth/mfa/totp/confirm").send({ code: totpCode(secret, 5) });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.code, "MFA_CODE_INVALID");
    const confirmed = await agent.post("/api/v1/auth/mfa/totp/confirm").send({ code: totpCode(secret) });
    assert.equal(confirmed.status, 200, confirmed.text);
    recoveryCodes = confirmed.body.recoveryCodes;
    assert.equal(recoveryCodes.length, 10);
    const after = await agent.get("/api/v1/auth/me");
    assert.equal(after.body.next, "change-password", "then the one-time password");
    assert.deepEqual(after.body.mfa, { required: true, verified: true, enrolled: ["totp"] });
    assert.equal((await agent.get("/api/v1/audit/events")).body.code, "PASSWORD_CHANGE_REQUIRED");
    const changed = await agent
      .post("/api/v1/auth/password")
      .send({ currentPassword: INIT_PASSWORDS.auditadmin, newPassword: NEW_PASSWORD });
    assert.equal(changed.status, 204);
    const done = await agent.get("/api/v1/auth/me");
    assert.equal(done.body.next, null);
    assert.ok(done.body.rules.length > 0);
    assert.equal((await agent.get("/api/v1/audit/events")).status, 200);
    const hashes = await app.database.db
      .selectFrom("mfa_recovery_codes")
      .select("code_hash")
      .where("user_id", "=", userId)
      .execute();
    assert.equal(hashes.length, 10);
    for (const h of hashes) assert.ok(!recoveryCodes.some((c) => h.code_hash.includes(c)), "stored hashed");
  });

  test("later sign-ins: mfa-verify; a used time step is refused (replay), the next one accepted", async () => {
    const { agent, res } = await login(app, "auditadmin", NEW_PASSWORD);
    assert.equal(res.body.next, "mfa-verify");
    assert.deepEqual(res.body.mfa.enrolled, ["totp"]);
    const used = await lastStepOf(userId);
    const replay = await agent.post("/api/v1/auth/mfa/totp/verify").send({ code: codeForStep(secret, used) });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.code, "MFA_CODE_INVALID");
    const ok = await agent.post("/api/v1/auth/mfa/totp/verify").send({ code: codeForStep(secret, used + 1) });
    assert.equal(ok.status, 204, ok.text);
    assert.equal((await agent.get("/api/v1/auth/me")).body.next, null);
    assert.equal((await agent.get("/api/v1/audit/events")).status, 200);

    const other = await login(app, "auditadmin", NEW_PASSWORD);
    const again = await other.agent.post("/api/v1/auth/mfa/totp/verify").send({ code: codeForStep(secret, used + 1) });
    assert.equal(again.status, 400, "the same code on another session is a replay too");
    const enrol = await other.agent.post("/api/v1/auth/mfa/totp/enroll");
    assert.equal(enrol.status, 403, "no new factor next to an existing one without passing the second factor");
    assert.equal(enrol.body.code, "MFA_REQUIRED");
    const rows = await app.database.db
      .selectFrom("audit_events")
      .select(["detail"])
      .where("action", "=", "auth.mfa.verify")
      .where("result", "=", "failure")
      .where("actor_id", "=", userId)
      .execute();
    assert.ok(rows.some((r) => (r.detail as { reason: string }).reason === "wrong_or_replayed_code"));
  });

  test("recovery codes: each works once; regenerating needs a verified session and replaces them", async () => {
    const first = await login(app, "auditadmin", NEW_PASSWORD);
    assert.equal(
      (await first.agent.post("/api/v1/auth/mfa/recovery/regenerate")).status,
      403,
      "not with the password alone",
    );
    const code = recoveryCodes[0] as string;
    const used = await first.agent.post("/api/v1/auth/mfa/recovery/verify").send({ code: code.toLowerCase() });
    assert.equal(used.status, 204);
    const me = await first.agent.get("/api/v1/auth/me");
    assert.equal(me.body.next, null);
    const second = await login(app, "auditadmin", NEW_PASSWORD);
    assert.equal((await second.agent.post("/api/v1/auth/mfa/recovery/verify").send({ code })).status, 400);

    const regenerated = await first.agent.post("/api/v1/auth/mfa/recovery/regenerate");
    assert.equal(regenerated.status, 200);
    assert.equal(regenerated.body.recoveryCodes.length, 10);
    const third = await login(app, "auditadmin", NEW_PASSWORD);
    const old = await third.agent.post("/api/v1/auth/mfa/recovery/verify").send({ code: recoveryCodes[1] });
    assert.equal(old.status, 400, "the old codes are gone");
    const fresh = await third.agent
      .post("/api/v1/auth/mfa/recovery/verify")
      .send({ code: regenerated.body.recoveryCodes[0] });
    assert.equal(fresh.status, 204);
    assert.ok((await auditCount(app, { action: "auth.mfa.recovery.regenerate" })) >= 1);
  });

  test("wrong codes end the session after 5 and count toward the account lockout", async () => {
    const sec = await app.signIn("secadmin");
    assert.equal((await changeSettings(sec, (s) => (s.lockout.maxFailures = 7))).status, 200);
    const first = await login(app, "auditadmin", NEW_PASSWORD);
    const wrong = () => totpCode(secret, 10);
    for (let i = 1; i <= 4; i++) {
      const res = await first.agent.post("/api/v1/auth/mfa/totp/verify").send({ code: wrong() });
      assert.equal(res.status, 400, `attempt ${i}`);
    }
    const fifth = await first.agent.post("/api/v1/auth/mfa/totp/verify").send({ code: wrong() });
    assert.equal(fifth.status, 401);
    assert.equal(fifth.body.code, "MFA_TOO_MANY_FAILURES");
    assert.equal((await first.agent.get("/api/v1/auth/me")).status, 401, "the session is gone");

    const second = await login(app, "auditadmin", NEW_PASSWORD);
    assert.equal(second.res.status, 200, "5 of 7: not locked yet");
    assert.equal((await second.agent.post("/api/v1/auth/mfa/totp/verify").send({ code: wrong() })).status, 400);
    const locking = await second.agent.post("/api/v1/auth/mfa/totp/verify").send({ code: wrong() });
    assert.equal(locking.status, 401, "the 7th failure locks the account and ends the session");
    const locked = await login(app, "auditadmin", NEW_PASSWORD);
    assert.equal(locked.res.status, 401);
    assert.equal(locked.res.body.code, "INVALID_CREDENTIALS", "the lock is not revealed");
    const [event] = await app.database.db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "auth.login")
      .where("actor_id", "=", userId)
      .orderBy("seq", "desc")
      .limit(1)
      .execute();
    assert.equal((event?.detail as { reason: string }).reason, "locked");
    assert.equal(await auditCount(app, { action: "auth.account.lock" }), 1);
  });
});

describe("SM2 challenge–response (interoperable with sm-crypto, GM/T 0003 default user ID)", () => {
  const key = smCrypto.sm2.generateKeyPairHex();
  const stranger = smCrypto.sm2.generateKeyPairHex();
  const sign = (nonce: string, k = key) => smCrypto.sm2.doSignature(nonce, k.privateKey, { hash: true });
  const password = "Zhang-San-Pass-2026";

  test("ordinary users need no second factor unless the tenant requires it", async () => {
    await insertUser(app, { username: "li.si", password });
    const { res } = await login(app, "li.si", password);
    assert.deepEqual(res.body.mfa, { required: false, verified: false, enrolled: [] });
    assert.equal(res.body.next, null);
  });

  test("enrolment proves possession: bad signature and expired challenge refused, a good one registers", async () => {
    const sec = await app.signIn("secadmin");
    assert.equal((await changeSettings(sec, (s) => (s.mfa.requireForUsers = true))).status, 200);
    await insertUser(app, { username: "zhang.san", password });
    const { agent, res } = await login(app, "zhang.san", password);
    assert.equal(res.body.next, "mfa-enroll");
    const register = async (challengeId: string, signature: string) =>
      agent
        .post("/api/v1/auth/mfa/sm2/register")
        .send({ publicKey: key.publicKey, label: "USB Key", challengeId, signature });

    const c1 = (await agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
    assert.match(c1.nonce, /^[0-9a-f]{64}$/);
    assert.ok(Date.parse(c1.expiresAt) - Date.now() <= 120_000);
    assert.equal((await register(c1.challengeId, sign(c1.nonce, stranger))).status, 400, "signed by another key");
    assert.equal((await register(c1.challengeId, sign(c1.nonce))).status, 400, "the challenge was used up");

    const c2 = (await agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
    await app.database.db
      .updateTable("mfa_challenges")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", c2.challengeId)
      .execute();
    assert.equal((await register(c2.challengeId, sign(c2.nonce))).status, 400, "expired");

    const c3 = (await agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
    const ok = await register(c3.challengeId, sign(c3.nonce));
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.factor.kind, "sm2");
    assert.equal(ok.body.factor.label, "USB Key");
    assert.ok(ok.body.factor.confirmedAt);
    const me = await agent.get("/api/v1/auth/me");
    assert.equal(me.body.next, null);
    assert.equal(me.body.mfa.verified, true);
    const bad = await agent
      .post("/api/v1/auth/mfa/sm2/register")
      .send({ publicKey: "04abc", label: "x", challengeId: "not-a-uuid", signature: "00" });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, "VALIDATION_FAILED");
  });

  test("verify: bad signature, reused or expired challenge refused; a fresh signed nonce passes", async () => {
    const { agent, res } = await login(app, "zhang.san", password);
    assert.equal(res.body.next, "mfa-verify");
    assert.deepEqual(res.body.mfa.enrolled, ["sm2"]);
    const verify = (challengeId: string, signature: string) =>
      agent.post("/api/v1/auth/mfa/sm2/verify").send({ challengeId, signature });
    const c1 = (await agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
    assert.equal((await verify(c1.challengeId, sign(c1.nonce, stranger))).status, 400, "bad signature");
    assert.equal((await verify(c1.challengeId, sign(c1.nonce))).status, 400, "reused challenge");
    const c2 = (await agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
    await app.database.db
      .updateTable("mfa_challenges")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", c2.challengeId)
      .execute();
    assert.equal((await verify(c2.challengeId, sign(c2.nonce))).status, 400, "expired challenge");
    const other = await login(app, "zhang.san", password);
    const foreign = (await other.agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
    assert.equal((await verify(foreign.challengeId, sign(foreign.nonce))).status, 400, "another session's challenge");
    const c3 = (await agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
    const ok = await verify(c3.challengeId, sign(c3.nonce));
    assert.equal(ok.status, 204);
    assert.equal((await agent.get("/api/v1/auth/me")).body.next, null);
    const [event] = await app.database.db
      .selectFrom("audit_events")
      .select(["detail", "result"])
      .where("action", "=", "auth.mfa.verify")
      .where("actor_name", "=", "zhang.san")
      .orderBy("seq", "desc")
      .limit(1)
      .execute();
    assert.equal(event?.result, "success");
    assert.equal((event?.detail as { method: string }).method, "sm2");
  });

  test("factors: listed, the last one kept where required, others removable", async () => {
    const { agent, res } = await login(app, "zhang.san", password);
    const c = (await agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
    await agent.post("/api/v1/auth/mfa/sm2/verify").send({ challengeId: c.challengeId, signature: sign(c.nonce) });
    assert.equal(res.status, 200);
    const factors = (await agent.get("/api/v1/auth/mfa/factors")).body;
    assert.equal(factors.length, 1);
    assert.equal(factors[0].secret, undefined, "no key material in the answer");
    const last = await agent.delete(`/api/v1/auth/mfa/factors/${factors[0].id}`);
    assert.equal(last.status, 409);
    assert.equal(last.body.code, "LAST_FACTOR");

    const spare = smCrypto.sm2.generateKeyPairHex();
    const c2 = (await agent.post("/api/v1/auth/mfa/sm2/challenge")).body;
    const added = await agent.post("/api/v1/auth/mfa/sm2/register").send({
      publicKey: spare.publicKey,
      label: "Spare key",
      challengeId: c2.challengeId,
      signature: smCrypto.sm2.doSignature(c2.nonce, spare.privateKey, { hash: true }),
    });
    assert.equal(added.status, 201);
    assert.equal((await agent.delete(`/api/v1/auth/mfa/factors/${factors[0].id}`)).status, 204);
    assert.equal((await agent.delete(`/api/v1/auth/mfa/factors/${factors[0].id}`)).status, 404);
    const admin = await app.signIn("sysadmin");
    const foreign = await admin.delete(`/api/v1/auth/mfa/factors/${added.body.factor.id}`);
    assert.equal(foreign.status, 404, "another account's factor does not exist for the caller");
  });
});

describe("the session token is replaced when the second factor passes (session fixation)", () => {
  const password = "Rotate-Pass-2026#q";
  const key = smCrypto.sm2.generateKeyPairHex();
  const sign = (nonce: string) => smCrypto.sm2.doSignature(nonce, key.privateKey, { hash: true });
  let totpSecret = "";
  let recoveryCodes: string[] = [];
  let userId = "";

  /** The session cookie a response sets ("tianshu_sid=…"), or undefined. */
  const cookieOf = (res: supertest.Response): string | undefined => {
    const raw = res.headers["set-cookie"] as unknown as string[] | undefined;
    return raw?.find((c) => c.startsWith("tianshu_sid="))?.split(";")[0];
  };
  const me = (cookie: string) => app.http.get("/api/v1/auth/me").set("cookie", cookie);
  const signInPassword = async () => {
    const res = await app.http.post("/api/v1/auth/login").send({ username: "wang.wu", password });
    assert.equal(res.status, 200, res.text);
    return { cookie: cookieOf(res) as string, next: res.body.next as string };
  };
  const challenge = async (cookie: string) =>
    (await app.http.post("/api/v1/auth/mfa/sm2/challenge").set("cookie", cookie)).body as {
      challengeId: string;
      nonce: string;
    };

  /** The old cookie is refused at once, the new one carries the same session on, verified. */
  async function assertRotated(before: string, res: supertest.Response) {
    const after = cookieOf(res);
    assert.ok(after, "the answer sets a new session cookie");
    assert.notEqual(after, before);
    const raw = (res.headers["set-cookie"] as unknown as string[]).join(";");
    assert.match(raw, /HttpOnly/i);
    assert.match(raw, /SameSite=Strict/i);
    const maxAge = Number(/Max-Age=(\d+)/i.exec(raw)?.[1]);
    assert.ok(maxAge > 0 && maxAge <= 8 * 3600, `the cookie lives until the session's absolute end: ${maxAge}`);
    const old = await me(before);
    assert.equal(old.status, 401, "the pre-verification token no longer works");
    assert.equal(old.body.code, "UNAUTHENTICATED");
    const fresh = await me(after as string);
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body.mfa.verified, true);
    return after as string;
  }

  test("SM2 enrolment at sign-in: new cookie, recovery codes, same sign-in time and absolute end", async () => {
    const sec = await app.signIn("secadmin");
    assert.equal((await changeSettings(sec, (s) => (s.mfa.requireForUsers = true))).status, 200);
    userId = await insertUser(app, { username: "wang.wu", password });
    const { cookie, next } = await signInPassword();
    assert.equal(next, "mfa-enroll");
    // The console's enrolment page starts an authenticator before the user picks a key instead.
    assert.equal((await app.http.post("/api/v1/auth/mfa/totp/enroll").set("cookie", cookie)).status, 200);
    const c = await challenge(cookie);
    const res = await app.http
      .post("/api/v1/auth/mfa/sm2/register")
      .set("cookie", cookie)
      .send({ publicKey: key.publicKey, label: "U 盾", challengeId: c.challengeId, signature: sign(c.nonce) });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.recoveryCodes.length, 10, "the first factor comes with recovery codes");
    recoveryCodes = res.body.recoveryCodes;
    const after = await assertRotated(cookie, res);
    assert.equal((await me(after)).body.next, null);
    const factors = await app.database.db
      .selectFrom("mfa_factors")
      .select(["kind", "confirmed_at"])
      .where("user_id", "=", userId)
      .execute();
    assert.deepEqual(
      factors.map((f) => [f.kind, f.confirmed_at !== null]),
      [["sm2", true]],
      "the abandoned authenticator enrolment is gone",
    );

    const rows = await app.database.db
      .selectFrom("sessions")
      .select(["revoked_at", "revoke_reason", "created_at", "expires_at", "idle_timeout_seconds", "mfa_method"])
      .where("user_id", "=", userId)
      .execute();
    assert.equal(rows.length, 2, "the old row, revoked, and the new one");
    const live = rows.find((r) => r.revoked_at === null);
    const old = rows.find((r) => r.revoked_at !== null);
    assert.equal(old?.revoke_reason, "rotated");
    assert.equal(live?.created_at.getTime(), old?.created_at.getTime(), "the same sign-in time");
    assert.equal(live?.expires_at.getTime(), old?.expires_at.getTime(), "the same absolute end");
    assert.equal(live?.idle_timeout_seconds, old?.idle_timeout_seconds);
    assert.equal(live?.mfa_method, "sm2");
    assert.ok((await auditCount(app, { action: "auth.session.rotate" })) >= 1);

    // Enrolling more in the verified session verifies nothing again: no new cookie, no codes.
    const t = await app.http.post("/api/v1/auth/mfa/totp/enroll").set("cookie", after);
    assert.equal(t.status, 200);
    totpSecret = t.body.secret;
    const confirmed = await app.http
      .post("/api/v1/auth/mfa/totp/confirm")
      .set("cookie", after)
      .send({ code: totpCode(totpSecret) });
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.equal(cookieOf(confirmed), undefined);
    recoveryCodes = confirmed.body.recoveryCodes;
    assert.equal((await me(after)).status, 200);
  });

  test("TOTP, SM2 and recovery-code verification each replace the token", async () => {
    const totp = await signInPassword();
    assert.equal(totp.next, "mfa-verify");
    const viaTotp = await app.http
      .post("/api/v1/auth/mfa/totp/verify")
      .set("cookie", totp.cookie)
      .send({ code: totpCode(totpSecret, 1) });
    assert.equal(viaTotp.status, 204, viaTotp.text);
    await assertRotated(totp.cookie, viaTotp);

    const sm2 = await signInPassword();
    const c = await challenge(sm2.cookie);
    const viaSm2 = await app.http
      .post("/api/v1/auth/mfa/sm2/verify")
      .set("cookie", sm2.cookie)
      .send({ challengeId: c.challengeId, signature: sign(c.nonce) });
    assert.equal(viaSm2.status, 204, viaSm2.text);
    await assertRotated(sm2.cookie, viaSm2);

    const recovery = await signInPassword();
    const viaCode = await app.http
      .post("/api/v1/auth/mfa/recovery/verify")
      .set("cookie", recovery.cookie)
      .send({ code: recoveryCodes[0] });
    assert.equal(viaCode.status, 204, viaCode.text);
    const after = await assertRotated(recovery.cookie, viaCode);

    const sessions = await app.http.get("/api/v1/auth/sessions").set("cookie", after);
    assert.equal(sessions.status, 200);
    const current = (sessions.body as { current: boolean; mfaMethod: string }[]).filter((s) => s.current);
    assert.equal(current.length, 1, "the new token is the current session");
    assert.equal(current[0]?.mfaMethod, "recovery");
  });

  test("a wrong code sets no cookie and keeps the token", async () => {
    const { cookie } = await signInPassword();
    const wrong = await app.http
      .post("/api/v1/auth/mfa/totp/verify")
      .set("cookie", cookie)
      .send({ code: totpCode(totpSecret, 10) });
    assert.equal(wrong.status, 400);
    assert.equal(cookieOf(wrong), undefined);
    assert.equal((await me(cookie)).status, 200);
    assert.equal((await me(cookie)).body.next, "mfa-verify");
  });
});

test("second-factor endpoints are rate limited per client address, like the login", async () => {
  const limited = await startTestApp({ TIANSHU_AUTH_RATE_LIMIT: "4" });
  try {
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const { agent, res } = await login(limited, "sysadmin", INIT_PASSWORDS.sysadmin);
    assert.equal(res.status, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await agent.post("/api/v1/auth/mfa/totp/verify").send({ code: "000000" })).status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 429]);
  } finally {
    await limited.close();
  }
});
