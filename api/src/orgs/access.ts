import { subject } from "@casl/ability";
import type { AppAbility } from "../../../policies/ability";
import { arrayField, type FieldMapping } from "../../../policies/compile";
import type { Action } from "../../../policies/subjects";
import { actorOf, record } from "../audit/record";
import type { Db } from "../db/pool";
import type { Principal, RequestContext } from "../http/context";
import { AppError, Forbidden, NotFound } from "../http/errors";

/** A request context past the route guard: signed in, with an ability. */
export interface Caller {
  ctx: RequestContext;
  principal: Principal;
  ability: AppAbility;
}

export function callerOf(ctx: RequestContext): Caller {
  const { principal, ability } = ctx;
  if (!principal || !ability) throw new Error("guarded route reached without a principal");
  return { ctx, principal, ability };
}

/** Department (OrgUnit) fields CASL conditions may name, and their SQL (table alias `d`). */
export const ORG_UNIT_COLUMNS: Record<string, FieldMapping> = {
  path: arrayField("d.path", "uuid"),
  id: "d.id",
  dimensionId: "d.dimension_id",
  parentId: "d.parent_id",
  status: "d.status",
  tenantId: "d.tenant_id",
};

/** A department as CASL sees it; `path` decides whether it lies in a scoped admin's subtree. */
export function orgUnit(dept: { path: string[]; id?: string; dimensionId?: string }) {
  const fields: Record<string, unknown> = { path: dept.path };
  if (dept.id !== undefined) fields.id = dept.id;
  if (dept.dimensionId !== undefined) fields.dimensionId = dept.dimensionId;
  return subject("OrgUnit", fields);
}

export const DEPARTMENT_NOT_FOUND = () => new NotFound("DEPARTMENT_NOT_FOUND", "No such department.", "部门不存在。");

/**
 * Checks the loaded department against the caller's rules: one it may not even read answers 404
 * (as another tenant's would), one it reads but may not change answers 403 (audited as denied by
 * auditedChange, outside the transaction).
 */
export function authorizeDepartment(
  caller: Caller,
  action: Action,
  dept: { id: string; path: string[] },
  opts: { asPath?: string[]; what?: string } = {},
): void {
  if (!caller.ability.can("read", orgUnit(dept))) throw DEPARTMENT_NOT_FOUND();
  assertCan(caller, action, opts.asPath ?? dept.path, opts.what ?? `${action} this department`);
}

/** Throws 403 unless the caller may `action` a department at `path`. */
export function assertCan(caller: Caller, action: Action, path: string[], what: string): void {
  if (!caller.ability.can(action, orgUnit({ path }))) {
    throw new Forbidden("FORBIDDEN", `You may not ${what}.`, "无权对该部门执行此操作。");
  }
}

/**
 * Runs one change; if it is refused (a 4xx AppError), records the refusal in the audit log after the
 * transaction rolled back, so failed and denied attempts are on record too (ARCHITECTURE §4.3).
 * (Never inside the transaction: the embedded database serialises connections, and the event must
 * survive the rollback.)
 */
export async function auditedChange<T>(
  db: Db,
  caller: Caller,
  event: { action: string; targetType: string; targetId: string | null; detail?: Record<string, unknown> },
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      await record(db, {
        ...actorOf(caller.ctx),
        action: event.action,
        targetType: event.targetType,
        targetId: event.targetId,
        result: err instanceof Forbidden ? "denied" : "failure",
        detail: { ...event.detail, code: err.code, reason: err.message },
      });
    }
    throw err;
  }
}
