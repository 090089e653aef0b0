import { rulesToAST } from "@casl/ability/extra";
import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { AppAbility } from "./ability";
import type { Action, Subject } from "./subjects";

/** A condition node as produced by CASL's rulesToAST (ucast). */
interface ConditionNode {
  operator: string;
  field?: string;
  value: unknown;
}

export class UnsupportedConditionError extends Error {}

/**
 * How a subject field maps to SQL: a trusted column name (scalar comparison), or a function that
 * compiles one condition on that field itself — for fields that are arrays or live in other tables
 * (a department's ancestor path, a user's memberships). It must throw UnsupportedConditionError
 * for an operator it does not handle.
 */
export type FieldSql = (operator: string, value: unknown) => RawBuilder<SqlBool>;
export type FieldMapping = string | FieldSql;

/**
 * An array field: CASL (MongoDB) equality on an array means "contains", so `{ path: D }` is
 * `path @> ARRAY[D]`; `$in` means "contains any" (`&&`).
 */
export function arrayField(column: string, elementType: "uuid" | "text"): FieldSql {
  const ref = sql.ref(column);
  const arrayOf = (values: unknown[]) => sql`CAST(${sql.val(values)} AS ${sql.raw(elementType)}[])`;
  return (operator, value) => {
    if (operator === "eq") return sql<SqlBool>`(${ref} @> ${arrayOf([value])})`;
    if (operator === "in" && Array.isArray(value)) return sql<SqlBool>`(${ref} && ${arrayOf(value)})`;
    throw new UnsupportedConditionError(`operator ${operator} is not supported on array field ${column}`);
  };
}

/**
 * Compiles what `ability` allows for (action, subject) into a SQL predicate, so lists filter in the
 * database (ARCHITECTURE §4.2). `columns` maps subject fields to trusted column names; a condition on
 * an unmapped field or an unknown operator throws: failing closed beats silently widening access.
 * Returns null when nothing is allowed at all.
 */
export function accessibleWhere(
  ability: AppAbility,
  action: Action,
  subject: Subject,
  columns: Record<string, FieldMapping>,
): RawBuilder<SqlBool> | null {
  const ast = rulesToAST(ability, action, subject) as ConditionNode | null;
  if (!ast) return null;
  return compileNode(ast, columns);
}

function compileNode(node: ConditionNode, columns: Record<string, FieldMapping>): RawBuilder<SqlBool> {
  switch (node.operator) {
    case "and":
    case "or": {
      const parts = (node.value as ConditionNode[]).map((child) => compileNode(child, columns));
      if (parts.length === 0) return node.operator === "and" ? sql<SqlBool>`true` : sql<SqlBool>`false`;
      const glue = node.operator === "and" ? sql` AND ` : sql` OR `;
      return sql<SqlBool>`(${sql.join(parts, glue)})`;
    }
    case "not": {
      const [child] = node.value as ConditionNode[];
      if (!child) throw new UnsupportedConditionError("empty NOT");
      return sql<SqlBool>`(NOT ${compileNode(child, columns)})`;
    }
    default:
      return compileField(node, columns);
  }
}

function compileField(node: ConditionNode, columns: Record<string, FieldMapping>): RawBuilder<SqlBool> {
  const column = node.field !== undefined && Object.hasOwn(columns, node.field) ? columns[node.field] : undefined;
  if (!column) throw new UnsupportedConditionError(`no column for field ${String(node.field)}`);
  if (typeof column === "function") return column(node.operator, node.value);
  const ref = sql.ref(column);
  const value = node.value;
  switch (node.operator) {
    // IS [NOT] DISTINCT FROM: NULL compares like a value, as it does in CASL's in-memory matcher.
    case "eq":
      return sql<SqlBool>`(${ref} IS NOT DISTINCT FROM ${value})`;
    case "ne":
      return sql<SqlBool>`(${ref} IS DISTINCT FROM ${value})`;
    case "in":
    case "nin": {
      const list = value as unknown[];
      if (!Array.isArray(list)) throw new UnsupportedConditionError(`${node.operator} needs an array`);
      const anyOf = list.length
        ? sql<SqlBool>`(${sql.join(
            list.map((v) => sql`${ref} IS NOT DISTINCT FROM ${v}`),
            sql` OR `,
          )})`
        : sql<SqlBool>`false`;
      return node.operator === "in" ? anyOf : sql<SqlBool>`(NOT ${anyOf})`;
    }
    default:
      throw new UnsupportedConditionError(`operator ${node.operator} is not supported in SQL`);
  }
}
