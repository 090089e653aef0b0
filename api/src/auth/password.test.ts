import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";
import { hashPassword, iterationsOf, verifyPassword } from "./password";
import { checkPassword, generatePassword } from "./password-policy";

test("PBKDF2-HMAC-SM3: the stored form, per-user salt, and verification", async () => {
  const a = await hashPassword("Correct-Horse-9", 100_000);
  const b = await hashPassword("Correct-Horse-9", 100_000);
  assert.match(a, /^pbkdf2-sm3\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b, "a fresh salt each time");
  assert.equal(await verifyPassword(a, "Correct-Horse-9"), true);
  assert.equal(await verifyPassword(a, "correct-Horse-9"), false);
  assert.equal(iterationsOf(a), 100_000);
});

test("the hash is PBKDF2 over HMAC-SM3 exactly (interoperable with any PBKDF2-SM3 implementation)", async () => {
  const stored = await hashPassword("密码-Passw0rd", 100_000);
  const [, iter, salt, hash] = stored.split("$");
  const expected = crypto.pbkdf2Sync(
    "密码-Passw0rd",
    Buffer.from(salt as string, "base64url"),
    Number(iter),
    32,
    "sm3",
  );
  assert.equal(expected.toString("base64url"), hash);
  const sha = crypto.pbkdf2Sync("密码-Passw0rd", Buffer.from(salt as string, "base64url"), Number(iter), 32, "sha256");
  assert.notEqual(sha.toString("base64url"), hash, "not SHA-256");
});

test("malformed or foreign hashes never verify", async () => {
  for (const stored of ["", "plain", "pbkdf2-sha256$1000$abc$def", "pbkdf2-sm3$x$abc$def", "pbkdf2-sm3$0$abc$def"]) {
    assert.equal(await verifyPassword(stored, "anything"), false, stored);
  }
});

test("password policy: length, three of four classes, not the username, not the current one", () => {
  assert.deepEqual(checkPassword("Str0ng-Passw0rd!", { username: "sysadmin" }), []);
  const codes = (p: string, ctx: { username: string; currentPassword?: string }) =>
    checkPassword(p, ctx).map((e) => e.zh);
  assert.equal(codes("Sh0rt!", { username: "x" }).length, 1);
  assert.ok(codes("alllowercaseletters", { username: "x" })[0]?.includes("三类"));
  assert.ok(codes("Sysadmin-2026-pass", { username: "sysadmin" }).some((m) => m.includes("用户名")));
  assert.ok(
    codes("Same-Pass-2026!", { username: "x", currentPassword: "Same-Pass-2026!" }).some((m) => m.includes("相同")),
  );
  assert.equal(checkPassword("Aa1-".repeat(33), { username: "x" }).length, 1, "over 128 characters");
});

test("generated one-time passwords always satisfy the policy", () => {
  for (let i = 0; i < 500; i++) {
    const p = generatePassword((max) => crypto.randomInt(max));
    assert.equal(p.length, 20);
    assert.deepEqual(checkPassword(p, { username: "sysadmin" }), [], p);
  }
});
