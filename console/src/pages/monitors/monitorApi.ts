import { downloadFile } from "../../api/files";
import { apiRequest } from "../../api/http";
import { fetchPage, ifMatch, pageQuery } from "../../api/paging";
import type { Schedule } from "./maintenanceModel";

/** The monitors API (docs/monitors.md, "REST API"; api/src/monitors/schemas.ts is the wire format). */
export const MONITOR_TYPES = ["http", "tcp", "dns", "postgres", "push"] as const;
export type MonitorType = (typeof MONITOR_TYPES)[number];
export const MONITOR_STATES = ["up", "degraded", "down", "unknown"] as const;
export type MonitorState = (typeof MONITOR_STATES)[number];
/** What a row shows: the probe's state, or paused (not probed at all). */
export type DisplayState = MonitorState | "paused";

export interface MonitorStatus {
  state: MonitorState;
  since: string;
  lastResultAt: string | null;
  lastLatencyMs: number | null;
  lastReason: string | null;
}

export interface Monitor {
  id: string;
  name: string;
  type: MonitorType;
  /** The definition as stored, credentials masked as "******" (sending the mask back keeps them). */
  definition: Record<string, unknown>;
  paused: boolean;
  version: number;
  status: MonitorStatus | null;
  createdBy: string | null;
  createdAt: string;
  updatedBy: string | null;
  updatedAt: string;
  /** A new push monitor's token, in the answer that created it only (POST /monitors/:id/push-token makes a new one). */
  pushToken?: string;
}

export interface MonitorResult {
  at: string;
  state: "up" | "degraded" | "down";
  latencyMs: number;
  reason: string;
  message: string;
}

export interface ProbeResult extends Omit<MonitorResult, "at"> {
  messageZh: string;
  detail?: Record<string, unknown>;
}

export interface SlaReport {
  windowMinutes: number;
  maintenanceMinutes: number;
  unknownMinutes: number;
  eligibleMinutes: number;
  upMinutes: number;
  degradedMinutes: number;
  downMinutes: number;
  availability: number | null;
  outages: { start: string; end: string; minutes: number }[];
  longestOutageMinutes: number;
  mttrMinutes: number | null;
  mtbfMinutes: number | null;
  target: number;
  errorBudgetMinutes: number;
  budgetRemainingMinutes: number;
  budgetRemainingRatio: number | null;
}

export interface MonitorListParams {
  page: number;
  pageSize: number;
  sort?: { field: string; order: "asc" | "desc" } | undefined;
  q?: string | undefined;
  type?: MonitorType | undefined;
  state?: MonitorState | undefined;
  paused?: "true" | "false" | undefined;
  tag?: string | undefined;
  appId?: string | undefined;
}

const path = (id: string) => `/monitors/${encodeURIComponent(id)}`;

export const monitorApi = {
  list: (p: MonitorListParams) => {
    const query = pageQuery(p.page, p.pageSize);
    if (p.sort) {
      query.set("_sort", p.sort.field);
      query.set("_order", p.sort.order);
    }
    for (const key of ["q", "type", "state", "paused", "tag", "appId"] as const) {
      const value = p[key]?.trim();
      if (value) query.set(key, value);
    }
    return fetchPage<Monitor>("/monitors", query);
  },
  get: async (id: string) => (await apiRequest<Monitor>(path(id))).data,
  create: async (definition: Record<string, unknown>) =>
    (await apiRequest<Monitor>("/monitors", { method: "POST", body: definition })).data,
  update: async (monitor: Pick<Monitor, "id" | "version">, definition: Record<string, unknown>) =>
    (
      await apiRequest<Monitor>(path(monitor.id), {
        method: "PUT",
        body: definition,
        headers: ifMatch(monitor.version),
      })
    ).data,
  remove: (monitor: Pick<Monitor, "id" | "version">) =>
    apiRequest<void>(path(monitor.id), { method: "DELETE", headers: ifMatch(monitor.version) }),
  setPaused: async (monitor: Pick<Monitor, "id" | "version">, paused: boolean) =>
    (
      await apiRequest<Monitor>(`${path(monitor.id)}/${paused ? "pause" : "resume"}`, {
        method: "POST",
        headers: ifMatch(monitor.version),
      })
    ).data,
  /** A push monitor's new token (shown once; the old one stops working). */
  rotatePushToken: async (monitor: Pick<Monitor, "id" | "version">) =>
    (
      await apiRequest<{ token: string; path: string; version: number }>(`${path(monitor.id)}/push-token`, {
        method: "POST",
        headers: ifMatch(monitor.version),
      })
    ).data,
  testNow: async (id: string) => (await apiRequest<ProbeResult>(`${path(id)}/test`, { method: "POST" })).data,
  results: (id: string, range: { from: string; to: string }, page: number, pageSize: number) => {
    const query = pageQuery(page, pageSize);
    query.set("from", range.from);
    query.set("to", range.to);
    query.set("_sort", "at");
    query.set("_order", "desc");
    return fetchPage<MonitorResult>(`${path(id)}/results`, query);
  },
  exportResults: (id: string, range: { from: string; to: string }, format: "csv" | "xlsx") =>
    downloadFile(
      `${path(id)}/results/export`,
      new URLSearchParams({ from: range.from, to: range.to, format }),
      `monitor-results.${format}`,
    ),
  sla: async (id: string, range: { from: string; to: string }, target?: number) => {
    const query = new URLSearchParams({ from: range.from, to: range.to });
    if (target !== undefined) query.set("target", String(target));
    return (await apiRequest<SlaReport>(`${path(id)}/sla`, { query })).data;
  },
};

/** An app or platform service monitors belong to (`/monitor-apps`, migration 0018). */
export interface MonitorApp {
  id: string;
  name: string;
  kind: "app" | "platform";
  groupName: string | null;
  combineRule: "all" | "any";
  slaTarget: number;
  description: string;
  monitorCount: number;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedBy: string | null;
  updatedAt: string;
}

export type MonitorAppInput = Pick<
  MonitorApp,
  "name" | "kind" | "groupName" | "combineRule" | "slaTarget" | "description"
>;

/** The apps for pickers and names in lists: the first page of the largest size (the API caps it at 200). */
export async function allApps(): Promise<MonitorApp[]> {
  const query = pageQuery(1, 200);
  query.set("_sort", "name");
  query.set("_order", "asc");
  return (await fetchPage<MonitorApp>("/monitor-apps", query)).rows;
}

/** Monitors for pickers (dependencies, maintenance scope): by name, first 200. */
export async function allMonitors(): Promise<Monitor[]> {
  return (await monitorApi.list({ page: 1, pageSize: 200, sort: { field: "name", order: "asc" } })).rows;
}

const appPath = (id: string) => `/monitor-apps/${encodeURIComponent(id)}`;

export const appApi = {
  list: (page: number, pageSize: number, q?: string) => {
    const query = pageQuery(page, pageSize);
    query.set("_sort", "name");
    query.set("_order", "asc");
    if (q?.trim()) query.set("q", q.trim());
    return fetchPage<MonitorApp>("/monitor-apps", query);
  },
  create: async (body: MonitorAppInput) =>
    (await apiRequest<MonitorApp>("/monitor-apps", { method: "POST", body })).data,
  update: async (app: MonitorApp, body: MonitorAppInput) =>
    (await apiRequest<MonitorApp>(appPath(app.id), { method: "PUT", body, headers: ifMatch(app.version) })).data,
  remove: (app: MonitorApp) => apiRequest<void>(appPath(app.id), { method: "DELETE", headers: ifMatch(app.version) }),
};

/** A maintenance window (`/maintenance-windows`): a schedule applied to monitors and to apps' monitors. */
export interface MaintenanceWindowView {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  monitorIds: string[];
  appIds: string[];
  schedule: Schedule;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedBy: string | null;
  updatedAt: string;
}

export type MaintenanceInput = Pick<
  MaintenanceWindowView,
  "name" | "description" | "enabled" | "monitorIds" | "appIds" | "schedule"
>;

const windowPath = (id: string) => `/maintenance-windows/${encodeURIComponent(id)}`;

export const maintenanceApi = {
  list: (page: number, pageSize: number, q?: string) => {
    const query = pageQuery(page, pageSize);
    query.set("_sort", "name");
    query.set("_order", "asc");
    if (q?.trim()) query.set("q", q.trim());
    return fetchPage<MaintenanceWindowView>("/maintenance-windows", query);
  },
  create: async (body: MaintenanceInput) =>
    (await apiRequest<MaintenanceWindowView>("/maintenance-windows", { method: "POST", body })).data,
  update: async (w: MaintenanceWindowView, body: MaintenanceInput) =>
    (await apiRequest<MaintenanceWindowView>(windowPath(w.id), { method: "PUT", body, headers: ifMatch(w.version) }))
      .data,
  remove: (w: MaintenanceWindowView) =>
    apiRequest<void>(windowPath(w.id), { method: "DELETE", headers: ifMatch(w.version) }),
};

export interface Dependencies {
  monitorId: string;
  dependsOn: { id: string; name: string }[];
  dependents: { id: string; name: string }[];
}

export const dependencyApi = {
  get: async (id: string) => (await apiRequest<Dependencies>(`${path(id)}/dependencies`)).data,
  set: async (id: string, dependsOn: string[]) =>
    (await apiRequest<Dependencies>(`${path(id)}/dependencies`, { method: "PUT", body: { dependsOn } })).data,
};
