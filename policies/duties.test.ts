import assert from "node:assert/strict";
import { test } from "node:test";
import { abilityFor, packedRulesFor } from "./ability";
import { ACTIONS, type Action, ADMIN_ROLES, ROLES, type Role, SUBJECTS, type Subject } from "./subjects";

/**
 * The 三员 duty matrix written out cell by cell, independently of duties.ts: a change there that
 * gives a role one more (or one fewer) permission fails here. "-" = never, "*" = always,
 * "c" = only under conditions (checked separately below).
 */
const SYS_CRUD = { read: "*", create: "*", update: "*", delete: "*" } as const;
const DIRECTORY = { sysadmin: SYS_CRUD, secadmin: { read: "*" }, auditadmin: {}, viewer: {} } as const;
const EXPECTED: Record<Subject, Record<Role, Partial<Record<Action, "*" | "c">>>> = {
  Tenant: { sysadmin: SYS_CRUD, secadmin: {}, auditadmin: {}, viewer: {} },
  Dimension: DIRECTORY,
  OrgUnit: DIRECTORY,
  Post: DIRECTORY,
  User: DIRECTORY,
  Session: { sysadmin: { read: "*", delete: "*" }, secadmin: {}, auditadmin: {}, viewer: {} },
  App: { sysadmin: { read: "*", create: "*", update: "*", delete: "*" }, secadmin: {}, auditadmin: {}, viewer: {} },
  Monitor: { sysadmin: { read: "*", create: "*", update: "*", delete: "*" }, secadmin: {}, auditadmin: {}, viewer: {} },
  Alert: { sysadmin: SYS_CRUD, secadmin: {}, auditadmin: {}, viewer: {} },
  NotificationChannel: { sysadmin: SYS_CRUD, secadmin: {}, auditadmin: {}, viewer: {} },
  Incident: { sysadmin: SYS_CRUD, secadmin: {}, auditadmin: {}, viewer: { read: "*" } },
  Sla: { sysadmin: { read: "*" }, secadmin: {}, auditadmin: {}, viewer: { read: "*" } },
  Backup: { sysadmin: { read: "*", create: "*", update: "*", delete: "*" }, secadmin: {}, auditadmin: {}, viewer: {} },
  Policy: { sysadmin: {}, secadmin: { read: "*", create: "*", update: "*", delete: "*" }, auditadmin: {}, viewer: {} },
  Grant: { sysadmin: {}, secadmin: { read: "*", create: "*", update: "*", delete: "*" }, auditadmin: {}, viewer: {} },
  SecuritySetting: {
    sysadmin: {},
    secadmin: { read: "*", create: "*", update: "*", delete: "*" },
    auditadmin: {},
    viewer: {},
  },
  ApiClient: {
    sysadmin: {},
    secadmin: { read: "*", create: "*", update: "*", delete: "*" },
    auditadmin: {},
    viewer: {},
  },
  Watermark: {
    sysadmin: {},
    secadmin: { read: "*", create: "*", update: "*", delete: "*" },
    auditadmin: {},
    viewer: {},
  },
  SensitiveWord: {
    sysadmin: {},
    secadmin: { read: "*", create: "*", update: "*", delete: "*" },
    auditadmin: {},
    viewer: {},
  },
  CryptoKey: { sysadmin: {}, secadmin: { read: "*", create: "*", delete: "*" }, auditadmin: {}, viewer: {} },
  AuditEvent: {
    sysadmin: {},
    secadmin: { read: "c", export: "c" },
    auditadmin: { read: "c", export: "c", verify: "c" },
    viewer: {},
  },
  ComplianceReport: { sysadmin: {}, secadmin: {}, auditadmin: { read: "*", export: "*" }, viewer: {} },
  AuditSetting: { sysadmin: {}, secadmin: { read: "*" }, auditadmin: { read: "*", update: "*" }, viewer: {} },
  Approval: {
    sysadmin: { read: "*", create: "*", update: "c" },
    secadmin: { read: "*", create: "*", update: "c" },
    auditadmin: { read: "*" },
    viewer: {},
  },
  AclIntegrity: { sysadmin: {}, secadmin: { verify: "*" }, auditadmin: { verify: "*" }, viewer: {} },
};

/**
 * Cells more than one role holds unconditionally, each for a stated reason; any other overlap fails.
 * The directory is read by secadmin to grant and simulate; proposals are seen by every admin role
 * (auditadmin supervises them) and made by the two roles whose sensitive actions need a second person.
 * The audit settings are kept by auditadmin and overseen (read) by secadmin.
 * The integrity (MAC) check of access-control data is run by secadmin, who writes that data, and by
 * auditadmin, who verifies it independently.
 */
const SHARED_ON_PURPOSE = new Set([
  "read Dimension",
  "read OrgUnit",
  "read Post",
  "read User",
  "read Approval",
  "create Approval",
  "read AuditSetting",
  // The MAC check of access-control data: run by the role that writes it and by the auditor.
  "verify AclIntegrity",
]);

for (const role of ROLES) {
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
      if (holders.length < 2 || SHARED_ON_PURPOSE.has(`${action} ${subject}`)) continue;
      // Shared cells (reading audit events) must be split by conditions; the next test proves they are disjoint.
      for (const r of holders)
        assert.ok(abilityFor(r).relevantRuleFor(action, subject)?.conditions, `${r} ${action} ${subject}`);
    }
  }
  // Each role is kept out of something each other role administers: nobody sees every domain.
  for (const role of ADMIN_ROLES) {
    for (const other of ADMIN_ROLES.filter((r) => r !== role)) {
      const othersDomain = SUBJECTS.filter((s) =>
        ACTIONS.some((a) => EXPECTED[s][other][a] === "*" && !SHARED_ON_PURPOSE.has(`${a} ${s}`)),
      );
      const hidden = othersDomain.filter((s) => !abilityFor(role).can("read", s));
      assert.ok(hidden.length > 0, `${role} reads everything ${other} administers`);
    }
  }
});

test("viewer (leadership) only reads SLA figures and incidents, and its reads are all sysadmin's too", () => {
  const viewer = abilityFor("viewer");
  for (const subject of SUBJECTS) {
    for (const action of ACTIONS) {
      const allowed = action === "read" && (subject === "Sla" || subject === "Incident");
      assert.equal(viewer.can(action, subject), allowed, `viewer ${action} ${subject}`);
      // Never more than the system administrator sees: no new domain, no admin power.
      if (allowed) assert.equal(abilityFor("sysadmin").can(action, subject), true, `sysadmin ${action} ${subject}`);
    }
  }
  // Not the monitor definitions (targets and credentials) nor anything of secadmin's or auditadmin's.
  for (const subject of ["Monitor", "Alert", "NotificationChannel", "User", "AuditEvent", "Policy"] as const) {
    assert.equal(viewer.can("read", subject), false, subject);
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

test("approvals: a proposal is decided only by an admin of another role", () => {
  const proposal = (proposerRole: string) => ({ __caslSubjectType__: "Approval" as const, proposerRole });
  assert.equal(abilityFor("sysadmin").can("update", proposal("secadmin")), true);
  assert.equal(abilityFor("sysadmin").can("update", proposal("sysadmin")), false);
  assert.equal(abilityFor("secadmin").can("update", proposal("sysadmin")), true);
  assert.equal(abilityFor("secadmin").can("update", proposal("secadmin")), false);
  assert.equal(abilityFor("auditadmin").can("update", proposal("secadmin")), false);
});

test("an account without an admin role gets no permission at all", () => {
  const none = abilityFor(null);
  for (const subject of SUBJECTS) for (const action of ACTIONS) assert.equal(none.can(action, subject), false);
  assert.deepEqual(packedRulesFor(null), []);
});
