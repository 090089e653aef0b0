import { sql } from "kysely";
import { expandMaintenance, maintenanceProblems } from "../../../monitors/maintenance";
import { boundsOf, type StoredMaintenance, toMaintenanceWindow } from "../../../monitors/maintenance-store";
import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { assertVersion } from "../http/concurrency";
import { Invalid, NotFound } from "../http/errors";
import type { FieldError } from "../http/errors";
import type { Page } from "../http/list";
import { principalOf } from "./apps";
import { MAX_OCCURRENCE_DAYS, MAX_OCCURRENCES, type MAINTENANCE_SORTABLE } from "./registry-schemas";
import { likeContains } from "../db/like";

/**
 * Stored maintenance windows (migration 0018, docs/monitors.md "Maintenance windows"): their
 * minutes leave the SLA of the monitors and apps they name, and those raise no alerts meanwhile.
 */
export interface MaintenanceInput {
  name: string;
  description: string;
  enabled: boolean;
  monitorIds: string[];
  appIds: string[];
  schedule: StoredMaintenance;
}

export interface MaintenanceView extends MaintenanceInput {
  id: string;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedBy: string | null;
  updatedAt: string;
}

export interface MaintenanceFilter {
  q?: string | undefined;
  monitorId?: string | undefined;
  appId?: string | undefined;
  enabled?: "true" | "false" | undefined;
}

const notFound = () => new NotFound("MAINTENANCE_NOT_FOUND", "No such maintenance window.", "维护窗口不存在。");
const SORT = { name: "name", createdAt: "created_at", updatedAt: "updated_at" } as const;
const DAY = 86_400_000;

type Row = Awaited<ReturnType<ReturnType<typeof selectWindows>["executeTakeFirstOrThrow"]>>;
function selectWindows(db: DbOrTx, tenantId: string) {
  return db.selectFrom("maintenance_windows").selectAll().where("tenant_id", "=", tenantId);
}

const viewOf = (r: Row): MaintenanceView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  enabled: r.enabled,
  monitorIds: r.monitor_ids,
  appIds: r.app_ids,
  schedule: r.definition as unknown as StoredMaintenance,
  version: r.version,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedBy: r.updated_by,
  updatedAt: r.updated_at.toISOString(),
});

/** The schedule without keys left undefined, instants normalised to ISO UTC. */
function normalise(s: StoredMaintenance): StoredMaintenance {
  const iso = (v: string | undefined) => (v === undefined ? undefined : new Date(v).toISOString());
  if (s.kind === "once") return { kind: "once", start: iso(s.start) as string, end: iso(s.end) as string };
  return JSON.parse(JSON.stringify({ ...s, from: iso(s.from), until: iso(s.until) })) as StoredMaintenance;
}

/** maintenanceProblems and the scope rules, as field errors in English and Chinese. */
async function problemsOf(tx: DbOrTx, tenantId: string, input: MaintenanceInput): Promise<FieldError[]> {
  const errors: FieldError[] = maintenanceProblems(toMaintenanceWindow(input.schedule)).map((p) => ({
    path: "body.schedule",
    message: p.message,
    zh: p.zh,
  }));
  if (input.schedule.kind === "recurring") {
    const s = input.schedule;
    if (s.frequency === "weekly" && s.monthDays)
      errors.push({ path: "body.schedule.monthDays", message: "only for monthly", zh: "仅用于每月重复" });
    if (s.frequency === "monthly" && s.weekdays)
      errors.push({ path: "body.schedule.weekdays", message: "only for weekly", zh: "仅用于每周重复" });
  }
  if (input.monitorIds.length + input.appIds.length === 0) {
    errors.push({
      path: "body.monitorIds",
      message: "name at least one monitor or app",
      zh: "请至少选择一个监控项或应用",
    });
  }
  const monitors = input.monitorIds.length
    ? await tx
        .selectFrom("monitors")
        .select("id")
        .where("tenant_id", "=", tenantId)
        .where("id", "in", input.monitorIds)
        .execute()
    : [];
  input.monitorIds.forEach((id, k) => {
    if (!monitors.some((m) => m.id === id))
      errors.push({ path: `body.monitorIds.${k}`, message: "no such monitor", zh: "监控项不存在" });
  });
  const apps = input.appIds.length
    ? await tx
        .selectFrom("monitor_apps")
        .select("id")
        .where("tenant_id", "=", tenantId)
        .where("id", "in", input.appIds)
        .forShare()
        .execute()
    : [];
  input.appIds.forEach((id, k) => {
    if (!apps.some((a) => a.id === id))
      errors.push({ path: `body.appIds.${k}`, message: "no such app", zh: "应用不存在" });
  });
  return errors;
}

async function validated(tx: DbOrTx, tenantId: string, raw: MaintenanceInput): Promise<MaintenanceInput> {
  const input = {
    ...raw,
    monitorIds: [...new Set(raw.monitorIds)],
    appIds: [...new Set(raw.appIds)],
    schedule: normalise(raw.schedule),
  };
  const errors = await problemsOf(tx, tenantId, input);
  if (errors.length > 0) {
    throw new Invalid(
      "MAINTENANCE_INVALID",
      `The maintenance window is not valid: ${errors[0]?.path}: ${errors[0]?.message}`,
      "维护窗口配置无效。",
      errors,
    );
  }
  return input;
}

const auditSummary = (m: MaintenanceInput) => ({
  name: m.name,
  enabled: m.enabled,
  monitorIds: m.monitorIds,
  appIds: m.appIds,
  schedule: m.schedule,
});

export function createMaintenanceService(db: Db) {
  async function load(tx: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<Row> {
    let q = selectWindows(tx, tenantId).where("id", "=", id);
    if (forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }
  async function audit(tx: DbOrTx, ctx: RequestContext, action: string, id: string, detail: object) {
    await record(tx, {
      ...actorOf(ctx),
      action,
      targetType: "MaintenanceWindow",
      targetId: id,
      result: "success",
      detail: { ...detail },
    });
  }
  const columns = (m: MaintenanceInput) => {
    const b = boundsOf(m.schedule);
    return {
      name: m.name,
      description: m.description,
      enabled: m.enabled,
      monitor_ids: m.monitorIds,
      app_ids: m.appIds,
      definition: JSON.stringify(m.schedule),
      not_before: b.notBefore,
      not_after: b.notAfter,
    };
  };

  return {
    async list(ctx: RequestContext, f: MaintenanceFilter, page: Page<(typeof MAINTENANCE_SORTABLE)[number]>) {
      const p = principalOf(ctx);
      let q = selectWindows(db, p.tenantId);
      if (f.q) q = q.where("name", "ilike", likeContains(f.q));
      if (f.monitorId) q = q.where(sql<boolean>`${f.monitorId}::uuid = ANY(monitor_ids)`);
      if (f.appId) q = q.where(sql<boolean>`${f.appId}::uuid = ANY(app_ids)`);
      if (f.enabled) q = q.where("enabled", "=", f.enabled === "true");
      const total = await q
        .clearSelect()
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirst();
      const rows = await q
        .orderBy(SORT[page.sort], page.order)
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { items: rows.map(viewOf), total: Number(total?.n ?? 0) };
    },

    async get(ctx: RequestContext, id: string): Promise<MaintenanceView> {
      return viewOf(await load(db, principalOf(ctx).tenantId, id));
    },

    async create(ctx: RequestContext, raw: MaintenanceInput): Promise<MaintenanceView> {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const m = await validated(tx, p.tenantId, raw);
        const { id } = await tx
          .insertInto("maintenance_windows")
          .values({ tenant_id: p.tenantId, ...columns(m), created_by: p.userId, updated_by: p.userId })
          .returning("id")
          .executeTakeFirstOrThrow();
        await audit(tx, ctx, "maintenance.create", id, auditSummary(m));
        return viewOf(await load(tx, p.tenantId, id));
      });
    },

    async update(ctx: RequestContext, id: string, version: number, raw: MaintenanceInput): Promise<MaintenanceView> {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const before = await load(tx, p.tenantId, id, true);
        assertVersion("maintenance window", before.version, version);
        const m = await validated(tx, p.tenantId, raw);
        await tx
          .updateTable("maintenance_windows")
          .set((eb) => ({
            ...columns(m),
            version: eb("version", "+", 1),
            updated_at: new Date(),
            updated_by: p.userId,
          }))
          .where("id", "=", id)
          .execute();
        await audit(tx, ctx, "maintenance.update", id, { ...auditSummary(m), version: version + 1 });
        return viewOf(await load(tx, p.tenantId, id));
      });
    },

    async remove(ctx: RequestContext, id: string, version: number): Promise<void> {
      const p = principalOf(ctx);
      await withTx(db, async (tx) => {
        const before = await load(tx, p.tenantId, id, true);
        assertVersion("maintenance window", before.version, version);
        await tx.deleteFrom("maintenance_windows").where("id", "=", id).execute();
        await audit(tx, ctx, "maintenance.delete", id, { name: before.name });
      });
    },

    /** The window's occurrences in [from, to) (default: the next 30 days), at most MAX_OCCURRENCES. */
    async occurrences(ctx: RequestContext, id: string, from: Date | undefined, to: Date | undefined, now: number) {
      const row = await load(db, principalOf(ctx).tenantId, id);
      const start = from?.getTime() ?? now;
      const end = to?.getTime() ?? start + 30 * DAY;
      if (end - start > MAX_OCCURRENCE_DAYS * DAY) {
        throw new Invalid(
          "RANGE_TOO_LONG",
          `At most ${MAX_OCCURRENCE_DAYS} days of occurrences.`,
          `最多预览 ${MAX_OCCURRENCE_DAYS} 天内的维护时段。`,
          [{ path: "query.to", message: `at most ${MAX_OCCURRENCE_DAYS} days after from`, zh: "范围过长" }],
        );
      }
      if (!(end > start)) return [];
      const window = toMaintenanceWindow(row.definition as unknown as StoredMaintenance);
      return expandMaintenance([window], start, end)
        .sort((a, b) => a.start - b.start)
        .slice(0, MAX_OCCURRENCES)
        .map((i) => ({ start: new Date(i.start).toISOString(), end: new Date(i.end).toISOString() }));
    },
  };
}

export type MaintenanceService = ReturnType<typeof createMaintenanceService>;
