import crypto from "node:crypto";
import { type RawBuilder, type SqlBool, sql } from "kysely";
import { arrayField, type FieldMapping } from "../../../policies/compile";
import { SCOPED_ACTIONS, type ScopedAction, type ScopedGrant } from "../../../policies/scoped";
import { ADMIN_ROLES } from "../../../policies/subjects";
import type { AclGuard, AclIntegrity } from "../authz/integrity";
import { grantFacts } from "../authz/integrity-rows";
import type { DbOrTx, Tx } from "../db/pool";
import type { Page } from "../http/list";
import type { GRANT_SORTABLE, ScopedAdminDto } from "./schemas";

const KNOWN_ACTIONS = new Set<string>(SCOPED_ACTIONS);

/** Drops an action the code no longer knows rather than letting it widen a rule set. */
function knownActions(actions: string[]): ScopedAction[] {
  return actions.filter((a): a is ScopedAction => KNOWN_ACTIONS.has(a));
}

const isActive = sql<SqlBool>`(g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > now()))`;

/**
 * The scoped-admin grants in force for a user (not revoked, not expired), as the authorizer turns
 * them into CASL rules. A grant over a merged department grants nothing: its subtree now lives
 * under the survivor, and whoever should manage it there is granted anew. Neither does a grant whose
 * MAC does not verify (api/src/authz/integrity.ts).
 */
export async function activeScopedGrants(
  db: DbOrTx,
  tenantId: string,
  userId: string,
  guard: Pick<AclGuard, "check">,
): Promise<ScopedGrant[]> {
  const rows = await db
    .selectFrom("scoped_admins as g")
    .innerJoin("departments as d", "d.id", "g.department_id")
    .select([
      "g.id",
      "g.tenant_id",
      "g.user_id",
      "g.dimension_id",
      "g.department_id",
      "g.actions",
      "g.granted_by",
      "g.parent_grant_id",
      "g.expires_at",
      "g.revoked_at",
      "g.mac",
    ])
    .where("g.tenant_id", "=", tenantId)
    .where("g.user_id", "=", userId)
    .where(isActive)
    .where("d.tenant_id", "=", tenantId)
    .where("d.status", "<>", "merged")
    .orderBy("g.created_at")
    .execute();
  // A grant whose MAC fails (changed, forged, swapped or nulled in SQL) grants nothing; reported by the guard.
  const trusted = rows.filter((r) =>
    guard.check("scoped_admin", grantFacts(r), r.mac, { rowId: r.id, tenantId: r.tenant_id, userId: r.user_id }),
  );
  return trusted.map((r) => ({
    id: r.id,
    dimensionId: r.dimension_id,
    departmentId: r.department_id,
    actions: knownActions(r.actions),
    expiresAt: r.expires_at,
  }));
}

/**
 * Grant subject fields that CASL conditions may name (policies/scoped.ts uses `path`: the path of
 * the department the grant covers), and their SQL over `scoped_admins g JOIN departments d`.
 */
export const GRANT_COLUMNS: Record<string, FieldMapping> = {
  path: arrayField("d.path", "uuid"),
  departmentPath: arrayField("d.path", "uuid"),
  tenantId: "g.tenant_id",
  userId: "g.user_id",
  departmentId: "g.department_id",
  dimensionId: "g.dimension_id",
  grantedBy: "g.granted_by",
};

export type GrantStatusFilter = "active" | "expired" | "revoked" | "all";

const SORT_COLUMNS = { createdAt: "g.created_at", expiresAt: "g.expires_at" } as const;

function grantQuery(db: DbOrTx, tenantId: string) {
  return db
    .selectFrom("scoped_admins as g")
    .innerJoin("departments as d", "d.id", "g.department_id")
    .innerJoin("users as u", "u.id", "g.user_id")
    .innerJoin("users as gb", "gb.id", "g.granted_by")
    .where("g.tenant_id", "=", tenantId);
}

const GRANT_SELECT = [
  "g.id",
  "g.user_id",
  "u.username",
  "u.display_name",
  "g.dimension_id",
  "g.department_id",
  "d.name as department_name",
  "d.path as department_path",
  "g.actions",
  "g.granted_by",
  "gb.username as granted_by_name",
  "g.parent_grant_id",
  "g.expires_at",
  "g.revoked_at",
  "g.revoked_by",
  "g.created_at",
] as const;

type GrantRow = {
  id: string;
  user_id: string;
  username: string;
  display_name: string;
  dimension_id: string;
  department_id: string;
  department_name: string;
  department_path: string[];
  actions: string[];
  granted_by: string;
  granted_by_name: string;
  parent_grant_id: string | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  created_at: Date;
};

function toDto(r: GrantRow, now: Date): ScopedAdminDto {
  const status = r.revoked_at ? "revoked" : r.expires_at && r.expires_at <= now ? "expired" : "active";
  return {
    id: r.id,
    userId: r.user_id,
    username: r.username,
    displayName: r.display_name,
    dimensionId: r.dimension_id,
    departmentId: r.department_id,
    departmentName: r.department_name,
    departmentPath: r.department_path,
    actions: knownActions(r.actions),
    grantedBy: r.granted_by,
    grantedByName: r.granted_by_name,
    parentGrantId: r.parent_grant_id,
    status,
    expiresAt: r.expires_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
    revokedBy: r.revoked_by,
    createdAt: r.created_at.toISOString(),
  };
}

export async function listScopedAdmins(
  db: DbOrTx,
  where: {
    tenantId: string;
    allowed: RawBuilder<SqlBool>;
    userId?: string | undefined;
    departmentId?: string | undefined;
    status: GrantStatusFilter;
  },
  page: Page<(typeof GRANT_SORTABLE)[number]>,
): Promise<{ rows: ScopedAdminDto[]; total: number }> {
  let base = grantQuery(db, where.tenantId).where(where.allowed);
  if (where.userId) base = base.where("g.user_id", "=", where.userId);
  if (where.departmentId) {
    base = base.where(sql<SqlBool>`d.path @> ARRAY[${where.departmentId}]::uuid[]`);
  }
  if (where.status === "active") base = base.where(isActive);
  if (where.status === "revoked") base = base.where("g.revoked_at", "is not", null);
  if (where.status === "expired") {
    base = base.where("g.revoked_at", "is", null).where("g.expires_at", "<=", sql<Date>`now()`);
  }
  const [rows, count, now] = await Promise.all([
    base
      .select([...GRANT_SELECT])
      .orderBy(SORT_COLUMNS[page.sort], (ob) => (page.order === "asc" ? ob.asc().nullsLast() : ob.desc().nullsFirst()))
      .orderBy("g.id")
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
    dbNow(db),
  ]);
  return { total: Number(count.n), rows: rows.map((r) => toDto(r, now)) };
}

export async function getScopedAdmin(db: DbOrTx, tenantId: string, id: string): Promise<ScopedAdminDto | null> {
  const row = await grantQuery(db, tenantId)
    .where("g.id", "=", id)
    .select([...GRANT_SELECT])
    .executeTakeFirst();
  return row ? toDto(row, await dbNow(db)) : null;
}

/** The database clock, so "expired" means the same thing in SQL filters and in the DTO. */
async function dbNow(db: DbOrTx): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  return rows[0]?.now ?? new Date();
}

export interface Grantee {
  id: string;
  username: string;
  status: "active" | "disabled" | "deleted";
  adminRole: string | null;
  /** Every department id on the paths of the user's memberships (their ancestors included). */
  departmentPaths: string[];
}

/**
 * The user a grant is for, locked while the grant is written: two grants for one user serialise
 * (so the one-active-grant-per-department check holds) and a role change waits for it.
 */
export async function loadGrantee(tx: Tx, tenantId: string, userId: string): Promise<Grantee | null> {
  const user = await tx
    .selectFrom("users")
    .select(["id", "username", "status"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", userId)
    .forUpdate()
    .executeTakeFirst();
  if (!user) return null;
  const [role, paths] = await Promise.all([
    tx
      .selectFrom("role_assignments")
      .select("role")
      .where("user_id", "=", userId)
      .where("role", "in", [...ADMIN_ROLES])
      .executeTakeFirst(),
    sql<{ id: string }>`
      SELECT DISTINCT unnest(d.path)::text AS id
      FROM memberships m JOIN departments d ON d.id = m.department_id
      WHERE m.tenant_id = ${tenantId} AND m.user_id = ${userId}`.execute(tx),
  ]);
  return {
    id: user.id,
    username: user.username,
    status: user.status,
    adminRole: role?.role ?? null,
    departmentPaths: paths.rows.map((r) => r.id),
  };
}

export interface GrantDepartment {
  id: string;
  dimensionId: string;
  path: string[];
  name: string;
  status: "active" | "disabled" | "merged";
}

export async function loadDepartment(tx: Tx, tenantId: string, id: string): Promise<GrantDepartment | null> {
  const row = await tx
    .selectFrom("departments")
    .select(["id", "dimension_id", "path", "name", "status"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .forShare()
    .executeTakeFirst();
  return row ? { id: row.id, dimensionId: row.dimension_id, path: row.path, name: row.name, status: row.status } : null;
}

export interface DelegableGrant {
  id: string;
  departmentId: string;
  actions: ScopedAction[];
  expiresAt: Date | null;
}

/**
 * The grantor's grants in force that hold `delegate` over a department on `path` (the target or an
 * ancestor), locked so a concurrent revocation waits for this delegation (or sees it and cascades).
 */
export async function delegableGrants(
  tx: Tx,
  tenantId: string,
  grantorId: string,
  path: string[],
): Promise<DelegableGrant[]> {
  const rows = await tx
    .selectFrom("scoped_admins as g")
    .select(["g.id", "g.department_id", "g.actions", "g.expires_at"])
    .where("g.tenant_id", "=", tenantId)
    .where("g.user_id", "=", grantorId)
    .where(isActive)
    .where(sql<SqlBool>`'delegate' = ANY(g.actions)`)
    .where("g.department_id", "in", path.length > 0 ? path : ["00000000-0000-0000-0000-000000000000"])
    .orderBy("g.created_at")
    .forUpdate()
    .execute();
  return rows.map((r) => ({
    id: r.id,
    departmentId: r.department_id,
    actions: knownActions(r.actions),
    expiresAt: r.expires_at,
  }));
}

export async function activeGrantExists(
  tx: Tx,
  tenantId: string,
  userId: string,
  departmentId: string,
): Promise<boolean> {
  const row = await tx
    .selectFrom("scoped_admins as g")
    .select("g.id")
    .where("g.tenant_id", "=", tenantId)
    .where("g.user_id", "=", userId)
    .where("g.department_id", "=", departmentId)
    .where(isActive)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertScopedAdmin(
  tx: Tx,
  integrity: AclIntegrity,
  values: {
    tenantId: string;
    userId: string;
    dimensionId: string;
    departmentId: string;
    actions: ScopedAction[];
    grantedBy: string;
    parentGrantId: string | null;
    expiresAt: Date | null;
  },
): Promise<string> {
  const id = crypto.randomUUID();
  const mac = integrity.mac("scoped_admin", {
    id,
    tenantId: values.tenantId,
    userId: values.userId,
    dimensionId: values.dimensionId,
    departmentId: values.departmentId,
    actions: values.actions,
    grantedBy: values.grantedBy,
    parentGrantId: values.parentGrantId,
    expiresAt: values.expiresAt,
    revoked: false,
  });
  const row = await tx
    .insertInto("scoped_admins")
    .values({
      id,
      mac,
      tenant_id: values.tenantId,
      user_id: values.userId,
      dimension_id: values.dimensionId,
      department_id: values.departmentId,
      actions: values.actions,
      granted_by: values.grantedBy,
      parent_grant_id: values.parentGrantId,
      expires_at: values.expiresAt,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Locks a grant row for revocation; null when it is not in the tenant. */
export async function lockGrant(
  tx: Tx,
  tenantId: string,
  id: string,
): Promise<{ id: string; revokedAt: Date | null } | null> {
  const row = await tx
    .selectFrom("scoped_admins")
    .select(["id", "revoked_at"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .forUpdate()
    .executeTakeFirst();
  return row ? { id: row.id, revokedAt: row.revoked_at } : null;
}

/** True when `ancestorUserId` holds a grant on the delegation chain above grant `id` (not `id` itself). */
export async function isDelegatedFrom(tx: Tx, id: string, ancestorUserId: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    WITH RECURSIVE chain AS (
      SELECT parent_grant_id AS id, 1 AS depth FROM scoped_admins WHERE id = ${id}
      UNION ALL
      SELECT g.parent_grant_id, chain.depth + 1 FROM scoped_admins g JOIN chain ON g.id = chain.id
      WHERE chain.depth < 64
    )
    SELECT EXISTS (
      SELECT 1 FROM chain JOIN scoped_admins g ON g.id = chain.id WHERE g.user_id = ${ancestorUserId}
    ) AS found`.execute(tx);
  return rows[0]?.found === true;
}

/** Revokes a grant and every grant delegated from it, down the chain; returns the ids revoked. */
export async function revokeWithDescendants(
  tx: Tx,
  integrity: AclIntegrity,
  tenantId: string,
  id: string,
  by: string,
): Promise<string[]> {
  const { rows } = await sql<Parameters<typeof grantFacts>[0]>`
    WITH RECURSIVE tree AS (
      SELECT id, 1 AS depth FROM scoped_admins WHERE id = ${id} AND tenant_id = ${tenantId}
      UNION ALL
      SELECT g.id, tree.depth + 1 FROM scoped_admins g JOIN tree ON g.parent_grant_id = tree.id
      WHERE tree.depth < 64
    )
    UPDATE scoped_admins s SET revoked_at = now(), revoked_by = ${by}
    FROM tree WHERE s.id = tree.id AND s.revoked_at IS NULL
    RETURNING s.id, s.tenant_id, s.user_id, s.dimension_id, s.department_id, s.actions, s.granted_by,
      s.parent_grant_id, s.expires_at, s.revoked_at`.execute(tx);
  // Each revoked row's MAC now says "revoked", so clearing revoked_at in SQL does not bring it back.
  for (const r of rows) {
    await tx
      .updateTable("scoped_admins")
      .set({ mac: integrity.mac("scoped_admin", grantFacts(r)) })
      .where("id", "=", r.id)
      .execute();
  }
  return rows.map((r) => r.id);
}
