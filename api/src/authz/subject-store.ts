import { sql } from "kysely";
import type { SubjectAttributes } from "../../../policies/policy-set";
import type { DbOrTx } from "../db/pool";
import type { AclGuard } from "./integrity";
import { ROLE_ROW_JSON, type RoleRowJson, verifiedRole } from "./integrity-rows";

export interface LoadedSubject extends SubjectAttributes {
  id: string;
  tenantId: string;
  role: string;
  username: string;
  status: "active" | "disabled" | "deleted";
}

/**
 * A user of the tenant as policies see it: role ("user" without an admin role), every department
 * on the paths of its memberships, its posts, clearance level and custom attributes. A role whose
 * assignment fails its MAC check is reported by `guard` and not given.
 * Undefined for an id that is not a user of this tenant (another tenant's user is not found).
 */
export async function loadSubject(
  db: DbOrTx,
  tenantId: string,
  userId: string,
  guard: Pick<AclGuard, "check">,
): Promise<LoadedSubject | undefined> {
  const row = await db
    .selectFrom("users as u")
    .select([
      "u.id",
      "u.tenant_id",
      "u.username",
      "u.status",
      "u.clearance_level",
      "u.attributes",
      // With its MAC: a role assignment that fails its integrity check gives no role (authz/integrity.ts).
      sql<RoleRowJson | null>`(SELECT ${ROLE_ROW_JSON} FROM role_assignments r WHERE r.user_id = u.id LIMIT 1)`.as(
        "role",
      ),
      sql<string[]>`coalesce((SELECT array_agg(DISTINCT x::text) FROM memberships m
        JOIN departments d ON d.id = m.department_id, unnest(d.path) AS x WHERE m.user_id = u.id), '{}')`.as(
        "department_path",
      ),
      sql<string[]>`coalesce((SELECT array_agg(DISTINCT m.post_id::text) FROM memberships m
        WHERE m.user_id = u.id AND m.post_id IS NOT NULL), '{}')`.as("posts"),
    ])
    .where("u.tenant_id", "=", tenantId)
    .where("u.id", "=", userId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    username: row.username,
    status: row.status,
    role: verifiedRole(guard, row.role) ?? "user",
    departmentPath: row.department_path,
    post: row.posts,
    clearanceLevel: row.clearance_level,
    attributes: row.attributes ?? {},
  };
}

/** A sample of the tenant's active users for the policy diff, by username. */
export async function sampleUserIds(db: DbOrTx, tenantId: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("users")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "active")
    .orderBy("username")
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/** The paths of departments named in policies (for the diff's sample resources); unknown ids are skipped. */
export async function departmentPaths(db: DbOrTx, tenantId: string, ids: string[]): Promise<string[][]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("departments")
    .select("path")
    .where("tenant_id", "=", tenantId)
    .where("id", "in", ids)
    .execute();
  return rows.map((r) => r.path.map(String));
}
