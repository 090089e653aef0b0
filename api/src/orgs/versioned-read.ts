import type { Expression, SqlBool } from "kysely";
import { accessibleWhere, type FieldMapping } from "../../../policies/compile";
import type { Subject } from "../../../policies/subjects";
import type { DbOrTx } from "../db/pool";
import type { AppError } from "../http/errors";
import type { Page } from "../http/list";
import type { Caller } from "./access";
import { likeContains } from "../db/like";

/**
 * The reading side of the versioned org entities with a code and a name (tenants, dimensions,
 * posts), beside versioned.ts's writing side: one find scoped to the caller's tenant and one list
 * filtered in SQL by the caller's CASL rules, searched by name or code, sorted and paged. Each
 * entity keeps its own columns, DTO and error codes.
 */
export interface ReadSpec<Sort extends string> {
  table: "tenants" | "dimensions" | "posts";
  /** The CASL subject a list needs `read` on, and the fields its conditions may name → columns. */
  subject: Subject;
  columns: Record<string, FieldMapping>;
  /**
   * Which rows are the caller's: the column naming a row's tenant (`id` for tenants themselves)
   * and the caller's tenant, or null when the caller may see every tenant's (the platform sysadmin).
   */
  scope(caller: Caller): { column: "tenant_id" | "id"; tenantId: string } | null;
  /** `_sort` values → columns; ties are broken by code, so pages never overlap. */
  sort: Record<Sort, "sort_order" | "code" | "name" | "created_at">;
  notFound: () => AppError;
}

/**
 * The caller's row `id` (404 when it is missing or another tenant's); `lock` takes FOR UPDATE.
 * `Row` is the entity's own row type: the spec's table holds exactly its columns.
 */
export async function findRow<Row>(
  db: DbOrTx,
  spec: ReadSpec<string>,
  caller: Caller,
  id: string,
  lock = false,
): Promise<Row> {
  const scope = spec.scope(caller);
  let q = db.selectFrom(spec.table).selectAll().where("id", "=", id);
  if (scope) q = q.where(scope.column, "=", scope.tenantId);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw spec.notFound();
  return row as Row;
}

/** A page of the caller's rows that its rules let it read, `q` matching name or code, and the total. */
export async function listRows<Row, Sort extends string>(
  db: DbOrTx,
  spec: ReadSpec<Sort>,
  caller: Caller,
  filter: { q?: string | undefined; where?: Expression<SqlBool> | undefined },
  page: Page<Sort>,
): Promise<{ rows: Row[]; total: number }> {
  const allowed = accessibleWhere(caller.ability, "read", spec.subject, spec.columns);
  if (!allowed) throw new Error(`route guard admitted a caller with no read ${spec.subject} rule`);
  const scope = spec.scope(caller);
  let base = db.selectFrom(spec.table).where(allowed);
  if (scope) base = base.where(scope.column, "=", scope.tenantId);
  const text = filter.q;
  if (text) {
    base = base.where((eb) =>
      eb.or([eb("name", "ilike", likeContains(text)), eb("code", "ilike", likeContains(text))]),
    );
  }
  if (filter.where) base = base.where(filter.where);
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy(spec.sort[page.sort], page.order)
      .orderBy("code")
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows as Row[], total: Number(count.n) };
}
