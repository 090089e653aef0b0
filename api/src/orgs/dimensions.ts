import { sql } from "kysely";
import type { Db } from "../db/pool";
import { Conflict, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import type { Caller } from "./access";
import type { DimensionDto } from "./schemas";
import { pgConstraint } from "./tx";
import { createVersioned, deleteVersioned, updateVersioned, type VersionedEntity } from "./versioned";
import { findRow, listRows, type ReadSpec } from "./versioned-read";

function toDto(r: {
  id: string;
  code: string;
  name: string;
  kind: DimensionDto["kind"];
  sort_order: number;
  version: number;
  created_at: Date;
  updated_at: Date;
}): DimensionDto {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    sortOrder: r.sort_order,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Dimension fields CASL conditions may name. */
const DIMENSION_COLUMNS = { id: "id", code: "code", kind: "kind", tenantId: "tenant_id" };

const NOT_FOUND = () => new NotFound("DIMENSION_NOT_FOUND", "No such dimension.", "组织维度不存在。");
const CODE_TAKEN = () => new Conflict("DIMENSION_CODE_TAKEN", "Another dimension has this code.", "维度编码已被使用。");

const state = (r: Parameters<typeof toDto>[0]) => {
  const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = toDto(r);
  return rest;
};

type DimensionRow = Parameters<typeof toDto>[0];

const READ: ReadSpec<"sortOrder" | "code" | "name" | "createdAt"> = {
  table: "dimensions",
  subject: "Dimension",
  columns: DIMENSION_COLUMNS,
  scope: (caller) => ({ column: "tenant_id", tenantId: caller.principal.tenantId }),
  sort: { sortOrder: "sort_order", code: "code", name: "name", createdAt: "created_at" },
  notFound: NOT_FOUND,
};

export async function listDimensions(
  db: Db,
  caller: Caller,
  q: { q?: string | undefined },
  page: Page<"sortOrder" | "code" | "name" | "createdAt">,
): Promise<{ rows: DimensionDto[]; total: number }> {
  const { rows, total } = await listRows<DimensionRow, typeof page.sort>(db, READ, caller, q, page);
  return { rows: rows.map(toDto), total };
}

const DIMENSION: VersionedEntity<DimensionRow> = {
  kind: "dimension",
  targetType: "Dimension",
  find: (tx, caller, id, lock) => findRow<DimensionRow>(tx, READ, caller, id, lock),
  state,
};

export async function getDimension(db: Db, caller: Caller, id: string): Promise<DimensionDto> {
  return toDto(await findRow<DimensionRow>(db, READ, caller, id));
}

function conflict(err: unknown): never {
  if (pgConstraint(err) === "dimensions_tenant_code_key") throw CODE_TAKEN();
  throw err;
}

export async function createDimension(
  db: Db,
  caller: Caller,
  body: { code: string; name: string; kind: DimensionDto["kind"]; sortOrder?: number | undefined },
): Promise<DimensionDto> {
  return createVersioned(db, caller, DIMENSION, {
    detail: { code: body.code },
    insert: (tx) =>
      tx
        .insertInto("dimensions")
        .values({
          tenant_id: caller.principal.tenantId,
          code: body.code,
          name: body.name,
          kind: body.kind,
          sort_order: body.sortOrder ?? 0,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    toDto,
    onError: conflict,
  });
}

export async function updateDimension(
  db: Db,
  caller: Caller,
  id: string,
  version: number,
  patch: { name?: string | undefined; kind?: DimensionDto["kind"] | undefined; sortOrder?: number | undefined },
): Promise<DimensionDto> {
  return updateVersioned(db, caller, DIMENSION, id, version, {
    update: (tx) =>
      tx
        .updateTable("dimensions")
        .set((eb) => ({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.kind !== undefined ? { kind: patch.kind } : {}),
          ...(patch.sortOrder !== undefined ? { sort_order: patch.sortOrder } : {}),
          version: eb("version", "+", 1),
          updated_at: sql`now()`,
        }))
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow(),
    toDto,
  });
}

/** Only an empty dimension can go: departments (even merged tombstones) keep it alive (409). */
export async function deleteDimension(db: Db, caller: Caller, id: string, version: number): Promise<void> {
  await deleteVersioned(db, caller, DIMENSION, id, version, {
    lockOrgFirst: true,
    check: async (tx) => {
      const used = await tx
        .selectFrom("departments")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("dimension_id", "=", id)
        .executeTakeFirstOrThrow();
      if (Number(used.n) > 0) {
        throw new Conflict(
          "DIMENSION_NOT_EMPTY",
          `The dimension still has ${used.n} departments; delete or merge them first.`,
          "该维度下仍有部门，不能删除。",
        );
      }
    },
    remove: (tx) => tx.deleteFrom("dimensions").where("id", "=", id).execute(),
    referenced: () =>
      new Conflict(
        "DIMENSION_REFERENCED",
        "Memberships or grants still refer to this dimension.",
        "该维度仍被成员关系或授权引用，不能删除。",
      ),
  });
}
