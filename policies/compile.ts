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
 * Compiles what `ability` allows for (action, subject) into a SQL predicate, so lists filter in the
 * database (ARCHITECTURE §4.2). `columns` maps subject fields to trusted column names; a condition on
 * an unmapped field or an unknown operator throws: failing closed beats silently widening access.
 * Returns null when nothing is allowed at all.
 */
export function accessibleWhere(
  ability: AppAbility,
  action: Action,
  subject: Subject,
  columns: Record<string, string>,
): RawBuilder<SqlBool> | null {
  const ast = rulesToAST(ability, action, subject) as ConditionNode | null;
  if (!ast) return null;
  return compileNode(ast, columns);
}

function compileNode(node: ConditionNode, columns: Record<string, string>): RawBuilder<SqlBool> {
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

function compileField(node: ConditionNode, columns: Record<string, string>): RawBuilder<SqlBool> {
  const column = node.field !== undefined ? columns[node.field] : undefined;
  if (!column) throw new UnsupportedConditionError(`no column for field ${String(node.field)}`);
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
