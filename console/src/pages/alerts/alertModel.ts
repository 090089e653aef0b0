import { BURN_RATE_RULES } from "../../../../monitors/sla";

/**
 * The console's side of the warning rules (monitors/alerting/rules.ts, which needs zod and stays out of the
 * bundle): the categories, severities and bounds the forms offer. alertModel.test.ts holds them equal to the
 * server's schemas, so a change there fails the test rather than the form.
 */
export const ALERT_CATEGORIES = ["monitor_state", "latency", "burn_rate", "cert_expiry", "signal"] as const;
export type AlertCategory = (typeof ALERT_CATEGORIES)[number];
export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_COLOR: Record<Severity, string> = { critical: "red", warning: "orange", info: "blue" };
export const ALERT_STATE_COLOR = { firing: "red", acknowledged: "orange", resolved: "green" } as const;
export const SIGNAL_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
export const MATCHER_LABEL = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;
/** The labels alerts carry (api/src/alerts/schemas.ts), offered in the silence editor. */
export const KNOWN_LABELS = ["rule", "category", "severity", "monitor", "monitor_name", "app", "tags", "signal", "key"];

/** The SRE workbook's pairs, from the server's SLA module: 14.4× 1 h & 5 min, 6× 6 h & 30 min, 1× 3 d & 6 h. */
export const DEFAULT_BURN_WINDOWS = BURN_RATE_RULES.map((r) => ({
  burnRate: r.burnRate,
  longMinutes: r.longMs / 60_000,
  shortMinutes: r.shortMs / 60_000,
}));

/** Each category's parameters with the server's defaults, what a new rule's form starts from. */
export function defaultParams(category: AlertCategory): Record<string, unknown> {
  switch (category) {
    case "monitor_state":
      return { selector: {}, forChecks: 1, forMinutes: 0 };
    case "latency":
      return { selector: {}, percentile: 95, windowMinutes: 5, thresholdMs: 1000, minSamples: 3 };
    case "burn_rate":
      return { selector: {}, target: 0.999, windows: DEFAULT_BURN_WINDOWS.map((w) => ({ ...w })) };
    case "cert_expiry":
      return { selector: {}, daysLeft: 14 };
    case "signal":
      return { signal: "", threshold: 100, windowMinutes: 60 };
  }
}

export function usesSelector(category: AlertCategory): boolean {
  return category !== "signal";
}

/** A selector with its empty lists dropped (empty selects every monitor, and the server bounds each list). */
export function cleanSelector(selector: { monitorIds?: string[]; tags?: string[]; appIds?: string[] } | undefined) {
  const out: Record<string, string[]> = {};
  for (const key of ["monitorIds", "tags", "appIds"] as const) {
    const list = (selector?.[key] ?? []).map((v) => v.trim()).filter(Boolean);
    if (list.length > 0) out[key] = list;
  }
  return out;
}

/** The params a category sends: only its own fields (the server's objects are strict). */
export function paramsForCategory(category: AlertCategory, values: Record<string, unknown>): Record<string, unknown> {
  const pick = (...keys: string[]) =>
    Object.fromEntries(keys.filter((k) => values[k] !== undefined).map((k) => [k, values[k]]));
  const selector = cleanSelector(values.selector as never);
  switch (category) {
    case "monitor_state":
      return { selector, ...pick("forChecks", "forMinutes") };
    case "latency":
      return { selector, ...pick("percentile", "windowMinutes", "thresholdMs", "minSamples") };
    case "burn_rate":
      return { selector, ...pick("target", "windows") };
    case "cert_expiry":
      return { selector, ...pick("daysLeft") };
    case "signal":
      return { ...pick("threshold", "windowMinutes"), signal: String(values.signal ?? "").trim() };
  }
}

/** The values a rule's summary is filled with (alerts.rules.summaries.<category>). */
export function summaryValues(category: AlertCategory, params: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...defaultParams(category), ...params };
  if (category === "burn_rate") {
    const target = Number(merged.target);
    return { target: `${Math.round(target * 100_000) / 1000}%`, windows: (merged.windows as unknown[]).length };
  }
  return merged;
}

/** A matcher as people read it: `app = 门户`, `monitor_name =~ db-.*`, `severity != info`. */
export type MatcherOp = "eq" | "ne" | "re" | "nre";
export const MATCHER_OPS: readonly MatcherOp[] = ["eq", "ne", "re", "nre"];
const OP_SYMBOL: Record<MatcherOp, string> = { eq: "=", ne: "!=", re: "=~", nre: "!~" };

export function opOf(m: { regex: boolean; negate: boolean }): MatcherOp {
  return m.regex ? (m.negate ? "nre" : "re") : m.negate ? "ne" : "eq";
}

export function matcherOf(label: string, op: MatcherOp, value: string) {
  return { label: label.trim(), value, regex: op === "re" || op === "nre", negate: op === "ne" || op === "nre" };
}

export function matcherText(m: { label: string; value: string; regex: boolean; negate: boolean }): string {
  return `${m.label} ${OP_SYMBOL[opOf(m)]} ${m.value}`;
}

/** The server refuses a silence whose matchers all negate: it would hide everything else. */
export function hasSelectingMatcher(matchers: readonly { negate: boolean }[]): boolean {
  return matchers.some((m) => !m.negate);
}

export function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(`^(?:${pattern})$`);
    return true;
  } catch {
    return false;
  }
}

export type SilenceState = "active" | "pending" | "expired";

/** The server's `active` decides (its clock); the browser's only tells a future silence from an ended one. */
export function silenceState(s: { startsAt: string; endsAt: string; active?: boolean }, now: number): SilenceState {
  if (s.active) return "active";
  if (now < Date.parse(s.startsAt)) return "pending";
  return now < Date.parse(s.endsAt) && s.active === undefined ? "active" : "expired";
}
