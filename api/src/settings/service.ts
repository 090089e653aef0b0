import type { ApprovalService } from "../approvals/service";
import { actorOf, record } from "../audit/record";
import type { Config } from "../config";
import type { Db, Tx } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { requireIfMatch } from "../http/concurrency";
import { Conflict, type FieldError, Invalid, Unauthorized } from "../http/errors";
import { z } from "../http/zod";
import { allowListOf } from "./cidr";
import { type SecuritySettings, SecuritySettingsSchema } from "./schemas";
import { readSettingsRow, type SettingsRow, writeSettings } from "./store";

/** The payload of a "securitySettings.update" proposal. */
const ProposedSettings = z.strictObject({
  settings: SecuritySettingsSchema,
  expectedVersion: z.number().int().min(0),
});

export interface SettingsView {
  settings: SecuritySettings;
  version: number;
  updatedAt: string | null;
}

export type UpdateOutcome = { kind: "applied"; view: SettingsView } | { kind: "pending"; approvalId: string };

export interface SettingsService {
  get(ctx: RequestContext): Promise<SettingsView>;
  update(ctx: RequestContext, settings: SecuritySettings, ifMatch: string | undefined): Promise<UpdateOutcome>;
}

export const viewOf = (row: SettingsRow): SettingsView => ({
  settings: row.settings,
  version: row.version,
  updatedAt: row.updatedAt?.toISOString() ?? null,
});

/**
 * Checks that depend on the deployment or the caller rather than on the document alone: the
 * operator's session ceilings, and that a secadmin does not lock every admin (itself included) out.
 */
export function deploymentProblems(
  s: SecuritySettings,
  ceilings: { idleMinutes: number; absoluteHours: number },
  callerIp: string,
): FieldError[] {
  const problems: FieldError[] = [];
  if (s.sessions.idleMinutes > ceilings.idleMinutes) {
    problems.push({
      path: "body.settings.sessions.idleMinutes",
      message: `This deployment allows at most ${ceilings.idleMinutes} minutes (TIANSHU_SESSION_IDLE_MINUTES).`,
      zh: `本部署允许的空闲超时上限为 ${ceilings.idleMinutes} 分钟（TIANSHU_SESSION_IDLE_MINUTES）。`,
    });
  }
  if (s.sessions.absoluteHours > ceilings.absoluteHours) {
    problems.push({
      path: "body.settings.sessions.absoluteHours",
      message: `This deployment allows at most ${ceilings.absoluteHours} hours (TIANSHU_SESSION_ABSOLUTE_HOURS).`,
      zh: `本部署允许的会话最长时间为 ${ceilings.absoluteHours} 小时（TIANSHU_SESSION_ABSOLUTE_HOURS）。`,
    });
  }
  if (!allowListOf(s.adminPlane.ipAllowList).allows(callerIp)) {
    problems.push({
      path: "body.settings.adminPlane.ipAllowList",
      message: `The list must include your own address (${callerIp}), or you would lock yourself out.`,
      zh: `列表须包含您当前的地址（${callerIp}），否则您将无法继续管理。`,
    });
  }
  return problems;
}

/**
 * Saves the settings if they are still at `expectedVersion`, audited with before and after in the
 * same transaction. Exported for the approvals domain, which applies an approved proposal with it.
 */
export async function applySecuritySettings(
  tx: Tx,
  ctx: RequestContext,
  tenantId: string,
  settings: SecuritySettings,
  expectedVersion: number,
  extraDetail: Record<string, unknown> = {},
): Promise<SettingsView | null> {
  const before = await readSettingsRow(tx, tenantId, true);
  const saved =
    before.version === expectedVersion
      ? await writeSettings(tx, tenantId, settings, expectedVersion, ctx.principal?.userId ?? null)
      : null;
  if (!saved) return null;
  await record(tx, {
    ...actorOf(ctx),
    tenantId,
    action: "securitySettings.update",
    targetType: "SecuritySetting",
    targetId: tenantId,
    result: "success",
    detail: { before: before.settings, after: settings, version: saved.version, ...extraDetail },
  });
  return viewOf(saved);
}

const SETTINGS_ACTION = "securitySettings.update";

const staleSettings = () =>
  new Conflict(
    "VERSION_CONFLICT",
    "The settings were changed by someone else since you read them; reload and try again.",
    "安全设置已被他人修改，请刷新后重试。",
  );

/**
 * With `approvals`, changes are subject to the two-person rule when the tenant's settings say so;
 * an approved proposal is applied by the executor registered here, as the deciding admin.
 */
export function createSettingsService(
  db: Db,
  config: Pick<Config, "session">,
  approvals?: Pick<ApprovalService, "gate" | "register">,
): SettingsService {
  approvals?.register(SETTINGS_ACTION, async (tx, payload, decider, approval) => {
    const tenantId = decider.principal?.tenantId;
    if (!tenantId) throw new Error("approval executed without a principal");
    const proposal = ProposedSettings.parse(payload);
    // Checked again as the decider: e.g. an allow-list that would lock the approving admin out.
    const problems = deploymentProblems(proposal.settings, config.session, decider.ip);
    if (problems.length > 0) {
      throw new Invalid(
        "SETTINGS_INVALID",
        `The settings cannot be applied here: ${problems[0]?.message ?? ""}`,
        "安全设置无法应用。",
        problems,
      );
    }
    const applied = await applySecuritySettings(tx, decider, tenantId, proposal.settings, proposal.expectedVersion, {
      approvalId: approval.id,
      proposedBy: approval.proposedBy,
    });
    if (!applied) throw staleSettings();
  });
  return {
    async get(ctx) {
      if (!ctx.principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
      return viewOf(await readSettingsRow(db, ctx.principal.tenantId));
    },

    async update(ctx, settings, ifMatch) {
      const p = ctx.principal;
      if (!p) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
      const expectedVersion = requireIfMatch(ifMatch);
      const failure = (reason: string, detail: Record<string, unknown> = {}) =>
        record(db, {
          ...actorOf(ctx),
          action: "securitySettings.update",
          targetType: "SecuritySetting",
          targetId: p.tenantId,
          result: "failure",
          detail: { reason, ...detail },
        });
      const problems = deploymentProblems(settings, config.session, ctx.ip);
      if (problems.length > 0) {
        await failure("invalid", { fields: problems.map((e) => e.path) });
        throw new Invalid("SETTINGS_INVALID", "The settings cannot be applied here.", "安全设置无法应用。", problems);
      }

      // ---- TWO-PERSON GATE (双人复核): api/src/approvals. A covered change becomes a proposal. ----
      if (approvals) {
        const proposal = await withTx(db, async (tx) => {
          // A proposal against a stale version could only fail later: refuse it now, as a save would.
          if ((await readSettingsRow(tx, p.tenantId, true)).version !== expectedVersion) return "stale" as const;
          return approvals.gate(tx, ctx, {
            action: SETTINGS_ACTION,
            payload: { settings, expectedVersion },
            summary: `change the security settings (version ${expectedVersion})`,
          });
        });
        if (proposal === "stale") {
          await failure("stale_version", { expectedVersion });
          throw staleSettings();
        }
        if (proposal) return { kind: "pending", approvalId: proposal.id };
      }
      // ---- end of the two-person gate ----

      const applied = await withTx(db, (tx) => applySecuritySettings(tx, ctx, p.tenantId, settings, expectedVersion));
      if (!applied) {
        await failure("stale_version", { expectedVersion });
        throw staleSettings();
      }
      return { kind: "applied", view: applied };
    },
  };
}
