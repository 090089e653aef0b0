import { listQuery } from "../http/list";
import { z } from "../http/zod";

/**
 * Monitors on the wire (docs/monitors.md, "REST API"). The definition itself is validated by
 * monitors/config.ts parseMonitorDefinition in the service, which has the per-type rules and a
 * Chinese message for each; here it is only an object with a type, for the OpenAPI document.
 */
const Uuid = z.uuid();
const Instant = z.iso.datetime({ offset: true }).describe("ISO 8601");
const MONITOR_TYPES = ["http", "tcp", "dns", "postgres", "push"] as const;
const STATES = ["up", "degraded", "down", "unknown"] as const;

export const MonitorDefinitionBody = z
  .looseObject({ type: z.enum(MONITOR_TYPES) })
  .describe("A monitor definition (docs/monitors.md, 'A monitor's definition'): name, intervalSeconds, type's fields")
  .openapi("MonitorDefinition");

export const MonitorStatusSchema = z
  .strictObject({
    state: z.enum(STATES),
    since: Instant,
    lastResultAt: Instant.nullable(),
    lastLatencyMs: z.number().int().nullable(),
    lastReason: z.string().nullable(),
  })
  .openapi("MonitorStatus");

export const MonitorSchema = z
  .strictObject({
    id: Uuid,
    name: z.string(),
    type: z.enum(MONITOR_TYPES),
    definition: z.record(z.string(), z.unknown()),
    paused: z.boolean(),
    version: z.number().int(),
    status: MonitorStatusSchema.nullable().describe("null until the first result"),
    createdBy: Uuid.nullable(),
    createdAt: Instant,
    updatedBy: Uuid.nullable(),
    updatedAt: Instant,
    pushToken: z
      .string()
      .optional()
      .describe("A push monitor's token, in the answer that created it only: call /api/v1/push/{id} with it"),
  })
  .openapi("Monitor");

export const MONITOR_SORTABLE = ["name", "type", "createdAt", "updatedAt"] as const;
export const MonitorListQuery = listQuery(MONITOR_SORTABLE, "name").extend({
  q: z.string().trim().max(100).optional().describe("Part of the name"),
  type: z.enum(MONITOR_TYPES).optional(),
  paused: z.enum(["true", "false"]).optional(),
  tag: z.string().trim().min(1).max(50).optional().describe("Monitors carrying this tag"),
  appId: Uuid.optional().describe("Monitors of this app or service"),
  owner: Uuid.optional(),
  state: z.enum(STATES).optional().describe("Current state (unknown: also never checked)"),
});

export const IdParams = z.strictObject({ id: Uuid });

const Range = { from: Instant, to: Instant };
const rangeOk = (q: { from: string; to: string }) => Date.parse(q.to) > Date.parse(q.from);
const rangeIssue = { message: "to must be after from", path: ["to"] };

export const ResultsQuery = listQuery(["at"], "at").extend(Range).refine(rangeOk, rangeIssue);

/** Longest range one export may cover; also bounded by MAX_EXPORT_ROWS. */
export const MAX_EXPORT_DAYS = 93;
export const ResultsExportQuery = z
  .strictObject({ ...Range, format: z.enum(["csv", "xlsx"]).default("csv") })
  .refine(rangeOk, rangeIssue)
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_EXPORT_DAYS * 86_400_000, {
    message: `At most ${MAX_EXPORT_DAYS} days per export`,
    path: ["to"],
  });

export const MonitorResultSchema = z
  .strictObject({
    at: Instant,
    state: z.enum(["up", "degraded", "down"]),
    latencyMs: z.number().int(),
    reason: z.string(),
    message: z.string(),
  })
  .openapi("MonitorResult");
export const MonitorResultList = z.array(MonitorResultSchema);

export const ProbeResultSchema = z
  .strictObject({
    state: z.enum(["up", "degraded", "down"]),
    latencyMs: z.number().int(),
    reason: z.string(),
    message: z.string(),
    messageZh: z.string(),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("ProbeResult");

export const SlaQuery = z
  .strictObject({ ...Range, target: z.coerce.number().gt(0).lt(1).default(0.999) })
  .refine(rangeOk, rangeIssue);

export const SlaSchema = z
  .strictObject({
    windowMinutes: z.number(),
    maintenanceMinutes: z.number(),
    unknownMinutes: z.number(),
    eligibleMinutes: z.number(),
    upMinutes: z.number(),
    degradedMinutes: z.number(),
    downMinutes: z.number(),
    availability: z.number().nullable(),
    outages: z.array(z.strictObject({ start: Instant, end: Instant, minutes: z.number() })),
    longestOutageMinutes: z.number(),
    mttrMinutes: z.number().nullable(),
    mtbfMinutes: z.number().nullable(),
    target: z.number(),
    errorBudgetMinutes: z.number(),
    budgetRemainingMinutes: z.number(),
    budgetRemainingRatio: z.number().nullable(),
  })
  .openapi("MonitorSla");
