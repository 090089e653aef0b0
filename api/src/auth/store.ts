import { sql } from "kysely";
import { isRole, ROLES, type Role } from "../../../policies/subjects";
import type { AclGuard } from "../authz/integrity";
import { ROLE_ROW_JSON, type RoleRowJson, verifiedRole } from "../authz/integrity-rows";
import type { DbOrTx } from "../db/pool";

type RoleGuard = Pick<AclGuard, "check">;

export interface LoginCandidate {
  userId: string;
  tenantId: string;
  username: string;
  displayName: string;
  passwordHash: string;
  status: "active" | "disabled" | "deleted";
  tenantActive: boolean;
  mustChangePassword: boolean;
  passwordChangedAt: Date | null;
  lockedUntil: Date | null;
  role: Role | null;
  /** The account has at least one confirmed second factor. */
  hasFactor: boolean;
}

/** The account's built-in role row (admin role or viewer) with its MAC (api/src/authz/integrity.ts): verified before it is used. */
const adminRoleOf = sql<RoleRowJson | null>`(
  SELECT ${ROLE_ROW_JSON} FROM role_assignments r
  WHERE r.user_id = u.id AND r.role IN (${sql.join([...ROLES])})
  LIMIT 1)`;

/** The admin role of a loaded row; none when its MAC fails (a tampered role assignment gives no role). */
const adminRoleIn = (guard: RoleGuard, row: RoleRowJson | null): Role | null => {
  const role = verifiedRole(guard, row);
  return isRole(role) ? role : null;
};

const hasFactorOf = sql<boolean>`EXISTS (
  SELECT 1 FROM mfa_factors f WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL)`;

export async function findLoginCandidate(
  db: DbOrTx,
  tenantCode: string,
  username: string,
  guard: RoleGuard,
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
      "t.status as tenant_status",
      "u.must_change_password",
      "u.password_changed_at",
      "u.locked_until",
      adminRoleOf.as("role"),
      hasFactorOf.as("has_factor"),
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
    tenantActive: row.tenant_status === "active",
    mustChangePassword: row.must_change_password,
    passwordChangedAt: row.password_changed_at,
    lockedUntil: row.locked_until,
    role: adminRoleIn(guard, row.role),
    hasFactor: row.has_factor,
  };
}

/**
 * Counts a failed sign-in step (password or second factor). Reaching `maxFailures` locks the account
 * for `lockMinutes` and restarts the count, so the next lock needs another full run of failures.
 */
export async function countFailure(
  tx: DbOrTx,
  userId: string,
  lockout: { maxFailures: number; lockMinutes: number },
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const result = await sql<{ failures: number; locked_until: Date | null; locked_now: boolean }>`
    UPDATE users SET
      failed_logins = CASE WHEN failed_logins + 1 >= ${lockout.maxFailures} THEN 0 ELSE failed_logins + 1 END,
      locked_until = CASE WHEN failed_logins + 1 >= ${lockout.maxFailures}
        THEN now() + make_interval(mins => ${lockout.lockMinutes}) ELSE locked_until END
    WHERE id = ${userId}
    RETURNING failed_logins AS failures, locked_until, failed_logins = 0 AS locked_now
  `.execute(tx);
  const row = result.rows[0];
  if (!row) return { failures: 0, lockedUntil: null };
  return {
    failures: row.locked_now ? lockout.maxFailures : row.failures,
    lockedUntil: row.locked_now ? row.locked_until : null,
  };
}

/** A complete sign-in (password and, where required, second factor) clears the failure count. */
export async function clearFailures(tx: DbOrTx, userId: string): Promise<void> {
  await tx
    .updateTable("users")
    .set({ failed_logins: 0, locked_until: null })
    .where("id", "=", userId)
    .where((eb) => eb.or([eb("failed_logins", ">", 0), eb("locked_until", "is not", null)]))
    .execute();
}

/** Serialises sign-ins of one account, so the concurrent-session limit cannot be raced. */
export async function lockUserRow(tx: DbOrTx, userId: string): Promise<void> {
  await tx.selectFrom("users").select("id").where("id", "=", userId).forUpdate().execute();
}

export async function markPasswordExpired(tx: DbOrTx, userId: string): Promise<void> {
  await tx.updateTable("users").set({ must_change_password: true }).where("id", "=", userId).execute();
}

export interface NewSession {
  id: string;
  tenantId: string;
  userId: string;
  idleTimeoutSeconds: number;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  mfaRequired: boolean;
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
      mfa_required: s.mfaRequired,
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
  role: Role | null;
  mfaRequired: boolean;
  mfaMethod: "totp" | "sm2" | "recovery" | null;
  /** The tenant's admin-plane allow-list (empty: anywhere), read in the same round trip. */
  adminAllowList: string[];
}

/** A session is live when not revoked and inside both timeouts. */
export const LIVE_SESSION = sql<boolean>`(s.revoked_at IS NULL AND s.expires_at > now()
  AND s.last_seen_at > now() - make_interval(secs => s.idle_timeout_seconds))`;

/**
 * Validates a session and extends its idle window in one round trip: the UPDATE matches only a
 * live session of an active account in an active tenant and returns who it belongs to.
 */
export async function touchSession(
  db: DbOrTx,
  sessionId: string,
  guard: RoleGuard,
): Promise<SessionPrincipalRow | undefined> {
  const result = await sql<{
    id: string;
    user_id: string;
    tenant_id: string;
    username: string;
    display_name: string;
    must_change_password: boolean;
    role: RoleRowJson | null;
    mfa_required: boolean;
    mfa_method: "totp" | "sm2" | "recovery" | null;
    allow_list: unknown;
  }>`
    UPDATE sessions AS s SET last_seen_at = now()
    FROM users AS u, tenants AS t
    WHERE s.id = ${sessionId}
      AND u.id = s.user_id
      AND u.status = 'active'
      AND t.id = s.tenant_id
      AND t.status = 'active'
      AND ${LIVE_SESSION}
    RETURNING s.id, s.user_id, s.tenant_id, u.username, u.display_name, u.must_change_password,
      ${adminRoleOf} AS role, s.mfa_required, s.mfa_method,
      (SELECT ss.settings -> 'adminPlane' -> 'ipAllowList' FROM security_settings ss
        WHERE ss.tenant_id = s.tenant_id) AS allow_list
  `.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const role = adminRoleIn(guard, row.role);
  return {
    sessionId: row.id,
    userId: row.user_id,
    tenantId: row.tenant_id,
    username: row.username,
    displayName: row.display_name,
    mustChangePassword: row.must_change_password,
    role,
    // The three admin roles always need a second factor, even if the role arrived after sign-in.
    mfaRequired: row.mfa_required || role !== null,
    mfaMethod: row.mfa_method,
    adminAllowList: Array.isArray(row.allow_list) ? row.allow_list.filter((v) => typeof v === "string") : [],
  };
}

export async function revokeSession(tx: DbOrTx, sessionId: string, reason: string): Promise<void> {
  await tx
    .updateTable("sessions")
    .set({ revoked_at: new Date(), revoke_reason: reason })
    .where("id", "=", sessionId)
    .where("revoked_at", "is", null)
    .execute();
}

export async function revokeOtherSessions(
  tx: DbOrTx,
  userId: string,
  keepSessionId: string,
  reason: string,
): Promise<number> {
  const result = await tx
    .updateTable("sessions")
    .set({ revoked_at: new Date(), revoke_reason: reason })
    .where("user_id", "=", userId)
    .where("id", "<>", keepSessionId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Ends the oldest fully signed-in sessions of an account beyond `max`. Sessions still waiting for
 * their second factor do not count, so someone holding only the password cannot push the owner out.
 */
export async function revokeBeyondLimit(tx: DbOrTx, userId: string, max: number): Promise<string[]> {
  const result = await sql<{ id: string }>`
    UPDATE sessions SET revoked_at = now(), revoke_reason = 'concurrent_limit'
    WHERE id IN (
      SELECT s.id FROM sessions s
      WHERE s.user_id = ${userId} AND ${LIVE_SESSION}
        AND (NOT s.mfa_required OR s.mfa_verified_at IS NOT NULL)
      ORDER BY s.created_at DESC, s.id DESC
      OFFSET ${max})
    RETURNING id
  `.execute(tx);
  return result.rows.map((r) => r.id);
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

export interface SignInFacts {
  mustChangePassword: boolean;
  passwordChangedAt: Date | null;
  enrolled: ("totp" | "sm2")[];
}

/** What the login state (`next`, expiry) of an account depends on, in one round trip. */
export async function signInFacts(db: DbOrTx, userId: string): Promise<SignInFacts> {
  const row = await db
    .selectFrom("users as u")
    .where("u.id", "=", userId)
    .select([
      "u.must_change_password",
      "u.password_changed_at",
      sql<string[] | null>`(SELECT array_agg(DISTINCT f.kind ORDER BY f.kind) FROM mfa_factors f
        WHERE f.user_id = u.id AND f.confirmed_at IS NOT NULL)`.as("enrolled"),
    ])
    .executeTakeFirstOrThrow();
  return {
    mustChangePassword: row.must_change_password,
    passwordChangedAt: row.password_changed_at,
    enrolled: (row.enrolled ?? []).filter((k): k is "totp" | "sm2" => k === "totp" || k === "sm2"),
  };
}
