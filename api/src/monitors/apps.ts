import { sql } from "kysely";
import { findCycle, loadDependencyGraph, saveDependencies } from "../../../monitors/dependencies-store";
import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { assertVersion } from "../http/concurrency";
import { Conflict, Invalid, NotFound, Unauthorized } from "../http/errors";
import type { Page } from "../http/list";
import type { APP_SORTABLE } from "./registry-schemas";
import { likeContains } from "../db/like";

/**
 * The apps and platform services monitors watch (migration 0018, docs/monitors.md "Apps and
 * groups"), and dependencies between monitors. The Monitor subject: the system admin's duty.
 */
export interface AppInput {
  name: string;
  kind: "app" | "platform";
  groupName: string | null;
  combineRule: "all" | "any";
  slaTarget: number;
  description: string;
}

export interface AppView extends AppInput {
  id: string;
  monitorCount: number;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedBy: string | null;
  updatedAt: string;
}

export interface AppFilter {
  q?: string | undefined;
  kind?: "app" | "platform" | undefined;
  group?: string | undefined;
}

export interface DependenciesView {
  monitorId: string;
  dependsOn: { id: string; name: string }[];
  dependents: { id: string; name: string }[];
}

export const principalOf = (ctx: RequestContext) => {
  if (!ctx.principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  return ctx.principal;
};
const appNotFound = () => new NotFound("MONITOR_APP_NOT_FOUND", "No such app.", "应用不存在。");
const monitorNotFound = () => new NotFound("MONITOR_NOT_FOUND", "No such monitor.", "监控项不存在。");
const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === "23505";
const nameTaken = (name: string) =>
  new Conflict("MONITOR_APP_NAME_TAKEN", `An app named "${name}" exists already.`, `应用名称"${name}"已存在。`);

const SORT = { name: "a.name", createdAt: "a.created_at", updatedAt: "a.updated_at" } as const;

function selectApps(db: DbOrTx, tenantId: string) {
  return db
    .selectFrom("monitor_apps as a")
    .selectAll("a")
    .select(
      sql<string>`(SELECT count(*) FROM monitors m WHERE m.tenant_id = a.tenant_id AND m.definition ->> 'appId' = a.id::text)`.as(
        "monitor_count",
      ),
    )
    .where("a.tenant_id", "=", tenantId);
}
type AppRow = Awaited<ReturnType<ReturnType<typeof selectApps>["executeTakeFirstOrThrow"]>>;

const viewOf = (r: AppRow): AppView => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  groupName: r.group_name,
  combineRule: r.combine_rule,
  slaTarget: Number(r.sla_target),
  description: r.description,
  monitorCount: Number(r.monitor_count),
  version: r.version,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedBy: r.updated_by,
  updatedAt: r.updated_at.toISOString(),
});

async function audit(tx: DbOrTx, ctx: RequestContext, action: string, type: string, id: string, detail: object) {
  await record(tx, {
    ...actorOf(ctx),
    action,
    targetType: type,
    targetId: id,
    result: "success",
    detail: { ...detail },
  });
}

/**
 * Checks a monitor definition's appId names an app of the tenant, and holds that app (FOR SHARE)
 * until the caller's transaction ends, so the app cannot be deleted under a monitor being saved.
 */
export async function assertAppExists(tx: DbOrTx, tenantId: string, appId: string | undefined): Promise<void> {
  if (appId === undefined) return;
  const row = await tx
    .selectFrom("monitor_apps")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("id", "=", appId)
    .forShare()
    .executeTakeFirst();
  if (!row) {
    throw new Invalid("MONITOR_APP_UNKNOWN", `No app has the id ${appId}.`, "所属应用不存在。", [
      { path: "body.appId", message: "no such app", zh: "所属应用不存在" },
    ]);
  }
}

export function createAppService(db: Db) {
  async function load(tx: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<AppRow> {
    let q = selectApps(tx, tenantId).where("a.id", "=", id);
    if (forUpdate) q = q.forUpdate(["a"]);
    const row = await q.executeTakeFirst();
    if (!row) throw appNotFound();
    return row;
  }

  async function loadMonitor(tx: DbOrTx, tenantId: string, id: string) {
    const row = await tx
      .selectFrom("monitors")
      .select(["id", "name"])
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw monitorNotFound();
    return row;
  }

  async function dependencies(tx: DbOrTx, tenantId: string, id: string): Promise<DependenciesView> {
    await loadMonitor(tx, tenantId, id);
    const dependsOn = await tx
      .selectFrom("monitor_dependencies as d")
      .innerJoin("monitors as m", "m.id", "d.depends_on")
      .select(["m.id", "m.name"])
      .where("d.monitor_id", "=", id)
      .orderBy("m.name")
      .orderBy("m.id")
      .execute();
    const dependents = await tx
      .selectFrom("monitor_dependencies as d")
      .innerJoin("monitors as m", "m.id", "d.monitor_id")
      .select(["m.id", "m.name"])
      .where("d.depends_on", "=", id)
      .orderBy("m.name")
      .orderBy("m.id")
      .execute();
    return { monitorId: id, dependsOn, dependents };
  }

  return {
    async list(ctx: RequestContext, f: AppFilter, page: Page<(typeof APP_SORTABLE)[number]>) {
      const p = principalOf(ctx);
      let q = selectApps(db, p.tenantId);
      if (f.q) q = q.where("a.name", "ilike", likeContains(f.q));
      if (f.kind) q = q.where("a.kind", "=", f.kind);
      if (f.group) q = q.where("a.group_name", "=", f.group);
      const total = await q
        .clearSelect()
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirst();
      const rows = await q
        .orderBy(SORT[page.sort], page.order)
        .orderBy("a.id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { items: rows.map(viewOf), total: Number(total?.n ?? 0) };
    },

    async get(ctx: RequestContext, id: string): Promise<AppView> {
      return viewOf(await load(db, principalOf(ctx).tenantId, id));
    },

    async create(ctx: RequestContext, input: AppInput): Promise<AppView> {
      const p = principalOf(ctx);
      try {
        return await withTx(db, async (tx) => {
          const { id } = await tx
            .insertInto("monitor_apps")
            .values({
              tenant_id: p.tenantId,
              name: input.name,
              kind: input.kind,
              group_name: input.groupName,
              combine_rule: input.combineRule,
              sla_target: input.slaTarget,
              description: input.description,
              created_by: p.userId,
              updated_by: p.userId,
            })
            .returning("id")
            .executeTakeFirstOrThrow();
          await audit(tx, ctx, "monitor_app.create", "MonitorApp", id, { ...input });
          return viewOf(await load(tx, p.tenantId, id));
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(input.name);
        throw err;
      }
    },

    async update(ctx: RequestContext, id: string, version: number, input: AppInput): Promise<AppView> {
      const p = principalOf(ctx);
      try {
        return await withTx(db, async (tx) => {
          const before = await load(tx, p.tenantId, id, true);
          assertVersion("app", before.version, version);
          await tx
            .updateTable("monitor_apps")
            .set((eb) => ({
              name: input.name,
              kind: input.kind,
              group_name: input.groupName,
              combine_rule: input.combineRule,
              sla_target: input.slaTarget,
              description: input.description,
              version: eb("version", "+", 1),
              updated_at: new Date(),
              updated_by: p.userId,
            }))
            .where("id", "=", id)
            .execute();
          const old = viewOf(before);
          const changed = (Object.keys(input) as (keyof AppInput)[]).filter((k) => old[k] !== input[k]);
          await audit(tx, ctx, "monitor_app.update", "MonitorApp", id, { ...input, changed, version: version + 1 });
          return viewOf(await load(tx, p.tenantId, id));
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw nameTaken(input.name);
        throw err;
      }
    },

    async remove(ctx: RequestContext, id: string, version: number): Promise<void> {
      const p = principalOf(ctx);
      await withTx(db, async (tx) => {
        const before = await load(tx, p.tenantId, id, true);
        assertVersion("app", before.version, version);
        // The row lock above waits for monitors being saved with this app (they hold it FOR SHARE).
        const used = Number(before.monitor_count);
        if (used > 0) {
          throw new Conflict(
            "MONITOR_APP_IN_USE",
            `The app is used by ${used} monitor(s); move or delete them first.`,
            `该应用仍有 ${used} 个监控项，请先移除或删除这些监控项。`,
          );
        }
        const windows = await tx
          .selectFrom("maintenance_windows")
          .select("name")
          .where("tenant_id", "=", p.tenantId)
          .where(sql<boolean>`${id}::uuid = ANY(app_ids)`)
          .orderBy("name")
          .execute();
        if (windows.length > 0) {
          const names = windows.map((w) => w.name).join(", ");
          throw new Conflict(
            "MONITOR_APP_IN_USE",
            `Maintenance windows name the app: ${names}.`,
            `以下维护窗口引用了该应用：${names}。`,
          );
        }
        await tx.deleteFrom("monitor_apps").where("id", "=", id).execute();
        await audit(tx, ctx, "monitor_app.delete", "MonitorApp", id, { name: before.name });
      });
    },

    async getDependencies(ctx: RequestContext, id: string): Promise<DependenciesView> {
      return dependencies(db, principalOf(ctx).tenantId, id);
    },

    async setDependencies(ctx: RequestContext, id: string, dependsOn: string[]): Promise<DependenciesView> {
      const p = principalOf(ctx);
      const wanted = [...new Set(dependsOn)];
      return withTx(db, async (tx) => {
        // The monitors involved first (FOR KEY SHARE: what the foreign keys take anyway), then the graph:
        // a monitor being deleted (FOR UPDATE, then the cascade) is waited for here, never in a deadlock.
        const involved = await tx
          .selectFrom("monitors")
          .select(["id", "name"])
          .where("tenant_id", "=", p.tenantId)
          .where("id", "in", [id, ...wanted])
          .orderBy("id")
          .forKeyShare()
          .execute();
        const self = involved.find((m) => m.id === id);
        if (!self) throw monitorNotFound();
        // One change of the graph at a time, so two concurrent changes cannot close a cycle together.
        await sql`LOCK TABLE monitor_dependencies IN SHARE ROW EXCLUSIVE MODE`.execute(tx);
        if (wanted.includes(id)) {
          throw new Invalid("MONITOR_DEPENDS_ON_ITSELF", "A monitor cannot depend on itself.", "监控项不能依赖自身。", [
            { path: "body.dependsOn", message: "contains the monitor itself", zh: "包含监控项自身" },
          ]);
        }
        const known = involved.filter((m) => m.id !== id);
        const unknown = wanted.filter((w) => !known.some((k) => k.id === w));
        if (unknown.length > 0) {
          throw new Invalid(
            "MONITOR_DEPENDENCY_UNKNOWN",
            `No monitor has the id(s) ${unknown.join(", ")}.`,
            "所依赖的监控项不存在。",
            unknown.map((u) => ({
              path: `body.dependsOn.${wanted.indexOf(u)}`,
              message: "no such monitor",
              zh: "监控项不存在",
            })),
          );
        }
        const cycle = findCycle(await loadDependencyGraph(tx), id, wanted);
        if (cycle) {
          const names = await tx.selectFrom("monitors").select(["id", "name"]).where("id", "in", cycle).execute();
          const path = cycle.map((c) => names.find((n) => n.id === c)?.name ?? c).join(" → ");
          throw new Conflict(
            "MONITOR_DEPENDENCY_CYCLE",
            `These dependencies would make a cycle: ${path}.`,
            `依赖关系将形成循环：${path}。`,
          );
        }
        await saveDependencies(tx, id, wanted);
        await audit(tx, ctx, "monitor.dependencies", "Monitor", id, {
          name: self.name,
          dependsOn: known.map((k) => ({ id: k.id, name: k.name })),
        });
        return dependencies(tx, p.tenantId, id);
      });
    },
  };
}

export type AppService = ReturnType<typeof createAppService>;
