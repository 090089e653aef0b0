import crypto from "node:crypto";
import { sql } from "kysely";
import { ADMIN_ROLES, type AdminRole } from "../../../policies/subjects";
import { type AuditEvent, record } from "../audit/record";
import { hashPassword } from "../auth/password";
import type { AclIntegrity } from "../authz/integrity";
import { backfillAclIntegrity } from "../authz/integrity-backfill";
import { generatePassword } from "../auth/password-policy";
import type { Db, Tx } from "../db/pool";
import { withTx } from "../db/tx";

export const PLATFORM_TENANT_CODE = "default";

const DISPLAY_NAMES: Record<AdminRole, string> = {
  sysadmin: "系统管理员",
  secadmin: "安全保密管理员",
  auditadmin: "安全审计员",
};

export interface CreatedAdmin {
  /** The account's username: the role name itself (usernames are unique per tenant). */
  username: AdminRole;
  userId: string;
  password: string;
  /** False when the password came from the caller (the TIANSHU_INIT_PASSWORD_* variables). */
  generated: boolean;
}

export interface BootstrapResult {
  platformTenantId: string;
  /** Only on the very first start: the one-time passwords that were generated (not those from env). */
  created: Omit<CreatedAdmin, "userId">[];
}

/** Who creates admin accounts, for their audit events: the system at first start, or an admin. */
export type AdminCreator = Pick<
  AuditEvent,
  "actorId" | "actorName" | "actorRole" | "ip" | "userAgent" | "requestId"
> & { action: string };

const SYSTEM: AdminCreator = {
  actorId: null,
  actorName: "system",
  actorRole: null,
  action: "system.bootstrap.admin",
};

/**
 * Creates one account per admin role in `roles` inside `tenantId`, each with a one-time password that
 * must be changed at first sign-in, audited in the caller's transaction. Used at first start for the
 * platform tenant and when the platform sysadmin creates a tenant.
 */
export async function createAdminAccounts(
  tx: Tx,
  tenantId: string,
  opts: {
    roles: readonly AdminRole[];
    iterations: number;
    /** MACs each role assignment (authz/integrity.ts); without it the role is unusable (NULL mac). */
    integrity: AclIntegrity | undefined;
    passwords?: Partial<Record<AdminRole, string | undefined>>;
    creator?: AdminCreator;
  },
): Promise<CreatedAdmin[]> {
  const creator = opts.creator ?? SYSTEM;
  const created: CreatedAdmin[] = [];
  for (const role of opts.roles) {
    const given = opts.passwords?.[role];
    const password = given ?? generatePassword((max) => crypto.randomInt(max));
    const user = await tx
      .insertInto("users")
      .values({
        tenant_id: tenantId,
        username: role,
        display_name: DISPLAY_NAMES[role],
        password_hash: await hashPassword(password, opts.iterations),
        must_change_password: true,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const assignment = crypto.randomUUID();
    await tx
      .insertInto("role_assignments")
      .values({
        id: assignment,
        tenant_id: tenantId,
        user_id: user.id,
        role,
        mac: opts.integrity?.mac("role_assignment", { id: assignment, tenantId, userId: user.id, role }) ?? null,
      })
      .execute();
    const { action, ...actor } = creator;
    await record(tx, {
      ...actor,
      tenantId,
      action,
      targetType: "User",
      targetId: user.id,
      result: "success",
      detail: { role, username: role, passwordSource: given ? "environment" : "generated" },
    });
    created.push({ username: role, userId: user.id, password, generated: given === undefined });
  }
  return created;
}

/**
 * First start: the platform tenant and exactly one account per admin role, each with a one-time
 * password that must be changed at first login; then, once ever, the MAC backfill. Runs under a
 * transaction-scoped advisory lock so two instances starting together create them once.
 */
export async function bootstrapPlatform(
  db: Db,
  initPasswords: Partial<Record<AdminRole, string | undefined>>,
  iterations: number,
  /**
   * The MAC of access-control rows. With it (always, outside the bootstrap's own unit tests) the
   * admins' role assignments are MACed and, in the same transaction, the one-time backfill gives a
   * MAC to rows written before migration 0012 (authz/integrity-backfill.ts).
   */
  integrity?: AclIntegrity,
): Promise<BootstrapResult> {
  return withTx(db, async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('tianshu.bootstrap'))`.execute(tx);
    let tenant = await tx
      .selectFrom("tenants")
      .select("id")
      .where("code", "=", PLATFORM_TENANT_CODE)
      .executeTakeFirst();
    if (!tenant) {
      tenant = await tx
        .insertInto("tenants")
        .values({ code: PLATFORM_TENANT_CODE, name: "平台租户" })
        .returning("id")
        .executeTakeFirstOrThrow();
    }
    const existing = await tx
      .selectFrom("role_assignments")
      .select("role")
      .where("role", "in", [...ADMIN_ROLES])
      .where("tenant_id", "=", tenant.id)
      .execute();
    const have = new Set(existing.map((r) => r.role));
    const created = await createAdminAccounts(tx, tenant.id, {
      roles: ADMIN_ROLES.filter((role) => !have.has(role)),
      iterations,
      integrity,
      passwords: initPasswords,
    });
    if (integrity) await backfillAclIntegrity(tx, integrity, tenant.id);
    return {
      platformTenantId: tenant.id,
      created: created.map(({ username, password, generated }) => ({ username, password, generated })),
    };
  });
}
