import assert from "node:assert/strict";
import { test } from "node:test";
import { crossFieldProblems, isCidr, type SecuritySettings } from "./settingsModel";

test("CIDR ranges and bare addresses, IPv4 and IPv6", () => {
  for (const ok of ["10.0.0.0/8", "192.168.1.10", "0.0.0.0/0", "2001:db8::/32", "::1", "fe80::1/128"]) {
    assert.ok(isCidr(ok), ok);
  }
  for (const bad of ["10.0.0.0/33", "256.1.1.1", "10.0.0/8", "2001:db8::/129", "abc", "", "1.2.3.4/8/1", "::g"]) {
    assert.ok(!isCidr(bad), bad);
  }
});

const DEFAULTS: SecuritySettings = {
  passwordPolicy: { minLength: 12, minClasses: 3, historyCount: 5, maxAgeDays: 90, expiryWarningDays: 14 },
  lockout: { maxFailures: 5, lockMinutes: 30 },
  sessions: { idleMinutes: 15, absoluteHours: 8, adminIdleMinutes: 10, maxConcurrent: 3 },
  mfa: { requireForUsers: false },
  adminPlane: { ipAllowList: [] },
  twoPersonRule: { actions: [], proposalTtlHours: 24 },
  accounts: { erasureDays: 30 },
};

test("the defaults have no contradiction; each cross-field rule of the server is caught", () => {
  assert.deepEqual(crossFieldProblems(DEFAULTS), []);
  const warnTooLate = {
    ...DEFAULTS,
    passwordPolicy: { ...DEFAULTS.passwordPolicy, maxAgeDays: 30, expiryWarningDays: 30 },
  };
  assert.deepEqual(
    crossFieldProblems(warnTooLate).map((p) => p.path),
    [["passwordPolicy", "expiryWarningDays"]],
  );
  const neverExpires = {
    ...DEFAULTS,
    passwordPolicy: { ...DEFAULTS.passwordPolicy, maxAgeDays: 0, expiryWarningDays: 30 },
  };
  assert.deepEqual(crossFieldProblems(neverExpires), []);
  const adminLonger = { ...DEFAULTS, sessions: { ...DEFAULTS.sessions, adminIdleMinutes: 20 } };
  assert.deepEqual(
    crossFieldProblems(adminLonger).map((p) => p.path),
    [["sessions", "adminIdleMinutes"]],
  );
  const idleBeyondLife = { ...DEFAULTS, sessions: { ...DEFAULTS.sessions, idleMinutes: 600, absoluteHours: 8 } };
  assert.deepEqual(
    crossFieldProblems(idleBeyondLife).map((p) => p.path),
    [["sessions", "idleMinutes"]],
  );
});
