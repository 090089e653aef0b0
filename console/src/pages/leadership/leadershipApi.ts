import { apiRequest } from "../../api/http";
import type { Incident } from "../incidents/incidentApi";
import { GRADES, type Grade } from "../incidents/incidentModel";
import type { AppDaily } from "./leadershipModel";

/**
 * What the dashboard reads (docs/api.md, "SLA" and "Incidents"), all `read Sla` / `read Incident`: the
 * leadership viewer and the system administrator. Pages of at most 200 apps (the API's cap).
 */

export interface AppSla {
  app: { id: string; name: string; kind: "app" | "platform"; groupName: string | null };
  window: { start: string; end: string; timeZone: string };
  monitorCount: number;
  availability: number | null;
  target: number;
  eligibleMinutes: number;
  downMinutes: number;
  unknownMinutes: number;
  outages: number;
  errorBudgetMinutes: number;
  budgetRemainingMinutes: number;
  budgetRemainingRatio: number | null;
}

const MAX_APPS = 200;

const query = (values: Record<string, string>) => new URLSearchParams(values);

/** This calendar month, Beijing time, up to now. */
export async function fetchMonthSla(): Promise<{ apps: AppSla[]; total: number }> {
  const res = await apiRequest<AppSla[]>("/sla/apps", {
    query: query({ window: "month", tz: "Asia/Shanghai", _start: "0", _end: String(MAX_APPS), _order: "asc" }),
  });
  return { apps: res.data, total: Number(res.headers.get("x-total-count") ?? res.data.length) };
}

/** One bar per day over the last `days` days, per app. */
export async function fetchDaily(days = 90): Promise<AppDaily[]> {
  const res = await apiRequest<AppDaily[]>("/sla/daily", {
    query: query({ days: String(days), tz: "Asia/Shanghai", _start: "0", _end: String(MAX_APPS), _order: "asc" }),
  });
  return res.data;
}

export const OPEN_LIST_SIZE = 50;

/**
 * Open incidents (not yet resolved), soonest fix deadline first, and how many are open per grade: the counts
 * come from each grade's total, so they are right however long the list is.
 */
export async function fetchOpenIncidents(): Promise<{
  list: Incident[];
  total: number;
  byGrade: Record<Grade, number>;
}> {
  const [list, ...counts] = await Promise.all([
    apiRequest<Incident[]>("/incidents", {
      query: query({ open: "true", _sort: "fixBy", _order: "asc", _start: "0", _end: String(OPEN_LIST_SIZE) }),
    }),
    ...GRADES.map((grade) =>
      apiRequest<Incident[]>("/incidents", { query: query({ open: "true", grade, _start: "0", _end: "1" }) }),
    ),
  ]);
  const total = (res: { headers: Headers; data: unknown[] }) =>
    Number(res.headers.get("x-total-count") ?? res.data.length);
  const byGrade = Object.fromEntries(GRADES.map((g, i) => [g, counts[i] ? total(counts[i]) : 0])) as Record<
    Grade,
    number
  >;
  return { list: list.data, total: total(list), byGrade };
}
