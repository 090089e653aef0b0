import { sql } from "kysely";
import { actorOf, record } from "../audit/record";
import type { Db, Tx } from "../db/pool";
import { Conflict, Invalid, NotFound } from "../http/errors";
import { assertCan, auditedChange, authorizeDepartment, type Caller, DEPARTMENT_NOT_FOUND, orgUnit } from "./access";
import { recordOrgChange } from "./changes";
import { assertVersion } from "../http/concurrency";
import {
  assertDepth,
  assertNotMerged,
  assertParentUsable,
  departmentConflict,
  departmentState,
  recordDepartmentChange,
} from "./department-common";
import type { DepartmentDto } from "./department-schemas";
import {
  applyOrder,
  childrenOf,
  type DepartmentRow,
  getDepartment,
  inSubtree,
  lockDepartments,
  subtreeDepth,
  uuidArray,
} from "./department-store";
import { lockTenantOrg, orgTx } from "./tx";

/**
 * Rewrites the paths of everything below `fromPath` (exclusive of `fromPath`'s own row when
 * `keepRoot`) to hang under `toPrefix`, in one UPDATE. Versions are bumped: a path is part of each row.
 */
async function rewriteSubtree(
  tx: Tx,
  tenantId: string,
  subtreeRootId: string,
  oldPrefixLength: number,
  toPrefix: string[],
  opts: { excludeRoot: boolean },
): Promise<void> {
  let q = tx
    .updateTable("departments as d")
    .set((eb) => ({
      path: sql`${uuidArray(toPrefix)} || d.path[${oldPrefixLength + 1}:]`,
      version: eb("d.version", "+", 1),
      updated_at: sql`now()`,
    }))
    .where("d.tenant_id", "=", tenantId)
    .where(inSubtree(subtreeRootId));
  if (opts.excludeRoot) q = q.where("d.id", "<>", subtreeRootId);
  await q.execute();
}

/**
 * Moves a department (with its subtree) under another parent of the same dimension, or to the top
 * (parentId null). Refused, with nothing written: a cycle (under itself or a descendant), another
 * dimension, a missing, disabled or merged parent, or a result deeper than 32 levels.
 */
export async function moveDepartment(
  db: Db,
  caller: Caller,
  id: string,
  version: number,
  body: { parentId: string | null; position?: number | undefined },
): Promise<DepartmentDto> {
  const tenantId = caller.principal.tenantId;
  const event = { action: "department.move", targetType: "OrgUnit", targetId: id, detail: { to: body.parentId } };
  return auditedChange(db, caller, event, () =>
    orgTx(db, async (tx) => {
      // The tenant lock serialises tree changes; the row locks (taken in id order) keep the checks
      // below true until commit even against writers that skip the tenant lock.
      await lockTenantOrg(tx, tenantId);
      const locked = await lockDepartments(tx, tenantId, body.parentId ? [id, body.parentId] : [id]);
      const row = locked.get(id);
      if (!row) throw DEPARTMENT_NOT_FOUND();
      authorizeDepartment(caller, "update", row, {
        asPath: row.path.slice(0, -1),
        what: "move this department (it needs the current parent)",
      });
      assertNotMerged(row);
      assertVersion("department", row.version, version);
      let newPrefix: string[] = [];
      if (body.parentId) {
        if (body.parentId === id || (locked.get(body.parentId)?.path ?? []).includes(id)) {
          throw new Invalid(
            "MOVE_CYCLE",
            "A department cannot move under itself or one of its own sub-departments.",
            "不能把部门移动到其自身或其下级部门之下。",
          );
        }
        const parent = locked.get(body.parentId);
        if (!parent || !caller.ability.can("read", orgUnit(parent))) {
          throw new NotFound("PARENT_NOT_FOUND", "The new parent department does not exist.", "目标上级部门不存在。");
        }
        if (parent.dimension_id !== row.dimension_id) {
          throw new Invalid(
            "MOVE_ACROSS_DIMENSIONS",
            "A department cannot move to another dimension.",
            "部门不能移动到其他组织维度。",
          );
        }
        assertParentUsable(parent, row.dimension_id);
        newPrefix = parent.path;
      }
      assertCan(caller, "create", [...newPrefix, id], "place a department under that parent");
      const oldPrefixLength = row.path.length - 1;
      assertDepth((await subtreeDepth(tx, tenantId, id)) - oldPrefixLength + newPrefix.length);

      const siblings = (await childrenOf(tx, tenantId, row.dimension_id, body.parentId)).filter((s) => s.id !== id);
      // Staying under the same parent without a position keeps the place; a new parent appends.
      let sortOrder =
        body.parentId === row.parent_id ? row.sort_order : Math.max(-1, ...siblings.map((s) => s.sort_order)) + 1;
      let reordered: { id: string; sortOrder: number }[] = [];
      if (body.position !== undefined) {
        const ids = siblings.map((s) => s.id);
        const at = Math.min(body.position, ids.length);
        ids.splice(at, 0, id);
        reordered = (await applyOrder(tx, tenantId, siblings, ids)).filter((c) => c.id !== id);
        sortOrder = at;
      }
      await rewriteSubtree(tx, tenantId, id, oldPrefixLength, newPrefix, { excludeRoot: false });
      const after = (await tx
        .updateTable("departments")
        .set({ parent_id: body.parentId, sort_order: sortOrder })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow()) as DepartmentRow;
      await recordDepartmentChange(tx, caller, {
        action: "department.move",
        op: "moved",
        id,
        before: departmentState(row),
        after: departmentState(after),
        feed: { ...departmentState(after), previousParentId: row.parent_id },
      });
      for (const c of reordered) {
        await recordOrgChange(tx, {
          tenantId,
          entity: "department",
          entityId: c.id,
          op: "updated",
          data: { sortOrder: c.sortOrder, parentId: body.parentId, dimensionId: row.dimension_id },
        });
      }
      return (await getDepartment(tx, tenantId, id)) as DepartmentDto;
    }).catch(departmentConflict),
  );
}

/**
 * Merges a department into another of the same dimension: its children (with their subtrees) and
 * its memberships move to the target; a user already in the target keeps that one membership (and
 * it becomes primary when the merged one was). The source stays as a tombstone: status `merged`,
 * `mergedInto` the target.
 */
export async function mergeDepartment(
  db: Db,
  caller: Caller,
  id: string,
  version: number,
  intoId: string,
): Promise<DepartmentDto> {
  const tenantId = caller.principal.tenantId;
  const event = { action: "department.merge", targetType: "OrgUnit", targetId: id, detail: { intoId } };
  return auditedChange(db, caller, event, () =>
    orgTx(db, async (tx) => {
      await lockTenantOrg(tx, tenantId);
      if (intoId === id) {
        throw new Invalid("MERGE_INTO_SELF", "A department cannot be merged into itself.", "不能把部门合并到其自身。");
      }
      const locked = await lockDepartments(tx, tenantId, [id, intoId]);
      const source = locked.get(id);
      if (!source) throw DEPARTMENT_NOT_FOUND();
      authorizeDepartment(caller, "delete", source, {
        asPath: source.path.slice(0, -1),
        what: "merge this department away (it needs the parent)",
      });
      assertNotMerged(source);
      assertVersion("department", source.version, version);
      const target = locked.get(intoId);
      if (!target || !caller.ability.can("read", orgUnit(target))) {
        throw new NotFound("MERGE_TARGET_NOT_FOUND", "The target department does not exist.", "合并目标部门不存在。");
      }
      authorizeDepartment(caller, "update", target, { what: "merge into that department" });
      if (target.dimension_id !== source.dimension_id) {
        throw new Invalid(
          "MERGE_ACROSS_DIMENSIONS",
          "Departments can only be merged within one dimension.",
          "只能合并同一组织维度内的部门。",
        );
      }
      if (target.path.includes(id)) {
        throw new Invalid(
          "MERGE_INTO_DESCENDANT",
          "A department cannot be merged into one of its own sub-departments.",
          "不能把部门合并到其下级部门。",
        );
      }
      if (target.status !== "active") {
        throw new Invalid(
          "MERGE_TARGET_INACTIVE",
          "The target department is disabled or merged.",
          "合并目标部门已停用或已被合并。",
        );
      }
      await assertNoLiveGrants(tx, id);
      const children = await childrenOf(tx, tenantId, source.dimension_id, id);
      const targetChildren = await childrenOf(tx, tenantId, target.dimension_id, intoId);
      const taken = new Set(targetChildren.map((c) => c.name.toLowerCase()));
      const clashes = children.filter((c) => taken.has(c.name.toLowerCase())).map((c) => c.name);
      if (clashes.length > 0) {
        throw new Conflict(
          "MERGE_NAME_CONFLICT",
          `The target already has sub-departments named ${clashes.join(", ")}; rename one side first.`,
          `目标部门下已有同名子部门：${clashes.join("、")}，请先改名。`,
        );
      }
      if (children.length > 0) {
        assertDepth((await subtreeDepth(tx, tenantId, id)) - source.path.length + target.path.length);
      }

      // Children and their subtrees: paths rewritten in one UPDATE, then the direct children re-parented.
      await rewriteSubtree(tx, tenantId, id, source.path.length, target.path, { excludeRoot: true });
      const nextSort = Math.max(-1, ...targetChildren.map((c) => c.sort_order)) + 1;
      const moved = await tx
        .updateTable("departments")
        .set({ parent_id: intoId, sort_order: sql`${nextSort} + sort_order` })
        .where("parent_id", "=", id)
        .where("status", "<>", "merged")
        .returning(["id", "path", "sort_order"])
        .execute();
      const memberships = await moveMemberships(tx, id, intoId);
      const after = (await tx
        .updateTable("departments")
        .set((eb) => ({
          status: "merged",
          merged_into: intoId,
          version: eb("version", "+", 1),
          updated_at: sql`now()`,
        }))
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow()) as DepartmentRow;
      await tx
        .updateTable("departments")
        .set((eb) => ({ version: eb("version", "+", 1), updated_at: sql`now()` }))
        .where("id", "=", intoId)
        .execute();

      await recordDepartmentChange(tx, caller, {
        action: "department.merge",
        op: "merged",
        id,
        before: departmentState(source),
        after: departmentState(after),
        feed: {
          ...departmentState(after),
          movedChildren: moved.map((m) => m.id),
          movedMemberships: memberships.moved.length,
        },
        detail: {
          intoId,
          movedChildren: moved.length,
          memberships: { moved: memberships.moved.length, dropped: memberships.dropped.length },
        },
      });
      for (const m of moved) {
        await recordOrgChange(tx, {
          tenantId,
          entity: "department",
          entityId: m.id,
          op: "moved",
          data: {
            parentId: intoId,
            previousParentId: id,
            path: m.path,
            sortOrder: m.sort_order,
            dimensionId: target.dimension_id,
          },
        });
      }
      for (const m of memberships.moved) {
        await recordOrgChange(tx, {
          tenantId,
          entity: "membership",
          entityId: m.id,
          op: "updated",
          data: { userId: m.user_id, departmentId: intoId, previousDepartmentId: id, isPrimary: m.is_primary },
        });
      }
      for (const m of memberships.dropped) {
        await recordOrgChange(tx, {
          tenantId,
          entity: "membership",
          entityId: m.id,
          op: "deleted",
          data: { userId: m.user_id, departmentId: id, keptMembershipId: m.kept_id, keptIsPrimary: m.kept_primary },
        });
      }
      await record(tx, {
        ...actorOf(caller.ctx),
        action: "department.merge.target",
        targetType: "OrgUnit",
        targetId: intoId,
        result: "success",
        detail: { mergedFrom: id, before: { version: target.version }, after: { version: target.version + 1 } },
      });
      return (await getDepartment(tx, tenantId, id)) as DepartmentDto;
    }).catch(departmentConflict),
  );
}

/** A merged department's scoped-admin grants would silently lose their subtree: refuse until revoked. */
async function assertNoLiveGrants(tx: Tx, departmentId: string): Promise<void> {
  const grants = await tx
    .selectFrom("scoped_admins")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("department_id", "=", departmentId)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", sql<Date>`now()`)]))
    .executeTakeFirstOrThrow();
  if (Number(grants.n) > 0) {
    throw new Conflict(
      "DEPARTMENT_HAS_GRANTS",
      "Scoped administrators are granted this department; revoke those grants before merging it.",
      "该部门上有分级管理授权，请先撤销后再合并。",
    );
  }
}

interface MovedMembership {
  id: string;
  user_id: string;
  is_primary: boolean;
}
interface DroppedMembership {
  id: string;
  user_id: string;
  kept_id: string;
  kept_primary: boolean;
}

/**
 * Memberships of `fromId` move to `toId`. A user in both keeps the target membership (its post,
 * title and order); if the dropped one was the user's primary in the dimension, the kept one becomes
 * primary, so each user still has exactly one primary membership per dimension.
 */
async function moveMemberships(
  tx: Tx,
  fromId: string,
  toId: string,
): Promise<{ moved: MovedMembership[]; dropped: DroppedMembership[] }> {
  const dropped = await sql<DroppedMembership & { was_primary: boolean }>`
    DELETE FROM memberships s USING memberships t
    WHERE s.department_id = ${fromId} AND t.department_id = ${toId} AND t.user_id = s.user_id
    RETURNING s.id, s.user_id, s.is_primary AS was_primary, t.id AS kept_id, t.is_primary AS kept_primary`.execute(tx);
  const promote = dropped.rows.filter((d) => d.was_primary).map((d) => d.kept_id);
  if (promote.length > 0) {
    await tx.updateTable("memberships").set({ is_primary: true }).where("id", "in", promote).execute();
  }
  const moved = await tx
    .updateTable("memberships")
    .set({ department_id: toId })
    .where("department_id", "=", fromId)
    .returning(["id", "user_id", "is_primary"])
    .execute();
  return {
    moved,
    dropped: dropped.rows.map((d) => ({ ...d, kept_primary: d.kept_primary || d.was_primary })),
  };
}
