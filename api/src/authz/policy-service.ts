import type { ApprovalService } from "../approvals/service";
import { actorOf, record } from "../audit/record";
import {
  type DocumentIssue,
  type PolicyDocument,
  PolicyDocumentSchema,
  validatePolicyDocument,
} from "../../../policies/document";
import type { Db, Tx } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { AppError, Conflict, Forbidden, Invalid, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import { z } from "../http/zod";
import { type AdminRole, isAdminRole } from "../../../policies/subjects";
import type { PolicyAuthorizer } from "./authorizer";
import type { AclGuard } from "./integrity";
import { compileRows, composeAbility } from "./compose";
import { bumpGeneration } from "./generations";
import * as store from "./policy-store";

export interface PolicyService {
  list(
    ctx: RequestContext,
    filter: { q?: string | undefined; status?: "published" | "unpublished" | undefined },
    page: Page<keyof typeof store.POLICY_SORT>,
  ): Promise<{ rows: store.PolicyRow[]; total: number }>;
  get(ctx: RequestContext, id: string): Promise<store.PolicyRow>;
  create(
    ctx: RequestContext,
    input: { name: string; description?: string | undefined; document: PolicyDocument },
  ): Promise<{ policy: store.PolicyRow; version: store.VersionRow }>;
  update(
    ctx: RequestContext,
    id: string,
    ifMatch: number,
    patch: { name?: string | undefined; description?: string | undefined },
  ): Promise<store.PolicyRow>;
  remove(ctx: RequestContext, id: string, ifMatch: number): Promise<void>;
  versions(
    ctx: RequestContext,
    id: string,
    page: { offset: number; limit: number; order: "asc" | "desc" },
  ): Promise<{ rows: store.VersionRow[]; total: number }>;
  version(ctx: RequestContext, id: string, version: number): Promise<store.VersionRow>;
  addVersion(
    ctx: RequestContext,
    id: string,
    document: PolicyDocument,
    ifMatch: number | undefined,
  ): Promise<store.VersionRow>;
  publish(ctx: RequestContext, id: string, version: number, ifMatch: number | undefined): Promise<PublishOutcome>;
  restore(ctx: RequestContext, id: string, version: number, ifMatch: number | undefined): Promise<store.VersionRow>;
  /** The ungated publish, inside the caller's transaction: what an approval executor calls. */
  publishInTx(
    tx: Tx,
    ctx: RequestContext,
    id: string,
    version: number,
    publisher?: Publisher,
  ): Promise<{ generation: string }>;
}

/**
 * Whose ability must survive a publish (the lockout check): the caller, or — when an approval
 * carries out a two-person proposal — the proposer, not the approving admin of another role.
 */
export interface Publisher {
  userId: string;
  role: AdminRole | null;
}

export type PublishOutcome =
  { kind: "published"; policy: store.PolicyRow } | { kind: "proposed"; approval: { id: string; expiresAt: string } };

const notFound = () => new NotFound("POLICY_NOT_FOUND", "No such policy.", "策略不存在。");
const versionNotFound = () => new NotFound("POLICY_VERSION_NOT_FOUND", "No such policy version.", "策略版本不存在。");
const stale = () =>
  new Conflict(
    "VERSION_CONFLICT",
    "The policy was changed by someone else; reload it and try again.",
    "策略已被他人修改，请刷新后重试。",
  );

/** Semantic errors of a document as a 400, with paths like body.document.rules.0.conditions.1.value. */
export function assertValidDocument(document: PolicyDocument, prefix = "body.document"): void {
  const issues: DocumentIssue[] = validatePolicyDocument(document);
  if (issues.length === 0) return;
  throw new Invalid(
    "POLICY_INVALID",
    `The policy document is invalid: ${issues[0]?.message ?? ""}`,
    `策略文档无效：${issues[0]?.zh ?? ""}`,
    issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join("."), message: i.message, zh: i.zh })),
  );
}

function principalOf(ctx: RequestContext) {
  if (!ctx.principal) throw new Error("policy service reached without a principal");
  return ctx.principal;
}

function uniqueName(err: unknown): never {
  if ((err as { code?: string }).code === "23505") {
    throw new Conflict("POLICY_NAME_TAKEN", "A policy with this name exists.", "同名策略已存在。");
  }
  throw err;
}

const PUBLISH_ACTION = "policy.publish";

/** The payload of a "policy.publish" proposal (two-person rule). */
const ProposedPublish = z.strictObject({ policyId: z.uuid(), version: z.number().int().min(1) });

export function createPolicyService(deps: {
  db: Db;
  authz: PolicyAuthorizer;
  /** MACs the rows it writes and checks the versions it publishes or restores (authz/integrity.ts). */
  guard: AclGuard;
  /** With it, publishing is subject to the two-person rule when the tenant's settings say so. */
  approvals?: Pick<ApprovalService, "gate" | "register"> | undefined;
}): PolicyService {
  const { db, authz, approvals, guard } = deps;
  const integrity = guard.integrity;
  /** A version changed in SQL is never published nor copied (its MAC would be made anew over the change). */
  const assertIntact = async (tx: Tx, tenantId: string, id: string, version: number) => {
    if (!(await store.versionIntact(tx, guard, tenantId, id, version))) {
      throw new Conflict(
        "POLICY_INTEGRITY",
        "This policy version failed its integrity check (it was changed outside the API); it is not used.",
        "该策略版本未通过完整性校验（已被绕过系统修改），不能使用。",
      );
    }
  };

  async function lockedPolicy(tx: Tx, tenantId: string, id: string, ifMatch: number | undefined) {
    const policy = await store.findPolicy(tx, tenantId, id, { forUpdate: true });
    if (!policy) throw notFound();
    if (ifMatch !== undefined && policy.version !== ifMatch) throw stale();
    return policy;
  }

  /** Refusals are audited after the rollback, so the record survives although nothing was written. */
  async function audited<T>(ctx: RequestContext, action: string, targetId: string | null, fn: () => Promise<T>) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError && !(err instanceof NotFound)) {
        await record(db, {
          ...actorOf(ctx),
          action,
          targetType: "Policy",
          targetId,
          result: err instanceof Forbidden ? "denied" : "failure",
          detail: { code: err.code, reason: err.message },
        });
      }
      throw err;
    }
  }

  /**
   * Publishing must not lock its author out: with the new set in force, the publishing admin must
   * still be able to read and update policies from where they stand now (or nobody could undo it).
   */
  async function assertNoLockout(tx: Tx, ctx: RequestContext, publisher?: Publisher): Promise<void> {
    const p = principalOf(ctx);
    const who = publisher ?? { userId: p.userId, role: p.role };
    const loaded = await store.loadPublished(tx, p.tenantId, guard);
    const set = compileRows(loaded.policies, () => {});
    const { ability } = composeAbility({
      role: who.role,
      grants: [],
      set,
      subject: { id: who.userId, tenantId: p.tenantId, role: who.role ?? "user" },
      // A proposer was an admin, and admins always sign in with a second factor.
      env: { ip: ctx.ip, time: new Date(), mfa: publisher ? true : p.mfaMethod !== null },
    });
    if (!ability.can("update", "Policy") || !ability.can("read", "Policy")) {
      throw new Conflict(
        "POLICY_LOCKOUT",
        "Publishing this version would stop you from reading or changing policies; it was not published.",
        "发布此版本将使您无法查看或修改策略，已拒绝发布。",
      );
    }
  }

  async function publishInTx(tx: Tx, ctx: RequestContext, id: string, version: number, publisher?: Publisher) {
    const p = principalOf(ctx);
    const policy = await lockedPolicy(tx, p.tenantId, id, undefined);
    const target = await store.findVersion(tx, id, version);
    if (!target) throw versionNotFound();
    // Stored documents were valid when written; the vocabulary may have changed since (a restore of
    // an old version), so what goes into force is validated again.
    const parsed = PolicyDocumentSchema.safeParse(target.document);
    if (!parsed.success) {
      throw new Invalid(
        "POLICY_INVALID",
        "The stored document of this version is no longer valid.",
        "该版本的策略文档已不再有效。",
      );
    }
    assertValidDocument(parsed.data, "document");
    if (policy.publishedVersion === version) {
      throw new Conflict("ALREADY_PUBLISHED", "This version is already the published one.", "该版本已是生效版本。");
    }
    await assertIntact(tx, p.tenantId, id, version);
    await store.markPublished(tx, id, version, p.userId);
    await store.updatePolicy(tx, integrity, id, { publishedVersion: version });
    await assertNoLockout(tx, ctx, publisher);
    const generation = await bumpGeneration(tx, p.tenantId);
    await record(tx, {
      ...actorOf(ctx),
      action: "policy.publish",
      targetType: "Policy",
      targetId: id,
      result: "success",
      detail: {
        name: policy.name,
        before: { publishedVersion: policy.publishedVersion },
        after: { publishedVersion: version, document: target.document },
        generation,
      },
    });
    return { generation };
  }

  approvals?.register(PUBLISH_ACTION, async (tx, payload, decider, approval) => {
    const tenantId = decider.principal?.tenantId;
    if (!tenantId) throw new Error("approval executed without a principal");
    const proposal = ProposedPublish.parse(payload);
    const publisher = {
      userId: approval.proposedBy,
      role: isAdminRole(approval.proposerRole) ? approval.proposerRole : null,
    };
    const { generation } = await publishInTx(tx, decider, proposal.policyId, proposal.version, publisher);
    return () => authz.generationChanged(tenantId, generation);
  });

  const service: PolicyService = {
    list: (ctx, filter, page) => store.listPolicies(db, principalOf(ctx).tenantId, filter, page),

    async get(ctx, id) {
      const policy = await store.findPolicy(db, principalOf(ctx).tenantId, id);
      if (!policy) throw notFound();
      return policy;
    },

    create(ctx, input) {
      const p = principalOf(ctx);
      return audited(ctx, "policy.create", null, async () => {
        assertValidDocument(input.document);
        const id = await withTx(db, async (tx) => {
          const policyId = await store
            .insertPolicy(tx, integrity, {
              tenantId: p.tenantId,
              name: input.name,
              description: input.description ?? "",
            })
            .catch(uniqueName);
          await store.insertVersion(tx, integrity, {
            policyId,
            version: 1,
            document: input.document,
            createdBy: p.userId,
          });
          await record(tx, {
            ...actorOf(ctx),
            action: "policy.create",
            targetType: "Policy",
            targetId: policyId,
            result: "success",
            detail: {
              after: { name: input.name, description: input.description ?? "", version: 1, document: input.document },
            },
          });
          return policyId;
        });
        const policy = await store.findPolicy(db, p.tenantId, id);
        const version = await store.findVersion(db, id, 1);
        if (!policy || !version) throw new Error("created policy vanished");
        return { policy, version };
      });
    },

    update(ctx, id, ifMatch, patch) {
      const p = principalOf(ctx);
      return audited(ctx, "policy.update", id, async () => {
        await withTx(db, async (tx) => {
          const before = await lockedPolicy(tx, p.tenantId, id, ifMatch);
          await store.updatePolicy(tx, integrity, id, patch).catch(uniqueName);
          await record(tx, {
            ...actorOf(ctx),
            action: "policy.update",
            targetType: "Policy",
            targetId: id,
            result: "success",
            detail: { before: { name: before.name, description: before.description }, after: patch },
          });
        });
        return service.get(ctx, id);
      });
    },

    remove(ctx, id, ifMatch) {
      const p = principalOf(ctx);
      return audited(ctx, "policy.delete", id, async () => {
        let generation: string | null = null;
        await withTx(db, async (tx) => {
          const before = await lockedPolicy(tx, p.tenantId, id, ifMatch);
          const published = before.publishedVersion
            ? await store.findVersion(tx, id, before.publishedVersion)
            : undefined;
          await store.deletePolicy(tx, id);
          if (before.publishedVersion !== null) generation = await bumpGeneration(tx, p.tenantId);
          await record(tx, {
            ...actorOf(ctx),
            action: "policy.delete",
            targetType: "Policy",
            targetId: id,
            result: "success",
            detail: {
              before: {
                name: before.name,
                publishedVersion: before.publishedVersion,
                document: published?.document ?? null,
              },
              ...(generation ? { generation } : {}),
            },
          });
        });
        if (generation) await authz.generationChanged(p.tenantId, generation);
      });
    },

    async versions(ctx, id, page) {
      await service.get(ctx, id);
      return store.listVersions(db, id, page);
    },

    async version(ctx, id, version) {
      await service.get(ctx, id);
      const row = await store.findVersion(db, id, version);
      if (!row) throw versionNotFound();
      return row;
    },

    addVersion(ctx, id, document, ifMatch) {
      const p = principalOf(ctx);
      return audited(ctx, "policy.version.create", id, async () => {
        assertValidDocument(document);
        const version = await withTx(db, async (tx) => {
          const policy = await lockedPolicy(tx, p.tenantId, id, ifMatch);
          const next = policy.latestVersion + 1;
          await store.insertVersion(tx, integrity, { policyId: id, version: next, document, createdBy: p.userId });
          await store.updatePolicy(tx, integrity, id, {});
          await record(tx, {
            ...actorOf(ctx),
            action: "policy.version.create",
            targetType: "Policy",
            targetId: id,
            result: "success",
            detail: { name: policy.name, after: { version: next, document } },
          });
          return next;
        });
        return service.version(ctx, id, version);
      });
    },

    publish(ctx, id, version, ifMatch) {
      const p = principalOf(ctx);
      return audited(ctx, "policy.publish", id, async () => {
        const outcome = await withTx(db, async (tx) => {
          const policy = await lockedPolicy(tx, p.tenantId, id, ifMatch);
          if (!(await store.findVersion(tx, id, version))) throw versionNotFound();
          // ── Two-person rule gate (双人复核, api/src/approvals): a covered publish becomes a proposal;
          // the executor registered below publishes it, as the deciding admin, once approved.
          if (approvals) {
            if (policy.publishedVersion === version) {
              throw new Conflict(
                "ALREADY_PUBLISHED",
                "This version is already the published one.",
                "该版本已是生效版本。",
              );
            }
            const approval = await approvals.gate(tx, ctx, {
              action: PUBLISH_ACTION,
              payload: { policyId: id, version },
              summary: `publish ${policy.name} v${version}`,
            });
            if (approval) return { kind: "proposed" as const, approval };
          }
          const { generation } = await publishInTx(tx, ctx, id, version);
          return { kind: "published" as const, generation };
        });
        if (outcome.kind === "proposed") {
          return { kind: "proposed", approval: { id: outcome.approval.id, expiresAt: outcome.approval.expiresAt } };
        }
        await authz.generationChanged(p.tenantId, outcome.generation);
        return { kind: "published", policy: await service.get(ctx, id) };
      });
    },

    restore(ctx, id, version, ifMatch) {
      const p = principalOf(ctx);
      return audited(ctx, "policy.restore", id, async () => {
        const next = await withTx(db, async (tx) => {
          const policy = await lockedPolicy(tx, p.tenantId, id, ifMatch);
          const source = await store.findVersion(tx, id, version);
          if (!source) throw versionNotFound();
          await assertIntact(tx, p.tenantId, id, version);
          const n = policy.latestVersion + 1;
          await store.insertVersion(tx, integrity, {
            policyId: id,
            version: n,
            document: source.document,
            createdBy: p.userId,
          });
          await store.updatePolicy(tx, integrity, id, {});
          await record(tx, {
            ...actorOf(ctx),
            action: "policy.restore",
            targetType: "Policy",
            targetId: id,
            result: "success",
            detail: { name: policy.name, restoredFrom: version, after: { version: n } },
          });
          return n;
        });
        return service.version(ctx, id, next);
      });
    },

    publishInTx,
  };
  return service;
}
