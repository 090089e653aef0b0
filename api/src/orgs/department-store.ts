import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import type { Page } from "../http/list";
import type { DepartmentDto } from "./department-schemas";
import { likeContains } from "../db/like";

/** A department row as the services use it (no counts). */
export interface DepartmentRow {
  id: string;
  tenant_id: string;
  dimension_id: string;
  parent_id: string | null;
  path: string[];
  name: string;
  code: string | null;
  sort_order: number;
  status: "active" | "disabled" | "merged";
  merged_into: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

type CountedRow = DepartmentRow & { child_count: string | number; member_count: string | number };

export const uuidArray = (ids: readonly string[]) => sql`CAST(${sql.val(ids)} AS uuid[])`;
export const inSubtree = (id: string) => sql<SqlBool>`d.path @> ${uuidArray([id])}`;

const COLUMNS = [
  "d.id",
  "d.tenant_id",
  "d.dimension_id",
  "d.parent_id",
  "d.path",
  "d.name",
  "d.code",
  "d.sort_order",
  "d.status",
  "d.merged_into",
  "d.version",
  "d.created_at",
  "d.updated_at",
] as const;

function counted(db: DbOrTx) {
  return db
    .selectFrom("departments as d")
    .select(COLUMNS)
    .select([
      sql<string>`(SELECT count(*) FROM departments c WHERE c.parent_id = d.id AND c.status <> 'merged')`.as(
        "child_count",
      ),
      sql<string>`(SELECT count(*) FROM memberships m WHERE m.department_id = d.id)`.as("member_count"),
    ]);
}

export function toDepartmentDto(row: CountedRow): DepartmentDto {
  return {
    id: row.id,
    dimensionId: row.dimension_id,
    parentId: row.parent_id,
    path: row.path,
    name: row.name,
    code: row.code,
    sortOrder: row.sort_order,
    status: row.status,
    mergedInto: row.merged_into,
    version: row.version,
    childCount: Number(row.child_count),
    memberCount: Number(row.member_count),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function getDepartment(db: DbOrTx, tenantId: string, id: string): Promise<DepartmentDto | undefined> {
  const row = await counted(db).where("d.tenant_id", "=", tenantId).where("d.id", "=", id).executeTakeFirst();
  return row ? toDepartmentDto(row as CountedRow) : undefined;
}

export async function getDepartments(db: DbOrTx, tenantId: string, ids: string[]): Promise<Map<string, DepartmentDto>> {
  if (ids.length === 0) return new Map();
  const rows = await counted(db).where("d.tenant_id", "=", tenantId).where("d.id", "in", ids).execute();
  return new Map(rows.map((r) => [r.id, toDepartmentDto(r as CountedRow)]));
}

/** Loads and row-locks departments of the tenant, in id order so two lockers never deadlock. */
export async function lockDepartments(
  tx: DbOrTx,
  tenantId: string,
  ids: string[],
): Promise<Map<string, DepartmentRow>> {
  const rows = await tx
    .selectFrom("departments as d")
    .select(COLUMNS)
    .where("d.tenant_id", "=", tenantId)
    .where("d.id", "in", ids)
    .orderBy("d.id")
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.id, r as DepartmentRow]));
}

export interface DepartmentFilters {
  tenantId: string;
  dimensionId?: string | undefined;
  parentId?: string | null | undefined;
  status?: DepartmentRow["status"] | undefined;
  q?: string | undefined;
  allowed: RawBuilder<SqlBool>;
}

const SORT = {
  sortOrder: sql`d.sort_order`,
  name: sql`d.name`,
  createdAt: sql`d.created_at`,
  depth: sql`cardinality(d.path)`,
} as const;

export async function listDepartments(
  db: DbOrTx,
  f: DepartmentFilters,
  page: Page<keyof typeof SORT>,
): Promise<{ rows: DepartmentDto[]; total: number }> {
  let base = counted(db).where("d.tenant_id", "=", f.tenantId).where(f.allowed);
  if (f.dimensionId) base = base.where("d.dimension_id", "=", f.dimensionId);
  if (f.parentId === null) base = base.where("d.parent_id", "is", null);
  else if (f.parentId) base = base.where("d.parent_id", "=", f.parentId);
  if (f.status) base = base.where("d.status", "=", f.status);
  if (f.q) {
    const name = likeContains(f.q);
    const keys = likeContains(f.q.toLowerCase().replace(/\s+/g, ""));
    base = base.where(
      sql<SqlBool>`(d.name ILIKE ${name} OR d.name_pinyin LIKE ${keys} OR d.name_initials LIKE ${keys} OR lower(d.code) = ${f.q.toLowerCase()})`,
    );
  }
  const [rows, count] = await Promise.all([
    base
      .orderBy(SORT[page.sort], page.order)
      .orderBy("d.name")
      .orderBy("d.id")
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base
      .clearSelect()
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map((r) => toDepartmentDto(r as CountedRow)), total: Number(count.n) };
}

/**
 * The rows of one dimension's tree (no merged departments), optionally under `rootPath` and at most
 * `maxDepth` levels below it, as visible to the caller; at most `limit` rows.
 */
export async function treeRows(
  db: DbOrTx,
  f: {
    tenantId: string;
    dimensionId: string;
    root?: { id: string; depth: number } | undefined;
    levels?: number | undefined;
    includeDisabled: boolean;
    allowed: RawBuilder<SqlBool>;
  },
  limit: number,
): Promise<DepartmentDto[]> {
  let q = counted(db)
    .where("d.tenant_id", "=", f.tenantId)
    .where("d.dimension_id", "=", f.dimensionId)
    .where("d.status", "<>", "merged")
    .where(f.allowed);
  if (!f.includeDisabled) q = q.where("d.status", "=", "active");
  if (f.root) q = q.where(inSubtree(f.root.id));
  if (f.levels !== undefined) {
    // depth 1 is the root alone (or the dimension's roots alone).
    const deepest = f.root ? f.root.depth + f.levels - 1 : f.levels;
    q = q.where(sql<SqlBool>`cardinality(d.path) <= ${deepest}`);
  }
  const rows = await q
    .orderBy(sql`cardinality(d.path)`)
    .orderBy("d.sort_order")
    .orderBy("d.name")
    .limit(limit)
    .execute();
  return rows.map((r) => toDepartmentDto(r as CountedRow));
}

/** Non-merged children of a parent (or the roots of a dimension), in display order. */
export async function childrenOf(
  tx: DbOrTx,
  tenantId: string,
  dimensionId: string,
  parentId: string | null,
): Promise<Pick<DepartmentRow, "id" | "sort_order" | "name">[]> {
  let q = tx
    .selectFrom("departments")
    .select(["id", "sort_order", "name"])
    .where("tenant_id", "=", tenantId)
    .where("dimension_id", "=", dimensionId)
    .where("status", "<>", "merged");
  q = parentId === null ? q.where("parent_id", "is", null) : q.where("parent_id", "=", parentId);
  return q.orderBy("sort_order").orderBy("name").orderBy("id").execute();
}

/** The deepest level (path length) inside the subtree of `id`. */
export async function subtreeDepth(tx: DbOrTx, tenantId: string, id: string): Promise<number> {
  const row = await tx
    .selectFrom("departments as d")
    .select(sql<number>`max(cardinality(d.path))`.as("deepest"))
    .where("d.tenant_id", "=", tenantId)
    .where(inSubtree(id))
    .executeTakeFirstOrThrow();
  return Number(row.deepest ?? 0);
}

/** Sets sort_order of the given departments to their index; bumps the version of those that moved. */
export async function applyOrder(
  tx: DbOrTx,
  tenantId: string,
  current: Pick<DepartmentRow, "id" | "sort_order">[],
  orderedIds: string[],
): Promise<{ id: string; sortOrder: number }[]> {
  const before = new Map(current.map((c) => [c.id, c.sort_order]));
  const changed: { id: string; sortOrder: number }[] = [];
  orderedIds.forEach((id, index) => {
    if (before.get(id) !== index) changed.push({ id, sortOrder: index });
  });
  for (const c of changed) {
    await tx
      .updateTable("departments")
      .set((eb) => ({ sort_order: c.sortOrder, version: eb("version", "+", 1), updated_at: sql`now()` }))
      .where("tenant_id", "=", tenantId)
      .where("id", "=", c.id)
      .execute();
  }
  return changed;
}
