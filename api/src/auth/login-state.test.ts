import assert from "node:assert/strict";
import { test } from "node:test";
import { passwordExpired, signInState } from "./login-state";

const policy = { maxAgeDays: 90, expiryWarningDays: 14 };
const now = new Date("2026-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const base = {
  policy,
  mustChangePassword: false,
  passwordChangedAt: daysAgo(1),
  mfaRequired: false,
  mfaVerified: false,
  enrolled: [] as ("totp" | "sm2")[],
  now,
};

test("next: second factor first (enrol when none), then the password change, then done", () => {
  assert.equal(signInState({ ...base, mfaRequired: true, mustChangePassword: true }).next, "mfa-enroll");
  assert.equal(signInState({ ...base, mfaRequired: true, enrolled: ["sm2"] }).next, "mfa-verify");
  assert.equal(
    signInState({ ...base, mfaRequired: true, mfaVerified: true, mustChangePassword: true }).next,
    "change-password",
  );
  assert.equal(signInState({ ...base, mfaRequired: true, mfaVerified: true }).next, null);
  assert.equal(signInState(base).next, null);
});

test("expiry: date, warning window, never for a policy of 0 days or a password that must change anyway", () => {
  const fresh = signInState(base);
  assert.equal(fresh.passwordExpiresAt, new Date(daysAgo(1).getTime() + 90 * 86_400_000).toISOString());
  assert.equal(fresh.passwordExpiryWarning, false);
  assert.equal(signInState({ ...base, passwordChangedAt: daysAgo(77) }).passwordExpiryWarning, true, "13 days left");
  assert.equal(signInState({ ...base, passwordChangedAt: daysAgo(75) }).passwordExpiryWarning, false, "15 days left");
  assert.equal(signInState({ ...base, policy: { maxAgeDays: 0, expiryWarningDays: 0 } }).passwordExpiresAt, null);
  assert.equal(signInState({ ...base, mustChangePassword: true }).passwordExpiresAt, null);
  assert.equal(passwordExpired(policy, daysAgo(91), false, now), true);
  assert.equal(passwordExpired(policy, daysAgo(89), false, now), false);
  assert.equal(passwordExpired(policy, null, false, now), false);
});
