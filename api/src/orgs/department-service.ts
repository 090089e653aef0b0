import crypto from "node:crypto";
import { sql } from "kysely";
import { accessibleWhere } from "../../../policies/compile";
import type { Db } from "../db/pool";
import { Conflict, Invalid } from "../http/errors";
import { type Page } from "../http/list";
import {
  authorizeDepartment,
  auditedChange,
  type Caller,
  DEPARTMENT_NOT_FOUND,
  assertCan,
  ORG_UNIT_COLUMNS,
  orgUnit,
} from "./access";
import { assertVersion } from "../http/concurrency";
import {
  assertDepth,
  assertNotMerged,
  assertParentUsable,
  departmentConflict,
  departmentState,
  findDimension,
  lockDepartment,
  recordDepartmentChange,
} from "./department-common";
import { type DepartmentDto, type DepartmentNodeDto, MAX_TREE_NODES } from "./department-schemas";
import {
  applyOrder,
  childrenOf,
  type DepartmentFilters,
  type DepartmentRow,
  getDepartment,
  getDepartments,
  inSubtree,
  listDepartments,
  lockDepartments,
  treeRows,
} from "./department-store";
import { nameSearchKeys } from "./pinyin";
import { lockTenantOrg, orgTx, pgCode } from "./tx";

function readable(caller: Caller) {
  const allowed = accessibleWhere(caller.ability, "read", "OrgUnit", ORG_UNIT_COLUMNS);
  if (!allowed) throw new Error("route guard admitted a caller with no read OrgUnit rule");
  return allowed;
}

export async function getVisibleDepartment(db: Db, caller: Caller, id: string): Promise<DepartmentDto> {
  const dept = await getDepartment(db, caller.principal.tenantId, id);
  if (!dept || !caller.ability.can("read", orgUnit(dept))) throw DEPARTMENT_NOT_FOUND();
  return dept;
}

export function listVisibleDepartments(
  db: Db,
  caller: Caller,
  filters: Omit<DepartmentFilters, "tenantId" | "allowed">,
  page: Page<"sortOrder" | "name" | "createdAt" | "depth">,
) {
  return listDepartments(db, { ...filters, tenantId: caller.principal.tenantId, allowed: readable(caller) }, page);
}

/** A dimension's tree as nested nodes; departments whose parent the caller cannot see become roots. */
export async function departmentTree(
  db: Db,
  caller: Caller,
  q: { dimensionId: string; rootId?: string | undefined; depth?: number | undefined; includeDisabled: boolean },
): Promise<DepartmentNodeDto[]> {
  const tenantId = caller.principal.tenantId;
  await findDimension(db, tenantId, q.dimensionId);
  let root: { id: string; depth: number } | undefined;
  if (q.rootId) {
    const r = await getVisibleDepartment(db, caller, q.rootId);
    if (r.dimensionId !== q.dimensionId) throw DEPARTMENT_NOT_FOUND();
    root = { id: r.id, depth: r.path.length };
  }
  const rows = await treeRows(
    db,
    {
      tenantId,
      dimensionId: q.dimensionId,
      root,
      levels: q.depth,
      includeDisabled: q.includeDisabled,
      allowed: readable(caller),
    },
    MAX_TREE_NODES + 1,
  );
  if (rows.length > MAX_TREE_NODES) {
    throw new Invalid(
      "TREE_TOO_LARGE",
      `The tree has more than ${MAX_TREE_NODES} departments; ask for a subtree (rootId) or fewer levels (depth).`,
      `部门树超过 ${MAX_TREE_NODES} 个节点，请用 rootId 或 depth 缩小范围。`,
    );
  }
  const nodes = new Map<string, DepartmentNodeDto>();
  const roots: DepartmentNodeDto[] = [];
  // Rows come shallow first, so a parent is always placed before its children.
  for (const row of rows) {
    const node: DepartmentNodeDto = { ...row, children: [] };
    nodes.set(row.id, node);
    const parent = row.parentId ? nodes.get(row.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

export async function createDepartment(
  db: Db,
  caller: Caller,
  body: {
    dimensionId: string;
    parentId: string | null;
    name: string;
    code?: string | undefined;
    sortOrder?: number | undefined;
  },
): Promise<DepartmentDto> {
  const tenantId = caller.principal.tenantId;
  const id = crypto.randomUUID();
  const event = { action: "department.create", targetType: "OrgUnit", targetId: id, detail: { name: body.name } };
  return auditedChange(db, caller, event, () =>
    orgTx(db, async (tx) => {
      await lockTenantOrg(tx, tenantId);
      await findDimension(tx, tenantId, body.dimensionId);
      let parentPath: string[] = [];
      if (body.parentId) {
        const parent = (await lockDepartments(tx, tenantId, [body.parentId])).get(body.parentId);
        if (!parent || !caller.ability.can("read", orgUnit(parent))) {
          throw DEPARTMENT_NOT_FOUND();
        }
        assertParentUsable(parent, body.dimensionId);
        parentPath = parent.path;
      }
      const path = [...parentPath, id];
      assertCan(caller, "create", path, "create a department here");
      assertDepth(path.length);
      const siblings = await childrenOf(tx, tenantId, body.dimensionId, body.parentId);
      const sortOrder = body.sortOrder ?? Math.max(-1, ...siblings.map((s) => s.sort_order)) + 1;
      const keys = nameSearchKeys(body.name);
      const row = (await tx
        .insertInto("departments")
        .values({
          id,
          tenant_id: tenantId,
          dimension_id: body.dimensionId,
          parent_id: body.parentId,
          path,
          name: body.name,
          code: body.code ?? null,
          name_pinyin: keys.pinyin,
          name_initials: keys.initials,
          sort_order: sortOrder,
        })
        .returningAll()
        .executeTakeFirstOrThrow()) as DepartmentRow;
      await recordDepartmentChange(tx, caller, {
        action: "department.create",
        op: "created",
        id,
        before: null,
        after: departmentState(row),
      });
      return (await getDepartment(tx, tenantId, id)) as DepartmentDto;
    }).catch(departmentConflict),
  );
}

export async function updateDepartment(
  db: Db,
  caller: Caller,
  id: string,
  version: number,
  patch: { name?: string | undefined; code?: string | null | undefined; sortOrder?: number | undefined },
): Promise<DepartmentDto> {
  const tenantId = caller.principal.tenantId;
  const event = { action: "department.update", targetType: "OrgUnit", targetId: id };
  return auditedChange(db, caller, event, () =>
    orgTx(db, async (tx) => {
      const row = await lockDepartment(tx, tenantId, id);
      authorizeDepartment(caller, "update", row);
      assertNotMerged(row);
      assertVersion("department", row.version, version);
      const keys = patch.name !== undefined ? nameSearchKeys(patch.name) : undefined;
      const after = (await tx
        .updateTable("departments")
        .set((eb) => ({
          ...(patch.name !== undefined
            ? { name: patch.name, name_pinyin: keys?.pinyin, name_initials: keys?.initials }
            : {}),
          ...(patch.code !== undefined ? { code: patch.code } : {}),
          ...(patch.sortOrder !== undefined ? { sort_order: patch.sortOrder } : {}),
          version: eb("version", "+", 1),
          updated_at: sql`now()`,
        }))
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow()) as DepartmentRow;
      await recordDepartmentChange(tx, caller, {
        action: "department.update",
        op: "updated",
        id,
        before: departmentState(row),
        after: departmentState(after),
      });
      return (await getDepartment(tx, tenantId, id)) as DepartmentDto;
    }).catch(departmentConflict),
  );
}

export async function deleteDepartment(db: Db, caller: Caller, id: string, version: number): Promise<void> {
  const tenantId = caller.principal.tenantId;
  const event = { action: "department.delete", targetType: "OrgUnit", targetId: id };
  await auditedChange(db, caller, event, () =>
    orgTx(db, async (tx) => {
      await lockTenantOrg(tx, tenantId);
      const row = await lockDepartment(tx, tenantId, id);
      // Deleting removes the department from its parent: the caller must hold the parent, so a scoped
      // admin cannot delete the root of its own grant.
      authorizeDepartment(caller, "delete", row, {
        asPath: row.path.slice(0, -1),
        what: "delete this department (it needs the parent)",
      });
      assertNotMerged(row);
      assertVersion("department", row.version, version);
      const children = await childrenOf(tx, tenantId, row.dimension_id, id);
      if (children.length > 0) {
        throw new Conflict(
          "DEPARTMENT_HAS_CHILDREN",
          `The department has ${children.length} sub-departments; move, merge or delete them first.`,
          "该部门下仍有子部门，请先移走、合并或删除。",
        );
      }
      const members = await tx
        .selectFrom("memberships")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("department_id", "=", id)
        .executeTakeFirstOrThrow();
      if (Number(members.n) > 0) {
        throw new Conflict(
          "DEPARTMENT_HAS_MEMBERS",
          `The department has ${members.n} members; move them first.`,
          "该部门仍有成员，请先调整成员。",
        );
      }
      // Merged departments keep their old parent as history; detach those tombstones first.
      await tx
        .updateTable("departments")
        .set((eb) => ({ parent_id: null, path: sql`ARRAY[id]`, version: eb("version", "+", 1) }))
        .where("parent_id", "=", id)
        .where("status", "=", "merged")
        .execute();
      try {
        await tx.deleteFrom("departments").where("id", "=", id).execute();
      } catch (err) {
        if (pgCode(err) === "23503") {
          throw new Conflict(
            "DEPARTMENT_REFERENCED",
            "Other records still refer to this department (departments merged into it, or grants); disable it instead.",
            "该部门仍被其他记录引用（合并记录或授权），请改为停用。",
          );
        }
        throw err;
      }
      await recordDepartmentChange(tx, caller, {
        action: "department.delete",
        op: "deleted",
        id,
        before: departmentState(row),
        after: null,
      });
    }),
  );
}

/**
 * Disable and enable apply to the whole subtree: disabling a department disables every live
 * descendant; enabling one (whose parent must be active) enables its disabled descendants again.
 */
export async function setDepartmentStatus(
  db: Db,
  caller: Caller,
  id: string,
  version: number,
  to: "active" | "disabled",
): Promise<DepartmentDto> {
  const tenantId = caller.principal.tenantId;
  const verb = to === "disabled" ? "disable" : "enable";
  const event = { action: `department.${verb}`, targetType: "OrgUnit", targetId: id };
  return auditedChange(db, caller, event, () =>
    orgTx(db, async (tx) => {
      await lockTenantOrg(tx, tenantId);
      const row = await lockDepartment(tx, tenantId, id);
      authorizeDepartment(caller, "update", row, {
        asPath: row.path.slice(0, -1),
        what: `${verb} this department (it needs the parent)`,
      });
      assertNotMerged(row);
      assertVersion("department", row.version, version);
      if (to === "active" && row.parent_id) {
        const parent = await lockDepartment(tx, tenantId, row.parent_id);
        if (parent.status !== "active") {
          throw new Invalid(
            "PARENT_DISABLED",
            "Enable the parent department first.",
            "上级部门已停用，请先启用上级部门。",
          );
        }
      }
      const from = to === "disabled" ? "active" : "disabled";
      const changed = (await tx
        .updateTable("departments as d")
        .set((eb) => ({ status: to, version: eb("d.version", "+", 1), updated_at: sql`now()` }))
        .where("d.tenant_id", "=", tenantId)
        .where(inSubtree(id))
        .where("d.status", "=", from)
        .returningAll()
        .execute()) as DepartmentRow[];
      // Parents before children, so a syncing system applies the feed top-down.
      changed.sort((x, y) => x.path.length - y.path.length);
      for (const c of changed) {
        await recordDepartmentChange(tx, caller, {
          action: `department.${verb}`,
          op: to === "disabled" ? "disabled" : "enabled",
          id: c.id,
          before: { status: from, version: c.version - 1 },
          after: { status: to, version: c.version },
          feed: departmentState(c),
          detail: c.id === id ? { subtree: changed.length } : { via: id },
        });
      }
      return (await getDepartment(tx, tenantId, id)) as DepartmentDto;
    }),
  );
}

/** Puts the children of one parent in the given order; `orderedIds` must list exactly those children. */
export async function reorderDepartments(
  db: Db,
  caller: Caller,
  body: { dimensionId: string; parentId: string | null; orderedIds: string[] },
): Promise<DepartmentDto[]> {
  const tenantId = caller.principal.tenantId;
  const event = { action: "department.reorder", targetType: "OrgUnit", targetId: body.parentId };
  return auditedChange(db, caller, event, () =>
    orgTx(db, async (tx) => {
      await lockTenantOrg(tx, tenantId);
      await findDimension(tx, tenantId, body.dimensionId);
      if (body.parentId) {
        const parent = await lockDepartment(tx, tenantId, body.parentId);
        if (parent.dimension_id !== body.dimensionId) throw DEPARTMENT_NOT_FOUND();
        authorizeDepartment(caller, "update", parent, { what: "reorder the children of this department" });
      } else {
        // Top-level departments hang under no one: only an unconditioned rule (sysadmin) matches.
        assertCan(caller, "update", [], "reorder the dimension's top-level departments");
      }
      const siblings = await childrenOf(tx, tenantId, body.dimensionId, body.parentId);
      const have = new Set(siblings.map((s) => s.id));
      const given = new Set(body.orderedIds);
      if (given.size !== body.orderedIds.length || given.size !== have.size || ![...given].every((g) => have.has(g))) {
        throw new Conflict(
          "SIBLINGS_CHANGED",
          `orderedIds must list each of the ${have.size} current children exactly once; reload and try again.`,
          "排序列表须恰好包含当前全部下级部门，请刷新后重试。",
        );
      }
      const changed = await applyOrder(tx, tenantId, siblings, body.orderedIds);
      for (const c of changed) {
        const before = siblings.find((s) => s.id === c.id);
        await recordDepartmentChange(tx, caller, {
          action: "department.reorder",
          op: "updated",
          id: c.id,
          before: { sortOrder: before?.sort_order },
          after: { sortOrder: c.sortOrder },
          feed: { sortOrder: c.sortOrder, parentId: body.parentId, dimensionId: body.dimensionId },
        });
      }
      const rows = await getDepartments(tx, tenantId, body.orderedIds);
      return body.orderedIds.map((id) => rows.get(id) as DepartmentDto);
    }),
  );
}
