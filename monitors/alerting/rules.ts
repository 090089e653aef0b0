/**
 * Warning rules (预警规则, docs/monitors.md "Alerts"): what each category watches and its parameters,
 * bounded. The API validates a rule's body with these schemas (field errors in English and Chinese
 * come from api/src/http/zod-messages.ts); the evaluator (evaluator.ts) re-parses the stored document
 * so defaults added later apply to old rules.
 */
import { z } from "zod";
import { BURN_RATE_RULES } from "../sla";

export const ALERT_CATEGORIES = ["monitor_state", "latency", "burn_rate", "cert_expiry", "signal"] as const;
export type AlertCategory = (typeof ALERT_CATEGORIES)[number];
export const ALERT_SEVERITIES = ["critical", "warning", "info"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const INCIDENT_GRADES = ["I", "II", "III", "IV"] as const;

/** A signal's name: letters, digits and `_ . : -` (what apps send and rules name). */
export const SIGNAL_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * Which monitors a rule watches: those listed, carrying one of the tags, or of one of the apps (any
 * of them selects). Nothing given selects every monitor. Paused monitors are never watched.
 */
export const MonitorSelector = z
  .strictObject({
    monitorIds: z.array(z.uuid()).max(200).optional(),
    tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
    appIds: z.array(z.uuid()).max(50).optional(),
  })
  .describe("Monitors by id, tag or app (any matches); empty selects every monitor");
export type MonitorSelector = z.infer<typeof MonitorSelector>;

const selector = MonitorSelector.prefault({});

export const MonitorStateParams = z.strictObject({
  selector,
  forChecks: z.number().int().min(1).max(100).default(1).describe("Down for at least this many checks in a row"),
  forMinutes: z.number().int().min(0).max(1440).default(0).describe("…and for at least this many minutes"),
});

export const LatencyParams = z.strictObject({
  selector,
  percentile: z.union([z.literal(50), z.literal(95), z.literal(99)]).default(95),
  windowMinutes: z.number().int().min(1).max(1440).default(5),
  thresholdMs: z.number().int().min(1).max(600_000),
  minSamples: z.number().int().min(1).max(10_000).default(3).describe("Fewer answers in the window judge nothing"),
});

const BurnWindow = z
  .strictObject({
    burnRate: z.number().min(0.1).max(1000),
    longMinutes: z.number().int().min(1).max(43_200),
    shortMinutes: z.number().int().min(1).max(43_200),
  })
  .refine((w) => w.shortMinutes < w.longMinutes, {
    message: "shortMinutes must be below longMinutes",
    path: ["shortMinutes"],
  });

/** The SRE workbook's pairs (sla.ts BURN_RATE_RULES): 14.4× 1 h & 5 min, 6× 6 h & 30 min, 1× 3 d & 6 h. */
export const DEFAULT_BURN_WINDOWS = BURN_RATE_RULES.map((r) => ({
  burnRate: r.burnRate,
  longMinutes: r.longMs / 60_000,
  shortMinutes: r.shortMs / 60_000,
}));

export const BurnRateParams = z.strictObject({
  selector,
  target: z.number().min(0.5).max(0.99999).default(0.999),
  windows: z
    .array(BurnWindow)
    .min(1)
    .max(6)
    .default(() => DEFAULT_BURN_WINDOWS.map((w) => ({ ...w }))),
});

export const CertExpiryParams = z.strictObject({
  selector,
  daysLeft: z
    .number()
    .int()
    .min(0)
    .max(365)
    .default(14)
    .describe("Fires when the certificate has this many days left or fewer"),
});

export const SignalParams = z.strictObject({
  signal: z.string().regex(SIGNAL_NAME).describe("The signal's name, as apps push it"),
  threshold: z.number().int().min(1).max(1_000_000_000).describe("Fires when a key has MORE than this in the window"),
  windowMinutes: z.number().int().min(1).max(1440),
});

export const PARAMS_BY_CATEGORY = {
  monitor_state: MonitorStateParams,
  latency: LatencyParams,
  burn_rate: BurnRateParams,
  cert_expiry: CertExpiryParams,
  signal: SignalParams,
} as const;

export type RuleParams = {
  monitor_state: z.infer<typeof MonitorStateParams>;
  latency: z.infer<typeof LatencyParams>;
  burn_rate: z.infer<typeof BurnRateParams>;
  cert_expiry: z.infer<typeof CertExpiryParams>;
  signal: z.infer<typeof SignalParams>;
};

export type ParsedRule = {
  [C in AlertCategory]: { category: C; params: RuleParams[C] };
}[AlertCategory];

/** A stored rule's parameters with their defaults; null when the document no longer validates. */
export function parseRuleParams(category: AlertCategory, params: unknown): ParsedRule | null {
  const parsed = PARAMS_BY_CATEGORY[category].safeParse(params);
  return parsed.success ? ({ category, params: parsed.data } as ParsedRule) : null;
}

/** The monitor facts a selector looks at. */
export interface SelectableMonitor {
  id: string;
  tags: readonly string[];
  appId: string | null;
}

export function selects(s: MonitorSelector, m: SelectableMonitor): boolean {
  const any = (s.monitorIds?.length ?? 0) + (s.tags?.length ?? 0) + (s.appIds?.length ?? 0) > 0;
  if (!any) return true;
  return (
    (s.monitorIds?.includes(m.id) ?? false) ||
    (s.tags?.some((t) => m.tags.includes(t)) ?? false) ||
    (m.appId !== null && (s.appIds?.includes(m.appId) ?? false))
  );
}
