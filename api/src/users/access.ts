import { sql } from "kysely";
import type { AppAbility } from "../../../policies/ability";
import { type Action, isAdminRole } from "../../../policies/subjects";
import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx, Tx } from "../db/pool";
import { withTx } from "../db/tx";
import type { Principal, RequestContext } from "../http/context";
import { AppError, Conflict, Forbidden, NotFound } from "../http/errors";
import { conflictFromUniqueViolation } from "./deps";
import { lockTenantOrg, pgCode } from "../orgs/tx";
import { departmentPathsOf, findUser, otherActiveHolders, type UserRow } from "./store";
import { canOnUser } from "./visibility";

export interface Caller {
  principal: Principal;
  ability: AppAbility;
  ctx: RequestContext;
}

export function callerOf(ctx: RequestContext): Caller {
  if (!ctx.principal || !ctx.ability) throw new Error("guarded route reached without a principal");
  return { principal: ctx.principal, ability: ctx.ability, ctx };
}

export const userNotFound = () => new NotFound("USER_NOT_FOUND", "No such account.", "账号不存在。");

export interface Target {
  row: UserRow;
  departmentPaths: string[];
}

/**
 * Loads an account of the caller's tenant for `action`, locking it for a change. One the caller
 * may not even read answers 404 (as another tenant's would); one it may read but not change, 403.
 * Admin-role accounts are changed only by sysadmin, never by a scoped (department) admin.
 */
export async function loadTarget(db: DbOrTx, caller: Caller, id: string, action: Action): Promise<Target> {
  const row = await findUser(db, caller.principal.tenantId, id, { forUpdate: action !== "read" });
  if (!row) throw userNotFound();
  const departmentPaths = await departmentPathsOf(db, id);
  const subject = { id: row.id, status: row.status, clearanceLevel: row.clearance_level, departmentPaths };
  if (!canOnUser(caller.ability, "read", subject)) throw userNotFound();
  if (action !== "read") {
    if (!canOnUser(caller.ability, action, subject)) {
      throw new Forbidden("FORBIDDEN", `You may not ${action} this account.`, "无权修改该账号。");
    }
    if (row.role !== null && caller.principal.role !== "sysadmin") {
      throw new Forbidden(
        "ADMIN_ACCOUNT_PROTECTED",
        "Only the system administrator changes an admin-role account.",
        "管理员账号只能由系统管理员维护。",
      );
    }
  }
  return { row, departmentPaths };
}

/**
 * Refuses to disable or delete an account when that would leave its tenant without an active
 * holder of its admin role (三员 must always be staffed), or when an admin targets itself.
 */
export async function protectAdminRole(
  tx: Tx,
  caller: Caller,
  row: UserRow,
  verb: "disable" | "delete",
): Promise<void> {
  if (row.id === caller.principal.userId) {
    throw new Conflict("SELF_CHANGE", `You cannot ${verb} your own account.`, "不能停用或删除自己的账号。");
  }
  // Only the three admin roles must stay staffed; a leadership viewer can always be disabled.
  const role = isAdminRole(row.role) ? row.role : null;
  if (role === null || row.status !== "active") return;
  // Serialise concurrent disables of holders of the same role, so two cannot both pass the count.
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`tianshu.admin-role:${row.tenant_id}:${role}`}))`.execute(tx);
  if ((await otherActiveHolders(tx, row.tenant_id, role, row.id)) === 0) {
    throw new Conflict(
      "LAST_ADMIN_OF_ROLE",
      `This is the tenant's only active ${role}; ${verb === "delete" ? "deleting" : "disabling"} it would leave nobody in that role.`,
      `该账号是本租户唯一可用的${role}，不能${verb === "delete" ? "删除" : "停用"}。`,
    );
  }
}

const concurrent = (err: unknown) =>
  pgCode(err) === "40P01" || pgCode(err) === "40001"
    ? new Conflict(
        "CONCURRENT_CHANGE",
        "Another change got in the way; reload and try again.",
        "数据正被他人同时修改，请刷新后重试。",
      )
    : null;

/**
 * Runs a change in one transaction; when it is refused (any AppError), the refusal is audited in
 * its own write, since the change's transaction rolled back.
 */
export async function audited<T>(
  db: Db,
  caller: Caller,
  action: string,
  targetId: string | null,
  fn: (tx: Tx) => Promise<T>,
  opts: { orgLock?: boolean } = {},
): Promise<T> {
  try {
    return await withTx(db, async (tx) => {
      // The tenant's org lock before any row lock: the change feed takes it anyway, and taking it
      // first keeps the lock order the same as the department operations' (no deadlocks).
      if (opts.orgLock !== false) await lockTenantOrg(tx, caller.principal.tenantId);
      return fn(tx);
    });
  } catch (thrown) {
    const err =
      thrown instanceof AppError ? thrown : (conflictFromUniqueViolation(thrown) ?? concurrent(thrown) ?? thrown);
    if (err instanceof AppError) {
      await record(db, {
        ...actorOf(caller.ctx),
        action,
        targetType: "User",
        targetId,
        result: err.status === 403 ? "denied" : "failure",
        detail: { code: err.code, status: err.status },
      }).catch(() => {
        // The refusal stands whether or not its audit row could be written; the caller sees it.
      });
    }
    throw err;
  }
}
