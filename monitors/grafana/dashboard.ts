/**
 * The leadership dashboard as a Grafana JSON model (docs/monitors.md, "Grafana"): availability per
 * app, SLA against its target, incidents by grade, error budget left. Built here, in one place, and
 * written to monitors/grafana/dashboards/ for file provisioning (`npm run grafana:write`) or pushed
 * over Grafana's HTTP API (client.ts). The Prometheus series it reads are named in METRICS; the
 * /metrics endpoint must expose them under these names. Every API instance exports the same figures
 * (read from the database), so the queries take `max` across instances rather than summing them.
 */
export const METRICS = {
  /** 1 up (or degraded), 0 down, per monitor and app. */
  up: "tianshu_monitor_up",
  /** Availability over a window ("30d", "7d", "1d"), per app, 0–1. */
  availability: "tianshu_sla_availability_ratio",
  /** The app's availability target, 0–1. */
  target: "tianshu_sla_target_ratio",
  /** Error budget left in the current month, per app: 1 untouched, 0 spent, below 0 overspent. */
  budget: "tianshu_error_budget_remaining_ratio",
  /** Open incidents per grade (I–IV). */
  incidents: "tianshu_incidents_open",
} as const;

export const DASHBOARD_UID = "tianshu-leadership";
export const FOLDER_UID = "tianshu";
export const FOLDER_TITLE = "天枢 Tianshu";

const ds = { type: "prometheus", uid: "${datasource}" };

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { refId: string; expr: string; legendFormat?: string; instant?: boolean }[];
  [key: string]: unknown;
}

function panel(
  id: number,
  type: string,
  title: string,
  gridPos: Panel["gridPos"],
  targets: Panel["targets"],
  rest: Record<string, unknown> = {},
): Panel {
  return { id, type, title, gridPos, datasource: ds, targets, ...rest };
}

const percent = (decimals: number) => ({ defaults: { unit: "percentunit", decimals, min: 0, max: 1 }, overrides: [] });

export function leadershipDashboard(): Record<string, unknown> {
  return {
    uid: DASHBOARD_UID,
    title: "天枢 · 服务可用性总览 Availability overview",
    tags: ["tianshu", "sla"],
    timezone: "Asia/Shanghai",
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: "1m",
    time: { from: "now-30d", to: "now" },
    templating: {
      list: [
        { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus" },
        {
          name: "app",
          label: "应用 App",
          type: "query",
          datasource: ds,
          query: `label_values(${METRICS.availability}, app)`,
          includeAll: true,
          multi: true,
          current: { text: "All", value: "$__all" },
        },
      ],
    },
    panels: [
      panel(
        1,
        "stat",
        "30 天可用率 Availability, 30 days",
        { x: 0, y: 0, w: 24, h: 6 },
        [
          {
            refId: "A",
            expr: `max by (app) (${METRICS.availability}{window="30d", app=~"$app"})`,
            legendFormat: "{{app}}",
            instant: true,
          },
        ],
        {
          fieldConfig: {
            defaults: {
              unit: "percentunit",
              decimals: 3,
              thresholds: {
                mode: "absolute",
                steps: [
                  { color: "red", value: null },
                  { color: "orange", value: 0.99 },
                  { color: "green", value: 0.999 },
                ],
              },
            },
            overrides: [],
          },
          options: { colorMode: "background", graphMode: "none", reduceOptions: { calcs: ["lastNotNull"] } },
        },
      ),
      panel(
        2,
        "timeseries",
        "SLA 趋势与目标 SLA against target (daily)",
        { x: 0, y: 6, w: 16, h: 9 },
        [
          {
            refId: "A",
            expr: `max by (app) (${METRICS.availability}{window="1d", app=~"$app"})`,
            legendFormat: "{{app}}",
          },
          { refId: "B", expr: `min(${METRICS.target}{app=~"$app"})`, legendFormat: "目标 target" },
        ],
        { fieldConfig: percent(4) },
      ),
      panel(
        3,
        "bargauge",
        "未关闭事件（按等级）Open incidents by grade",
        { x: 16, y: 6, w: 8, h: 9 },
        [{ refId: "A", expr: `max by (grade) (${METRICS.incidents})`, legendFormat: "{{grade}} 级", instant: true }],
        { options: { orientation: "horizontal", displayMode: "basic" } },
      ),
      panel(
        4,
        "gauge",
        "本月剩余错误预算 Error budget left this month",
        { x: 0, y: 15, w: 24, h: 7 },
        [{ refId: "A", expr: `max by (app) (${METRICS.budget}{app=~"$app"})`, legendFormat: "{{app}}", instant: true }],
        {
          fieldConfig: {
            defaults: {
              unit: "percentunit",
              min: 0,
              max: 1,
              thresholds: {
                mode: "absolute",
                steps: [
                  { color: "red", value: null },
                  { color: "orange", value: 0.25 },
                  { color: "green", value: 0.5 },
                ],
              },
            },
            overrides: [],
          },
        },
      ),
    ],
  };
}
