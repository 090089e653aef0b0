import assert from "node:assert/strict";
import { test } from "node:test";
import { subject as asSubject } from "@casl/ability";
import { abilityFor, type AppAbility, buildAbility, packAbility } from "./ability";
import { PolicyDocumentSchema, validatePolicyDocument } from "./document";
import { decide, explain } from "./explain";
import { applicableRules, compilePolicySet, policyRules, type RuleTrace, type SubjectAttributes } from "./policy-set";
import { ACTIONS, ADMIN_ROLES, type AdminRole, SUBJECTS } from "./subjects";

const D = "11111111-1111-4111-8111-111111111111";
const ME = "22222222-2222-4222-8222-222222222222";

function abilityOf(
  rules: unknown[],
  subject: SubjectAttributes,
  env: { ip?: string; time?: Date; mfa?: boolean } = {},
  role: AdminRole | null = null,
  traces?: RuleTrace[],
): AppAbility {
  const document = PolicyDocumentSchema.parse({ rules });
  assert.deepEqual(validatePolicyDocument(document), []);
  const set = compilePolicySet([{ id: "p1", name: "数据分级", version: 3, document }]);
  const bits = applicableRules(set, subject, env);
  const { allows, denies } = policyRules(set, subject, bits, traces ? { traces, env } : undefined);
  return buildAbility({ role, grantRules: [], policyAllows: allows, policyDenies: denies });
}
const can = (a: AppAbility, action: string, type: string, attrs?: Record<string, unknown>) =>
  decide(a, action, { type, attributes: attrs }).allowed;

test("subject conditions are decided when the ability is built; resource conditions stay CASL conditions", () => {
  const rules = [
    {
      effect: "allow",
      actions: ["read"],
      resource: "Document",
      conditions: [
        { attribute: "subject.departmentPath", operator: "contains", value: D },
        { attribute: "resource.classificationLevel", operator: "lte", value: { ref: "subject.clearanceLevel" } },
      ],
    },
  ];
  const inside = abilityOf(rules, { departmentPath: [D], clearanceLevel: 2 });
  assert.equal(can(inside, "read", "Document", { classificationLevel: 2 }), true);
  assert.equal(can(inside, "read", "Document", { classificationLevel: 3 }), false);
  assert.equal(can(inside, "read", "Document", { classificationLevel: null }), false, "no level is not level 0");
  assert.equal(can(inside, "read", "Document", {}), false, "a missing attribute never satisfies a comparison");
  assert.equal(can(inside, "update", "Document", { classificationLevel: 0 }), false);
  const outside = abilityOf(rules, { departmentPath: ["33333333-3333-4333-8333-333333333333"], clearanceLevel: 9 });
  assert.equal(can(outside, "read", "Document", { classificationLevel: 0 }), false);
  assert.deepEqual(packAbility(inside), [["read", "Document", { classificationLevel: { $lte: 2 } }]]);
});

test("deny wins over allow, and unknown values fail closed (allow needs them, deny assumes them)", () => {
  const rules = [
    { effect: "allow", actions: ["read", "download"], resource: "Document" },
    {
      effect: "deny",
      actions: ["download"],
      resource: "Document",
      conditions: [{ attribute: "environment.ip", operator: "notInCidr", value: ["10.0.0.0/8"] }],
    },
    {
      effect: "allow",
      actions: ["print"],
      resource: "Document",
      conditions: [{ attribute: "environment.mfa", operator: "eq", value: true }],
    },
  ];
  assert.equal(can(abilityOf(rules, {}, { ip: "10.1.1.1" }), "download", "Document", {}), true);
  assert.equal(can(abilityOf(rules, {}, { ip: "8.8.8.8" }), "download", "Document", {}), false);
  assert.equal(can(abilityOf(rules, {}, {}), "download", "Document", {}), false, "no IP: the deny applies");
  assert.equal(can(abilityOf(rules, {}, {}), "read", "Document", {}), true);
  assert.equal(can(abilityOf(rules, {}, { mfa: true }), "print", "Document", {}), true);
  assert.equal(can(abilityOf(rules, {}, {}), "print", "Document", {}), false, "mfa unknown: the allow does not apply");
});

test("a deny on a resource attribute the check did not send decides 'denied' and names it", () => {
  const rules = [
    { effect: "allow", actions: ["read"], resource: "Document" },
    {
      effect: "deny",
      actions: ["read"],
      resource: "Document",
      conditions: [{ attribute: "resource.classificationLevel", operator: "gte", value: 5 }],
    },
  ];
  const a = abilityOf(rules, {});
  assert.deepEqual(decide(a, "read", { type: "Document", attributes: {} }), {
    allowed: false,
    missing: ["classificationLevel"],
  });
  assert.equal(can(a, "read", "Document", { classificationLevel: 4 }), true);
  assert.equal(can(a, "read", "Document", { classificationLevel: 5 }), false);
  assert.equal(can(a, "read", "Document", { classificationLevel: null }), true, "explicitly unclassified");
});

test("a reference to an attribute the subject lacks: the allow is left out, the deny loses that condition", () => {
  const allow = [
    {
      effect: "allow",
      actions: ["read"],
      resource: "Document",
      conditions: [
        { attribute: "resource.classificationLevel", operator: "lte", value: { ref: "subject.clearanceLevel" } },
      ],
    },
  ];
  assert.equal(can(abilityOf(allow, {}), "read", "Document", { classificationLevel: 0 }), false);
  const deny = [
    { effect: "allow", actions: ["read"], resource: "Document" },
    {
      effect: "deny",
      actions: ["read"],
      resource: "Document",
      conditions: [{ attribute: "resource.ownerId", operator: "ne", value: { ref: "subject.id" } }],
    },
  ];
  assert.equal(can(abilityOf(deny, { id: ME }), "read", "Document", { ownerId: ME }), true);
  assert.equal(can(abilityOf(deny, {}), "read", "Document", { ownerId: ME }), false, "unknown subject: deny all");
});

test("authored policies only ever narrow the duty matrix: no cell of any role is widened", () => {
  // The most permissive valid documents: every deny an admin subject allows, every business allow.
  const rules = [
    ...SUBJECTS.map((s) => ({
      effect: "deny",
      actions: ["delete"],
      resource: s,
      conditions: [{ attribute: "subject.role", operator: "eq", value: "sysadmin" }],
    })),
    { effect: "allow", actions: ["read", "update", "delete", "export", "verify", "create"], resource: "Document" },
  ];
  for (const role of ADMIN_ROLES) {
    const withPolicies = abilityOf(rules, { role }, {}, role);
    const duties = abilityFor(role);
    for (const s of SUBJECTS) {
      for (const action of ACTIONS) {
        if (withPolicies.can(action, s)) assert.ok(duties.can(action, s), `${role} gained ${action} ${s}`);
      }
    }
    assert.equal(withPolicies.can("delete", "User"), role !== "sysadmin" && duties.can("delete", "User"));
  }
  // Even a rule that slipped past validation cannot use CASL's wildcards: they are switched off.
  const forged = buildAbility({
    role: null,
    grantRules: [],
    policyAllows: [{ action: "manage", subject: "all", source: { kind: "duty", role: "sysadmin" } } as never],
    policyDenies: [],
  });
  assert.equal(forged.can("read", "AuditEvent"), false);
  assert.equal(forged.can("update", "Policy"), false);
});

test("explain names the deciding rule's source (policy, version, rule index) and what was left out", () => {
  const rules = [
    { effect: "allow", actions: ["read"], resource: "Document" },
    {
      effect: "deny",
      actions: ["read"],
      resource: "Document",
      conditions: [
        { attribute: "resource.classificationLevel", operator: "gt", value: { ref: "subject.clearanceLevel" } },
      ],
    },
    {
      effect: "allow",
      actions: ["read"],
      resource: "Document",
      conditions: [{ attribute: "subject.role", operator: "eq", value: "secadmin" }],
    },
  ];
  const traces: RuleTrace[] = [];
  const a = abilityOf(rules, { clearanceLevel: 1, role: "user" }, {}, null, traces);
  const e = explain(a, "read", { type: "Document", attributes: { classificationLevel: 3 } }, traces);
  assert.equal(e.allowed, false);
  assert.deepEqual(
    e.decisive.map((r) => [r.effect, r.source]),
    [["deny", { kind: "policy", policyId: "p1", policyName: "数据分级", version: 3, ruleIndex: 1 }]],
  );
  const leftOut = e.considered.find((r) => r.source?.kind === "policy" && r.source.ruleIndex === 2);
  assert.equal(leftOut?.matched, false);
  assert.match(leftOut?.notes?.[0] ?? "", /subject\.role eq "secadmin": does not hold/);
  const secadmin = abilityOf(rules, { clearanceLevel: 1, role: "secadmin" }, {}, "secadmin");
  const ok = explain(secadmin, "read", { type: "Document", attributes: { classificationLevel: 0 } });
  assert.equal(ok.allowed, true);
  assert.equal(ok.decisive[0]?.source?.kind, "policy");
  const duty = explain(abilityFor("secadmin"), "read", { type: "Policy" });
  assert.deepEqual(duty.decisive[0]?.source, { kind: "duty", role: "secadmin" });
  assert.equal(asSubject("Document", {}).__caslSubjectType__, "Document");
});
