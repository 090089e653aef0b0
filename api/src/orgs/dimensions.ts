import { sql } from "kysely";
import { accessibleWhere } from "../../../policies/compile";
import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx, Tx } from "../db/pool";
import { Conflict, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import { auditedChange, type Caller } from "./access";
import { recordOrgChange } from "./changes";
import { assertVersion } from "../http/concurrency";
import { containsPattern } from "./pinyin";
import type { DimensionDto } from "./schemas";
import { lockTenantOrg, orgTx, pgCode, pgConstraint } from "./tx";

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

export async function listDimensions(
  db: Db,
  caller: Caller,
  q: { q?: string | undefined },
  page: Page<"sortOrder" | "code" | "name" | "createdAt">,
): Promise<{ rows: DimensionDto[]; total: number }> {
  const allowed = accessibleWhere(caller.ability, "read", "Dimension", DIMENSION_COLUMNS);
  if (!allowed) throw new Error("route guard admitted a caller with no read Dimension rule");
  let base = db.selectFrom("dimensions").where("tenant_id", "=", caller.principal.tenantId).where(allowed);
  if (q.q)
    base = base.where((eb) =>
      eb.or([eb("name", "ilike", containsPattern(q.q as string)), eb("code", "ilike", containsPattern(q.q as string))]),
    );
  const sort = { sortOrder: "sort_order", code: "code", name: "name", createdAt: "created_at" } as const;
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy(sort[page.sort], page.order)
      .orderBy("code")
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(toDto), total: Number(count.n) };
}

async function find(db: DbOrTx, tenantId: string, id: string, lock = false) {
  let q = db.selectFrom("dimensions").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
  if (lock) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw NOT_FOUND();
  return row;
}

export async function getDimension(db: Db, caller: Caller, id: string): Promise<DimensionDto> {
  return toDto(await find(db, caller.principal.tenantId, id));
}

async function audit(tx: Tx, caller: Caller, action: string, id: string, before: unknown, after: unknown) {
  await record(tx, {
    ...actorOf(caller.ctx),
    action,
    targetType: "Dimension",
    targetId: id,
    result: "success",
    detail: { before, after },
  });
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
  const tenantId = caller.principal.tenantId;
  return auditedChange(
    db,
    caller,
    { action: "dimension.create", targetType: "Dimension", targetId: null, detail: { code: body.code } },
    () =>
      orgTx(db, async (tx) => {
        const row = await tx
          .insertInto("dimensions")
          .values({
            tenant_id: tenantId,
            code: body.code,
            name: body.name,
            kind: body.kind,
            sort_order: body.sortOrder ?? 0,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordOrgChange(tx, { tenantId, entity: "dimension", entityId: row.id, op: "created", data: state(row) });
        await audit(tx, caller, "dimension.create", row.id, null, state(row));
        return toDto(row);
      }).catch(conflict),
  );
}

export async function updateDimension(
  db: Db,
  caller: Caller,
  id: string,
  version: number,
  patch: { name?: string | undefined; kind?: DimensionDto["kind"] | undefined; sortOrder?: number | undefined },
): Promise<DimensionDto> {
  const tenantId = caller.principal.tenantId;
  return auditedChange(db, caller, { action: "dimension.update", targetType: "Dimension", targetId: id }, () =>
    orgTx(db, async (tx) => {
      const before = await find(tx, tenantId, id, true);
      assertVersion("dimension", before.version, version);
      const row = await tx
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
        .executeTakeFirstOrThrow();
      await recordOrgChange(tx, { tenantId, entity: "dimension", entityId: id, op: "updated", data: state(row) });
      await audit(tx, caller, "dimension.update", id, state(before), state(row));
      return toDto(row);
    }),
  );
}

/** Only an empty dimension can go: departments (even merged tombstones) keep it alive (409). */
export async function deleteDimension(db: Db, caller: Caller, id: string, version: number): Promise<void> {
  const tenantId = caller.principal.tenantId;
  await auditedChange(db, caller, { action: "dimension.delete", targetType: "Dimension", targetId: id }, () =>
    orgTx(db, async (tx) => {
      await lockTenantOrg(tx, tenantId);
      const before = await find(tx, tenantId, id, true);
      assertVersion("dimension", before.version, version);
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
      try {
        await tx.deleteFrom("dimensions").where("id", "=", id).execute();
      } catch (err) {
        if (pgCode(err) === "23503") {
          throw new Conflict(
            "DIMENSION_REFERENCED",
            "Memberships or grants still refer to this dimension.",
            "该维度仍被成员关系或授权引用，不能删除。",
          );
        }
        throw err;
      }
      await recordOrgChange(tx, { tenantId, entity: "dimension", entityId: id, op: "deleted", data: state(before) });
      await audit(tx, caller, "dimension.delete", id, state(before), null);
    }),
  );
}
