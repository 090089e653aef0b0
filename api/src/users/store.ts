import { type RawBuilder, type SqlBool, sql, type Updateable } from "kysely";
import { type AdminRole, isRole, ROLES, type Role } from "../../../policies/subjects";
import type { DbOrTx } from "../db/pool";
import type { UsersTable } from "../db/schema";
import type { Page } from "../http/list";
import type { UserSort } from "./schemas";
import { likePrefix } from "../db/like";

/** SQL only: no rules, no audit, no transactions (the service opens them and passes `tx`). */

export interface UserRow {
  id: string;
  tenant_id: string;
  username: string;
  display_name: string;
  employee_no: string | null;
  phone_enc: string | null;
  email_enc: string | null;
  status: "active" | "disabled" | "deleted";
  locked_until: Date | null;
  must_change_password: boolean;
  clearance_level: number;
  attributes: Record<string, unknown>;
  version: number;
  deleted_at: Date | null;
  erase_after: Date | null;
  created_at: Date;
  updated_at: Date;
  /** The built-in role: an admin role or `viewer` (leadership, read-only). */
  role: Role | null;
}

export interface MembershipRow {
  id: string;
  user_id: string;
  department_id: string;
  department_name: string;
  dimension_id: string;
  is_primary: boolean;
  post_id: string | null;
  post_name: string | null;
  title: string | null;
  sort_order: number;
}

const USER_COLUMNS = [
  "u.id",
  "u.tenant_id",
  "u.username",
  "u.display_name",
  "u.employee_no",
  "u.phone_enc",
  "u.email_enc",
  "u.status",
  "u.locked_until",
  "u.must_change_password",
  "u.clearance_level",
  "u.attributes",
  "u.version",
  "u.deleted_at",
  "u.erase_after",
  "u.created_at",
  "u.updated_at",
] as const;

const adminRoleOf = sql<string | null>`(
  SELECT r.role FROM role_assignments r
  WHERE r.user_id = u.id AND r.role IN (${sql.join([...ROLES])}) LIMIT 1)`;

const withRole = <T extends { role: string | null }>(row: T): T & { role: Role | null } => ({
  ...row,
  role: isRole(row.role) ? row.role : null,
});

/** One account of the tenant; with `forUpdate`, row-locked until the transaction ends. */
export async function findUser(
  db: DbOrTx,
  tenantId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<UserRow | undefined> {
  let q = db
    .selectFrom("users as u")
    .select([...USER_COLUMNS, adminRoleOf.as("role")])
    .where("u.tenant_id", "=", tenantId)
    .where("u.id", "=", id);
  if (opts.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? withRole(row) : undefined;
}

/** The ancestors (and selves) of every department the user belongs to: the CASL `departmentPaths`. */
export async function departmentPathsOf(db: DbOrTx, userId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT DISTINCT unnest(d.path) AS id FROM memberships m JOIN departments d ON d.id = m.department_id
    WHERE m.user_id = ${userId}`.execute(db);
  return rows.map((r) => r.id);
}

export async function membershipsOf(db: DbOrTx, userIds: string[]): Promise<MembershipRow[]> {
  if (userIds.length === 0) return [];
  return db
    .selectFrom("memberships as m")
    .innerJoin("departments as d", "d.id", "m.department_id")
    .leftJoin("posts as p", "p.id", "m.post_id")
    .select([
      "m.id",
      "m.user_id",
      "m.department_id",
      "d.name as department_name",
      "m.dimension_id",
      "m.is_primary",
      "m.post_id",
      "p.name as post_name",
      "m.title",
      "m.sort_order",
    ])
    .where("m.user_id", "in", userIds)
    .orderBy("m.dimension_id")
    .orderBy("m.is_primary", "desc")
    .orderBy("m.sort_order")
    .orderBy("m.department_id")
    .execute();
}

export interface UserListFilter {
  tenantId: string;
  allowed: RawBuilder<SqlBool>;
  q?: string | undefined;
  /** Pinyin form of q (lower-case, no spaces). */
  qPinyin?: string | undefined;
  phoneBidx?: string | undefined;
  emailBidx?: string | undefined;
  departmentId?: string | undefined;
  includeSubDepartments?: boolean | undefined;
  dimensionId?: string | undefined;
  postId?: string | undefined;
  title?: string | undefined;
  status?: "active" | "disabled" | "deleted" | undefined;
}

/** The WHERE of a user search; every condition has an index (see migrations/0005_people.sql). */
export function userSearchWhere(f: UserListFilter): RawBuilder<SqlBool> {
  const parts: RawBuilder<unknown>[] = [sql`u.tenant_id = ${f.tenantId}`, f.allowed];
  // Deleted accounts are listed only when asked for: they are on their way to erasure.
  parts.push(f.status ? sql`u.status = ${f.status}` : sql`u.status <> 'deleted'`);
  if (f.q !== undefined) {
    const alternatives = [
      sql`lower(u.username) LIKE ${likePrefix(f.q.toLowerCase())}`,
      sql`u.display_name LIKE ${likePrefix(f.q)}`,
      sql`u.employee_no = ${f.q}`,
    ];
    if (f.qPinyin && /^[a-z0-9]+$/.test(f.qPinyin)) {
      alternatives.push(
        sql`u.name_pinyin LIKE ${likePrefix(f.qPinyin)}`,
        sql`u.name_initials LIKE ${likePrefix(f.qPinyin)}`,
      );
    }
    parts.push(sql`(${sql.join(alternatives, sql` OR `)})`);
  }
  if (f.phoneBidx !== undefined) parts.push(sql`u.phone_bidx = ${f.phoneBidx}`);
  if (f.emailBidx !== undefined) parts.push(sql`u.email_bidx = ${f.emailBidx}`);
  // Membership filters apply to the same membership: "post P in department D", not P anywhere.
  const member: RawBuilder<unknown>[] = [];
  if (f.departmentId !== undefined) {
    member.push(
      f.includeSubDepartments
        ? // ANY(ARRAY(subquery)): the subtree's ids are computed once, then memberships_department_idx
          // answers; a plain IN lets the planner hash-join the whole memberships table instead.
          sql`m.department_id = ANY (ARRAY(SELECT d.id FROM departments d WHERE d.tenant_id = ${f.tenantId} AND d.path @> ARRAY[${f.departmentId}]::uuid[]))`
        : sql`m.department_id = ${f.departmentId}`,
    );
  }
  if (f.dimensionId !== undefined) member.push(sql`m.dimension_id = ${f.dimensionId}`);
  if (f.postId !== undefined) member.push(sql`m.post_id = ${f.postId}`);
  if (f.title !== undefined) member.push(sql`m.title = ${f.title}`);
  if (member.length > 0) {
    parts.push(sql`EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND ${sql.join(member, sql` AND `)})`);
  }
  return sql<SqlBool>`(${sql.join(parts, sql` AND `)})`;
}

const SORT: Record<UserSort, RawBuilder<unknown>> = {
  createdAt: sql`u.created_at`,
  updatedAt: sql`u.updated_at`,
  username: sql`lower(u.username)`,
  // Chinese names sort by their pinyin, as people expect in a contacts list.
  displayName: sql`u.name_pinyin`,
  employeeNo: sql`u.employee_no`,
  status: sql`u.status`,
};

export async function listUsers(
  db: DbOrTx,
  filter: UserListFilter,
  page: Page<UserSort>,
): Promise<{ rows: UserRow[]; total: number }> {
  const where = userSearchWhere(filter);
  const [rows, count] = await Promise.all([
    db
      .selectFrom("users as u")
      .select([...USER_COLUMNS, adminRoleOf.as("role")])
      .where(where)
      // Only employee_no can be NULL; for the NOT NULL columns a plain order lets the index serve it.
      .orderBy(SORT[page.sort], (ob) => {
        const directed = page.order === "asc" ? ob.asc() : ob.desc();
        return page.sort === "employeeNo" ? directed.nullsLast() : directed;
      })
      .orderBy("u.id", page.order)
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    db
      .selectFrom("users as u")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where(where)
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(withRole), total: Number(count.n) };
}

/** Rows for the export, in keyset pages so a large export never holds everything in memory. */
export async function exportPage(
  db: DbOrTx,
  filter: UserListFilter,
  afterId: string | null,
  limit: number,
): Promise<UserRow[]> {
  const rows = await db
    .selectFrom("users as u")
    .select([...USER_COLUMNS, adminRoleOf.as("role")])
    .where(userSearchWhere(filter))
    .$if(afterId !== null, (q) => q.where("u.id", ">", afterId as string))
    .orderBy("u.id")
    .limit(limit)
    .execute();
  return rows.map(withRole);
}

export type UserValues = Partial<
  Pick<
    Updateable<UsersTable>,
    | "display_name"
    | "employee_no"
    | "phone_enc"
    | "phone_bidx"
    | "phone_last4"
    | "email_enc"
    | "email_bidx"
    | "name_pinyin"
    | "name_initials"
    | "clearance_level"
    | "status"
    | "locked_until"
    | "failed_logins"
    | "deleted_at"
    | "erase_after"
    | "attributes"
  >
>;

/** Applies `set` and bumps the version; the caller has locked the row and checked the version. */
export async function updateUser(tx: DbOrTx, id: string, set: UserValues): Promise<void> {
  await tx
    .updateTable("users")
    .set({ ...set, version: sql`version + 1`, updated_at: sql`now()` })
    .where("id", "=", id)
    .execute();
}

/** Is this employee number held by another account of the tenant that is not deleted? */
export async function employeeNoTaken(
  db: DbOrTx,
  tenantId: string,
  employeeNo: string,
  exceptUserId: string | null,
): Promise<boolean> {
  const row = await db
    .selectFrom("users")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("employee_no", "=", employeeNo)
    .where("deleted_at", "is", null)
    .$if(exceptUserId !== null, (q) => q.where("id", "<>", exceptUserId as string))
    .executeTakeFirst();
  return row !== undefined;
}

export async function usernameTaken(db: DbOrTx, tenantId: string, username: string): Promise<boolean> {
  const row = await db
    .selectFrom("users")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where(sql<SqlBool>`lower(username) = lower(${username})`)
    .executeTakeFirst();
  return row !== undefined;
}

/** Active, undeleted accounts of the tenant holding `role`, other than `exceptUserId`. */
export async function otherActiveHolders(
  db: DbOrTx,
  tenantId: string,
  role: AdminRole,
  exceptUserId: string,
): Promise<number> {
  const row = await db
    .selectFrom("role_assignments as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("r.tenant_id", "=", tenantId)
    .where("r.role", "=", role)
    .where("u.status", "=", "active")
    .where("u.id", "<>", exceptUserId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
