import { sql } from "kysely";
import { actorOf, type AuditEvent, record } from "../audit/record";
import type { Db, Tx } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { AppError, Conflict, Forbidden, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import { accessibleWhere } from "../../../policies/compile";
import type { Subject } from "../../../policies/subjects";
import type { APPROVAL_SORTABLE, ApprovalDto, ApprovalStatus } from "./schemas";
import type { TwoPersonRuleSource } from "./settings";
import { APPROVAL_COLUMNS, decide, expireOverdue, getApproval, insertApproval, listApprovals } from "./store";

/**
 * Carries out an approved proposal inside the approve transaction, as the decider. It must call the
 * ungated inner operation (never the route's gated entry point) and re-check everything that may
 * have changed since the proposal: throwing marks the proposal failed and changes nothing else.
 */
export type ApprovalExecutor = (
  tx: Tx,
  payload: Record<string, unknown>,
  decider: RequestContext,
  approval: ApprovalDto,
) => Promise<void | AfterCommit>;

/** Work an executor hands back to run once the approval has committed (e.g. a cache-invalidation NOTIFY). */
export type AfterCommit = () => Promise<void>;

export interface ProposalInput {
  action: string;
  payload: Record<string, unknown>;
  /** One line for the decider's list, e.g. "grant users.manage over 财务处 to zhangsan". */
  summary: string;
}

export interface ApprovalService {
  /** null: the action needs no second admin, go ahead; otherwise the stored pending proposal. */
  gate(tx: Tx, ctx: RequestContext, input: ProposalInput): Promise<ApprovalDto | null>;
  register(action: string, executor: ApprovalExecutor): void;
  list(
    ctx: RequestContext,
    filter: { status?: ApprovalStatus | undefined; action?: string | undefined },
    page: Page<(typeof APPROVAL_SORTABLE)[number]>,
  ): Promise<{ rows: ApprovalDto[]; total: number }>;
  get(ctx: RequestContext, id: string): Promise<ApprovalDto>;
  approve(ctx: RequestContext, id: string, reason: string | undefined): Promise<ApprovalDto>;
  reject(ctx: RequestContext, id: string, reason: string): Promise<ApprovalDto>;
  cancel(ctx: RequestContext, id: string, reason: string | undefined): Promise<ApprovalDto>;
}

const notFound = () => new NotFound("APPROVAL_NOT_FOUND", "No such approval.", "审批单不存在。");
const expired = () =>
  new Conflict("APPROVAL_EXPIRED", "The proposal has expired; propose it again.", "该申请已过期，请重新提交。");

/** A loaded resource as a CASL subject, so conditions are checked against the database row. */
function resource(
  type: Subject,
  fields: Record<string, unknown>,
): Record<string, unknown> & { __caslSubjectType__: Subject } {
  return { ...fields, __caslSubjectType__: type };
}

function principalOf(ctx: RequestContext) {
  if (!ctx.principal || !ctx.ability) throw new Error("approval service reached without a principal");
  return { principal: ctx.principal, ability: ctx.ability };
}

/** System-initiated transitions (expiry) are attributed to no actor, only to the request that noticed. */
function systemActor(ctx: RequestContext, tenantId: string): Omit<AuditEvent, "action" | "result"> {
  return { tenantId, actorId: null, actorName: "system", actorRole: null, requestId: ctx.requestId, ip: ctx.ip };
}

export function createApprovalService(deps: { db: Db; twoPersonRule: TwoPersonRuleSource }): ApprovalService {
  const { db } = deps;
  const executors = new Map<string, ApprovalExecutor>();

  async function expireAndAudit(tx: Tx, ctx: RequestContext, tenantId: string, id?: string): Promise<number> {
    const rows = await expireOverdue(tx, tenantId, id);
    for (const row of rows) {
      await record(tx, {
        ...systemActor(ctx, tenantId),
        action: "approval.expire",
        targetType: "Approval",
        targetId: row.id,
        result: "success",
        detail: { action: row.action, proposedBy: row.proposedBy },
      });
    }
    return rows.length;
  }

  /** Runs a decision; a refusal is audited after the rollback, so it is recorded even though nothing changed. */
  async function decision(
    ctx: RequestContext,
    auditAction: string,
    id: string,
    fn: (tx: Tx, approval: ApprovalDto) => Promise<ApprovalDto>,
  ): Promise<ApprovalDto> {
    const { principal } = principalOf(ctx);
    let outcome: { approval: ApprovalDto } | { expired: true };
    try {
      outcome = await withTx(db, async (tx) => {
        const approval = await getApproval(tx, principal.tenantId, id, true);
        if (!approval) throw notFound();
        if (approval.status === "pending" && (await expireAndAudit(tx, ctx, principal.tenantId, id)) > 0) {
          return { expired: true as const };
        }
        if (approval.status !== "pending") {
          throw new Conflict(
            "APPROVAL_NOT_PENDING",
            `The proposal is already ${approval.status}.`,
            `该申请已处理（${approval.status}）。`,
          );
        }
        return { approval: await fn(tx, approval) };
      });
    } catch (err) {
      if (err instanceof AppError && !(err instanceof NotFound)) {
        await record(db, {
          ...actorOf(ctx),
          action: auditAction,
          targetType: "Approval",
          targetId: id,
          result: err instanceof Forbidden ? "denied" : "failure",
          detail: { code: err.code, reason: err.message },
        });
      }
      throw err;
    }
    if ("expired" in outcome) throw expired();
    return outcome.approval;
  }

  /** The duty matrix decides who may decide: an admin of another role than the proposer's. */
  function assertMayDecide(ctx: RequestContext, approval: ApprovalDto): void {
    const { principal, ability } = principalOf(ctx);
    if (approval.proposedBy === principal.userId) {
      throw new Forbidden(
        "SELF_APPROVAL",
        "A proposal is decided by another admin, never by its proposer.",
        "不能审批自己提交的申请。",
      );
    }
    const target = resource("Approval", {
      proposerRole: approval.proposerRole,
      proposedBy: approval.proposedBy,
      action: approval.action,
      status: approval.status,
      tenantId: principal.tenantId,
    });
    if (!ability.can("update", target)) {
      throw new Forbidden(
        "SAME_ROLE_APPROVAL",
        `A proposal by a ${approval.proposerRole} must be decided by an admin of another role.`,
        "须由与提交人不同角色的管理员审批。",
      );
    }
  }

  async function reload(tx: Tx, tenantId: string, id: string): Promise<ApprovalDto> {
    const approval = await getApproval(tx, tenantId, id);
    if (!approval) throw notFound();
    return approval;
  }

  return {
    register(action, executor) {
      if (executors.has(action)) throw new Error(`an executor for ${action} is already registered`);
      executors.set(action, executor);
    },

    async gate(tx, ctx, input) {
      const { principal } = principalOf(ctx);
      const rule = await deps.twoPersonRule(tx, principal.tenantId);
      if (!rule.actions.includes(input.action)) return null;
      if (!executors.has(input.action)) throw new Error(`no approval executor registered for ${input.action}`);
      const id = await insertApproval(tx, {
        tenantId: principal.tenantId,
        action: input.action,
        payload: input.payload,
        summary: input.summary,
        proposedBy: principal.userId,
        proposerRole: principal.role ?? "user",
        ttlHours: rule.proposalTtlHours,
      });
      const approval = await reload(tx, principal.tenantId, id);
      await record(tx, {
        ...actorOf(ctx),
        action: "approval.propose",
        targetType: "Approval",
        targetId: id,
        result: "success",
        detail: { action: input.action, summary: approval.summary, expiresAt: approval.expiresAt },
      });
      return approval;
    },

    async list(ctx, filter, page) {
      const { principal, ability } = principalOf(ctx);
      const allowed = accessibleWhere(ability, "read", "Approval", APPROVAL_COLUMNS);
      if (!allowed) throw new Error("route guard admitted a caller with no read Approval rule");
      // A proposal past its expiry is expired when anyone looks, so lists never show it as pending.
      await withTx(db, (tx) => expireAndAudit(tx, ctx, principal.tenantId));
      return listApprovals(db, { tenantId: principal.tenantId, allowed, ...filter }, page);
    },

    async get(ctx, id) {
      const { principal, ability } = principalOf(ctx);
      await withTx(db, (tx) => expireAndAudit(tx, ctx, principal.tenantId, id));
      const approval = await getApproval(db, principal.tenantId, id);
      if (!approval) throw notFound();
      const visible = resource("Approval", {
        proposerRole: approval.proposerRole,
        proposedBy: approval.proposedBy,
        action: approval.action,
        status: approval.status,
        tenantId: principal.tenantId,
      });
      if (!ability.can("read", visible)) throw notFound();
      return approval;
    },

    async approve(ctx, id, reason) {
      let afterCommit: AfterCommit | null = null;
      const decided = await decision(ctx, "approval.approve", id, async (tx, approval) => {
        assertMayDecide(ctx, approval);
        const { principal } = principalOf(ctx);
        const executor = executors.get(approval.action);
        // A savepoint lets a failed execution be undone while the decision itself is kept.
        await sql`SAVEPOINT approval_execute`.execute(tx);
        let failure: AppError | Error | null = null;
        try {
          if (!executor) {
            throw new Conflict("NO_EXECUTOR", `Nothing can carry out ${approval.action}.`, "该操作无法执行。");
          }
          const then = await executor(tx, approval.payload, ctx, approval);
          if (then) afterCommit = then;
          await sql`RELEASE SAVEPOINT approval_execute`.execute(tx);
        } catch (err) {
          await sql`ROLLBACK TO SAVEPOINT approval_execute`.execute(tx);
          failure = err instanceof Error ? err : new Error(String(err));
        }
        // Database and programming errors are not shown to clients; the audit keeps their class.
        const failedReason =
          failure instanceof AppError ? failure.message : failure ? "The action could not be carried out." : null;
        await decide(tx, approval.id, {
          status: failure ? "failed" : "approved",
          decidedBy: principal.userId,
          deciderRole: principal.role ?? "user",
          reason: failure ? failedReason : (reason ?? null),
        });
        await record(tx, {
          ...actorOf(ctx),
          action: "approval.approve",
          targetType: "Approval",
          targetId: approval.id,
          result: failure ? "failure" : "success",
          detail: {
            action: approval.action,
            proposedBy: approval.proposedBy,
            proposerRole: approval.proposerRole,
            ...(reason ? { reason } : {}),
            ...(failure ? { error: failure instanceof AppError ? failure.code : failure.name, failedReason } : {}),
          },
        });
        return reload(tx, principal.tenantId, approval.id);
      });
      if (decided.status === "approved" && afterCommit) await (afterCommit as AfterCommit)();
      return decided;
    },

    reject(ctx, id, reason) {
      return decision(ctx, "approval.reject", id, async (tx, approval) => {
        assertMayDecide(ctx, approval);
        const { principal } = principalOf(ctx);
        await decide(tx, approval.id, {
          status: "rejected",
          decidedBy: principal.userId,
          deciderRole: principal.role ?? "user",
          reason,
        });
        await record(tx, {
          ...actorOf(ctx),
          action: "approval.reject",
          targetType: "Approval",
          targetId: approval.id,
          result: "success",
          detail: { action: approval.action, proposedBy: approval.proposedBy, reason },
        });
        return reload(tx, principal.tenantId, approval.id);
      });
    },

    cancel(ctx, id, reason) {
      return decision(ctx, "approval.cancel", id, async (tx, approval) => {
        const { principal } = principalOf(ctx);
        if (approval.proposedBy !== principal.userId) {
          throw new Forbidden("NOT_PROPOSER", "Only the proposer may cancel a proposal.", "只有提交人可以撤回申请。");
        }
        await decide(tx, approval.id, {
          status: "cancelled",
          decidedBy: null,
          deciderRole: null,
          reason: reason ?? null,
        });
        await record(tx, {
          ...actorOf(ctx),
          action: "approval.cancel",
          targetType: "Approval",
          targetId: approval.id,
          result: "success",
          detail: { action: approval.action, ...(reason ? { reason } : {}) },
        });
        return reload(tx, principal.tenantId, approval.id);
      });
    },
  };
}
