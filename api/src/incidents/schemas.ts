import { GRADES, STATES } from "../../../monitors/incidents";
import { CONTACTS_MAX, TEXT_MAX, TITLE_MAX } from "../../../monitors/incident-store";
import { listQuery } from "../http/list";
import { z } from "../http/zod";

/** Graded incidents on the wire (docs/monitors.md, "Incidents"; docs/api.md). */
const Uuid = z.uuid();
const Instant = z.iso.datetime({ offset: true }).describe("ISO 8601");
const Grade = z.enum(GRADES);
const State = z.enum(STATES);
const Note = z.string().trim().max(TEXT_MAX);

export const ContactSchema = z
  .strictObject({
    kind: z.enum(["user", "channel"]).describe("user: a console message to the user; channel: a notification channel"),
    id: Uuid,
  })
  .openapi("IncidentContact");
export const Contacts = z.array(ContactSchema).max(CONTACTS_MAX);

export const ReviewSchema = z
  .strictObject({
    impact: z.string().trim().max(TEXT_MAX).describe("影响范围"),
    affectedShare: z.number().min(0).max(1).describe("Share of users affected, 0–1"),
    rootCause: z.string().trim().max(TEXT_MAX).describe("根本原因"),
    actions: z.array(z.string().trim().max(1000)).max(50).describe("改进措施"),
  })
  .openapi("IncidentReview");

const Breach = z.strictObject({
  breached: z.boolean().describe("Missed by now under the current grade (computed at read time)"),
  markedAt: Instant.nullable().describe("When the deadline job recorded the breach and escalated"),
});

export const IncidentSchema = z
  .strictObject({
    id: Uuid,
    number: z.string().describe("INC-2026-0001"),
    title: z.string(),
    description: z.string(),
    grade: Grade,
    gradeName: z.strictObject({ zh: z.string(), en: z.string() }),
    state: State,
    openedAt: Instant,
    acknowledgedAt: Instant.nullable(),
    mitigatedAt: Instant.nullable(),
    resolvedAt: Instant.nullable(),
    closedAt: Instant.nullable(),
    respondBy: Instant.describe("Response deadline (响应时限)"),
    fixBy: Instant.describe("Fix deadline (修复时限)"),
    respond: Breach,
    fix: Breach,
    alertId: Uuid.nullable(),
    monitorId: Uuid.nullable(),
    contacts: Contacts,
    escalationLevel: z.number().int().describe("How many contacts have been escalated to"),
    review: ReviewSchema.partial().nullable(),
    version: z.number().int(),
    createdBy: Uuid.nullable(),
    updatedAt: Instant,
  })
  .openapi("Incident");

export const IncidentEventSchema = z
  .strictObject({
    id: z.string(),
    at: Instant,
    kind: z.string(),
    actorId: Uuid.nullable(),
    actorName: z.string().nullable(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    note: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi("IncidentEvent");

export const IncidentDetailSchema = IncidentSchema.extend({ timeline: z.array(IncidentEventSchema) }).openapi(
  "IncidentDetail",
);

export const INCIDENT_SORTABLE = ["openedAt", "grade", "number", "updatedAt", "respondBy", "fixBy"] as const;
export const IncidentListQuery = listQuery(INCIDENT_SORTABLE, "openedAt").extend({
  q: z.string().trim().max(100).optional().describe("Part of the title or number"),
  state: State.optional(),
  grade: Grade.optional(),
  open: z.enum(["true", "false"]).optional().describe("true: not yet resolved or closed; false: resolved or closed"),
  from: Instant.optional().describe("Opened at or after"),
  to: Instant.optional().describe("Opened before"),
});

export const IdParams = z.strictObject({ id: Uuid });

export const CreateIncidentBody = z
  .strictObject({
    title: z.string().trim().min(1).max(TITLE_MAX),
    grade: Grade,
    description: z.string().trim().max(TEXT_MAX).default(""),
    monitorId: Uuid.optional(),
    alertId: Uuid.optional(),
    contacts: Contacts.default([]),
  })
  .openapi("CreateIncident");

export const NoteBody = z.strictObject({ note: Note.default("") }).openapi("IncidentNote");
export const CommentBody = z.strictObject({ text: Note.min(1) }).openapi("IncidentComment");
export const RegradeBody = z
  .strictObject({ grade: Grade, reason: z.string().trim().min(1).max(1000) })
  .openapi("IncidentRegrade");
export const CloseBody = z
  .strictObject({ review: ReviewSchema.partial(), note: Note.default("") })
  .openapi("IncidentClose");
export const ContactsBody = z.strictObject({ contacts: Contacts }).openapi("IncidentContacts");

const Range = { from: Instant, to: Instant };
export const StatsQuery = z
  .strictObject(Range)
  .refine((q) => Date.parse(q.to) > Date.parse(q.from), { message: "to must be after from", path: ["to"] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, {
    message: "At most 400 days",
    path: ["to"],
  });

export const StatsSchema = z
  .strictObject({
    from: Instant,
    to: Instant,
    grades: z.array(
      z.strictObject({
        grade: Grade,
        incidents: z.number().int(),
        mttaMinutes: z.number().nullable(),
        mttrMinutes: z.number().nullable(),
        respondOnTime: z.number().nullable().describe("Share 0–1; null when none was due"),
        fixOnTime: z.number().nullable(),
      }),
    ),
  })
  .openapi("IncidentStats");

const Minutes = z.number().int().min(1).max(43_200);
const GradeDeadlines = z.strictObject({ respondMinutes: Minutes, fixMinutes: Minutes });
export const DeadlineTableSchema = z.strictObject({
  I: GradeDeadlines,
  II: GradeDeadlines,
  III: GradeDeadlines,
  IV: GradeDeadlines,
});

export const IncidentSettingsSchema = z
  .strictObject({
    deadlines: DeadlineTableSchema,
    isDefault: z.boolean().describe("true: the tenant has not set its own table"),
    version: z.number().int().describe("0 while the defaults apply"),
    updatedAt: Instant.nullable(),
  })
  .openapi("IncidentSettings");
export const IncidentSettingsBody = z.strictObject({ deadlines: DeadlineTableSchema }).openapi("IncidentSettingsInput");
