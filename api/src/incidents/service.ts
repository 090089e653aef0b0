import type { Selectable } from "kysely";
import {
  addTimelineEvent,
  type Contact,
  type DeadlineTable,
  openIncident,
  recomputeRunningDeadlines,
  storedDeadlineTable,
  tenantDeadlines,
} from "../../../monitors/incident-store";
import {
  breachesOf,
  canMove,
  DEFAULT_DEADLINES,
  deadlineProblems,
  deadlinesOf,
  type Grade,
  GRADE_NAMES,
  type GradeStats,
  gradeStats,
  type IncidentState,
  type Review,
  reviewProblems,
} from "../../../monitors/incidents";
import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx } from "../db/pool";
import type { IncidentsTable } from "../db/schema";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { assertVersion } from "../http/concurrency";
import { Conflict, Invalid, NotFound, Unauthorized } from "../http/errors";
import type { Page } from "../http/list";
import type { INCIDENT_SORTABLE } from "./schemas";
import { likeContains } from "../db/like";

type Row = Selectable<IncidentsTable>;

export interface IncidentView {
  id: string;
  number: string;
  title: string;
  description: string;
  grade: Grade;
  gradeName: { zh: string; en: string };
  state: IncidentState;
  openedAt: string;
  acknowledgedAt: string | null;
  mitigatedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  respondBy: string;
  fixBy: string;
  respond: { breached: boolean; markedAt: string | null };
  fix: { breached: boolean; markedAt: string | null };
  alertId: string | null;
  monitorId: string | null;
  contacts: Contact[];
  escalationLevel: number;
  review: Partial<Review> | null;
  version: number;
  createdBy: string | null;
  updatedAt: string;
}

export interface IncidentEventView {
  id: string;
  at: string;
  kind: string;
  actorId: string | null;
  actorName: string | null;
  from: string | null;
  to: string | null;
  note: string;
  detail: Record<string, unknown>;
}

export interface IncidentDetail extends IncidentView {
  timeline: IncidentEventView[];
}

export interface IncidentFilter {
  q?: string | undefined;
  state?: IncidentState | undefined;
  grade?: Grade | undefined;
  open?: "true" | "false" | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** The moves of the lifecycle that take only a note (closing takes the review). */
export type Move = "acknowledge" | "mitigate" | "resolve" | "reopen";
const MOVE_TARGET: Record<Move, IncidentState> = {
  acknowledge: "acknowledged",
  mitigate: "mitigated",
  resolve: "resolved",
  reopen: "acknowledged",
};

export interface IncidentSettingsView {
  deadlines: DeadlineTable;
  isDefault: boolean;
  version: number;
  updatedAt: string | null;
}

export interface IncidentService {
  list(
    ctx: RequestContext,
    filter: IncidentFilter,
    page: Page<(typeof INCIDENT_SORTABLE)[number]>,
  ): Promise<{ items: IncidentView[]; total: number }>;
  get(ctx: RequestContext, id: string): Promise<IncidentDetail>;
  create(
    ctx: RequestContext,
    input: {
      title: string;
      grade: Grade;
      description: string;
      monitorId?: string | undefined;
      alertId?: string | undefined;
      contacts: Contact[];
    },
  ): Promise<IncidentDetail>;
  move(ctx: RequestContext, id: string, version: number, move: Move, note: string): Promise<IncidentDetail>;
  close(
    ctx: RequestContext,
    id: string,
    version: number,
    review: Partial<Review>,
    note: string,
  ): Promise<IncidentDetail>;
  comment(ctx: RequestContext, id: string, text: string): Promise<IncidentDetail>;
  regrade(ctx: RequestContext, id: string, version: number, grade: Grade, reason: string): Promise<IncidentDetail>;
  setContacts(ctx: RequestContext, id: string, version: number, contacts: Contact[]): Promise<IncidentDetail>;
  stats(ctx: RequestContext, from: Date, to: Date): Promise<GradeStats[]>;
  settings(ctx: RequestContext): Promise<IncidentSettingsView>;
  saveSettings(ctx: RequestContext, version: number, deadlines: DeadlineTable): Promise<IncidentSettingsView>;
}

export const STATE_NAMES: Record<IncidentState, { zh: string; en: string }> = {
  open: { zh: "待响应", en: "open" },
  acknowledged: { zh: "已响应", en: "acknowledged" },
  mitigated: { zh: "已缓解", en: "mitigated" },
  resolved: { zh: "已解决", en: "resolved" },
  closed: { zh: "已关闭", en: "closed" },
};

const notFound = () => new NotFound("INCIDENT_NOT_FOUND", "No such incident.", "事件不存在。");
const principalOf = (ctx: RequestContext) => {
  if (!ctx.principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  return ctx.principal;
};
const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** An incident as the API shows it; the breach flags are computed now under its stored deadlines. */
export function viewOf(row: Row, now = Date.now()): IncidentView {
  const breaches = breachesOf(
    {
      grade: row.grade,
      openedAt: row.opened_at.getTime(),
      acknowledgedAt: row.acknowledged_at?.getTime() ?? null,
      resolvedAt: row.resolved_at?.getTime() ?? null,
    },
    now,
    storedDeadlineTable(row),
  );
  const breached = (kind: "respond" | "fix") => breaches.some((b) => b.kind === kind);
  return {
    id: row.id,
    number: row.number,
    title: row.title,
    description: row.description,
    grade: row.grade,
    gradeName: GRADE_NAMES[row.grade],
    state: row.state,
    openedAt: iso(row.opened_at),
    acknowledgedAt: isoOrNull(row.acknowledged_at),
    mitigatedAt: isoOrNull(row.mitigated_at),
    resolvedAt: isoOrNull(row.resolved_at),
    closedAt: isoOrNull(row.closed_at),
    respondBy: iso(row.respond_by),
    fixBy: iso(row.fix_by),
    respond: { breached: breached("respond"), markedAt: isoOrNull(row.respond_breached_at) },
    fix: { breached: breached("fix"), markedAt: isoOrNull(row.fix_breached_at) },
    alertId: row.alert_id,
    monitorId: row.monitor_id,
    contacts: row.contacts,
    escalationLevel: row.escalation_level,
    review: row.review as Partial<Review> | null,
    version: row.version,
    createdBy: row.created_by,
    updatedAt: iso(row.updated_at),
  };
}

const SORT_COLUMN = {
  openedAt: "opened_at",
  grade: "grade",
  number: "number",
  updatedAt: "updated_at",
  respondBy: "respond_by",
  fixBy: "fix_by",
} as const;

async function load(db: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<Row> {
  let q = db.selectFrom("incidents").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound();
  return row as Row;
}

async function timelineOf(db: DbOrTx, id: string): Promise<IncidentEventView[]> {
  const rows = await db
    .selectFrom("incident_events")
    .selectAll()
    .where("incident_id", "=", id)
    .orderBy("at")
    .orderBy("id")
    .limit(1000)
    .execute();
  return rows.map((e) => ({
    id: String(e.id),
    at: iso(e.at),
    kind: e.kind,
    actorId: e.actor_id,
    actorName: e.actor_name,
    from: e.from_value,
    to: e.to_value,
    note: e.note,
    detail: e.detail,
  }));
}

async function detailOf(db: DbOrTx, tenantId: string, id: string): Promise<IncidentDetail> {
  return { ...viewOf(await load(db, tenantId, id)), timeline: await timelineOf(db, id) };
}

/** Contacts must be the tenant's active users and its notification channels. */
async function checkContacts(db: DbOrTx, tenantId: string, contacts: Contact[]): Promise<void> {
  const seen = new Set<string>();
  for (const c of contacts) {
    if (seen.has(`${c.kind}:${c.id}`)) {
      throw new Invalid("INCIDENT_CONTACT_DUPLICATE", `Contact ${c.id} is listed twice.`, "升级联系人重复。");
    }
    seen.add(`${c.kind}:${c.id}`);
  }
  const users = contacts.filter((c) => c.kind === "user").map((c) => c.id);
  const channels = contacts.filter((c) => c.kind === "channel").map((c) => c.id);
  const found = new Set<string>();
  if (users.length) {
    const rows = await db
      .selectFrom("users")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .where("status", "=", "active")
      .where("id", "in", users)
      .execute();
    rows.forEach((r) => found.add(r.id));
  }
  if (channels.length) {
    const rows = await db
      .selectFrom("notification_channels")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .where("id", "in", channels)
      .execute();
    rows.forEach((r) => found.add(r.id));
  }
  const missing = contacts.filter((c) => !found.has(c.id));
  if (missing.length) {
    throw new Invalid(
      "INCIDENT_CONTACT_UNKNOWN",
      `Unknown contact: ${missing.map((c) => `${c.kind} ${c.id}`).join(", ")}.`,
      "升级联系人不存在（须为本租户的有效用户或通知渠道）。",
      missing.map((c) => ({
        path: `body.contacts.${contacts.indexOf(c)}.id`,
        message: `No such ${c.kind}`,
        zh: c.kind === "user" ? "用户不存在或已停用" : "通知渠道不存在",
      })),
    );
  }
}

/** A monitor or alert named by a hand-made incident must be the tenant's. */
async function checkReferences(
  db: DbOrTx,
  tenantId: string,
  monitorId: string | undefined,
  alertId: string | undefined,
): Promise<void> {
  const errors: { path: string; message: string; zh: string }[] = [];
  if (monitorId) {
    const m = await db
      .selectFrom("monitors")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .where("id", "=", monitorId)
      .executeTakeFirst();
    if (!m) errors.push({ path: "body.monitorId", message: "No such monitor", zh: "监控项不存在" });
  }
  if (alertId) {
    const a = await db
      .selectFrom("alerts")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .where("id", "=", alertId)
      .executeTakeFirst();
    if (!a) errors.push({ path: "body.alertId", message: "No such alert", zh: "告警不存在" });
  }
  if (errors.length) {
    throw new Invalid(
      "INCIDENT_REFERENCE_UNKNOWN",
      `Unknown ${errors.map((e) => e.path.slice(5)).join(" and ")}.`,
      "关联的监控项或告警不存在。",
      errors,
    );
  }
}

const transitionConflict = (from: IncidentState, to: IncidentState) =>
  new Conflict(
    "INCIDENT_TRANSITION",
    `An incident that is ${STATE_NAMES[from].en} cannot become ${STATE_NAMES[to].en}.`,
    `事件当前为“${STATE_NAMES[from].zh}”，不能变为“${STATE_NAMES[to].zh}”。`,
  );

export function createIncidentService(db: Db): IncidentService {
  async function audit(
    tx: DbOrTx,
    ctx: RequestContext,
    action: string,
    id: string | null,
    detail: Record<string, unknown>,
    targetType = "Incident",
  ) {
    await record(tx, { ...actorOf(ctx), action, targetType, targetId: id, result: "success", detail });
  }
  const who = (ctx: RequestContext) => ({
    actorId: ctx.principal?.userId ?? null,
    actorName: ctx.principal?.username ?? null,
  });

  return {
    async list(ctx, f, page) {
      const p = principalOf(ctx);
      let q = db.selectFrom("incidents").where("tenant_id", "=", p.tenantId);
      if (f.q) {
        const like = likeContains(f.q);
        q = q.where((eb) => eb.or([eb("title", "ilike", like), eb("number", "ilike", like)]));
      }
      if (f.state) q = q.where("state", "=", f.state);
      if (f.grade) q = q.where("grade", "=", f.grade);
      if (f.open === "true") q = q.where("state", "in", ["open", "acknowledged", "mitigated"]);
      if (f.open === "false") q = q.where("state", "in", ["resolved", "closed"]);
      if (f.from) q = q.where("opened_at", ">=", new Date(f.from));
      if (f.to) q = q.where("opened_at", "<", new Date(f.to));
      const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirst();
      const rows = await q
        .selectAll()
        .orderBy(SORT_COLUMN[page.sort], page.order)
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const now = Date.now();
      return { items: rows.map((r) => viewOf(r as Row, now)), total: Number(total?.n ?? 0) };
    },

    async get(ctx, id) {
      return detailOf(db, principalOf(ctx).tenantId, id);
    },

    async create(ctx, input) {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        await checkContacts(tx, p.tenantId, input.contacts);
        await checkReferences(tx, p.tenantId, input.monitorId, input.alertId);
        const a = actorOf(ctx);
        const { id } = await openIncident(
          tx,
          {
            tenantId: p.tenantId,
            title: input.title,
            grade: input.grade,
            description: input.description,
            contacts: input.contacts,
            ...(input.monitorId ? { monitorId: input.monitorId } : {}),
            ...(input.alertId ? { alertId: input.alertId } : {}),
          },
          { userId: p.userId, role: p.role, name: p.username },
          { ip: a.ip ?? null, userAgent: a.userAgent ?? null, requestId: a.requestId ?? null },
        );
        return detailOf(tx, p.tenantId, id);
      });
    },

    async move(ctx, id, version, move, note) {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const row = await load(tx, p.tenantId, id, true);
        assertVersion("incident", row.version, version);
        const to = MOVE_TARGET[move];
        // Reopening is the one way back (resolved → acknowledged); acknowledge never reopens.
        const allowed =
          move === "reopen"
            ? row.state === "resolved" && canMove(row.state, to)
            : row.state !== "resolved" && canMove(row.state, to);
        if (!allowed && move === "reopen") {
          throw new Conflict(
            "INCIDENT_TRANSITION",
            `Only a resolved incident can be reopened; this one is ${STATE_NAMES[row.state].en}.`,
            `只有“已解决”的事件可以重新打开，该事件当前为“${STATE_NAMES[row.state].zh}”。`,
          );
        }
        if (!allowed) throw transitionConflict(row.state, to);
        const now = new Date();
        await tx
          .updateTable("incidents")
          .set((eb) => ({
            state: to,
            version: eb("version", "+", 1),
            updated_at: now,
            ...(move === "acknowledge" ? { acknowledged_at: now } : {}),
            // Working on a mitigation is a response: it counts as acknowledgement if none came before.
            ...(move === "mitigate" ? { mitigated_at: now, acknowledged_at: row.acknowledged_at ?? now } : {}),
            ...(move === "resolve" ? { resolved_at: now } : {}),
            // A recurrence: no longer resolved, so the fix deadline runs again from the opening.
            ...(move === "reopen" ? { resolved_at: null, acknowledged_at: row.acknowledged_at ?? now } : {}),
          }))
          .where("id", "=", id)
          .execute();
        await addTimelineEvent(tx, id, {
          kind: move === "reopen" ? "reopened" : (to as "acknowledged" | "mitigated" | "resolved"),
          ...who(ctx),
          from: row.state,
          to,
          note,
          at: now,
        });
        await audit(tx, ctx, `incident.${move}`, id, { number: row.number, from: row.state, to, version: version + 1 });
        return detailOf(tx, p.tenantId, id);
      });
    },

    async close(ctx, id, version, review, note) {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const row = await load(tx, p.tenantId, id, true);
        assertVersion("incident", row.version, version);
        if (!canMove(row.state, "closed")) throw transitionConflict(row.state, "closed");
        const problems = reviewProblems(review);
        if (problems.length) {
          throw new Invalid(
            "INCIDENT_REVIEW_INCOMPLETE",
            `The post-incident review is incomplete: ${problems.map((x) => x.field).join(", ")}.`,
            "事后复盘不完整，不能关闭事件。",
            problems.map((x) => ({ path: `body.review.${x.field}`, message: `${x.field} is required`, zh: x.zh })),
          );
        }
        const clean: Review = {
          impact: review.impact ?? "",
          affectedShare: review.affectedShare ?? 0,
          rootCause: review.rootCause ?? "",
          actions: (review.actions ?? []).filter((a) => a.trim()),
        };
        const now = new Date();
        await tx
          .updateTable("incidents")
          .set((eb) => ({
            state: "closed",
            closed_at: now,
            review: JSON.stringify(clean),
            version: eb("version", "+", 1),
            updated_at: now,
          }))
          .where("id", "=", id)
          .execute();
        await addTimelineEvent(tx, id, {
          kind: "closed",
          ...who(ctx),
          from: row.state,
          to: "closed",
          note,
          detail: { review: clean },
          at: now,
        });
        await audit(tx, ctx, "incident.close", id, {
          number: row.number,
          affectedShare: clean.affectedShare,
          actions: clean.actions.length,
          version: version + 1,
        });
        return detailOf(tx, p.tenantId, id);
      });
    },

    async comment(ctx, id, text) {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const row = await load(tx, p.tenantId, id, true);
        await addTimelineEvent(tx, id, { kind: "comment", ...who(ctx), note: text });
        await tx.updateTable("incidents").set({ updated_at: new Date() }).where("id", "=", id).execute();
        await audit(tx, ctx, "incident.comment", id, { number: row.number, length: text.length });
        return detailOf(tx, p.tenantId, id);
      });
    },

    async regrade(ctx, id, version, grade, reason) {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const row = await load(tx, p.tenantId, id, true);
        assertVersion("incident", row.version, version);
        if (row.state === "closed") {
          throw new Conflict("INCIDENT_CLOSED", "A closed incident cannot be regraded.", "已关闭的事件不能调整等级。");
        }
        if (row.grade === grade) {
          throw new Invalid("INCIDENT_SAME_GRADE", `The incident is already grade ${grade}.`, `事件已是 ${grade} 级。`);
        }
        // Recomputed from the same opening under the tenant's table (a graver grade may be late at once).
        const table = await tenantDeadlines(tx, p.tenantId);
        const d = deadlinesOf({ grade, openedAt: row.opened_at.getTime() }, table);
        const now = new Date();
        await tx
          .updateTable("incidents")
          .set((eb) => ({
            grade,
            respond_by: new Date(d.respondBy),
            fix_by: new Date(d.fixBy),
            version: eb("version", "+", 1),
            updated_at: now,
          }))
          .where("id", "=", id)
          .execute();
        await addTimelineEvent(tx, id, {
          kind: "regraded",
          ...who(ctx),
          from: row.grade,
          to: grade,
          note: reason,
          detail: { respondBy: iso(new Date(d.respondBy)), fixBy: iso(new Date(d.fixBy)) },
          at: now,
        });
        await audit(tx, ctx, "incident.regrade", id, {
          number: row.number,
          from: row.grade,
          to: grade,
          reason,
          version: version + 1,
        });
        return detailOf(tx, p.tenantId, id);
      });
    },

    async setContacts(ctx, id, version, contacts) {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const row = await load(tx, p.tenantId, id, true);
        assertVersion("incident", row.version, version);
        await checkContacts(tx, p.tenantId, contacts);
        const now = new Date();
        await tx
          .updateTable("incidents")
          .set((eb) => ({ contacts: JSON.stringify(contacts), version: eb("version", "+", 1), updated_at: now }))
          .where("id", "=", id)
          .execute();
        await addTimelineEvent(tx, id, {
          kind: "contacts",
          ...who(ctx),
          from: String(row.contacts.length),
          to: String(contacts.length),
          detail: { contacts },
          at: now,
        });
        await audit(tx, ctx, "incident.contacts", id, { number: row.number, contacts, version: version + 1 });
        return detailOf(tx, p.tenantId, id);
      });
    },

    async stats(ctx, from, to) {
      const p = principalOf(ctx);
      const rows = await db
        .selectFrom("incidents")
        .select(["grade", "opened_at", "acknowledged_at", "resolved_at"])
        .where("tenant_id", "=", p.tenantId)
        .where("opened_at", ">=", from)
        .where("opened_at", "<", to)
        .execute();
      const table = await tenantDeadlines(db, p.tenantId);
      const times = rows.map((r) => ({
        grade: r.grade,
        openedAt: r.opened_at.getTime(),
        acknowledgedAt: r.acknowledged_at?.getTime() ?? null,
        resolvedAt: r.resolved_at?.getTime() ?? null,
      }));
      return gradeStats(times, from.getTime(), to.getTime(), Date.now(), table);
    },

    async settings(ctx) {
      const p = principalOf(ctx);
      return settingsOf(db, p.tenantId);
    },

    async saveSettings(ctx, version, deadlines) {
      const p = principalOf(ctx);
      const problems = deadlineProblems(deadlines);
      if (problems.length) {
        throw new Invalid(
          "INCIDENT_DEADLINES_INVALID",
          `The deadline table is not valid: ${problems[0]?.message ?? ""}`,
          `时限表无效：${problems[0]?.zh ?? ""}`,
          problems.map((x) => ({ path: "body.deadlines", message: x.message, zh: x.zh })),
        );
      }
      return withTx(db, async (tx) => {
        const before = await tx
          .selectFrom("incident_settings")
          .selectAll()
          .where("tenant_id", "=", p.tenantId)
          .forUpdate()
          .executeTakeFirst();
        assertVersion("incident settings", before?.version ?? 0, version);
        const now = new Date();
        if (before) {
          await tx
            .updateTable("incident_settings")
            .set((eb) => ({
              deadlines: JSON.stringify(deadlines),
              version: eb("version", "+", 1),
              updated_at: now,
              updated_by: p.userId,
            }))
            .where("tenant_id", "=", p.tenantId)
            .execute();
        } else {
          await tx
            .insertInto("incident_settings")
            .values({
              tenant_id: p.tenantId,
              deadlines: JSON.stringify(deadlines),
              updated_at: now,
              updated_by: p.userId,
            })
            .execute();
        }
        // Incidents still running take the new table at once (closed ones keep theirs).
        const recomputed = await recomputeRunningDeadlines(tx, p.tenantId, deadlines);
        await audit(
          tx,
          ctx,
          "incident.settings.update",
          p.tenantId,
          { deadlines, version: version + 1, recomputed },
          "IncidentSettings",
        );
        return settingsOf(tx, p.tenantId);
      });
    },
  };
}

async function settingsOf(db: DbOrTx, tenantId: string): Promise<IncidentSettingsView> {
  const row = await db.selectFrom("incident_settings").selectAll().where("tenant_id", "=", tenantId).executeTakeFirst();
  if (!row) return { deadlines: DEFAULT_DEADLINES, isDefault: true, version: 0, updatedAt: null };
  return {
    deadlines: await tenantDeadlines(db, tenantId),
    isDefault: false,
    version: row.version,
    updatedAt: iso(row.updated_at),
  };
}
