import { actorOf, record } from "../audit/record";
import type { DbOrTx, Tx } from "../db/pool";
import { Conflict, Invalid, NotFound } from "../http/errors";
import type { Caller } from "./access";
import { DEPARTMENT_NOT_FOUND } from "./access";
import { recordOrgChange } from "./changes";
import { MAX_DEPTH } from "./department-schemas";
import { type DepartmentRow, lockDepartments } from "./department-store";
import { pgConstraint } from "./tx";

/** What audit events and feed rows say about a department: everything a syncing system mirrors. */
export function departmentState(row: DepartmentRow) {
  return {
    dimensionId: row.dimension_id,
    parentId: row.parent_id,
    path: row.path,
    name: row.name,
    code: row.code,
    sortOrder: row.sort_order,
    status: row.status,
    mergedInto: row.merged_into,
    version: row.version,
  };
}

export async function lockDepartment(tx: Tx, tenantId: string, id: string): Promise<DepartmentRow> {
  const row = (await lockDepartments(tx, tenantId, [id])).get(id);
  if (!row) throw DEPARTMENT_NOT_FOUND();
  return row;
}

export async function findDimension(tx: DbOrTx, tenantId: string, id: string) {
  const dim = await tx
    .selectFrom("dimensions")
    .select(["id", "code"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!dim) throw new NotFound("DIMENSION_NOT_FOUND", "No such dimension.", "组织维度不存在。");
  return dim;
}

export function assertNotMerged(row: DepartmentRow): void {
  if (row.status === "merged") {
    throw new Conflict(
      "DEPARTMENT_MERGED",
      `The department was merged into ${row.merged_into}; change that one instead.`,
      "该部门已被合并，不能再修改。",
    );
  }
}

/** A parent must be live: disabled and merged departments accept no new children or members. */
export function assertParentUsable(parent: DepartmentRow, dimensionId: string): void {
  if (parent.dimension_id !== dimensionId) {
    throw new Invalid(
      "PARENT_IN_OTHER_DIMENSION",
      "The parent belongs to another dimension; departments never cross dimensions.",
      "上级部门属于其他组织维度，部门不能跨维度。",
    );
  }
  if (parent.status === "merged") {
    throw new Invalid("PARENT_MERGED", "The parent department was merged away.", "上级部门已被合并。");
  }
  if (parent.status === "disabled") {
    throw new Invalid("PARENT_DISABLED", "The parent department is disabled.", "上级部门已停用，不能添加下级。");
  }
}

export function assertDepth(depth: number): void {
  if (depth > MAX_DEPTH) {
    throw new Invalid(
      "TREE_TOO_DEEP",
      `That would place a department ${depth} levels deep; the limit is ${MAX_DEPTH}.`,
      `部门层级将达到 ${depth} 级，超过上限 ${MAX_DEPTH} 级。`,
    );
  }
}

/** Unique-index violations on departments, as the 409s a person understands. */
export function departmentConflict(err: unknown): never {
  const constraint = pgConstraint(err);
  if (constraint === "departments_sibling_name_key") {
    throw new Conflict(
      "DEPARTMENT_NAME_TAKEN",
      "A sibling department already has this name.",
      "同级部门中已存在同名部门。",
    );
  }
  if (constraint === "departments_tenant_code_key") {
    throw new Conflict("DEPARTMENT_CODE_TAKEN", "Another department already has this code.", "部门编码已被使用。");
  }
  throw err;
}

/** The audit event and feed row of one department change, in the change's transaction. */
export async function recordDepartmentChange(
  tx: Tx,
  caller: Caller,
  change: {
    action: string;
    op: "created" | "updated" | "moved" | "merged" | "disabled" | "enabled" | "deleted";
    id: string;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    feed?: Record<string, unknown>;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  await recordOrgChange(tx, {
    tenantId: caller.principal.tenantId,
    entity: "department",
    entityId: change.id,
    op: change.op,
    data: change.feed ?? change.after ?? change.before ?? {},
  });
  await record(tx, {
    ...actorOf(caller.ctx),
    action: change.action,
    targetType: "OrgUnit",
    targetId: change.id,
    result: "success",
    detail: { before: change.before, after: change.after, ...change.detail },
  });
}
