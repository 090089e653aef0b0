import crypto from "node:crypto";
import { ROLES } from "../../../policies/subjects";
import { revokeAllSessions } from "../auth/account-ops";
import { actorOf, record } from "../audit/record";
import type { AclIntegrity } from "../authz/integrity";
import type { Db, DbOrTx } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { AppError, Conflict, Forbidden, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import type { VIEWER_SORTABLE, ViewerDto } from "./schemas";
import { likeContains } from "../db/like";

/**
 * The leadership role `viewer` (领导: reads SLA figures and incidents, changes nothing). Assigning
 * it grants permissions, so it is the security administrator's duty (Grant create/delete), as
 * scoped-admin grants are; the system administrator creates the account. An account holds at most
 * one built-in role (三员分立): the service refuses a viewer role on an admin account with a 409,
 * and the partial unique index of migration 0022 refuses it in the database too.
 */
export interface ViewerService {
  list(
    ctx: RequestContext,
    filter: { q?: string | undefined },
    page: Page<(typeof VIEWER_SORTABLE)[number]>,
  ): Promise<{ rows: ViewerDto[]; total: number }>;
  assign(ctx: RequestContext, userId: string): Promise<ViewerDto>;
  revoke(ctx: RequestContext, userId: string): Promise<void>;
}

const userNotFound = () => new NotFound("USER_NOT_FOUND", "No such account.", "账号不存在。");

const SORT_COLUMNS = { assignedAt: "r.created_at", username: "u.username" } as const;

/**
 * The caller's tenant, once it is known to be the security administrator. The route guard's `Grant`
 * ability is also held, under conditions, by a scoped admin allowed to delegate (policies/scoped.ts):
 * that lets it re-grant inside its subtree, never hand out a built-in role, so the duty itself is checked.
 */
function secadminTenantOf(ctx: RequestContext): string {
  if (!ctx.principal) throw new Error("guarded route reached without a principal");
  if (ctx.principal.role !== "secadmin") {
    throw new Forbidden(
      "FORBIDDEN",
      "Only the security administrator assigns the viewer role.",
      "仅安全保密管理员可以授予或收回领导（只读）角色。",
    );
  }
  return ctx.principal.tenantId;
}

function viewersQuery(db: DbOrTx, tenantId: string, q: string | undefined) {
  let query = db
    .selectFrom("role_assignments as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .where("r.tenant_id", "=", tenantId)
    .where("r.role", "=", "viewer")
    .where("u.status", "<>", "deleted");
  if (q) {
    const like = likeContains(q);
    query = query.where((eb) => eb.or([eb("u.username", "ilike", like), eb("u.display_name", "ilike", like)]));
  }
  return query;
}

async function viewerOf(db: DbOrTx, tenantId: string, userId: string): Promise<ViewerDto | undefined> {
  const row = await viewersQuery(db, tenantId, undefined)
    .where("u.id", "=", userId)
    .select(["u.id", "u.username", "u.display_name", "u.status", "r.created_at"])
    .executeTakeFirst();
  return row && toDto(row);
}

function toDto(row: {
  id: string;
  username: string;
  display_name: string;
  status: string;
  created_at: Date;
}): ViewerDto {
  return {
    userId: row.id,
    username: row.username,
    displayName: row.display_name,
    status: row.status === "disabled" ? "disabled" : "active",
    role: "viewer",
    assignedAt: row.created_at.toISOString(),
  };
}

const isUniqueViolation = (err: unknown) =>
  typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";

const roleTaken = (role: string) =>
  new Conflict(
    "ROLE_EXCLUSIVE",
    `The account already holds the ${role} role; an account holds at most one built-in role.`,
    `该账号已持有${role}角色，每个账号至多持有一个内置角色（三员分立）。`,
  );

export function createViewerService(db: Db, integrity: AclIntegrity): ViewerService {
  /** Runs a change; a refusal (any AppError) is audited in its own write, the change having rolled back. */
  async function audited<T>(ctx: RequestContext, action: string, userId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (thrown) {
      const err = isUniqueViolation(thrown) ? roleTaken("another built-in") : thrown;
      if (err instanceof AppError) {
        await record(db, {
          ...actorOf(ctx),
          action,
          targetType: "User",
          targetId: userId,
          result: err.status === 403 ? "denied" : "failure",
          detail: { role: "viewer", code: err.code, status: err.status },
        }).catch(() => {
          // The refusal stands whether or not its audit row could be written.
        });
      }
      throw err;
    }
  }

  /** Locks the account (so a role change and a grant or disable of it are serialised) and its role row. */
  async function lockAccount(tx: DbOrTx, tenantId: string, userId: string) {
    const user = await tx
      .selectFrom("users")
      .select(["id", "username", "status"])
      .where("tenant_id", "=", tenantId)
      .where("id", "=", userId)
      .forUpdate()
      .executeTakeFirst();
    if (!user || user.status === "deleted") throw userNotFound();
    const role = await tx
      .selectFrom("role_assignments")
      .select(["id", "role"])
      .where("user_id", "=", userId)
      .where("role", "in", [...ROLES])
      .executeTakeFirst();
    return { user, role };
  }

  return {
    async list(ctx, filter, page) {
      const tenantId = secadminTenantOf(ctx);
      const [rows, total] = await Promise.all([
        viewersQuery(db, tenantId, filter.q)
          .select(["u.id", "u.username", "u.display_name", "u.status", "r.created_at"])
          .orderBy(SORT_COLUMNS[page.sort], page.order)
          .orderBy("u.id")
          .offset(page.offset)
          .limit(page.limit)
          .execute(),
        viewersQuery(db, tenantId, filter.q)
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow(),
      ]);
      return { rows: rows.map(toDto), total: Number(total.n) };
    },

    async assign(ctx, userId) {
      return audited(ctx, "role.assign", userId, () =>
        withTx(db, async (tx) => {
          const tenantId = secadminTenantOf(ctx);
          const { user, role } = await lockAccount(tx, tenantId, userId);
          if (role?.role === "viewer") {
            throw new Conflict(
              "ALREADY_VIEWER",
              "The account already holds the viewer role.",
              "该账号已是领导（只读）角色。",
            );
          }
          if (role) throw roleTaken(role.role);
          const id = crypto.randomUUID();
          await tx
            .insertInto("role_assignments")
            .values({
              id,
              tenant_id: tenantId,
              user_id: userId,
              role: "viewer",
              mac: integrity.mac("role_assignment", { id, tenantId, userId, role: "viewer" }),
            })
            .execute();
          // Sessions opened without the role were not held to the role's sign-in rules (second
          // factor, admin-plane allow-list, shorter idle time): the account signs in again.
          const sessionsRevoked = await revokeAllSessions(tx, userId, "role_changed");
          await record(tx, {
            ...actorOf(ctx),
            action: "role.assign",
            targetType: "User",
            targetId: userId,
            result: "success",
            detail: { role: "viewer", username: user.username, sessionsRevoked },
          });
          const dto = await viewerOf(tx, tenantId, userId);
          if (!dto) throw new Error("viewer role row vanished inside its own transaction");
          return dto;
        }),
      );
    },

    async revoke(ctx, userId) {
      await audited(ctx, "role.revoke", userId, () =>
        withTx(db, async (tx) => {
          const tenantId = secadminTenantOf(ctx);
          const { user, role } = await lockAccount(tx, tenantId, userId);
          if (role?.role !== "viewer") {
            throw new NotFound(
              "NOT_A_VIEWER",
              "The account does not hold the viewer role.",
              "该账号不是领导（只读）角色。",
            );
          }
          await tx.deleteFrom("role_assignments").where("id", "=", role.id).execute();
          const sessionsRevoked = await revokeAllSessions(tx, userId, "role_changed");
          await record(tx, {
            ...actorOf(ctx),
            action: "role.revoke",
            targetType: "User",
            targetId: userId,
            result: "success",
            detail: { role: "viewer", username: user.username, sessionsRevoked },
          });
        }),
      );
    },
  };
}
