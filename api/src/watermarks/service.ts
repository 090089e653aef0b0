import { actorOf, record } from "../audit/record";
import type { Db } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { Conflict, type FieldError, Invalid, NotFound, Unauthorized } from "../http/errors";
import type { Page } from "../http/list";
import { fieldErrors } from "../http/zod-messages";
import { type CreateWatermarkBody, CreateWatermarkBody as CreateSchema, type UpdateWatermarkBody } from "./schemas";
import {
  deletePolicy,
  findPolicy,
  insertPolicy,
  listPolicies,
  nameTaken,
  type PolicyFilter,
  type PolicyInput,
  unknownDepartments,
  updatePolicy,
  type WatermarkPolicy,
} from "./store";
import { templateProblems } from "./template";
import type { WATERMARK_SORTABLE } from "./schemas";
import type { DbOrTx } from "../db/pool";

/**
 * Watermark policies for secadmin (subject Watermark): CRUD with If-Match, each change audited in
 * its transaction (docs/watermarks.md "API"). Resolution, the tile and tracing are in effective.ts.
 */
export interface PolicyService {
  list(
    ctx: RequestContext,
    filter: PolicyFilter,
    page: Page<(typeof WATERMARK_SORTABLE)[number]>,
  ): Promise<{ rows: WatermarkPolicy[]; total: number }>;
  get(ctx: RequestContext, id: string): Promise<WatermarkPolicy>;
  create(ctx: RequestContext, body: CreateWatermarkBody): Promise<WatermarkPolicy>;
  update(ctx: RequestContext, id: string, expectedVersion: number, body: UpdateWatermarkBody): Promise<WatermarkPolicy>;
  remove(ctx: RequestContext, id: string, expectedVersion: number): Promise<void>;
}

export function tenantOf(ctx: RequestContext): string {
  const tenantId = ctx.principal?.tenantId ?? ctx.apiClient?.tenantId;
  if (!tenantId) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  return tenantId;
}

const notFound = () => new NotFound("WATERMARK_NOT_FOUND", "No such watermark policy.", "水印策略不存在。");
const stale = () =>
  new Conflict(
    "VERSION_CONFLICT",
    "The watermark policy was changed by someone else since you read it; reload and try again.",
    "水印策略已被他人修改，请刷新后重试。",
  );
const nameConflict = (name: string) =>
  new Conflict("WATERMARK_NAME_TAKEN", `A watermark policy named "${name}" exists.`, `已存在名为“${name}”的水印策略。`);

/** The policy as an admin wrote it: what the audit log keeps as before/after. */
const inputOf = (p: WatermarkPolicy): PolicyInput => ({
  name: p.name,
  description: p.description,
  enabled: p.enabled,
  priority: p.priority,
  scope: p.scope,
  validFrom: p.validFrom,
  validTo: p.validTo,
  template: p.template,
  customText: p.customText,
  style: p.style,
});

const fromBody = (b: CreateWatermarkBody): PolicyInput => ({
  ...b,
  name: b.name.trim(),
  validFrom: b.validFrom ? new Date(b.validFrom) : null,
  validTo: b.validTo ? new Date(b.validTo) : null,
});

/** Checks that need the rules of templates or the database, each with a Chinese message. */
async function policyProblems(db: DbOrTx, tenantId: string, p: PolicyInput): Promise<FieldError[]> {
  const problems: FieldError[] = templateProblems(p.template).map((t) => ({ path: "body.template", ...t }));
  if (p.validFrom && p.validTo && p.validTo <= p.validFrom) {
    problems.push({
      path: "body.validTo",
      message: "The end of the period must be after its start.",
      zh: "生效期的结束时间须晚于开始时间。",
    });
  }
  for (const key of ["departments", "apps", "contexts"] as const) {
    const list: string[] = p.scope[key];
    if (new Set(list).size !== list.length) {
      problems.push({ path: `body.scope.${key}`, message: "Each entry once.", zh: "存在重复项。" });
    }
  }
  for (const id of await unknownDepartments(db, tenantId, p.scope.departments)) {
    problems.push({
      path: "body.scope.departments",
      message: `No department ${id} in this tenant.`,
      zh: `本租户不存在部门 ${id}。`,
    });
  }
  return problems;
}

export function createPolicyService(db: Db): PolicyService {
  const failure = (ctx: RequestContext, action: string, targetId: string | null, detail: Record<string, unknown>) =>
    record(db, {
      ...actorOf(ctx),
      action,
      targetType: "Watermark",
      targetId,
      result: "failure",
      detail,
    });

  async function validated(ctx: RequestContext, tenantId: string, p: PolicyInput, action: string, id: string | null) {
    const problems = await policyProblems(db, tenantId, p);
    if (problems.length > 0) {
      await failure(ctx, action, id, { reason: "invalid", fields: problems.map((e) => e.path) });
      throw new Invalid("WATERMARK_INVALID", problems[0]?.message ?? "Invalid policy.", "水印策略无效。", problems);
    }
  }

  return {
    list: (ctx, filter, page) => listPolicies(db, tenantOf(ctx), filter, page),

    async get(ctx, id) {
      const policy = await findPolicy(db, tenantOf(ctx), id);
      if (!policy) throw notFound();
      return policy;
    },

    async create(ctx, body) {
      const tenantId = tenantOf(ctx);
      const input = fromBody(body);
      await validated(ctx, tenantId, input, "watermark.create", null);
      const created = await withTx(db, async (tx) => {
        if (await nameTaken(tx, tenantId, input.name)) return null;
        const policy = await insertPolicy(tx, tenantId, input, ctx.principal?.userId ?? null);
        await record(tx, {
          ...actorOf(ctx),
          action: "watermark.create",
          targetType: "Watermark",
          targetId: policy.id,
          result: "success",
          detail: { after: input, version: policy.version },
        });
        return policy;
      });
      if (!created) {
        await failure(ctx, "watermark.create", null, { reason: "name_taken", name: input.name });
        throw nameConflict(input.name);
      }
      return created;
    },

    async update(ctx, id, expectedVersion, body) {
      const tenantId = tenantOf(ctx);
      const current = await findPolicy(db, tenantId, id);
      if (!current) throw notFound();
      // The stored policy with the changes over it, validated whole (e.g. a new start after the old end).
      const merged = CreateSchema.safeParse({
        ...inputOf(current),
        validFrom: current.validFrom?.toISOString() ?? null,
        validTo: current.validTo?.toISOString() ?? null,
        ...body,
      });
      if (!merged.success) {
        throw new Invalid(
          "VALIDATION_FAILED",
          "Invalid body.",
          "请求参数校验失败。",
          fieldErrors(merged.error, "body"),
        );
      }
      const input = fromBody(merged.data);
      await validated(ctx, tenantId, input, "watermark.update", id);
      const outcome = await withTx(db, async (tx) => {
        const before = await findPolicy(tx, tenantId, id, true);
        if (!before) return "gone" as const;
        if (before.version !== expectedVersion) return "stale" as const;
        if (input.name.toLowerCase() !== before.name.toLowerCase() && (await nameTaken(tx, tenantId, input.name, id))) {
          return "name" as const;
        }
        const saved = await updatePolicy(tx, tenantId, id, expectedVersion, input, ctx.principal?.userId ?? null);
        if (!saved) return "stale" as const;
        await record(tx, {
          ...actorOf(ctx),
          action: "watermark.update",
          targetType: "Watermark",
          targetId: id,
          result: "success",
          detail: { before: inputOf(before), after: input, version: saved.version },
        });
        return saved;
      });
      if (outcome === "gone") throw notFound();
      if (outcome === "stale") {
        await failure(ctx, "watermark.update", id, { reason: "stale_version", expectedVersion });
        throw stale();
      }
      if (outcome === "name") {
        await failure(ctx, "watermark.update", id, { reason: "name_taken", name: input.name });
        throw nameConflict(input.name);
      }
      return outcome;
    },

    async remove(ctx, id, expectedVersion) {
      const tenantId = tenantOf(ctx);
      const outcome = await withTx(db, async (tx) => {
        const before = await findPolicy(tx, tenantId, id, true);
        if (!before) return "gone" as const;
        if (before.version !== expectedVersion || !(await deletePolicy(tx, tenantId, id, expectedVersion))) {
          return "stale" as const;
        }
        await record(tx, {
          ...actorOf(ctx),
          action: "watermark.delete",
          targetType: "Watermark",
          targetId: id,
          result: "success",
          detail: { before: inputOf(before), version: before.version },
        });
        return "deleted" as const;
      });
      if (outcome === "gone") throw notFound();
      if (outcome === "stale") {
        await failure(ctx, "watermark.delete", id, { reason: "stale_version", expectedVersion });
        throw stale();
      }
    },
  };
}
