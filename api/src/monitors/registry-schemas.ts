import { listQuery } from "../http/list";
import { z } from "../http/zod";

/**
 * Apps, maintenance windows, dependencies and SLA figures on the wire (docs/monitors.md, "Apps and
 * groups", "Maintenance windows", "REST API"). A window's schedule is checked again by
 * monitors/maintenance.ts maintenanceProblems in the service, which has the Chinese messages.
 */
const Uuid = z.uuid();
const Instant = z.iso.datetime({ offset: true }).describe("ISO 8601");
const Name = z.string().trim().min(1).max(100);

// ---- apps ----
export const APP_KINDS = ["app", "platform"] as const;
export const AppBody = z
  .strictObject({
    name: Name,
    kind: z.enum(APP_KINDS).default("app").describe("app: a business app; platform: a platform service"),
    groupName: Name.nullable().default(null).describe("Apps of one group pool into the group's SLA"),
    combineRule: z
      .enum(["all", "any"])
      .default("all")
      .describe("all: the app needs every monitor (worst state); any: redundant monitors (best state)"),
    slaTarget: z.number().min(0.9).max(0.99999).default(0.999),
    description: z.string().max(500).default(""),
  })
  .openapi("MonitorAppInput");

export const AppSchema = z
  .strictObject({
    id: Uuid,
    name: z.string(),
    kind: z.enum(APP_KINDS),
    groupName: z.string().nullable(),
    combineRule: z.enum(["all", "any"]),
    slaTarget: z.number(),
    description: z.string(),
    monitorCount: z.number().int(),
    version: z.number().int(),
    createdBy: Uuid.nullable(),
    createdAt: Instant,
    updatedBy: Uuid.nullable(),
    updatedAt: Instant,
  })
  .openapi("MonitorApp");

export const APP_SORTABLE = ["name", "createdAt", "updatedAt"] as const;
export const AppListQuery = listQuery(APP_SORTABLE, "name").extend({
  q: z.string().trim().max(100).optional().describe("Part of the name"),
  kind: z.enum(APP_KINDS).optional(),
  group: Name.optional().describe("Apps of this group"),
});

// ---- maintenance windows ----
const Schedule = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("once"), start: Instant, end: Instant }),
  z.strictObject({
    kind: z.literal("recurring"),
    frequency: z.enum(["daily", "weekly", "monthly"]),
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional().describe("1 Monday … 7 Sunday"),
    monthDays: z.array(z.number().int().min(1).max(31)).min(1).max(31).optional(),
    startTime: z.string().max(5).describe("HH:MM, wall clock in timeZone"),
    durationMinutes: z.number().int(),
    timeZone: z.string().min(1).max(64).optional().describe("Default Asia/Shanghai"),
    from: Instant.optional(),
    until: Instant.optional(),
  }),
]);

export const MaintenanceBody = z
  .strictObject({
    name: Name,
    description: z.string().max(500).default(""),
    enabled: z.boolean().default(true),
    monitorIds: z.array(Uuid).max(500).default([]),
    appIds: z.array(Uuid).max(500).default([]).describe("The window applies to every monitor of these apps"),
    schedule: Schedule,
  })
  .openapi("MaintenanceWindowInput");

export const MaintenanceSchema = z
  .strictObject({
    id: Uuid,
    name: z.string(),
    description: z.string(),
    enabled: z.boolean(),
    monitorIds: z.array(Uuid),
    appIds: z.array(Uuid),
    schedule: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    createdBy: Uuid.nullable(),
    createdAt: Instant,
    updatedBy: Uuid.nullable(),
    updatedAt: Instant,
  })
  .openapi("MaintenanceWindow");

export const MAINTENANCE_SORTABLE = ["name", "createdAt", "updatedAt"] as const;
export const MaintenanceListQuery = listQuery(MAINTENANCE_SORTABLE, "name").extend({
  q: z.string().trim().max(100).optional(),
  monitorId: Uuid.optional().describe("Windows naming this monitor"),
  appId: Uuid.optional().describe("Windows naming this app"),
  enabled: z.enum(["true", "false"]).optional(),
});

/** Longest preview of occurrences; and at most MAX_OCCURRENCES of them. */
export const MAX_OCCURRENCE_DAYS = 366;
export const MAX_OCCURRENCES = 500;
export const OccurrencesQuery = z
  .strictObject({ from: Instant.optional(), to: Instant.optional() })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) > Date.parse(q.from), {
    message: "to must be after from",
    path: ["to"],
  });
export const OccurrenceList = z.array(z.strictObject({ start: Instant, end: Instant }));

// ---- dependencies ----
export const DependenciesBody = z
  .strictObject({ dependsOn: z.array(Uuid).max(100).describe("Monitors this one depends on directly") })
  .openapi("MonitorDependenciesInput");
const MonitorRef = z.strictObject({ id: Uuid, name: z.string() });
export const DependenciesSchema = z
  .strictObject({
    monitorId: Uuid,
    dependsOn: z.array(MonitorRef),
    dependents: z.array(MonitorRef).describe("Monitors that depend on this one directly"),
  })
  .openapi("MonitorDependencies");

// ---- SLA ----
export const SLA_WINDOWS = ["day", "week", "month", "quarter", "year", "custom"] as const;
export const MAX_CUSTOM_DAYS = 366;
const TimeZone = z.string().min(1).max(64).default("Asia/Shanghai");
const windowFields = {
  window: z.enum(SLA_WINDOWS).default("month"),
  at: Instant.optional().describe("An instant inside the calendar window (default now)"),
  from: Instant.optional().describe("custom only"),
  to: Instant.optional().describe("custom only"),
  tz: TimeZone,
};
const customOk = (q: { window: string; from?: string | undefined; to?: string | undefined }) =>
  q.window !== "custom" ||
  (q.from !== undefined &&
    q.to !== undefined &&
    Date.parse(q.to) > Date.parse(q.from) &&
    Date.parse(q.to) - Date.parse(q.from) <= MAX_CUSTOM_DAYS * 86_400_000);
const customIssue = {
  message: `window=custom needs from < to, at most ${MAX_CUSTOM_DAYS} days apart`,
  path: ["to"],
};

export const SlaWindowQuery = z.strictObject(windowFields).refine(customOk, customIssue);
export const SlaAppsQuery = listQuery(["name"], "name")
  .extend({ ...windowFields, kind: z.enum(APP_KINDS).optional(), group: Name.optional() })
  .refine(customOk, customIssue);
export const SlaMonitorsQuery = listQuery(["name"], "name")
  .extend({ ...windowFields, appId: Uuid.optional().describe("Monitors of this app") })
  .refine(customOk, customIssue);
export const SlaGroupsQuery = listQuery(["name"], "name").extend(windowFields).refine(customOk, customIssue);

export const MAX_DAILY_DAYS = 366;
const dailyFields = { days: z.coerce.number().int().min(1).max(MAX_DAILY_DAYS).default(90), tz: TimeZone };
export const DailyQuery = z.strictObject(dailyFields);
export const DailyAllQuery = listQuery(["name"], "name").extend(dailyFields);

const Figures = {
  windowMinutes: z.number(),
  maintenanceMinutes: z.number(),
  unknownMinutes: z.number(),
  eligibleMinutes: z.number(),
  upMinutes: z.number(),
  degradedMinutes: z.number(),
  downMinutes: z.number(),
  availability: z.number().nullable(),
  outages: z.number().int(),
  longestOutageMinutes: z.number(),
  mttrMinutes: z.number().nullable(),
  mtbfMinutes: z.number().nullable(),
  target: z.number(),
  errorBudgetMinutes: z.number(),
  budgetRemainingMinutes: z.number(),
  budgetRemainingRatio: z.number().nullable(),
};
const Window = z.strictObject({ start: Instant, end: Instant, timeZone: z.string() });
const AppRef = z.strictObject({
  id: Uuid,
  name: z.string(),
  kind: z.enum(APP_KINDS),
  groupName: z.string().nullable(),
  combineRule: z.enum(["all", "any"]),
});

export const AppSlaSchema = z
  .strictObject({ app: AppRef, window: Window, monitorCount: z.number().int(), ...Figures })
  .openapi("AppSla");
export const AppSlaList = z.array(AppSlaSchema);
export const AppSlaDetailSchema = z
  .strictObject({
    app: AppRef,
    window: Window,
    monitorCount: z.number().int(),
    ...Figures,
    outageList: z.array(z.strictObject({ start: Instant, end: Instant, minutes: z.number() })),
    monitors: z.array(z.strictObject({ id: Uuid, name: z.string(), ...Figures })),
  })
  .openapi("AppSlaDetail");

export const MonitorSlaSchema = z
  .strictObject({
    monitor: z.strictObject({ id: Uuid, name: z.string(), appId: Uuid.nullable() }),
    window: Window,
    ...Figures,
  })
  .openapi("MonitorSlaRow");
export const MonitorSlaList = z.array(MonitorSlaSchema);

export const GroupSlaSchema = z
  .strictObject({
    groupName: z.string(),
    appIds: z.array(Uuid),
    window: Window,
    availability: z.number().nullable(),
    target: z.number(),
    windowMinutes: z.number(),
    eligibleMinutes: z.number(),
    upMinutes: z.number(),
    downMinutes: z.number(),
    unknownMinutes: z.number(),
    maintenanceMinutes: z.number(),
    outages: z.number().int(),
    longestOutageMinutes: z.number(),
  })
  .openapi("GroupSla");
export const GroupSlaList = z.array(GroupSlaSchema);

const DailyPoint = z.strictObject({
  date: z.string().describe("YYYY-MM-DD in tz"),
  availability: z.number().nullable(),
  downMinutes: z.number(),
  eligibleMinutes: z.number(),
  unknownMinutes: z.number(),
  maintenanceMinutes: z.number(),
  outages: z.number().int(),
});
export const AppDailySchema = z
  .strictObject({ app: AppRef, target: z.number(), timeZone: z.string(), days: z.array(DailyPoint) })
  .openapi("AppDailySla");
export const AppDailyList = z.array(AppDailySchema);
