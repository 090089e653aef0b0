import { sql } from "kysely";
import { type AlertState, canMoveAlert, silenceProblems } from "../../../monitors/alerts";
import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx } from "../db/pool";
import type { AlertRulesTable, AlertSilencesTable, AlertsTable } from "../db/schema";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { assertVersion } from "../http/concurrency";
import { Conflict, Invalid, NotFound, Unauthorized } from "../http/errors";
import type { Page } from "../http/list";
import type { Selectable } from "kysely";
import type { ALERT_SORTABLE, AlertRuleBody, RULE_SORTABLE, SILENCE_SORTABLE, SilenceBody } from "./schemas";
import { likeContains } from "../db/like";

/**
 * Warning rules, alerts (acknowledge, resolve by hand) and silences (docs/monitors.md, "Alerts"); the
 * system admin's (Alert subject). Every change is audited in its transaction. The evaluator that opens
 * and resolves alerts is monitors/alerting/evaluator.ts, on the leader.
 */
type RuleRow = Selectable<AlertRulesTable>;
type AlertRow = Selectable<AlertsTable>;
type SilenceRow = Selectable<AlertSilencesTable>;

const at = (d: Date) => d.toISOString();
const atOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export const ruleView = (r: RuleRow) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  category: r.category,
  params: r.params,
  severity: r.severity,
  channelIds: r.channel_ids,
  incidentGrade: r.incident_grade,
  enabled: r.enabled,
  version: r.version,
  createdBy: r.created_by,
  createdAt: at(r.created_at),
  updatedBy: r.updated_by,
  updatedAt: at(r.updated_at),
});
export type RuleView = ReturnType<typeof ruleView>;

export const alertView = (a: AlertRow) => ({
  id: a.id,
  ruleId: a.rule_id,
  ruleName: a.rule_name,
  category: a.category,
  fingerprint: a.fingerprint,
  labels: a.labels,
  severity: a.severity,
  state: a.state,
  summary: a.summary,
  summaryZh: a.summary_zh,
  value: a.value,
  firstSeen: at(a.first_seen),
  lastSeen: at(a.last_seen),
  count: a.count,
  rootMonitorId: a.root_monitor_id,
  dependents: a.dependents,
  silenced: a.silenced,
  incidentId: a.incident_id,
  acknowledgedBy: a.acknowledged_by,
  acknowledgedAt: atOrNull(a.acknowledged_at),
  resolvedAt: atOrNull(a.resolved_at),
  resolvedBy: a.resolved_by,
  resolvedReason: a.resolved_reason,
});
export type AlertView = ReturnType<typeof alertView>;

export const silenceView = (s: SilenceRow, now = new Date()) => ({
  id: s.id,
  matchers: s.matchers.map((m) => ({ label: m.label, value: m.value, regex: !!m.regex, negate: !!m.negate })),
  startsAt: at(s.starts_at),
  endsAt: at(s.ends_at),
  comment: s.comment,
  active: s.starts_at <= now && now < s.ends_at,
  version: s.version,
  createdBy: s.created_by,
  createdAt: at(s.created_at),
  updatedBy: s.updated_by,
  updatedAt: at(s.updated_at),
});
export type SilenceView = ReturnType<typeof silenceView>;

export interface RuleFilter {
  q?: string | undefined;
  category?: RuleRow["category"] | undefined;
  severity?: RuleRow["severity"] | undefined;
  enabled?: "true" | "false" | undefined;
}
export interface AlertFilter {
  state?: AlertState | "open" | undefined;
  severity?: AlertRow["severity"] | undefined;
  ruleId?: string | undefined;
  category?: string | undefined;
  monitorId?: string | undefined;
}

export interface AlertService {
  listRules(
    ctx: RequestContext,
    f: RuleFilter,
    page: Page<(typeof RULE_SORTABLE)[number]>,
  ): Promise<{ items: RuleView[]; total: number }>;
  getRule(ctx: RequestContext, id: string): Promise<RuleView>;
  createRule(ctx: RequestContext, body: AlertRuleBody): Promise<RuleView>;
  updateRule(ctx: RequestContext, id: string, version: number, body: AlertRuleBody): Promise<RuleView>;
  removeRule(ctx: RequestContext, id: string, version: number): Promise<void>;

  listAlerts(
    ctx: RequestContext,
    f: AlertFilter,
    page: Page<(typeof ALERT_SORTABLE)[number]>,
  ): Promise<{ items: AlertView[]; total: number }>;
  getAlert(ctx: RequestContext, id: string): Promise<AlertView>;
  moveAlert(ctx: RequestContext, id: string, to: "acknowledged" | "resolved"): Promise<AlertView>;

  listSilences(
    ctx: RequestContext,
    active: "true" | "false" | undefined,
    page: Page<(typeof SILENCE_SORTABLE)[number]>,
  ): Promise<{ items: SilenceView[]; total: number }>;
  getSilence(ctx: RequestContext, id: string): Promise<SilenceView>;
  createSilence(ctx: RequestContext, body: SilenceBody): Promise<SilenceView>;
  updateSilence(ctx: RequestContext, id: string, version: number, body: SilenceBody): Promise<SilenceView>;
  removeSilence(ctx: RequestContext, id: string, version: number): Promise<void>;
}

const principalOf = (ctx: RequestContext) => {
  if (!ctx.principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  return ctx.principal;
};
const ruleNotFound = () => new NotFound("ALERT_RULE_NOT_FOUND", "No such warning rule.", "预警规则不存在。");
const alertNotFound = () => new NotFound("ALERT_NOT_FOUND", "No such alert.", "告警不存在。");
const silenceNotFound = () => new NotFound("SILENCE_NOT_FOUND", "No such silence.", "静默规则不存在。");
const isUniqueViolation = (err: unknown) =>
  typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";

const RULE_SORT = {
  name: "name",
  category: "category",
  severity: "severity",
  createdAt: "created_at",
  updatedAt: "updated_at",
} as const;
const ALERT_SORT = { firstSeen: "first_seen", lastSeen: "last_seen", severity: "severity", state: "state" } as const;
const SILENCE_SORT = { startsAt: "starts_at", endsAt: "ends_at", createdAt: "created_at" } as const;

/** Channels that do not exist in the tenant are refused, field by field. */
async function checkChannels(db: DbOrTx, tenantId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const exists = await sql<{ t: string | null }>`SELECT to_regclass('notification_channels')::text AS t`.execute(db);
  if (!exists.rows[0]?.t) return; // channels not installed: stored as given
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM notification_channels WHERE tenant_id = ${tenantId} AND id = ANY(${[...ids]}::uuid[])`.execute(db);
  const found = new Set(rows.map((r) => r.id));
  const errors = ids.flatMap((id, i) =>
    found.has(id)
      ? []
      : [{ path: `body.channelIds.${i}`, message: "No such notification channel.", zh: "通知渠道不存在。" }],
  );
  if (errors.length > 0) {
    throw new Invalid(
      "ALERT_RULE_CHANNEL_UNKNOWN",
      `Unknown notification channel: ${errors[0]?.path}`,
      "所选通知渠道不存在。",
      errors,
    );
  }
}

function checkSilence(body: SilenceBody, now: Date): { startsAt: Date; endsAt: Date } {
  const startsAt = body.startsAt ? new Date(body.startsAt) : now;
  const endsAt = new Date(body.endsAt);
  const problems = silenceProblems({ matchers: body.matchers, startsAt: startsAt.getTime(), endsAt: endsAt.getTime() });
  if (problems.length === 0) return { startsAt, endsAt };
  const errors = problems.map((p) =>
    p.startsWith("at least one")
      ? {
          path: "body.matchers",
          message: "At least one matcher must select (not negate).",
          zh: "至少需要一个非取反的匹配条件。",
        }
      : p.startsWith("endsAt")
        ? { path: "body.endsAt", message: "endsAt must be after startsAt.", zh: "结束时间必须晚于开始时间。" }
        : { path: "body.matchers", message: `Bad regular expression: ${p}`, zh: "正则表达式无效。" },
  );
  throw new Invalid("SILENCE_INVALID", `The silence is not valid: ${problems[0]}`, "静默规则无效。", errors);
}

export function createAlertService(db: Db): AlertService {
  async function audit(
    tx: DbOrTx,
    ctx: RequestContext,
    action: string,
    targetType: string,
    id: string,
    detail: Record<string, unknown>,
  ) {
    await record(tx, { ...actorOf(ctx), action, targetType, targetId: id, result: "success", detail });
  }

  async function loadRule(tx: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<RuleRow> {
    let q = tx.selectFrom("alert_rules").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
    if (forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) throw ruleNotFound();
    return row;
  }
  async function loadAlert(tx: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<AlertRow> {
    let q = tx.selectFrom("alerts").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
    if (forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) throw alertNotFound();
    return row;
  }
  async function loadSilence(tx: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<SilenceRow> {
    let q = tx.selectFrom("alert_silences").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
    if (forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) throw silenceNotFound();
    return row;
  }

  const nameTaken = () =>
    new Conflict("ALERT_RULE_NAME_TAKEN", "A warning rule with this name exists.", "已存在同名预警规则。");
  const ruleValues = (b: AlertRuleBody) => ({
    name: b.name,
    description: b.description,
    category: b.category,
    params: JSON.stringify(b.params),
    severity: b.severity,
    channel_ids: b.channelIds,
    incident_grade: b.incidentGrade,
    enabled: b.enabled,
  });
  const ruleSummary = (b: AlertRuleBody | RuleRow) => ({
    name: b.name,
    category: b.category,
    severity: b.severity,
    enabled: b.enabled,
  });

  return {
    async listRules(ctx, f, page) {
      const p = principalOf(ctx);
      let q = db.selectFrom("alert_rules").where("tenant_id", "=", p.tenantId);
      if (f.q) q = q.where("name", "ilike", likeContains(f.q));
      if (f.category) q = q.where("category", "=", f.category);
      if (f.severity) q = q.where("severity", "=", f.severity);
      if (f.enabled) q = q.where("enabled", "=", f.enabled === "true");
      const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirst();
      const rows = await q
        .selectAll()
        .orderBy(RULE_SORT[page.sort], page.order)
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { items: rows.map(ruleView), total: Number(total?.n ?? 0) };
    },

    async getRule(ctx, id) {
      return ruleView(await loadRule(db, principalOf(ctx).tenantId, id));
    },

    async createRule(ctx, body) {
      const p = principalOf(ctx);
      await checkChannels(db, p.tenantId, body.channelIds);
      try {
        return await withTx(db, async (tx) => {
          const row = await tx
            .insertInto("alert_rules")
            .values({ tenant_id: p.tenantId, ...ruleValues(body), created_by: p.userId, updated_by: p.userId })
            .returningAll()
            .executeTakeFirstOrThrow();
          await audit(tx, ctx, "alert_rule.create", "AlertRule", row.id, ruleSummary(body));
          return ruleView(row);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken();
        throw err;
      }
    },

    async updateRule(ctx, id, version, body) {
      const p = principalOf(ctx);
      await checkChannels(db, p.tenantId, body.channelIds);
      try {
        return await withTx(db, async (tx) => {
          const before = await loadRule(tx, p.tenantId, id, true);
          assertVersion("warning rule", before.version, version);
          const row = await tx
            .updateTable("alert_rules")
            .set((eb) => ({
              ...ruleValues(body),
              version: eb("version", "+", 1),
              updated_at: new Date(),
              updated_by: p.userId,
            }))
            .where("id", "=", id)
            .returningAll()
            .executeTakeFirstOrThrow();
          const changed: string[] = (["name", "description", "category", "severity", "enabled"] as const).filter(
            (k) => before[k] !== row[k],
          );
          if (JSON.stringify(before.params) !== JSON.stringify(row.params)) changed.push("params");
          if (before.incident_grade !== row.incident_grade) changed.push("incidentGrade");
          if (before.channel_ids.join() !== row.channel_ids.join()) changed.push("channelIds");
          await audit(tx, ctx, "alert_rule.update", "AlertRule", id, {
            ...ruleSummary(body),
            changed,
            version: row.version,
          });
          return ruleView(row);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken();
        throw err;
      }
    },

    async removeRule(ctx, id, version) {
      const p = principalOf(ctx);
      await withTx(db, async (tx) => {
        const before = await loadRule(tx, p.tenantId, id, true);
        assertVersion("warning rule", before.version, version);
        // Its open alerts end with it; the history stays (rule_id becomes null, the name is kept).
        const ended = await tx
          .updateTable("alerts")
          .set({ state: "resolved", resolved_at: new Date(), resolved_by: p.userId, resolved_reason: "rule-deleted" })
          .where("rule_id", "=", id)
          .where("state", "<>", "resolved")
          .returning("id")
          .execute();
        await tx.deleteFrom("alert_rules").where("id", "=", id).execute();
        await audit(tx, ctx, "alert_rule.delete", "AlertRule", id, {
          ...ruleSummary(before),
          resolvedAlerts: ended.length,
        });
      });
    },

    async listAlerts(ctx, f, page) {
      const p = principalOf(ctx);
      let q = db.selectFrom("alerts").where("tenant_id", "=", p.tenantId);
      if (f.state === "open") q = q.where("state", "<>", "resolved");
      else if (f.state) q = q.where("state", "=", f.state);
      if (f.severity) q = q.where("severity", "=", f.severity);
      if (f.ruleId) q = q.where("rule_id", "=", f.ruleId);
      if (f.category) q = q.where("category", "=", f.category);
      if (f.monitorId) {
        const m = f.monitorId;
        q = q.where((eb) => eb.or([eb("root_monitor_id", "=", m), eb(sql.val(m), "=", eb.fn.any("dependents"))]));
      }
      const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirst();
      const rows = await q
        .selectAll()
        .orderBy(ALERT_SORT[page.sort], page.order)
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { items: rows.map(alertView), total: Number(total?.n ?? 0) };
    },

    async getAlert(ctx, id) {
      return alertView(await loadAlert(db, principalOf(ctx).tenantId, id));
    },

    async moveAlert(ctx, id, to) {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const before = await loadAlert(tx, p.tenantId, id, true);
        if (!canMoveAlert(before.state, to)) {
          throw new Conflict(
            "ALERT_STATE",
            `A ${before.state} alert cannot become ${to}.`,
            `告警当前为「${STATE_ZH[before.state]}」，不能改为「${STATE_ZH[to]}」。`,
          );
        }
        const now = new Date();
        const row = await tx
          .updateTable("alerts")
          .set(
            to === "acknowledged"
              ? { state: to, acknowledged_at: now, acknowledged_by: p.userId }
              : { state: to, resolved_at: now, resolved_by: p.userId, resolved_reason: "manual" },
          )
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await audit(tx, ctx, to === "acknowledged" ? "alert.acknowledge" : "alert.resolve", "Alert", id, {
          rule: before.rule_name,
          from: before.state,
          to,
        });
        return alertView(row);
      });
    },

    async listSilences(ctx, active, page) {
      const p = principalOf(ctx);
      const now = new Date();
      let q = db.selectFrom("alert_silences").where("tenant_id", "=", p.tenantId);
      if (active === "true") q = q.where("starts_at", "<=", now).where("ends_at", ">", now);
      if (active === "false") q = q.where((eb) => eb.or([eb("starts_at", ">", now), eb("ends_at", "<=", now)]));
      const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirst();
      const rows = await q
        .selectAll()
        .orderBy(SILENCE_SORT[page.sort], page.order)
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { items: rows.map((r) => silenceView(r, now)), total: Number(total?.n ?? 0) };
    },

    async getSilence(ctx, id) {
      return silenceView(await loadSilence(db, principalOf(ctx).tenantId, id));
    },

    async createSilence(ctx, body) {
      const p = principalOf(ctx);
      const { startsAt, endsAt } = checkSilence(body, new Date());
      return withTx(db, async (tx) => {
        const row = await tx
          .insertInto("alert_silences")
          .values({
            tenant_id: p.tenantId,
            matchers: JSON.stringify(body.matchers),
            starts_at: startsAt,
            ends_at: endsAt,
            comment: body.comment,
            created_by: p.userId,
            updated_by: p.userId,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await audit(tx, ctx, "alert_silence.create", "AlertSilence", row.id, {
          matchers: body.matchers,
          startsAt: at(startsAt),
          endsAt: at(endsAt),
        });
        return silenceView(row);
      });
    },

    async updateSilence(ctx, id, version, body) {
      const p = principalOf(ctx);
      const { startsAt, endsAt } = checkSilence(body, new Date());
      return withTx(db, async (tx) => {
        const before = await loadSilence(tx, p.tenantId, id, true);
        assertVersion("silence", before.version, version);
        const row = await tx
          .updateTable("alert_silences")
          .set((eb) => ({
            matchers: JSON.stringify(body.matchers),
            starts_at: startsAt,
            ends_at: endsAt,
            comment: body.comment,
            version: eb("version", "+", 1),
            updated_at: new Date(),
            updated_by: p.userId,
          }))
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await audit(tx, ctx, "alert_silence.update", "AlertSilence", id, {
          matchers: body.matchers,
          startsAt: at(startsAt),
          endsAt: at(endsAt),
          version: row.version,
        });
        return silenceView(row);
      });
    },

    async removeSilence(ctx, id, version) {
      const p = principalOf(ctx);
      await withTx(db, async (tx) => {
        const before = await loadSilence(tx, p.tenantId, id, true);
        assertVersion("silence", before.version, version);
        await tx.deleteFrom("alert_silences").where("id", "=", id).execute();
        await audit(tx, ctx, "alert_silence.delete", "AlertSilence", id, { matchers: before.matchers });
      });
    },
  };
}

const STATE_ZH: Record<AlertState, string> = { firing: "告警中", acknowledged: "已确认", resolved: "已恢复" };

/** Business signals (POST /api/v1/signals): stored for the leader's evaluator; old or future ones ignored. */
export async function storeSignals(
  db: Db,
  tenantId: string,
  signals: { name: string; key: string; value: number; at?: string | undefined }[],
  now = new Date(),
): Promise<{ accepted: number; ignored: number }> {
  const oldest = now.getTime() - 86_400_000;
  const newest = now.getTime() + 60_000;
  const rows = signals.flatMap((s) => {
    const t = s.at ? Date.parse(s.at) : now.getTime();
    return t < oldest || t > newest
      ? []
      : [{ tenant_id: tenantId, name: s.name, key: s.key, value: s.value, at: new Date(t) }];
  });
  if (rows.length > 0) await db.insertInto("alert_signals").values(rows).execute();
  return { accepted: rows.length, ignored: signals.length - rows.length };
}
