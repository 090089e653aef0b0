import { sql } from "kysely";
import {
  type AppRow,
  type AppSla,
  dailyForApps,
  slaForApps,
  slaForGroups,
  slaForMonitors,
} from "../../../monitors/sla-store";
import type { SlaReport } from "../../../monitors/sla";
import { type CalendarPeriod, calendarWindow } from "../../../monitors/windows";
import type { Db } from "../db/pool";
import type { RequestContext } from "../http/context";
import { Invalid, NotFound } from "../http/errors";
import { type Page, pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { principalOf } from "./apps";
import {
  AppDailyList,
  AppDailySchema,
  AppSlaDetailSchema,
  AppSlaList,
  DailyAllQuery,
  DailyQuery,
  GroupSlaList,
  MonitorSlaList,
  SlaAppsQuery,
  SlaGroupsQuery,
  SlaMonitorsQuery,
  SlaWindowQuery,
} from "./registry-schemas";
import { IdParams } from "./schemas";

/**
 * SLA figures of apps and groups (docs/monitors.md, "How availability is computed", "Apps and
 * groups"): the Sla subject, read only — the system admin, and the leadership viewer. Computed from
 * the stored transitions and maintenance windows by monitors/sla-store.ts.
 */
const tags = ["sla"];
const access = { ability: { action: "read", subject: "Sla" } } as const;

interface WindowQuery {
  window: CalendarPeriod | "custom";
  at?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  tz: string;
}

function checkZone(tz: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    throw new Invalid("TIME_ZONE_UNKNOWN", `Unknown time zone ${tz}.`, `未知时区 ${tz}。`, [
      { path: "query.tz", message: "unknown time zone", zh: "未知时区" },
    ]);
  }
}

/** The window asked for; a window still running ends now (the future is not yet unknown). */
export function resolveWindow(q: WindowQuery, now: number): { from: Date; to: Date; timeZone: string } {
  checkZone(q.tz);
  let start: number;
  let end: number;
  if (q.window === "custom") {
    start = Date.parse(q.from as string);
    end = Date.parse(q.to as string);
  } else {
    ({ start, end } = calendarWindow(q.window, q.at ? Date.parse(q.at) : now, q.tz));
  }
  end = Math.max(start, Math.min(end, now));
  return { from: new Date(start), to: new Date(end), timeZone: q.tz };
}

const iso = (ms: number) => new Date(ms).toISOString();
const figures = (r: SlaReport) => ({
  windowMinutes: r.windowMinutes,
  maintenanceMinutes: r.maintenanceMinutes,
  unknownMinutes: r.unknownMinutes,
  eligibleMinutes: r.eligibleMinutes,
  upMinutes: r.upMinutes,
  degradedMinutes: r.degradedMinutes,
  downMinutes: r.downMinutes,
  availability: r.availability,
  outages: r.outages.length,
  longestOutageMinutes: r.longestOutageMinutes,
  mttrMinutes: r.mttrMinutes,
  mtbfMinutes: r.mtbfMinutes,
  target: r.target,
  errorBudgetMinutes: r.errorBudgetMinutes,
  budgetRemainingMinutes: r.budgetRemainingMinutes,
  budgetRemainingRatio: r.budgetRemainingRatio,
});
const appRef = (a: AppRow) => ({
  id: a.id,
  name: a.name,
  kind: a.kind,
  groupName: a.groupName,
  combineRule: a.combineRule,
});
const windowOf = (w: { from: Date; to: Date; timeZone: string }) => ({
  start: w.from.toISOString(),
  end: w.to.toISOString(),
  timeZone: w.timeZone,
});
const appSlaView = (a: AppSla, w: { from: Date; to: Date; timeZone: string }) => ({
  app: appRef(a.app),
  window: windowOf(w),
  monitorCount: a.monitorIds.length,
  ...figures(a.report),
});

/** A page of the tenant's app ids by name (filters), and the total: what the page's figures are computed for. */
async function appPage(
  db: Db,
  tenantId: string,
  f: { kind?: "app" | "platform" | undefined; group?: string | undefined },
  page: Page<"name">,
): Promise<{ ids: string[]; total: number }> {
  let q = db.selectFrom("monitor_apps").where("tenant_id", "=", tenantId);
  if (f.kind) q = q.where("kind", "=", f.kind);
  if (f.group) q = q.where("group_name", "=", f.group);
  const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirst();
  const rows = await q
    .select("id")
    .orderBy("name", page.order)
    .orderBy("id")
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return { ids: rows.map((r) => r.id), total: Number(total?.n ?? 0) };
}

async function assertApp(db: Db, ctx: RequestContext, id: string): Promise<string> {
  const tenantId = principalOf(ctx).tenantId;
  const row = await db
    .selectFrom("monitor_apps")
    .select(sql<number>`1`.as("one"))
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .executeTakeFirst();
  if (!row) throw new NotFound("MONITOR_APP_NOT_FOUND", "No such app.", "应用不存在。");
  return tenantId;
}

/** Keeps the order of `ids` (the page's), whatever order the figures came in. */
const inOrder = <T extends { app: { id: string } }>(ids: string[], items: T[]) =>
  ids.map((id) => items.find((i) => i.app.id === id)).filter((i): i is T => i !== undefined);

export function registerSlaRoutes(routes: RouteTable, db: Db, now: () => number = Date.now): void {
  routes.add({
    method: "get",
    path: "/api/v1/sla/apps",
    operationId: "listAppSla",
    summary: "Availability, error budget, outages, MTTR/MTBF per app over a calendar or custom window (paginated)",
    tags,
    access,
    query: SlaAppsQuery,
    response: { status: 200, description: "A page", schema: AppSlaList, headers: { [TOTAL_COUNT_HEADER]: "Total" } },
    async handler({ query, ctx, res }) {
      const tenantId = principalOf(ctx).tenantId;
      const w = resolveWindow(query, now());
      const { ids, total } = await appPage(db, tenantId, query, pageOf(query));
      const items = await slaForApps(db, { tenantId, from: w.from, to: w.to, appIds: ids });
      setTotal(res, total);
      return inOrder(ids, items).map((a) => appSlaView(a, w));
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/sla/apps/:id",
    operationId: "getAppSla",
    summary: "One app's SLA with its outages and each of its monitors' figures",
    tags,
    access,
    params: IdParams,
    query: SlaWindowQuery,
    response: { status: 200, description: "The app's SLA", schema: AppSlaDetailSchema },
    problems: [404],
    async handler({ params, query, ctx }) {
      const tenantId = await assertApp(db, ctx, params.id);
      const w = resolveWindow(query, now());
      const [a] = await slaForApps(db, { tenantId, from: w.from, to: w.to, appIds: [params.id], perMonitor: true });
      if (!a) throw new NotFound("MONITOR_APP_NOT_FOUND", "No such app.", "应用不存在。");
      return {
        ...appSlaView(a, w),
        outageList: a.report.outages.map((o) => ({ start: iso(o.start), end: iso(o.end), minutes: o.minutes })),
        monitors: (a.monitors ?? []).map((m) => ({ id: m.monitorId, name: m.name, ...figures(m.report) })),
      };
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/sla/monitors",
    operationId: "listMonitorSla",
    summary: "Each monitor's SLA over a window, its maintenance excluded (paginated; target 99.9 %)",
    tags,
    access,
    query: SlaMonitorsQuery,
    response: {
      status: 200,
      description: "A page",
      schema: MonitorSlaList,
      headers: { [TOTAL_COUNT_HEADER]: "Total" },
    },
    async handler({ query, ctx, res }) {
      const tenantId = principalOf(ctx).tenantId;
      const w = resolveWindow(query, now());
      const page = pageOf(query);
      let q = db.selectFrom("monitors").where("tenant_id", "=", tenantId);
      if (query.appId) q = q.where(sql<boolean>`definition ->> 'appId' = ${query.appId}`);
      const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirst();
      const rows = await q
        .select(["id", "name", sql<string | null>`definition ->> 'appId'`.as("app_id")])
        .orderBy("name", page.order)
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const reports = await slaForMonitors(
        db,
        rows.map((r) => r.id),
        { from: w.from, to: w.to },
      );
      setTotal(res, Number(total?.n ?? 0));
      return rows.map((r) => ({
        monitor: { id: r.id, name: r.name, appId: r.app_id },
        window: windowOf(w),
        ...figures(reports.get(r.id) as SlaReport),
      }));
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/sla/groups",
    operationId: "listGroupSla",
    summary: "Availability per group of apps, pooled (time-weighted) (paginated)",
    tags,
    access,
    query: SlaGroupsQuery,
    response: { status: 200, description: "A page", schema: GroupSlaList, headers: { [TOTAL_COUNT_HEADER]: "Total" } },
    async handler({ query, ctx, res }) {
      const tenantId = principalOf(ctx).tenantId;
      const w = resolveWindow(query, now());
      const page = pageOf(query);
      const groups = await slaForGroups(db, { tenantId, from: w.from, to: w.to });
      if (page.order === "desc") groups.reverse();
      setTotal(res, groups.length);
      return groups.slice(page.offset, page.offset + page.limit).map((g) => ({ ...g, window: windowOf(w) }));
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/sla/daily",
    operationId: "listDailySla",
    summary: "Daily availability of every app over the last `days` days (uptime bars, SLA trend) (paginated)",
    tags,
    access,
    query: DailyAllQuery,
    response: { status: 200, description: "A page", schema: AppDailyList, headers: { [TOTAL_COUNT_HEADER]: "Total" } },
    async handler({ query, ctx, res }) {
      const tenantId = principalOf(ctx).tenantId;
      checkZone(query.tz);
      const { ids, total } = await appPage(db, tenantId, {}, pageOf(query));
      const items = await dailyForApps(db, { tenantId, days: query.days, timeZone: query.tz, now: now(), appIds: ids });
      setTotal(res, total);
      return inOrder(ids, items).map((a) => ({
        app: appRef(a.app),
        target: a.app.slaTarget,
        timeZone: query.tz,
        days: a.days,
      }));
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/sla/apps/:id/daily",
    operationId: "getAppDailySla",
    summary: "One app's daily availability over the last `days` days",
    tags,
    access,
    params: IdParams,
    query: DailyQuery,
    response: { status: 200, description: "Day by day", schema: AppDailySchema },
    problems: [404],
    async handler({ params, query, ctx }) {
      const tenantId = await assertApp(db, ctx, params.id);
      checkZone(query.tz);
      const [a] = await dailyForApps(db, {
        tenantId,
        days: query.days,
        timeZone: query.tz,
        now: now(),
        appIds: [params.id],
      });
      if (!a) throw new NotFound("MONITOR_APP_NOT_FOUND", "No such app.", "应用不存在。");
      return { app: appRef(a.app), target: a.app.slaTarget, timeZone: query.tz, days: a.days };
    },
  });
}
