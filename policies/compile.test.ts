import assert from "node:assert/strict";
import { test } from "node:test";
import { createMongoAbility } from "@casl/ability";
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import { type AppAbility, abilityFor } from "./ability";
import { accessibleWhere, arrayField, UnsupportedConditionError } from "./compile";

// Compile-only Kysely: turns the predicate into SQL text and parameters without a database.
const compiler = new Kysely<unknown>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});
const COLUMNS = { actorRole: "actor_role", action: "action" };
const compile = (ability: AppAbility, subject: "AuditEvent" | "User" = "AuditEvent") => {
  const where = accessibleWhere(ability, "read", subject, COLUMNS);
  return where ? where.compile(compiler) : null;
};

test("auditadmin: NULL-safe inequality, so events without a role stay visible", () => {
  const q = compile(abilityFor("auditadmin"));
  assert.equal(q?.sql, '("actor_role" IS DISTINCT FROM $1)');
  assert.deepEqual(q?.parameters, ["auditadmin"]);
});

test("secadmin: equality", () => {
  const q = compile(abilityFor("secadmin"));
  assert.equal(q?.sql, '("actor_role" IS NOT DISTINCT FROM $1)');
  assert.deepEqual(q?.parameters, ["auditadmin"]);
});

test("no rule: null (nothing allowed); unconditional rule: true", () => {
  assert.equal(compile(abilityFor("sysadmin")), null);
  assert.equal(compile(abilityFor("sysadmin"), "User")?.sql, "true");
});

test("several rules combine with OR, inverted rules with AND NOT, lists with $in/$nin", () => {
  const ability = createMongoAbility<AppAbility>([
    { action: "read", subject: "AuditEvent", conditions: { actorRole: { $in: ["sysadmin", "secadmin"] } } },
    { action: "read", subject: "AuditEvent", conditions: { action: "auth.login" } },
    { action: "read", subject: "AuditEvent", conditions: { action: { $nin: ["x"] } }, inverted: true },
  ]);
  const q = compile(ability);
  assert.ok(q);
  // Each `can` branch is bounded by the `cannot` rule: "cannot unless action is x" leaves action = x.
  assert.equal(
    q.sql,
    '((("action" IS NOT DISTINCT FROM $1) AND (NOT (NOT ("action" IS NOT DISTINCT FROM $2)))) OR ' +
      '(("actor_role" IS NOT DISTINCT FROM $3 OR "actor_role" IS NOT DISTINCT FROM $4) AND ' +
      '(NOT (NOT ("action" IS NOT DISTINCT FROM $5)))))',
  );
  assert.deepEqual(q.parameters, ["auth.login", "x", "sysadmin", "secadmin", "x"]);
});

test("an unmapped field or an unsupported operator fails closed", () => {
  const unknownField = createMongoAbility<AppAbility>([
    { action: "read", subject: "AuditEvent", conditions: { secret: "x" } },
  ]);
  assert.throws(() => compile(unknownField), UnsupportedConditionError);
  const regex = createMongoAbility<AppAbility>([
    { action: "read", subject: "AuditEvent", conditions: { action: { $regex: "^a" } } },
  ]);
  assert.throws(() => compile(regex), UnsupportedConditionError);
});

test("array fields: equality is containment, $in is overlap; other operators fail closed", () => {
  const ability = createMongoAbility<AppAbility>([
    { action: "read", subject: "OrgUnit", conditions: { path: "d1" } },
    { action: "read", subject: "OrgUnit", conditions: { path: { $in: ["d2", "d3"] } } },
  ]);
  const where = accessibleWhere(ability, "read", "OrgUnit", { path: arrayField("path", "uuid") });
  const q = where?.compile(compiler);
  assert.equal(q?.sql, '(("path" && CAST($1 AS uuid[])) OR ("path" @> CAST($2 AS uuid[])))');
  assert.deepEqual(q?.parameters, [["d2", "d3"], ["d1"]]);
  const bad = createMongoAbility<AppAbility>([
    { action: "read", subject: "OrgUnit", conditions: { path: { $ne: "d1" } } },
  ]);
  assert.throws(
    () => accessibleWhere(bad, "read", "OrgUnit", { path: arrayField("path", "uuid") }),
    UnsupportedConditionError,
  );
  assert.throws(() => accessibleWhere(bad, "read", "OrgUnit", { toString: "x" }), UnsupportedConditionError);
});
