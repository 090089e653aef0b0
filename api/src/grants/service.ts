import type { AppAbility } from "../../../policies/ability";
import type { ScopedAction } from "../../../policies/scoped";
import type { Subject } from "../../../policies/subjects";
import type { ApprovalService } from "../approvals/service";
import type { ApprovalDto } from "../approvals/schemas";
import { actorOf, record } from "../audit/record";
import { bumpGeneration } from "../authz/generations";
import type { AclIntegrity } from "../authz/integrity";
import type { Db, Tx } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { AppError, Conflict, Forbidden, Invalid, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import { accessibleWhere } from "../../../policies/compile";
import { type CreateScopedAdmin, CreateScopedAdminBody, type GRANT_SORTABLE, type ScopedAdminDto } from "./schemas";
import {
  activeGrantExists,
  delegableGrants,
  GRANT_COLUMNS,
  type GrantDepartment,
  type Grantee,
  type GrantStatusFilter,
  getScopedAdmin,
  isDelegatedFrom,
  listScopedAdmins,
  loadDepartment,
  loadGrantee,
  lockGrant,
  insertScopedAdmin,
  revokeWithDescendants,
} from "./store";

export const GRANT_ACTION = "scopedAdmin.grant";

/** Called after a grant change commits, with the tenant's new policy generation (cache invalidation). */
export type PolicyChangeListener = (tenantId: string, generation: string) => Promise<void>;

export type GrantOutcome = { kind: "granted"; grant: ScopedAdminDto } | { kind: "proposed"; approval: ApprovalDto };

export interface GrantService {
  list(
    ctx: RequestContext,
    filter: { userId?: string | undefined; departmentId?: string | undefined; status: GrantStatusFilter },
    page: Page<(typeof GRANT_SORTABLE)[number]>,
  ): Promise<{ rows: ScopedAdminDto[]; total: number }>;
  get(ctx: RequestContext, id: string): Promise<ScopedAdminDto>;
  grant(ctx: RequestContext, body: CreateScopedAdmin): Promise<GrantOutcome>;
  /** Revokes a grant and everything delegated from it; returns the ids revoked, the grant's first. */
  revoke(ctx: RequestContext, id: string): Promise<string[]>;
}

interface Grantor {
  userId: string;
  role: string | null;
  tenantId: string;
}

interface Plan {
  department: GrantDepartment;
  grantee: Grantee;
  actions: ScopedAction[];
  parentGrantId: string | null;
  expiresAt: Date | null;
}

const MAX_GRANT_DAYS = 3660;

function resource(
  type: Subject,
  fields: Record<string, unknown>,
): Record<string, unknown> & { __caslSubjectType__: Subject } {
  return { ...fields, __caslSubjectType__: type };
}

function principalOf(ctx: RequestContext) {
  if (!ctx.principal || !ctx.ability) throw new Error("grant service reached without a principal");
  return { principal: ctx.principal, ability: ctx.ability };
}

const beyondScope = (detail: string, zh: string) => new Forbidden("GRANT_BEYOND_SCOPE", detail, zh);
// A department or user of the caller's own tenant outside a delegating admin's subtree answers 403
// with the reason rather than 404: the tenant's org tree is no secret inside it, and "beyond your
// scope" is what the admin needs to hear. Another tenant's rows are simply not found.
const departmentNotFound = () => new NotFound("DEPARTMENT_NOT_FOUND", "No such department.", "部门不存在。");
const userNotFound = () => new NotFound("USER_NOT_FOUND", "No such user.", "用户不存在。");

/**
 * Everything a grant must satisfy, checked against the database rows in the writing transaction —
 * at request time and again when a two-person proposal is approved (the world may have changed).
 * With `ability` (request time), the caller's CASL rules are checked on the loaded rows as well.
 */
async function plan(
  tx: Tx,
  grantor: Grantor,
  input: { userId: string; departmentId: string; actions: ScopedAction[]; expiresAt: Date | null },
  ability: AppAbility | null,
): Promise<Plan> {
  const { tenantId } = grantor;
  const department = await loadDepartment(tx, tenantId, input.departmentId);
  if (!department) throw departmentNotFound();
  const deptSubject = resource("Grant", {
    path: department.path,
    departmentPath: department.path,
    departmentId: department.id,
    dimensionId: department.dimensionId,
    tenantId,
    userId: input.userId,
  });
  if (ability && !ability.can("create", deptSubject)) {
    throw beyondScope("That department is outside the subtree you may grant in.", "该部门超出您可授权的范围。");
  }
  if (department.status !== "active") {
    throw new Conflict(
      "DEPARTMENT_NOT_ACTIVE",
      `The department is ${department.status}; grant over an active department.`,
      "该部门已停用或已合并，不能授权。",
    );
  }
  const grantee = await loadGrantee(tx, tenantId, input.userId);
  if (!grantee || grantee.status === "deleted") throw userNotFound();
  if (grantee.adminRole) {
    throw new Conflict(
      "ADMIN_NOT_GRANTABLE",
      `${grantee.username} holds the ${grantee.adminRole} role; the three admin roles are never scoped admins.`,
      "该用户已担任系统管理角色（三员），不能再授予分级管理权限。",
    );
  }
  if (grantee.status !== "active") {
    throw new Conflict("USER_NOT_ACTIVE", `${grantee.username} is ${grantee.status}.`, "该用户未处于启用状态。");
  }
  if (grantee.id === grantor.userId) {
    throw new Forbidden("SELF_GRANT", "Nobody grants to themselves.", "不能给自己授权。");
  }
  const now = Date.now();
  if (input.expiresAt && input.expiresAt.getTime() <= now) {
    throw new Invalid("EXPIRY_IN_PAST", "expiresAt must be in the future.", "到期时间须晚于当前时间。");
  }
  if (input.expiresAt && input.expiresAt.getTime() > now + MAX_GRANT_DAYS * 86_400_000) {
    throw new Invalid("EXPIRY_TOO_FAR", "expiresAt must be within ten years.", "到期时间不能超过十年。");
  }

  let parentGrantId: string | null = null;
  let expiresAt = input.expiresAt;
  // Only secadmin grants from nothing; anyone else delegates from a grant of their own.
  if (grantor.role !== "secadmin") {
    const candidates = await delegableGrants(tx, tenantId, grantor.userId, department.path);
    if (candidates.length === 0) {
      throw beyondScope(
        "You hold no grant with delegate over that department or any department above it.",
        "您在该部门及其上级部门均无转授权（delegate）权限。",
      );
    }
    // Every grant lets its holder view its subtree, so "view" is always within what a grantor holds.
    const wanted = input.actions.filter((a) => a !== "view");
    const covering = candidates.filter((c) => wanted.every((a) => c.actions.includes(a)));
    const parent = covering.sort(
      (a, b) => (b.expiresAt?.getTime() ?? Infinity) - (a.expiresAt?.getTime() ?? Infinity),
    )[0];
    if (!parent) {
      const held = [...new Set(candidates.flatMap((c) => c.actions))].join(", ");
      throw beyondScope(
        `You may delegate only actions you hold over that department (${held}); one grant must cover them all.`,
        `只能转授您在该部门拥有的权限（${held}）。`,
      );
    }
    if (!grantee.departmentPaths.includes(parent.departmentId)) {
      throw beyondScope("The user is not a member of your subtree.", "该用户不在您管理的部门范围内。");
    }
    if (parent.expiresAt) {
      if (!expiresAt) expiresAt = parent.expiresAt;
      else if (expiresAt > parent.expiresAt) {
        throw beyondScope(
          `A delegated grant cannot outlive yours (${parent.expiresAt.toISOString()}).`,
          "转授权的到期时间不能晚于您自己的授权。",
        );
      }
    }
    parentGrantId = parent.id;
  }
  if (await activeGrantExists(tx, tenantId, grantee.id, department.id)) {
    throw new Conflict(
      "GRANT_EXISTS",
      "The user already holds a grant over that department; revoke it first to change it.",
      "该用户在此部门已有授权，如需修改请先撤销。",
    );
  }
  return { department, grantee, actions: [...new Set(input.actions)], parentGrantId, expiresAt };
}

export function createGrantService(deps: {
  db: Db;
  approvals: ApprovalService;
  /** MACs every grant row it writes (api/src/authz/integrity.ts). */
  integrity: AclIntegrity;
  onPolicyChange?: PolicyChangeListener | undefined;
}): GrantService {
  const { db, approvals } = deps;
  const published = async (tenantId: string, generation: string) => {
    await deps.onPolicyChange?.(tenantId, generation);
  };

  /** Writes a planned grant with its audit event and the generation bump, in the caller's transaction. */
  async function write(tx: Tx, ctx: RequestContext, grantor: Grantor, p: Plan, approvalId?: string) {
    const id = await insertScopedAdmin(tx, deps.integrity, {
      tenantId: grantor.tenantId,
      userId: p.grantee.id,
      dimensionId: p.department.dimensionId,
      departmentId: p.department.id,
      actions: p.actions,
      grantedBy: grantor.userId,
      parentGrantId: p.parentGrantId,
      expiresAt: p.expiresAt,
    });
    await record(tx, {
      ...actorOf(ctx),
      action: GRANT_ACTION,
      targetType: "ScopedAdmin",
      targetId: id,
      result: "success",
      detail: {
        after: {
          userId: p.grantee.id,
          username: p.grantee.username,
          departmentId: p.department.id,
          departmentName: p.department.name,
          dimensionId: p.department.dimensionId,
          actions: p.actions,
          expiresAt: p.expiresAt?.toISOString() ?? null,
          parentGrantId: p.parentGrantId,
          grantedBy: grantor.userId,
        },
        ...(approvalId ? { approvalId } : {}),
      },
    });
    const generation = await bumpGeneration(tx, grantor.tenantId);
    return { id, generation };
  }

  /** Refusals are audited after the rollback, so the record survives although nothing was written. */
  async function auditRefusal(ctx: RequestContext, action: string, targetId: string | null, err: unknown) {
    if (!(err instanceof AppError)) return;
    await record(db, {
      ...actorOf(ctx),
      action,
      targetType: "ScopedAdmin",
      targetId,
      result: err instanceof Forbidden ? "denied" : "failure",
      detail: { code: err.code, reason: err.message },
    });
  }

  approvals.register(GRANT_ACTION, async (tx, payload, decider, approval) => {
    const tenantId = decider.principal?.tenantId;
    if (!tenantId) throw new Error("approval executed without a principal");
    const body = CreateScopedAdminBody.parse(payload);
    const grantor: Grantor = {
      userId: approval.proposedBy,
      role: approval.proposerRole === "user" ? null : approval.proposerRole,
      tenantId,
    };
    const p = await plan(tx, grantor, { ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null }, null);
    const { generation } = await write(tx, decider, grantor, p, approval.id);
    return () => published(tenantId, generation);
  });

  return {
    async list(ctx, filter, page) {
      const { principal, ability } = principalOf(ctx);
      const allowed = accessibleWhere(ability, "read", "Grant", GRANT_COLUMNS);
      if (!allowed) throw new Error("route guard admitted a caller with no read Grant rule");
      return listScopedAdmins(db, { tenantId: principal.tenantId, allowed, ...filter }, page);
    },

    async get(ctx, id) {
      const { principal, ability } = principalOf(ctx);
      const grant = await getScopedAdmin(db, principal.tenantId, id);
      if (!grant || !ability.can("read", grantSubject(grant, principal.tenantId))) {
        throw new NotFound("GRANT_NOT_FOUND", "No such scoped-admin grant.", "授权不存在。");
      }
      return grant;
    },

    async grant(ctx, body) {
      const { principal, ability } = principalOf(ctx);
      const grantor: Grantor = { userId: principal.userId, role: principal.role, tenantId: principal.tenantId };
      const input = { ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null };
      let outcome: { kind: "granted"; id: string; generation: string } | { kind: "proposed"; approval: ApprovalDto };
      try {
        outcome = await withTx(db, async (tx) => {
          const p = await plan(tx, grantor, input, ability);
          const approval = await approvals.gate(tx, ctx, {
            action: GRANT_ACTION,
            // The proposal carries the request, not the plan: it is planned again when approved.
            payload: {
              userId: p.grantee.id,
              departmentId: p.department.id,
              actions: p.actions,
              ...(p.expiresAt ? { expiresAt: p.expiresAt.toISOString() } : {}),
            },
            summary: `grant ${p.actions.join(", ")} over ${p.department.name} to ${p.grantee.username}`,
          });
          if (approval) return { kind: "proposed" as const, approval };
          return { kind: "granted" as const, ...(await write(tx, ctx, grantor, p)) };
        });
      } catch (err) {
        await auditRefusal(ctx, GRANT_ACTION, null, err);
        throw err;
      }
      if (outcome.kind === "proposed") return outcome;
      await published(principal.tenantId, outcome.generation);
      const grant = await getScopedAdmin(db, principal.tenantId, outcome.id);
      if (!grant) throw new Error("a grant vanished right after it was written");
      return { kind: "granted", grant };
    },

    async revoke(ctx, id) {
      const { principal, ability } = principalOf(ctx);
      const notFound = () => new NotFound("GRANT_NOT_FOUND", "No such scoped-admin grant.", "授权不存在。");
      let result: { ids: string[]; generation: string };
      try {
        result = await withTx(db, async (tx) => {
          const locked = await lockGrant(tx, principal.tenantId, id);
          const grant = locked ? await getScopedAdmin(tx, principal.tenantId, id) : null;
          if (!locked || !grant) throw notFound();
          const target = grantSubject(grant, principal.tenantId);
          if (!ability.can("read", target)) throw notFound();
          if (!ability.can("delete", target)) {
            throw new Forbidden(
              "GRANT_BEYOND_SCOPE",
              "That grant is outside your subtree.",
              "该授权超出您的管理范围。",
            );
          }
          if (locked.revokedAt) {
            throw new Conflict("GRANT_REVOKED", "The grant is already revoked.", "该授权已被撤销。");
          }
          // A scoped admin revokes what was delegated down its own chain (or gives up its own grant),
          // never a sibling grant secadmin made over the same subtree.
          if (
            principal.role !== "secadmin" &&
            grant.userId !== principal.userId &&
            !(await isDelegatedFrom(tx, id, principal.userId))
          ) {
            throw new Forbidden(
              "NOT_YOUR_DELEGATION",
              "You may revoke only grants delegated from yours.",
              "只能撤销由您转授出去的授权。",
            );
          }
          const ids = await revokeWithDescendants(tx, deps.integrity, principal.tenantId, id, principal.userId);
          await record(tx, {
            ...actorOf(ctx),
            action: "scopedAdmin.revoke",
            targetType: "ScopedAdmin",
            targetId: id,
            result: "success",
            detail: {
              before: {
                userId: grant.userId,
                username: grant.username,
                departmentId: grant.departmentId,
                actions: grant.actions,
                expiresAt: grant.expiresAt,
              },
              cascaded: ids.filter((x) => x !== id),
            },
          });
          return {
            ids: [id, ...ids.filter((x) => x !== id)],
            generation: await bumpGeneration(tx, principal.tenantId),
          };
        });
      } catch (err) {
        if (!(err instanceof NotFound)) await auditRefusal(ctx, "scopedAdmin.revoke", id, err);
        throw err;
      }
      await published(principal.tenantId, result.generation);
      return result.ids;
    },
  };
}

function grantSubject(grant: ScopedAdminDto, tenantId: string) {
  return resource("Grant", {
    path: grant.departmentPath,
    departmentPath: grant.departmentPath,
    departmentId: grant.departmentId,
    dimensionId: grant.dimensionId,
    userId: grant.userId,
    grantedBy: grant.grantedBy,
    tenantId,
  });
}
