import type { Db } from "../db/pool";
import { ifMatchVersion, setEtag } from "../http/concurrency";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { createAppService } from "./apps";
import { createMaintenanceService } from "./maintenance-windows";
import {
  AppBody,
  AppListQuery,
  AppSchema,
  DependenciesBody,
  DependenciesSchema,
  MaintenanceBody,
  MaintenanceListQuery,
  MaintenanceSchema,
  OccurrenceList,
  OccurrencesQuery,
} from "./registry-schemas";
import { IdParams } from "./schemas";

const can = (action: "read" | "create" | "update" | "delete") => ({ ability: { action, subject: "Monitor" } }) as const;
const etag = { etag: 'The version, e.g. "3": send it back in If-Match' };
const total = { [TOTAL_COUNT_HEADER]: "Total" };

/**
 * Apps and services, maintenance windows and dependencies between monitors (docs/monitors.md): the
 * system admin's duty (Monitor subject). Every change is audited in its transaction.
 */
export function registerMonitorRegistryRoutes(routes: RouteTable, db: Db, now: () => number = Date.now): void {
  const apps = createAppService(db);
  const windows = createMaintenanceService(db);

  // ---- apps ----
  const appTags = ["monitor apps"];
  routes.add({
    method: "get",
    path: "/api/v1/monitor-apps",
    operationId: "listMonitorApps",
    summary: "Apps and platform services that monitors watch (paginated)",
    tags: appTags,
    access: can("read"),
    query: AppListQuery,
    response: { status: 200, description: "A page", schema: AppSchema.array(), headers: total },
    async handler({ query, ctx, res }) {
      const page = await apps.list(ctx, query, pageOf(query));
      setTotal(res, page.total);
      return page.items;
    },
  });
  routes.add({
    method: "post",
    path: "/api/v1/monitor-apps",
    operationId: "createMonitorApp",
    summary: "Register an app or platform service",
    tags: appTags,
    access: can("create"),
    body: AppBody,
    response: { status: 201, description: "Created", schema: AppSchema, headers: etag },
    problems: [409],
    async handler({ body, ctx, res }) {
      const view = await apps.create(ctx, body);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "get",
    path: "/api/v1/monitor-apps/:id",
    operationId: "getMonitorApp",
    summary: "One app",
    tags: appTags,
    access: can("read"),
    params: IdParams,
    response: { status: 200, description: "The app", schema: AppSchema, headers: etag },
    problems: [404],
    async handler({ params, ctx, res }) {
      const view = await apps.get(ctx, params.id);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "put",
    path: "/api/v1/monitor-apps/:id",
    operationId: "updateMonitorApp",
    summary: "Replace an app (If-Match required)",
    tags: appTags,
    access: can("update"),
    params: IdParams,
    body: AppBody,
    response: { status: 200, description: "Saved", schema: AppSchema, headers: etag },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const view = await apps.update(ctx, params.id, ifMatchVersion(req), body);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "delete",
    path: "/api/v1/monitor-apps/:id",
    operationId: "deleteMonitorApp",
    summary: "Delete an app no monitor or maintenance window uses (If-Match required)",
    tags: appTags,
    access: can("delete"),
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await apps.remove(ctx, params.id, ifMatchVersion(req));
      return undefined;
    },
  });

  // ---- maintenance windows ----
  const mwTags = ["maintenance windows"];
  routes.add({
    method: "get",
    path: "/api/v1/maintenance-windows",
    operationId: "listMaintenanceWindows",
    summary: "Maintenance windows (paginated, filters)",
    tags: mwTags,
    access: can("read"),
    query: MaintenanceListQuery,
    response: { status: 200, description: "A page", schema: MaintenanceSchema.array(), headers: total },
    async handler({ query, ctx, res }) {
      const page = await windows.list(ctx, query, pageOf(query));
      setTotal(res, page.total);
      return page.items;
    },
  });
  routes.add({
    method: "post",
    path: "/api/v1/maintenance-windows",
    operationId: "createMaintenanceWindow",
    summary: "Create a maintenance window for monitors and/or apps",
    tags: mwTags,
    access: can("create"),
    body: MaintenanceBody,
    response: { status: 201, description: "Created", schema: MaintenanceSchema, headers: etag },
    async handler({ body, ctx, res }) {
      const view = await windows.create(ctx, body);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "get",
    path: "/api/v1/maintenance-windows/:id",
    operationId: "getMaintenanceWindow",
    summary: "One maintenance window",
    tags: mwTags,
    access: can("read"),
    params: IdParams,
    response: { status: 200, description: "The window", schema: MaintenanceSchema, headers: etag },
    problems: [404],
    async handler({ params, ctx, res }) {
      const view = await windows.get(ctx, params.id);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "put",
    path: "/api/v1/maintenance-windows/:id",
    operationId: "updateMaintenanceWindow",
    summary: "Replace a maintenance window (If-Match required)",
    tags: mwTags,
    access: can("update"),
    params: IdParams,
    body: MaintenanceBody,
    response: { status: 200, description: "Saved", schema: MaintenanceSchema, headers: etag },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const view = await windows.update(ctx, params.id, ifMatchVersion(req), body);
      setEtag(res, view.version);
      return view;
    },
  });
  routes.add({
    method: "delete",
    path: "/api/v1/maintenance-windows/:id",
    operationId: "deleteMaintenanceWindow",
    summary: "Delete a maintenance window (If-Match required)",
    tags: mwTags,
    access: can("delete"),
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await windows.remove(ctx, params.id, ifMatchVersion(req));
      return undefined;
    },
  });
  routes.add({
    method: "get",
    path: "/api/v1/maintenance-windows/:id/occurrences",
    operationId: "listMaintenanceOccurrences",
    summary: "The window's occurrences in [from, to) (default the next 30 days; at most 366 days, 500 occurrences)",
    tags: mwTags,
    access: can("read"),
    params: IdParams,
    query: OccurrencesQuery,
    response: { status: 200, description: "Occurrences, earliest first", schema: OccurrenceList },
    problems: [404],
    async handler({ params, query, ctx }) {
      const from = query.from ? new Date(query.from) : undefined;
      const to = query.to ? new Date(query.to) : undefined;
      return windows.occurrences(ctx, params.id, from, to, now());
    },
  });

  // ---- dependencies ----
  routes.add({
    method: "get",
    path: "/api/v1/monitors/:id/dependencies",
    operationId: "getMonitorDependencies",
    summary: "What the monitor depends on directly, and what depends on it",
    tags: ["monitors"],
    access: can("read"),
    params: IdParams,
    response: { status: 200, description: "The dependencies", schema: DependenciesSchema },
    problems: [404],
    async handler({ params, ctx }) {
      return apps.getDependencies(ctx, params.id);
    },
  });
  routes.add({
    method: "put",
    path: "/api/v1/monitors/:id/dependencies",
    operationId: "setMonitorDependencies",
    summary: "Replace the monitor's direct dependencies; self, unknown monitors and cycles are refused",
    tags: ["monitors"],
    access: can("update"),
    params: IdParams,
    body: DependenciesBody,
    response: { status: 200, description: "The dependencies", schema: DependenciesSchema },
    problems: [404, 409],
    async handler({ params, body, ctx }) {
      return apps.setDependencies(ctx, params.id, body.dependsOn);
    },
  });
}
