import {
  ALERT_CATEGORIES,
  ALERT_SEVERITIES,
  BurnRateParams,
  CertExpiryParams,
  INCIDENT_GRADES,
  LatencyParams,
  MonitorStateParams,
  SIGNAL_NAME,
  SignalParams,
} from "../../../monitors/alerting/rules";
import { listQuery } from "../http/list";
import { z } from "../http/zod";

/**
 * Warning rules, alerts, silences and signals on the wire (docs/monitors.md, "Alerts" and "Warning
 * rules on business signals"). A rule's params are checked per category here (monitors/alerting/rules.ts),
 * so their field errors come as body.params.<field> in English and Chinese.
 */
const Uuid = z.uuid();
const Instant = z.iso.datetime({ offset: true }).describe("ISO 8601");
const Severity = z.enum(ALERT_SEVERITIES);
const STATES = ["firing", "acknowledged", "resolved"] as const;

const ruleCommon = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(1000).default(""),
  severity: Severity,
  channelIds: z.array(Uuid).max(20).default([]).describe("Notification channels (notification_channels)"),
  incidentGrade: z
    .enum(INCIDENT_GRADES)
    .nullable()
    .default(null)
    .describe("Open an incident of this grade when an alert starts firing"),
  enabled: z.boolean().default(true),
};

export const AlertRuleBody = z
  .discriminatedUnion("category", [
    z.strictObject({ ...ruleCommon, category: z.literal("monitor_state"), params: MonitorStateParams }),
    z.strictObject({ ...ruleCommon, category: z.literal("latency"), params: LatencyParams }),
    z.strictObject({ ...ruleCommon, category: z.literal("burn_rate"), params: BurnRateParams.prefault({}) }),
    z.strictObject({ ...ruleCommon, category: z.literal("cert_expiry"), params: CertExpiryParams.prefault({}) }),
    z.strictObject({ ...ruleCommon, category: z.literal("signal"), params: SignalParams }),
  ])
  .openapi("AlertRuleInput");
export type AlertRuleBody = z.output<typeof AlertRuleBody>;

export const AlertRuleSchema = z
  .strictObject({
    id: Uuid,
    name: z.string(),
    description: z.string(),
    category: z.enum(ALERT_CATEGORIES),
    params: z.record(z.string(), z.unknown()),
    severity: Severity,
    channelIds: z.array(Uuid),
    incidentGrade: z.enum(INCIDENT_GRADES).nullable(),
    enabled: z.boolean(),
    version: z.number().int(),
    createdBy: Uuid.nullable(),
    createdAt: Instant,
    updatedBy: Uuid.nullable(),
    updatedAt: Instant,
  })
  .openapi("AlertRule");

export const RULE_SORTABLE = ["name", "category", "severity", "createdAt", "updatedAt"] as const;
export const AlertRuleListQuery = listQuery(RULE_SORTABLE, "name").extend({
  q: z.string().trim().max(100).optional().describe("Part of the name"),
  category: z.enum(ALERT_CATEGORIES).optional(),
  severity: Severity.optional(),
  enabled: z.enum(["true", "false"]).optional(),
});

export const IdParams = z.strictObject({ id: Uuid });

export const AlertSchema = z
  .strictObject({
    id: Uuid,
    ruleId: Uuid.nullable().describe("null once the rule is deleted"),
    ruleName: z.string(),
    category: z.string(),
    fingerprint: z.string(),
    labels: z.record(z.string(), z.string()),
    severity: Severity,
    state: z.enum(STATES),
    summary: z.string(),
    summaryZh: z.string(),
    value: z.number().nullable(),
    firstSeen: Instant,
    lastSeen: Instant,
    count: z.number().int(),
    rootMonitorId: Uuid.nullable().describe("The failed monitor this alert stands for"),
    dependents: z.array(Uuid).describe("Failing monitors grouped under the root cause"),
    silenced: z.boolean().describe("Silenced when it started firing: nothing was notified"),
    incidentId: Uuid.nullable(),
    acknowledgedBy: Uuid.nullable(),
    acknowledgedAt: Instant.nullable(),
    resolvedAt: Instant.nullable(),
    resolvedBy: Uuid.nullable(),
    resolvedReason: z.enum(["cleared", "manual", "rule-disabled", "rule-deleted"]).nullable(),
  })
  .openapi("Alert");

export const ALERT_SORTABLE = ["firstSeen", "lastSeen", "severity", "state"] as const;
export const AlertListQuery = listQuery(ALERT_SORTABLE, "firstSeen").extend({
  state: z
    .enum([...STATES, "open"])
    .optional()
    .describe("open: firing or acknowledged"),
  severity: Severity.optional(),
  ruleId: Uuid.optional(),
  category: z.enum(ALERT_CATEGORIES).optional(),
  monitorId: Uuid.optional().describe("Alerts for this monitor, as root cause or grouped dependent"),
});

const Matcher = z.strictObject({
  label: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,49}$/)
    .describe("rule, category, severity, monitor, monitor_name, app, tags, signal, key"),
  value: z.string().max(500),
  regex: z.boolean().default(false).describe("value is a whole-value regular expression"),
  negate: z.boolean().default(false),
});

export const SilenceBody = z
  .strictObject({
    matchers: z.array(Matcher).min(1).max(20),
    startsAt: Instant.optional().describe("Default: now"),
    endsAt: Instant,
    comment: z.string().max(1000).default(""),
  })
  .openapi("AlertSilenceInput");
export type SilenceBody = z.output<typeof SilenceBody>;

export const SilenceSchema = z
  .strictObject({
    id: Uuid,
    matchers: z.array(
      z.strictObject({ label: z.string(), value: z.string(), regex: z.boolean(), negate: z.boolean() }),
    ),
    startsAt: Instant,
    endsAt: Instant,
    comment: z.string(),
    active: z.boolean(),
    version: z.number().int(),
    createdBy: Uuid.nullable(),
    createdAt: Instant,
    updatedBy: Uuid.nullable(),
    updatedAt: Instant,
  })
  .openapi("AlertSilence");

export const SILENCE_SORTABLE = ["startsAt", "endsAt", "createdAt"] as const;
export const SilenceListQuery = listQuery(SILENCE_SORTABLE, "endsAt").extend({
  active: z.enum(["true", "false"]).optional().describe("true: in force now; false: ended or not started"),
});

export const MAX_SIGNALS = 1000;
export const SignalsBody = z
  .strictObject({
    signals: z
      .array(
        z.strictObject({
          name: z.string().regex(SIGNAL_NAME).describe("e.g. permit.submitted"),
          key: z.string().min(1).max(200).describe("What the rule groups by, e.g. the applicant's id"),
          value: z.number().int().min(1).max(1_000_000).default(1),
          at: Instant.optional().describe("When it happened (default: when received)"),
        }),
      )
      .min(1)
      .max(MAX_SIGNALS),
  })
  .openapi("SignalBatch");

export const SignalsAccepted = z
  .strictObject({
    accepted: z.number().int(),
    ignored: z.number().int().describe("Signals older than a day or more than a minute ahead: not stored"),
  })
  .openapi("SignalsAccepted");
