import type { Tx } from "../db/pool";
import { type FieldError, Invalid, NotFound } from "../http/errors";
import { recordOrgChange } from "../orgs/changes";
import type { MembershipInput } from "./schemas";

/** A membership ready to write: the dimension comes from the department row, never the request. */
export interface ResolvedMembership {
  departmentId: string;
  dimensionId: string;
  /** The department's ancestors down to itself, for the scoped-admin check. */
  path: string[];
  isPrimary: boolean;
  postId: string | null;
  title: string | null;
  sortOrder: number;
}

/**
 * Checks requested memberships against the tenant's departments and posts: each department exists
 * in this tenant (404 otherwise, as for any other tenant's row) and is active; each post exists; a
 * department appears once; each dimension has exactly one primary membership — when a dimension
 * has a single membership and none is marked, that one is the primary.
 */
export async function resolveMemberships(
  tx: Tx,
  tenantId: string,
  input: MembershipInput[],
  pathPrefix = "body",
): Promise<ResolvedMembership[]> {
  if (input.length === 0) return [];
  const departmentIds = [...new Set(input.map((m) => m.departmentId))];
  const postIds = [...new Set(input.flatMap((m) => (m.postId ? [m.postId] : [])))];
  const departments = await tx
    .selectFrom("departments")
    .select(["id", "dimension_id", "path", "status", "name"])
    .where("tenant_id", "=", tenantId)
    .where("id", "in", departmentIds)
    .execute();
  const byId = new Map(departments.map((d) => [d.id, d]));
  const posts =
    postIds.length === 0
      ? []
      : await tx
          .selectFrom("posts")
          .select("id")
          .where("tenant_id", "=", tenantId)
          .where("id", "in", postIds)
          .execute();
  const knownPosts = new Set(posts.map((p) => p.id));

  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const resolved: ResolvedMembership[] = [];
  input.forEach((m, i) => {
    const at = `${pathPrefix}.memberships.${i}`;
    const dept = byId.get(m.departmentId);
    if (!dept) {
      throw new NotFound("DEPARTMENT_NOT_FOUND", `Department ${m.departmentId} does not exist.`, "部门不存在。");
    }
    if (m.postId && !knownPosts.has(m.postId)) {
      throw new NotFound("POST_NOT_FOUND", `Post ${m.postId} does not exist.`, "岗位不存在。");
    }
    if (dept.status !== "active") {
      errors.push({
        path: `${at}.departmentId`,
        message: `Department "${dept.name}" is ${dept.status}; people cannot join it.`,
        zh: `部门“${dept.name}”已${dept.status === "merged" ? "合并" : "停用"}，不能加入。`,
      });
    }
    if (seen.has(m.departmentId)) {
      errors.push({
        path: `${at}.departmentId`,
        message: "The same department is listed twice.",
        zh: "同一部门重复出现。",
      });
    }
    seen.add(m.departmentId);
    resolved.push({
      departmentId: dept.id,
      dimensionId: dept.dimension_id,
      path: dept.path,
      isPrimary: m.isPrimary === true,
      postId: m.postId ?? null,
      title: m.title ?? null,
      sortOrder: m.sortOrder ?? 0,
    });
  });

  const byDimension = new Map<string, ResolvedMembership[]>();
  for (const m of resolved) byDimension.set(m.dimensionId, [...(byDimension.get(m.dimensionId) ?? []), m]);
  for (const [dimensionId, members] of byDimension) {
    const primaries = members.filter((m) => m.isPrimary).length;
    const only = members[0];
    if (primaries === 0 && members.length === 1 && only) only.isPrimary = true;
    else if (primaries !== 1) {
      errors.push({
        path: `${pathPrefix}.memberships`,
        message: `Mark exactly one primary department in dimension ${dimensionId} (found ${primaries}).`,
        zh: `每个维度须有且仅有一个主部门（当前 ${primaries} 个）。`,
      });
    }
  }
  if (errors.length > 0) {
    throw new Invalid("INVALID_MEMBERSHIPS", "The memberships are not valid.", "部门归属不合法。", errors);
  }
  return resolved;
}

const feedData = (userId: string, m: ResolvedMembership) => ({
  userId,
  departmentId: m.departmentId,
  dimensionId: m.dimensionId,
  isPrimary: m.isPrimary,
  postId: m.postId,
  title: m.title,
  sortOrder: m.sortOrder,
});

/**
 * Makes the user's memberships exactly `next`: rows for departments that stay are updated in
 * place (their ids are stable for syncing systems), the others deleted or inserted. Every change
 * goes to the org change feed in the same transaction. Returns whether anything changed.
 */
export async function writeMemberships(
  tx: Tx,
  tenantId: string,
  userId: string,
  next: ResolvedMembership[],
): Promise<boolean> {
  const current = await tx
    .selectFrom("memberships")
    .select(["id", "department_id", "dimension_id", "is_primary", "post_id", "title", "sort_order"])
    .where("user_id", "=", userId)
    .execute();
  const wanted = new Map(next.map((m) => [m.departmentId, m]));
  const removed = current.filter((c) => !wanted.has(c.department_id));
  let changed = removed.length > 0;
  if (removed.length > 0) {
    await tx
      .deleteFrom("memberships")
      .where(
        "id",
        "in",
        removed.map((r) => r.id),
      )
      .execute();
    for (const r of removed) {
      await recordOrgChange(tx, {
        tenantId,
        entity: "membership",
        entityId: r.id,
        op: "deleted",
        data: { userId, departmentId: r.department_id, dimensionId: r.dimension_id },
      });
    }
  }
  const kept = current.filter((c) => wanted.has(c.department_id));
  // Clear the primary flags first: the one-primary-per-dimension index is checked row by row.
  const primaryMoves = kept.filter((c) => c.is_primary && !wanted.get(c.department_id)?.isPrimary);
  if (primaryMoves.length > 0) {
    await tx
      .updateTable("memberships")
      .set({ is_primary: false })
      .where(
        "id",
        "in",
        primaryMoves.map((c) => c.id),
      )
      .execute();
  }
  for (const c of kept) {
    const m = wanted.get(c.department_id) as ResolvedMembership;
    if (c.is_primary === m.isPrimary && c.post_id === m.postId && c.title === m.title && c.sort_order === m.sortOrder) {
      continue;
    }
    changed = true;
    await tx
      .updateTable("memberships")
      .set({ is_primary: m.isPrimary, post_id: m.postId, title: m.title, sort_order: m.sortOrder })
      .where("id", "=", c.id)
      .execute();
    await recordOrgChange(tx, {
      tenantId,
      entity: "membership",
      entityId: c.id,
      op: "updated",
      data: feedData(userId, m),
    });
  }
  const existing = new Set(current.map((c) => c.department_id));
  for (const m of next.filter((n) => !existing.has(n.departmentId))) {
    changed = true;
    const row = await tx
      .insertInto("memberships")
      .values({
        tenant_id: tenantId,
        user_id: userId,
        department_id: m.departmentId,
        dimension_id: m.dimensionId,
        is_primary: m.isPrimary,
        post_id: m.postId,
        title: m.title,
        sort_order: m.sortOrder,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordOrgChange(tx, {
      tenantId,
      entity: "membership",
      entityId: row.id,
      op: "created",
      data: feedData(userId, m),
    });
  }
  return changed;
}
