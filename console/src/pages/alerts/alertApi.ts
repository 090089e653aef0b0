import { apiRequest } from "../../api/http";
import { fetchPage, ifMatch, pageQuery } from "../../api/paging";
import type { AlertCategory, Severity } from "./alertModel";

/** Warning rules, alerts and silences (docs/api.md, "Alerts"). Rules and silences carry If-Match versions. */

export interface AlertRuleInput {
  name: string;
  description: string;
  category: AlertCategory;
  params: Record<string, unknown>;
  severity: Severity;
  channelIds: string[];
  incidentGrade: "I" | "II" | "III" | "IV" | null;
  enabled: boolean;
}

export interface AlertRule extends AlertRuleInput {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface Alert {
  id: string;
  ruleId: string | null;
  ruleName: string;
  category: string;
  labels: Record<string, string>;
  severity: Severity;
  state: "firing" | "acknowledged" | "resolved";
  summary: string;
  summaryZh: string;
  value: number | null;
  firstSeen: string;
  lastSeen: string;
  count: number;
  rootMonitorId: string | null;
  dependents: string[];
  silenced: boolean;
  incidentId: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  resolvedReason: "cleared" | "manual" | "rule-disabled" | "rule-deleted" | null;
}

export interface Matcher {
  label: string;
  value: string;
  regex: boolean;
  negate: boolean;
}

export interface SilenceInput {
  matchers: Matcher[];
  startsAt?: string;
  endsAt: string;
  comment: string;
}

export interface Silence extends SilenceInput {
  id: string;
  startsAt: string;
  active: boolean;
  version: number;
  createdAt: string;
}

export const ALERTS_PATH = "/alerts";
export const RULES_PATH = "/alert-rules";
export const SILENCES_PATH = "/alert-silences";

export const alertApi = {
  alerts: (page: number, pageSize: number, filters: { state?: string; severity?: string; category?: string }) =>
    fetchPage<Alert>(ALERTS_PATH, pageQuery(page, pageSize, { sort: "firstSeen", order: "desc", filters })),
  acknowledge: (alert: Alert) => apiRequest<Alert>(`${ALERTS_PATH}/${alert.id}/acknowledge`, { method: "POST" }),
  resolve: (alert: Alert) => apiRequest<Alert>(`${ALERTS_PATH}/${alert.id}/resolve`, { method: "POST" }),

  rules: (page: number, pageSize: number, filters: { category?: string }) =>
    fetchPage<AlertRule>(RULES_PATH, pageQuery(page, pageSize, { sort: "name", order: "asc", filters })),
  createRule: (body: AlertRuleInput) => apiRequest<AlertRule>(RULES_PATH, { method: "POST", body }).then((r) => r.data),
  updateRule: (rule: AlertRule, body: AlertRuleInput) =>
    apiRequest<AlertRule>(`${RULES_PATH}/${rule.id}`, { method: "PUT", body, headers: ifMatch(rule.version) }).then(
      (r) => r.data,
    ),
  removeRule: (rule: AlertRule) =>
    apiRequest<void>(`${RULES_PATH}/${rule.id}`, { method: "DELETE", headers: ifMatch(rule.version) }),

  silences: (page: number, pageSize: number) =>
    fetchPage<Silence>(SILENCES_PATH, pageQuery(page, pageSize, { sort: "endsAt", order: "desc" })),
  createSilence: (body: SilenceInput) =>
    apiRequest<Silence>(SILENCES_PATH, { method: "POST", body }).then((r) => r.data),
  updateSilence: (silence: Silence, body: SilenceInput) =>
    apiRequest<Silence>(`${SILENCES_PATH}/${silence.id}`, {
      method: "PUT",
      body,
      headers: ifMatch(silence.version),
    }).then((r) => r.data),
  removeSilence: (silence: Silence) =>
    apiRequest<void>(`${SILENCES_PATH}/${silence.id}`, { method: "DELETE", headers: ifMatch(silence.version) }),
};

/** Names for monitor ids (root causes, dependents, rule selectors): the first 200 monitors by name. */
export interface MonitorRef {
  id: string;
  name: string;
}
export const monitorRefs = () =>
  fetchPage<MonitorRef>("/monitors", pageQuery(1, 200, { sort: "name", order: "asc" })).then((r) => r.rows);
export const appRefs = () =>
  fetchPage<MonitorRef>("/monitor-apps", pageQuery(1, 200, { sort: "name", order: "asc" })).then((r) => r.rows);
