import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { AppAbility } from "../../../policies/ability";
import { type FieldMapping, UnsupportedConditionError } from "../../../policies/compile";
import type { Action } from "../../../policies/subjects";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuids(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  // Rule values come from grants in the database, but a malformed one must fail closed, not reach SQL.
  if (!list.every((v) => typeof v === "string" && UUID.test(v))) {
    throw new UnsupportedConditionError("departmentPaths needs department ids");
  }
  return list as string[];
}

/**
 * `departmentPaths` (policies/scoped.ts) is the set of ancestors of every department a user belongs
 * to; CASL equality on it means "contains". In SQL: one of the user's memberships is in a department
 * whose path holds the id. Expects the users table aliased `u`.
 */
function departmentPaths(operator: string, value: unknown): RawBuilder<SqlBool> {
  if (operator !== "eq" && operator !== "in") {
    throw new UnsupportedConditionError(`operator ${operator} is not supported on departmentPaths`);
  }
  const ids = uuids(value);
  const test = operator === "eq" ? sql`d.path @> CAST(${ids} AS uuid[])` : sql`d.path && CAST(${ids} AS uuid[])`;
  // Equivalent to EXISTS (memberships ⋈ departments WHERE m.user_id = u.id AND path test), written as
  // a set of the subtree's members computed once: over 100,000 accounts the planner then hashes that
  // set instead of probing memberships row by row (bench/org-search.ts, docs/benchmarks.md).
  return sql<SqlBool>`u.id IN (SELECT m.user_id FROM memberships m WHERE m.department_id = ANY (ARRAY(
    SELECT d.id FROM departments d WHERE ${test})))`;
}

/** Subject fields CASL conditions on User may name, and what they mean in SQL. */
export const USER_FIELDS: Record<string, FieldMapping> = {
  departmentPaths,
  id: "u.id",
  status: "u.status",
  clearanceLevel: "u.clearance_level",
};

export type UserSubjectFields = {
  id: string;
  status: string;
  clearanceLevel: number;
  departmentPaths: string[];
};

/** The loaded account as a CASL subject, so conditional rules (scoped admins) decide on it. */
export function canOnUser(ability: AppAbility, action: Action, user: UserSubjectFields): boolean {
  // The plain object with its type tag, as policies/scoped.test.ts builds it.
  return ability.can(action, { __caslSubjectType__: "User", ...user });
}
