import { apiRequest } from "../../api/http";
import { fetchPage, ifMatch, pageQuery } from "../../api/paging";
import type { Grade, GradeDeadlines, IncidentState } from "./incidentModel";

/** The incidents API (docs/api.md, "Incidents"): list, detail with timeline, transitions with If-Match. */

export interface Review {
  impact: string;
  affectedShare: number;
  rootCause: string;
  actions: string[];
}

export interface Incident {
  id: string;
  number: string;
  title: string;
  description: string;
  grade: Grade;
  state: IncidentState;
  openedAt: string;
  acknowledgedAt: string | null;
  mitigatedAt: string | null;
  resolvedAt: string | null;
  closedAt: string | null;
  respondBy: string;
  fixBy: string;
  /** breached: missed by now under the current grade; markedAt: when the deadline job recorded it. */
  respond: Breach;
  fix: Breach;
  alertId: string | null;
  monitorId: string | null;
  contacts: Contact[];
  escalationLevel: number;
  review: Partial<Review> | null;
  version: number;
  updatedAt: string;
}

/** An escalation contact: a user (a console message) or a notification channel. */
export interface Contact {
  kind: "user" | "channel";
  id: string;
}

export interface Breach {
  breached: boolean;
  markedAt: string | null;
}

export interface IncidentEvent {
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

export interface IncidentDetail extends Incident {
  timeline: IncidentEvent[];
}

export interface GradeStatsRow {
  grade: Grade;
  incidents: number;
  mttaMinutes: number | null;
  mttrMinutes: number | null;
  respondOnTime: number | null;
  fixOnTime: number | null;
}

export interface IncidentSettings {
  deadlines: Record<Grade, GradeDeadlines>;
  /** true while the defaults apply (version 0). */
  isDefault: boolean;
  version: number;
  updatedAt: string | null;
}

export interface IncidentFilter {
  state?: IncidentState | "active";
  grade?: Grade;
  /** Part of the title or number. */
  q?: string;
}

export const incidentApi = {
  list: async (page: number, pageSize: number, filter: IncidentFilter) => {
    const query = pageQuery(page, pageSize, { sort: "openedAt", order: "desc" });
    if (filter.state === "active") query.set("open", "true");
    else if (filter.state) query.set("state", filter.state);
    if (filter.grade) query.set("grade", filter.grade);
    if (filter.q) query.set("q", filter.q);
    return fetchPage<Incident>("/incidents", query);
  },
  get: (id: string) => apiRequest<IncidentDetail>(`/incidents/${id}`).then((r) => r.data),
  create: (body: { title: string; grade: Grade; description?: string }) =>
    apiRequest<Incident>("/incidents", { method: "POST", body }).then((r) => r.data),
  transition: (incident: Incident, action: "acknowledge" | "mitigate" | "resolve" | "reopen", note?: string) =>
    apiRequest<Incident>(`/incidents/${incident.id}/${action}`, {
      method: "POST",
      body: note ? { note } : {},
      headers: ifMatch(incident.version),
    }).then((r) => r.data),
  close: (incident: Incident, review: Review) =>
    apiRequest<Incident>(`/incidents/${incident.id}/close`, {
      method: "POST",
      body: { review },
      headers: ifMatch(incident.version),
    }).then((r) => r.data),
  regrade: (incident: Incident, grade: Grade, reason: string) =>
    apiRequest<Incident>(`/incidents/${incident.id}/regrade`, {
      method: "POST",
      body: { grade, reason },
      headers: ifMatch(incident.version),
    }).then((r) => r.data),
  setContacts: (incident: Incident, contacts: Contact[]) =>
    apiRequest<IncidentDetail>(`/incidents/${incident.id}/contacts`, {
      method: "PUT",
      body: { contacts },
      headers: ifMatch(incident.version),
    }).then((r) => r.data),
  comment: (incident: Incident, text: string) =>
    apiRequest<unknown>(`/incidents/${incident.id}/comments`, { method: "POST", body: { text } }),
  stats: (from: Date, to: Date) =>
    apiRequest<{ from: string; to: string; grades: GradeStatsRow[] }>("/incidents/stats", {
      query: new URLSearchParams({ from: from.toISOString(), to: to.toISOString() }),
    }).then((r) => r.data.grades),
  settings: () => apiRequest<IncidentSettings>("/incident-settings").then((r) => r.data),
  saveSettings: (current: IncidentSettings, deadlines: Record<Grade, GradeDeadlines>) =>
    apiRequest<IncidentSettings>("/incident-settings", {
      method: "PUT",
      body: { deadlines },
      headers: ifMatch(current.version),
    }).then((r) => r.data),
};
