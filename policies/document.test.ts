import assert from "node:assert/strict";
import { test } from "node:test";
import { type PolicyDocument, PolicyDocumentSchema, validatePolicyDocument } from "./document";
import { ACTIONS, SUBJECTS } from "./subjects";

const D1 = "11111111-1111-4111-8111-111111111111";
const doc = (rules: unknown[]) => PolicyDocumentSchema.parse({ rules });
const paths = (d: PolicyDocument) => validatePolicyDocument(d).map((i) => i.path.join("."));

test("a well-formed document over every kind of attribute validates", () => {
  const d = doc([
    {
      effect: "allow",
      actions: ["read", "download"],
      resource: "Document",
      conditions: [
        { attribute: "subject.role", operator: "in", value: ["user", "secadmin"] },
        { attribute: "subject.departmentPath", operator: "contains", value: D1 },
        { attribute: "subject.post", operator: "containsAny", value: [D1] },
        { attribute: "subject.clearanceLevel", operator: "gte", value: 2 },
        { attribute: "subject.attributes.project", operator: "eq", value: "tianshu" },
        { attribute: "resource.classificationLevel", operator: "lte", value: { ref: "subject.clearanceLevel" } },
        { attribute: "resource.departmentPath", operator: "containsAny", value: { ref: "subject.departmentPath" } },
        { attribute: "resource.ownerId", operator: "ne", value: { ref: "subject.id" } },
        { attribute: "environment.ip", operator: "inCidr", value: ["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"] },
        {
          attribute: "environment.time",
          operator: "within",
          value: { from: "08:30", to: "18:00", timeZone: "Asia/Shanghai", days: ["mon", "fri"] },
        },
        { attribute: "environment.mfa", operator: "eq", value: true },
      ],
    },
    {
      effect: "deny",
      actions: ["delete"],
      resource: "User",
      conditions: [{ attribute: "environment.mfa", operator: "eq", value: false }],
    },
  ]);
  assert.deepEqual(validatePolicyDocument(d), []);
});

test("an unknown attribute, a bad CIDR, a bad time zone: each reported at its path", () => {
  const d = doc([
    {
      effect: "allow",
      actions: ["read"],
      resource: "Document",
      conditions: [
        { attribute: "subject.favouriteColour", operator: "eq", value: "red" },
        {
          attribute: "environment.ip",
          operator: "inCidr",
          value: ["10.0.0.0/8", "10.1.2.3/8", "300.1.1.1/32", "::1/129"],
        },
        {
          attribute: "environment.time",
          operator: "within",
          value: { from: "25:00", to: "18:00", timeZone: "Mars/Base" },
        },
      ],
    },
  ]);
  const issues = validatePolicyDocument(d);
  assert.deepEqual(
    issues.map((i) => i.path.join(".")),
    [
      "rules.0.conditions.0.attribute",
      "rules.0.conditions.1.value.1",
      "rules.0.conditions.1.value.2",
      "rules.0.conditions.1.value.3",
      "rules.0.conditions.2.value.from",
      "rules.0.conditions.2.value.timeZone",
    ],
  );
  assert.match(issues[1]?.message ?? "", /host bits are set/);
  assert.ok(issues.every((i) => i.zh.length > 0));
});

test("an unknown operator is refused by the schema, with its path", () => {
  const parsed = PolicyDocumentSchema.safeParse({
    rules: [
      {
        effect: "allow",
        actions: ["read"],
        resource: "Document",
        conditions: [{ attribute: "subject.role", operator: "like", value: "x" }],
      },
    ],
  });
  assert.equal(parsed.success, false);
  assert.deepEqual(
    parsed.error?.issues.map((i) => i.path.join(".")),
    ["rules.0.conditions.0.operator"],
  );
});

test("an operator that does not fit the attribute, a value of the wrong kind, a misplaced reference", () => {
  const d = doc([
    {
      effect: "allow",
      actions: ["read"],
      resource: "Document",
      conditions: [
        { attribute: "subject.role", operator: "gt", value: "user" },
        { attribute: "subject.clearanceLevel", operator: "eq", value: 12 },
        { attribute: "subject.role", operator: "eq", value: { ref: "subject.id" } },
        { attribute: "resource.ownerId", operator: "eq", value: { ref: "subject.clearanceLevel" } },
        { attribute: "resource.departmentPath", operator: "contains", value: "not-a-uuid" },
      ],
    },
  ]);
  assert.deepEqual(paths(d), [
    "rules.0.conditions.0.operator",
    "rules.0.conditions.1.value",
    "rules.0.conditions.2.value",
    "rules.0.conditions.3.value.ref",
    "rules.0.conditions.4.value",
  ]);
});

test("三员 safety: no allow on any built-in admin subject, no CASL wildcard, no row conditions on admin subjects", () => {
  for (const subject of SUBJECTS) {
    for (const action of ACTIONS) {
      const d = doc([{ effect: "allow", actions: [action], resource: subject }]);
      assert.deepEqual(paths(d), ["rules.0.effect"], `allow ${action} ${subject} must be refused`);
      assert.deepEqual(paths(doc([{ effect: "deny", actions: [action], resource: subject }])), []);
    }
  }
  assert.deepEqual(paths(doc([{ effect: "allow", actions: ["manage"], resource: "Document" }])), ["rules.0.actions.0"]);
  assert.deepEqual(paths(doc([{ effect: "deny", actions: ["read"], resource: "all" }])), ["rules.0.resource"]);
  assert.deepEqual(paths(doc([{ effect: "allow", actions: ["read"], resource: "document" }])), ["rules.0.resource"]);
  assert.deepEqual(paths(doc([{ effect: "deny", actions: ["approve"], resource: "User" }])), ["rules.0.actions.0"]);
  const rowCondition = doc([
    {
      effect: "deny",
      actions: ["read"],
      resource: "AuditEvent",
      conditions: [{ attribute: "resource.ownerId", operator: "eq", value: { ref: "subject.id" } }],
    },
  ]);
  assert.deepEqual(paths(rowCondition), ["rules.0.conditions.0.attribute"]);
});

test("the same attribute and operator twice in one rule is refused", () => {
  const d = doc([
    {
      effect: "allow",
      actions: ["read"],
      resource: "Document",
      conditions: [
        { attribute: "subject.clearanceLevel", operator: "gte", value: 1 },
        { attribute: "subject.clearanceLevel", operator: "gte", value: 2 },
      ],
    },
  ]);
  assert.deepEqual(paths(d), ["rules.0.conditions.1.operator"]);
});
