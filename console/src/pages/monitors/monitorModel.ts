import { calendarWindow } from "../../../../monitors/windows";
import { DISPLAY_TIME_ZONE } from "../../time";
import type { DisplayState, Monitor, MonitorType } from "./monitorApi";

/**
 * The monitor form as flat fields, and the definition the API takes (monitors/config.ts). Pure, so the
 * conversion both ways is unit-tested; the server validates again and names any field it refuses.
 */
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export const DNS_RECORD_TYPES = ["A", "AAAA", "CNAME", "MX", "TXT"] as const;
export const JSON_PATH_OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "contains"] as const;
export const MIN_INTERVAL_SECONDS = 10;
/** What the API returns in place of a stored credential; sending it back keeps the stored value. */
export const SECRET_MASK = "******";

export interface HeaderRow {
  name?: string;
  value?: string;
}

export interface MonitorFormValues {
  type: MonitorType;
  name: string;
  intervalSeconds: number;
  tags?: string[];
  owner?: string | null;
  appId?: string | null;
  timeoutMs?: number | null;
  retries?: number | null;
  retryDelayMs?: number | null;
  degradedAfterMs?: number | null;
  // http
  url?: string;
  method?: (typeof HTTP_METHODS)[number];
  headers?: HeaderRow[];
  body?: string;
  maxRedirects?: number | null;
  acceptStatus?: string[];
  keywordValue?: string;
  keywordAbsent?: boolean;
  keywordIgnoreCase?: boolean;
  jsonPath?: string;
  jsonPathOp?: (typeof JSON_PATH_OPERATORS)[number];
  jsonPathValue?: string;
  tlsExpiryDays?: number | null;
  ignoreTls?: boolean;
  ca?: string;
  // tcp
  host?: string;
  port?: number | null;
  // dns
  hostname?: string;
  recordType?: (typeof DNS_RECORD_TYPES)[number];
  server?: string;
  // dns, postgres
  expected?: string;
  // postgres
  connectionString?: string;
  query?: string;
  // push
  graceSeconds?: number | null;
}

export const DEFAULT_FORM: MonitorFormValues = {
  type: "http",
  name: "",
  intervalSeconds: 60,
  tags: [],
  timeoutMs: 5000,
  retries: 0,
  retryDelayMs: 1000,
  method: "GET",
  headers: [],
  maxRedirects: 5,
  acceptStatus: ["200-299"],
  recordType: "A",
  query: "SELECT 1",
  graceSeconds: 0,
  jsonPathOp: "==",
};

const text = (v: string | undefined | null) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
const num = (v: number | undefined | null) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** A JSON path's expected value as typed: a number, true/false/null, or else the text itself. */
export function parseScalar(raw: string): string | number | boolean | null {
  const t = raw.trim();
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "null") return null;
  if (t !== "" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  return raw;
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** The definition the API takes, from the form (empty optional fields left out so defaults apply). */
export function toDefinition(v: MonitorFormValues): Record<string, unknown> {
  const common = {
    type: v.type,
    name: v.name.trim(),
    intervalSeconds: v.intervalSeconds,
    tags: (v.tags ?? []).map((t) => t.trim()).filter(Boolean),
    owner: text(v.owner),
    appId: text(v.appId),
  };
  if (v.type === "push") return compact({ ...common, graceSeconds: num(v.graceSeconds) });
  const active = {
    ...common,
    timeoutMs: num(v.timeoutMs),
    retries: num(v.retries),
    retryDelayMs: num(v.retryDelayMs),
    degradedAfterMs: num(v.degradedAfterMs),
  };
  switch (v.type) {
    case "http": {
      const headers = Object.fromEntries(
        (v.headers ?? []).filter((h) => text(h.name)).map((h) => [h.name!.trim(), h.value ?? ""]),
      );
      const keyword = text(v.keywordValue);
      const jsonPath = text(v.jsonPath);
      return compact({
        ...active,
        url: text(v.url) ?? "",
        method: v.method ?? "GET",
        headers,
        body: v.method === "GET" || v.method === "HEAD" ? undefined : v.body || undefined,
        maxRedirects: num(v.maxRedirects),
        acceptStatus: v.acceptStatus?.length ? v.acceptStatus.map((s) => s.trim()) : undefined,
        keyword: keyword
          ? { value: v.keywordValue, present: !v.keywordAbsent, caseSensitive: !v.keywordIgnoreCase }
          : undefined,
        jsonPath: jsonPath
          ? { path: jsonPath, op: v.jsonPathOp ?? "==", value: parseScalar(v.jsonPathValue ?? "") }
          : undefined,
        tlsExpiryDays: num(v.tlsExpiryDays),
        ignoreTls: v.ignoreTls ?? false,
        ca: text(v.ca),
      });
    }
    case "tcp":
      return compact({ ...active, host: text(v.host) ?? "", port: num(v.port) });
    case "dns":
      return compact({
        ...active,
        hostname: text(v.hostname) ?? "",
        recordType: v.recordType ?? "A",
        server: text(v.server),
        expected: text(v.expected),
      });
    case "postgres":
      return compact({
        ...active,
        connectionString: text(v.connectionString) ?? "",
        query: text(v.query),
        expected: v.expected ? v.expected : undefined,
      });
  }
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);
const int = (v: unknown) => (typeof v === "number" ? v : undefined);

/** The form's fields from a stored definition (credentials stay masked: the server keeps them). */
export function fromDefinition(type: MonitorType, d: Record<string, unknown>): MonitorFormValues {
  const keyword = d.keyword as { value?: string; present?: boolean; caseSensitive?: boolean } | undefined;
  const jsonPath = d.jsonPath as { path?: string; op?: MonitorFormValues["jsonPathOp"]; value?: unknown } | undefined;
  const headers = (d.headers ?? {}) as Record<string, string>;
  return {
    ...DEFAULT_FORM,
    type,
    name: str(d.name) ?? "",
    intervalSeconds: int(d.intervalSeconds) ?? 60,
    tags: Array.isArray(d.tags) ? (d.tags as string[]) : [],
    owner: str(d.owner),
    appId: str(d.appId),
    timeoutMs: int(d.timeoutMs) ?? null,
    retries: int(d.retries) ?? null,
    retryDelayMs: int(d.retryDelayMs) ?? null,
    degradedAfterMs: int(d.degradedAfterMs) ?? null,
    url: str(d.url),
    method: (str(d.method) as MonitorFormValues["method"]) ?? "GET",
    headers: Object.entries(headers).map(([name, value]) => ({ name, value })),
    body: str(d.body),
    maxRedirects: int(d.maxRedirects) ?? null,
    acceptStatus: Array.isArray(d.acceptStatus) ? (d.acceptStatus as string[]) : ["200-299"],
    keywordValue: keyword?.value,
    keywordAbsent: keyword ? keyword.present === false : false,
    keywordIgnoreCase: keyword ? keyword.caseSensitive === false : false,
    jsonPath: jsonPath?.path,
    jsonPathOp: jsonPath?.op ?? "==",
    jsonPathValue: jsonPath
      ? typeof jsonPath.value === "string"
        ? jsonPath.value
        : JSON.stringify(jsonPath.value)
      : "",
    tlsExpiryDays: int(d.tlsExpiryDays) ?? null,
    ignoreTls: d.ignoreTls === true,
    ca: str(d.ca),
    host: str(d.host),
    port: int(d.port) ?? null,
    hostname: str(d.hostname),
    recordType: (str(d.recordType) as MonitorFormValues["recordType"]) ?? "A",
    server: str(d.server),
    expected: str(d.expected),
    connectionString: str(d.connectionString),
    query: str(d.query) ?? "SELECT 1",
    graceSeconds: int(d.graceSeconds) ?? 0,
  };
}

/** What a monitor watches, in one line. */
export function targetOf(m: Pick<Monitor, "type" | "definition">): string {
  const d = m.definition;
  switch (m.type) {
    case "http":
      return `${str(d.method) ?? "GET"} ${str(d.url) ?? ""}`;
    case "tcp":
      return `${str(d.host) ?? ""}:${int(d.port) ?? ""}`;
    case "dns":
      return `${str(d.recordType) ?? "A"} ${str(d.hostname) ?? ""}${d.server ? ` @${str(d.server)}` : ""}`;
    case "postgres":
      return str(d.connectionString) ?? "";
    case "push":
      return "";
  }
}

export function displayState(m: Pick<Monitor, "paused" | "status">): DisplayState {
  return m.paused ? "paused" : (m.status?.state ?? "unknown");
}

export const STATE_COLOR: Record<DisplayState, string> = {
  up: "success",
  degraded: "warning",
  down: "error",
  unknown: "default",
  paused: "default",
};

/** Calendar windows for the SLA, as in monitors/windows.ts: wall-clock midnights in Beijing time. */
export const SLA_PERIODS = ["day", "week", "month", "quarter", "year"] as const;
export type SlaPeriod = (typeof SLA_PERIODS)[number];

/** The current calendar period containing `now` (week: ISO, Monday first), up to now: the server's own rule. */
export function periodRange(period: SlaPeriod, now: Date = new Date()): { from: string; to: string } {
  const { start } = calendarWindow(period, now.getTime(), DISPLAY_TIME_ZONE);
  const to = now.getTime() > start ? now.getTime() : start + 1000;
  return { from: new Date(start).toISOString(), to: new Date(to).toISOString() };
}

/** 0.99912 → "99.912%"; null (nothing eligible) → "—". */
export function percent(ratio: number | null | undefined, digits = 3): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "—";
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** Minutes as "2 h 5 min" style parts (units given by the caller's language). */
export function minutesText(minutes: number | null | undefined, units: { h: string; min: string }): string {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return "—";
  const sign = minutes < 0 ? "-" : "";
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = Math.round((abs - h * 60) * 10) / 10;
  return h > 0 ? `${sign}${h} ${units.h} ${m} ${units.min}` : `${sign}${m} ${units.min}`;
}
