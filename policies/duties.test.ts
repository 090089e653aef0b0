import assert from "node:assert/strict";
import { test } from "node:test";
import { abilityFor, packedRulesFor } from "./ability";
import { ACTIONS, type Action, ADMIN_ROLES, type AdminRole, SUBJECTS, type Subject } from "./subjects";

/**
 * The 三员 duty matrix written out cell by cell, independently of duties.ts: a change there that
 * gives a role one more (or one fewer) permission fails here. "-" = never, "*" = always,
 * "c" = only under conditions (checked separately below).
 */
const EXPECTED: Record<Subject, Record<AdminRole, Partial<Record<Action, "*" | "c">>>> = {
  Tenant: { sysadmin: { read: "*", create: "*", update: "*", delete: "*" }, secadmin: {}, auditadmin: {} },
  OrgUnit: { sysadmin: { read: "*", create: "*", update: "*", delete: "*" }, secadmin: {}, auditadmin: {} },
  User: { sysadmin: { read: "*", create: "*", update: "*", delete: "*" }, secadmin: {}, auditadmin: {} },
  App: { sysadmin: { read: "*", create: "*", update: "*", delete: "*" }, secadmin: {}, auditadmin: {} },
  Monitor: { sysadmin: { read: "*", create: "*", update: "*", delete: "*" }, secadmin: {}, auditadmin: {} },
  Backup: { sysadmin: { read: "*", create: "*", update: "*", delete: "*" }, secadmin: {}, auditadmin: {} },
  Policy: { sysadmin: {}, secadmin: { read: "*", create: "*", update: "*", delete: "*" }, auditadmin: {} },
  Grant: { sysadmin: {}, secadmin: { read: "*", create: "*", update: "*", delete: "*" }, auditadmin: {} },
  SecuritySetting: { sysadmin: {}, secadmin: { read: "*", create: "*", update: "*", delete: "*" }, auditadmin: {} },
  Watermark: { sysadmin: {}, secadmin: { read: "*", create: "*", update: "*", delete: "*" }, auditadmin: {} },
  SensitiveWord: { sysadmin: {}, secadmin: { read: "*", create: "*", update: "*", delete: "*" }, auditadmin: {} },
  AuditEvent: {
    sysadmin: {},
    secadmin: { read: "c", export: "c" },
    auditadmin: { read: "c", export: "c", verify: "c" },
  },
  ComplianceReport: { sysadmin: {}, secadmin: {}, auditadmin: { read: "*", export: "*" } },
};

for (const role of ADMIN_ROLES) {
  test(`duty matrix: every cell for ${role}`, () => {
    const ability = abilityFor(role);
    for (const subject of SUBJECTS) {
      for (const action of ACTIONS) {
        const expected = EXPECTED[subject][role][action];
        const relevant = ability.relevantRuleFor(action, subject);
        assert.equal(ability.can(action, subject), expected !== undefined, `${role} ${action} ${subject}`);
        if (expected === "c") assert.ok(relevant?.conditions, `${role} ${action} ${subject} must be conditional`);
        if (expected === "*")
          assert.equal(relevant?.conditions, undefined, `${role} ${action} ${subject} unconditional`);
      }
    }
  });
}

test("no two admin roles share an unconditional permission, and none holds everything (no super-admin)", () => {
  for (const subject of SUBJECTS) {
    for (const action of ACTIONS) {
      const holders = ADMIN_ROLES.filter((r) => abilityFor(r).can(action, subject));
      if (holders.length < 2) continue;
      // Shared cells (reading audit events) must be split by conditions; the next test proves they are disjoint.
      for (const r of holders)
        assert.ok(abilityFor(r).relevantRuleFor(action, subject)?.conditions, `${r} ${action} ${subject}`);
    }
  }
  for (const role of ADMIN_ROLES) {
    const denied = SUBJECTS.filter((subject) => !abilityFor(role).can("read", subject));
    assert.ok(denied.length >= SUBJECTS.length / 2, `${role} reads too much: only ${denied.join(", ")} denied`);
  }
});

test("audit conditions: auditadmin reads everyone's events but its own; secadmin only the auditadmin's", () => {
  const event = (actorRole: string | null) => ({ __caslSubjectType__: "AuditEvent" as const, actorRole });
  const audit = abilityFor("auditadmin");
  const sec = abilityFor("secadmin");
  for (const role of ["sysadmin", "secadmin", null]) {
    assert.equal(audit.can("read", event(role)), true, `auditadmin reads ${role}`);
    assert.equal(sec.can("read", event(role)), false, `secadmin must not read ${role}`);
  }
  assert.equal(audit.can("read", event("auditadmin")), false);
  assert.equal(sec.can("read", event("auditadmin")), true);
});

test("an account without an admin role gets no permission at all", () => {
  const none = abilityFor(null);
  for (const subject of SUBJECTS) for (const action of ACTIONS) assert.equal(none.can(action, subject), false);
  assert.deepEqual(packedRulesFor(null), []);
});
