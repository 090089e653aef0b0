import crypto from "node:crypto";
import { sql } from "kysely";
import { ADMIN_ROLES, type AdminRole } from "../../../policies/subjects";
import { record } from "../audit/record";
import { hashPassword } from "../auth/password";
import { generatePassword } from "../auth/password-policy";
import type { Db } from "../db/pool";
import { withTx } from "../db/tx";

export const PLATFORM_TENANT_CODE = "default";

const DISPLAY_NAMES: Record<AdminRole, string> = {
  sysadmin: "系统管理员",
  secadmin: "安全保密管理员",
  auditadmin: "安全审计员",
};

export interface BootstrapResult {
  platformTenantId: string;
  /** Only on the very first start: the one-time passwords that were generated (not those from env). */
  created: { username: AdminRole; password: string; generated: boolean }[];
}

/**
 * First start: the platform tenant and exactly one account per admin role, each with a one-time
 * password that must be changed at first login. Runs under a transaction-scoped advisory lock so
 * two instances starting together create them once.
 */
export async function bootstrapPlatform(
  db: Db,
  initPasswords: Partial<Record<AdminRole, string | undefined>>,
  iterations: number,
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
    const created: BootstrapResult["created"] = [];
    for (const role of ADMIN_ROLES) {
      if (have.has(role)) continue;
      const given = initPasswords[role];
      const password = given ?? generatePassword((max) => crypto.randomInt(max));
      const user = await tx
        .insertInto("users")
        .values({
          tenant_id: tenant.id,
          username: role,
          display_name: DISPLAY_NAMES[role],
          password_hash: await hashPassword(password, iterations),
          must_change_password: true,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await tx.insertInto("role_assignments").values({ tenant_id: tenant.id, user_id: user.id, role }).execute();
      await record(tx, {
        tenantId: tenant.id,
        actorId: null,
        actorName: "system",
        actorRole: null,
        action: "system.bootstrap.admin",
        targetType: "User",
        targetId: user.id,
        result: "success",
        detail: { role, passwordSource: given ? "environment" : "generated" },
      });
      created.push({ username: role, password, generated: given === undefined });
    }
    return { platformTenantId: tenant.id, created };
  });
}
