import type { AclIntegrity } from "../authz/integrity";
import { expressionBuilder, sql } from "kysely";
import { ADMIN_ROLES } from "../../../policies/subjects";
import { actorOf } from "../audit/record";
import { createAdminAccounts } from "../bootstrap/admins";
import type { Db, DbOrTx, Tx } from "../db/pool";
import type { Database } from "../db/schema";
import { Conflict, Forbidden, Invalid, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import { auditedChange, type Caller } from "./access";
import { recordOrgChange, type OrgChange } from "./changes";
import { assertVersion } from "../http/concurrency";
import type { TenantDto } from "./schemas";
import { orgTx, pgConstraint } from "./tx";
import { auditOrgChange, updateVersioned, type VersionedEntity } from "./versioned";
import { findRow, listRows, type ReadSpec } from "./versioned-read";

interface TenantRow {
  id: string;
  code: string;
  name: string;
  status: "active" | "disabled";
  version: number;
  created_at: Date;
  updated_at: Date;
}

const TENANT_COLUMNS = { id: "id", code: "code", status: "status" };
const NOT_FOUND = () => new NotFound("TENANT_NOT_FOUND", "No such tenant.", "租户不存在。");
const state = (r: TenantRow) => ({ code: r.code, name: r.name, status: r.status, version: r.version });

export interface TenantService {
  list(
    caller: Caller,
    q: { q?: string | undefined; status?: TenantRow["status"] | undefined },
    page: Page<"code" | "name" | "createdAt">,
  ): Promise<{ rows: TenantDto[]; total: number }>;
  get(caller: Caller, id: string): Promise<TenantDto>;
  create(
    caller: Caller,
    body: { code: string; name: string },
  ): Promise<{
    tenant: TenantDto;
    admins: { role: (typeof ADMIN_ROLES)[number]; username: string; oneTimePassword: string }[];
  }>;
  rename(caller: Caller, id: string, version: number, name: string): Promise<TenantDto>;
  setStatus(caller: Caller, id: string, version: number, to: TenantRow["status"]): Promise<TenantDto>;
}

/**
 * Tenants. The platform tenant's sysadmin manages every tenant (create, disable, enable); any other
 * tenant's sysadmin sees and renames only its own, and another tenant answers 404.
 */
export function createTenantService(
  db: Db,
  platformTenantId: string,
  pbkdf2Iterations: number,
  integrity: AclIntegrity,
): TenantService {
  const isPlatform = (caller: Caller) => caller.principal.tenantId === platformTenantId;
  const toDto = (r: TenantRow): TenantDto => ({
    id: r.id,
    code: r.code,
    name: r.name,
    status: r.status,
    platform: r.id === platformTenantId,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  });

  // The platform tenant's callers see every tenant; anyone else only their own (another is a 404).
  const READ: ReadSpec<"code" | "name" | "createdAt"> = {
    table: "tenants",
    subject: "Tenant",
    columns: TENANT_COLUMNS,
    scope: (caller) => (isPlatform(caller) ? null : { column: "id", tenantId: caller.principal.tenantId }),
    sort: { code: "code", name: "name", createdAt: "created_at" },
    notFound: NOT_FOUND,
  };
  const find = (tx: DbOrTx, caller: Caller, id: string, lock = false) => findRow<TenantRow>(tx, READ, caller, id, lock);

  function requirePlatform(caller: Caller, what: string): void {
    if (!isPlatform(caller)) {
      throw new Forbidden(
        "PLATFORM_ONLY",
        `Only the platform tenant's sysadmin may ${what}.`,
        "仅平台租户的系统管理员可执行此操作。",
      );
    }
  }

  /** A tenant change goes to the tenant's own feed and, for another tenant, to the platform's too. */
  async function feed(tx: Tx, row: TenantRow, op: OrgChange["op"]) {
    const data = { ...state(row), platform: row.id === platformTenantId };
    if (row.id !== platformTenantId) {
      await recordOrgChange(tx, { tenantId: platformTenantId, entity: "tenant", entityId: row.id, op, data });
    }
    await recordOrgChange(tx, { tenantId: row.id, entity: "tenant", entityId: row.id, op, data });
  }

  const audit = (tx: Tx, caller: Caller, action: string, id: string, before: unknown, after: unknown) =>
    auditOrgChange(tx, caller, "Tenant", action, id, before, after);

  const TENANT: VersionedEntity<TenantRow> = {
    kind: "tenant",
    targetType: "Tenant",
    find,
    state,
    feed: (tx, _caller, row, op) => feed(tx, row, op),
  };

  return {
    async list(caller, q, page) {
      const status = q.status;
      const where = status ? expressionBuilder<Database, "tenants">()("status", "=", status) : undefined;
      const { rows, total } = await listRows<TenantRow, typeof page.sort>(db, READ, caller, { q: q.q, where }, page);
      return { rows: rows.map(toDto), total };
    },

    async get(caller, id) {
      return toDto(await find(db, caller, id));
    },

    async create(caller, body) {
      const event = { action: "tenant.create", targetType: "Tenant", targetId: null, detail: { code: body.code } };
      return auditedChange(db, caller, event, async () => {
        requirePlatform(caller, "create tenants");
        return orgTx(db, async (tx) => {
          const row = await tx
            .insertInto("tenants")
            .values({ code: body.code, name: body.name })
            .returningAll()
            .executeTakeFirstOrThrow();
          const { tenantId: _own, ...actor } = actorOf(caller.ctx);
          const admins = await createAdminAccounts(tx, row.id, {
            roles: ADMIN_ROLES,
            iterations: pbkdf2Iterations,
            integrity,
            creator: { ...actor, action: "tenant.admin.create" },
          });
          await feed(tx, row, "created");
          await audit(tx, caller, "tenant.create", row.id, null, {
            ...state(row),
            admins: admins.map((a) => ({ role: a.username, userId: a.userId })),
          });
          return {
            tenant: toDto(row),
            admins: admins.map((a) => ({ role: a.username, username: a.username, oneTimePassword: a.password })),
          };
        }).catch((err: unknown) => {
          if (pgConstraint(err) === "tenants_code_key") {
            throw new Conflict("TENANT_CODE_TAKEN", "Another tenant already has this code.", "租户编码已被使用。");
          }
          throw err;
        });
      });
    },

    async rename(caller, id, version, name) {
      return updateVersioned(db, caller, TENANT, id, version, {
        update: (tx) =>
          tx
            .updateTable("tenants")
            .set((eb) => ({ name, version: eb("version", "+", 1), updated_at: sql`now()` }))
            .where("id", "=", id)
            .returningAll()
            .executeTakeFirstOrThrow(),
        toDto,
      });
    },

    async setStatus(caller, id, version, to) {
      const verb = to === "disabled" ? "disable" : "enable";
      return auditedChange(db, caller, { action: `tenant.${verb}`, targetType: "Tenant", targetId: id }, async () => {
        const before = await find(db, caller, id);
        requirePlatform(caller, `${verb} tenants`);
        if (before.id === platformTenantId) {
          throw new Invalid(
            "PLATFORM_TENANT",
            "The platform tenant cannot be disabled or enabled.",
            "平台租户不能停用或启用。",
          );
        }
        return orgTx(db, async (tx) => {
          const current = await find(tx, caller, id, true);
          assertVersion("tenant", current.version, version);
          if (current.status === to) return toDto(current);
          const row = await tx
            .updateTable("tenants")
            .set((eb) => ({ status: to, version: eb("version", "+", 1), updated_at: sql`now()` }))
            .where("id", "=", id)
            .returningAll()
            .executeTakeFirstOrThrow();
          // A disabled tenant's people are signed out at once; sign-in checks the tenant's status.
          const revoked =
            to === "disabled"
              ? await tx
                  .updateTable("sessions")
                  .set({ revoked_at: sql`now()` })
                  .where("tenant_id", "=", id)
                  .where("revoked_at", "is", null)
                  .executeTakeFirst()
              : undefined;
          await feed(tx, row, to === "disabled" ? "disabled" : "enabled");
          await audit(tx, caller, `tenant.${verb}`, id, state(current), {
            ...state(row),
            ...(revoked ? { sessionsRevoked: Number(revoked.numUpdatedRows) } : {}),
          });
          return toDto(row);
        });
      });
    },
  };
}
