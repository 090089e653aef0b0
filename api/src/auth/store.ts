import { sql } from "kysely";
import { ADMIN_ROLES, type AdminRole, isAdminRole } from "../../../policies/subjects";
import type { DbOrTx } from "../db/pool";

export interface LoginCandidate {
  userId: string;
  tenantId: string;
  username: string;
  displayName: string;
  passwordHash: string;
  status: "active" | "disabled" | "deleted";
  mustChangePassword: boolean;
  role: AdminRole | null;
}

const adminRoleOf = sql<string | null>`(
  SELECT r.role FROM role_assignments r
  WHERE r.user_id = u.id AND r.role IN (${sql.join([...ADMIN_ROLES])})
  LIMIT 1)`;

export async function findLoginCandidate(
  db: DbOrTx,
  tenantCode: string,
  username: string,
): Promise<LoginCandidate | undefined> {
  const row = await db
    .selectFrom("users as u")
    .innerJoin("tenants as t", "t.id", "u.tenant_id")
    .where("t.code", "=", tenantCode)
    .where(sql<boolean>`lower(u.username) = lower(${username})`)
    .select([
      "u.id",
      "u.tenant_id",
      "u.username",
      "u.display_name",
      "u.password_hash",
      "u.status",
      "u.must_change_password",
      adminRoleOf.as("role"),
    ])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    userId: row.id,
    tenantId: row.tenant_id,
    username: row.username,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    status: row.status,
    mustChangePassword: row.must_change_password,
    role: isAdminRole(row.role) ? row.role : null,
  };
}

export interface NewSession {
  id: string;
  tenantId: string;
  userId: string;
  idleTimeoutSeconds: number;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export async function insertSession(tx: DbOrTx, s: NewSession): Promise<void> {
  await tx
    .insertInto("sessions")
    .values({
      id: s.id,
      tenant_id: s.tenantId,
      user_id: s.userId,
      idle_timeout_seconds: s.idleTimeoutSeconds,
      expires_at: s.expiresAt,
      ip: s.ip,
      user_agent: s.userAgent?.slice(0, 512) ?? null,
    })
    .execute();
}

export interface SessionPrincipalRow {
  sessionId: string;
  userId: string;
  tenantId: string;
  username: string;
  displayName: string;
  mustChangePassword: boolean;
  role: AdminRole | null;
}

/**
 * Validates a session and extends its idle window in one round trip: the UPDATE matches only a
 * live session (not revoked, inside both timeouts, account active) and returns who it belongs to.
 */
export async function touchSession(db: DbOrTx, sessionId: string): Promise<SessionPrincipalRow | undefined> {
  const result = await sql<{
    id: string;
    user_id: string;
    tenant_id: string;
    username: string;
    display_name: string;
    must_change_password: boolean;
    role: string | null;
  }>`
    UPDATE sessions AS s SET last_seen_at = now()
    FROM users AS u
    WHERE s.id = ${sessionId}
      AND u.id = s.user_id
      AND u.status = 'active'
      AND s.revoked_at IS NULL
      AND s.expires_at > now()
      AND s.last_seen_at > now() - make_interval(secs => s.idle_timeout_seconds)
    RETURNING s.id, s.user_id, s.tenant_id, u.username, u.display_name, u.must_change_password, ${adminRoleOf} AS role
  `.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    sessionId: row.id,
    userId: row.user_id,
    tenantId: row.tenant_id,
    username: row.username,
    displayName: row.display_name,
    mustChangePassword: row.must_change_password,
    role: isAdminRole(row.role) ? row.role : null,
  };
}

export async function revokeSession(tx: DbOrTx, sessionId: string): Promise<void> {
  await tx.updateTable("sessions").set({ revoked_at: new Date() }).where("id", "=", sessionId).execute();
}

export async function revokeOtherSessions(tx: DbOrTx, userId: string, keepSessionId: string): Promise<number> {
  const result = await tx
    .updateTable("sessions")
    .set({ revoked_at: new Date() })
    .where("user_id", "=", userId)
    .where("id", "<>", keepSessionId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function passwordHashOf(db: DbOrTx, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom("users").select("password_hash").where("id", "=", userId).executeTakeFirst();
  return row?.password_hash;
}

export async function setPassword(tx: DbOrTx, userId: string, passwordHash: string): Promise<void> {
  await tx
    .updateTable("users")
    .set({
      password_hash: passwordHash,
      must_change_password: false,
      password_changed_at: new Date(),
      updated_at: new Date(),
    })
    .where("id", "=", userId)
    .execute();
}

/** Upgrades a hash made with fewer iterations than configured, without touching the change policy. */
export async function rehashPassword(tx: DbOrTx, userId: string, passwordHash: string): Promise<void> {
  await tx.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", userId).execute();
}
