/**
 * Incident storage (docs/monitors.md, "Incidents"): opening an incident with its number, deadlines,
 * first timeline event and audit event in the caller's transaction; the tenant's deadline table; the
 * timeline. The rules are the pure functions of incidents.ts; this module only stores their results.
 *
 * Takes the API's Kysely handle (type-only imports of the API: nothing of Express is loaded here).
 */
import type { DbOrTx } from "../api/src/db/pool";
import type { IncidentEventsTable } from "../api/src/db/schema";
import { type AuditEvent, record } from "../api/src/audit/record";
import { DEFAULT_DEADLINES, deadlineProblems, deadlinesOf, GRADES, type Grade, type GradeDeadlines } from "./incidents";

export type DeadlineTable = Record<Grade, GradeDeadlines>;

export interface Contact {
  kind: "user" | "channel";
  id: string;
}

export interface IncidentActor {
  userId: string | null;
  role: string | null;
  /** Shown on the timeline and in the audit log; looked up from the user when absent; "system" without a user. */
  name?: string | null;
}

export interface OpenIncidentInput {
  tenantId: string;
  title: string;
  grade: Grade;
  alertId?: string;
  monitorId?: string;
  description?: string;
  contacts?: Contact[];
  /** When it began (default now): an alert firing since earlier may pass its start. Never in the future. */
  openedAt?: Date;
}

/** Request details for the audit event of a change made through the API. */
export type AuditExtras = Pick<AuditEvent, "ip" | "userAgent" | "requestId">;

export const TITLE_MAX = 200;
export const TEXT_MAX = 4000;
export const CONTACTS_MAX = 10;

const SYSTEM = "system";

/** The tenant's deadline table: its own when set and still valid, else the defaults of the issue. */
export async function tenantDeadlines(db: DbOrTx, tenantId: string): Promise<DeadlineTable> {
  const row = await db
    .selectFrom("incident_settings")
    .select("deadlines")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return row ? asDeadlineTable(row.deadlines) : DEFAULT_DEADLINES;
}

/** A stored table read back: only a complete, valid one is used (the API validates before writing). */
export function asDeadlineTable(value: unknown): DeadlineTable {
  if (!value || typeof value !== "object") return DEFAULT_DEADLINES;
  const v = value as Record<string, Partial<GradeDeadlines> | undefined>;
  const table = {} as DeadlineTable;
  for (const g of GRADES) {
    const d = v[g];
    if (typeof d?.respondMinutes !== "number" || typeof d.fixMinutes !== "number") return DEFAULT_DEADLINES;
    table[g] = { respondMinutes: d.respondMinutes, fixMinutes: d.fixMinutes };
  }
  return deadlineProblems(table).length ? DEFAULT_DEADLINES : table;
}

/** The actor's display name: given, else the user's username, else "system". */
export async function actorName(db: DbOrTx, actor: IncidentActor): Promise<string> {
  if (actor.name) return actor.name;
  if (!actor.userId) return SYSTEM;
  const u = await db.selectFrom("users").select("username").where("id", "=", actor.userId).executeTakeFirst();
  return u?.username ?? actor.userId;
}

/** The next human number of the tenant's incidents for that year (INC-2026-0001), without gaps. */
export async function nextIncidentNumber(tx: DbOrTx, tenantId: string, at: Date): Promise<string> {
  const year = at.getUTCFullYear();
  const row = await tx
    .insertInto("incident_counters")
    .values({ tenant_id: tenantId, year, last: 1 })
    .onConflict((oc) =>
      oc.columns(["tenant_id", "year"]).doUpdateSet((eb) => ({ last: eb("incident_counters.last", "+", 1) })),
    )
    .returning("last")
    .executeTakeFirstOrThrow();
  return `INC-${year}-${String(row.last).padStart(4, "0")}`;
}

export interface TimelineEvent {
  kind: IncidentEventsTable["kind"];
  actorId: string | null;
  actorName: string | null;
  from?: string | null;
  to?: string | null;
  note?: string;
  detail?: Record<string, unknown>;
  at?: Date;
}

/** Appends one event to an incident's timeline (in the caller's transaction). */
export async function addTimelineEvent(tx: DbOrTx, incidentId: string, e: TimelineEvent): Promise<void> {
  await tx
    .insertInto("incident_events")
    .values({
      incident_id: incidentId,
      kind: e.kind,
      actor_id: e.actorId,
      actor_name: e.actorName,
      from_value: e.from ?? null,
      to_value: e.to ?? null,
      note: (e.note ?? "").slice(0, TEXT_MAX),
      detail: JSON.stringify(e.detail ?? {}),
      ...(e.at ? { at: e.at } : {}),
    })
    .execute();
}

function validOpening(input: OpenIncidentInput, now: Date): string | null {
  const title = input.title.trim();
  if (!title || title.length > TITLE_MAX) return `title must be 1 to ${TITLE_MAX} characters`;
  if (!GRADES.includes(input.grade)) return "grade must be I, II, III or IV";
  if ((input.description ?? "").length > TEXT_MAX) return `description is longer than ${TEXT_MAX} characters`;
  if ((input.contacts ?? []).length > CONTACTS_MAX) return `more than ${CONTACTS_MAX} contacts`;
  if (input.openedAt && input.openedAt.getTime() > now.getTime() + 60_000) return "openedAt is in the future";
  return null;
}

/**
 * Opens an incident in the caller's transaction: a number, the deadlines of its grade under the
 * tenant's table, the first timeline event and an audit event (actor "system" without a user, for
 * the automatic openings of alert rules). Throws on input the API would refuse (it validates first).
 */
export async function openIncident(
  tx: DbOrTx,
  input: OpenIncidentInput,
  actor: IncidentActor,
  extras: AuditExtras = {},
): Promise<{ id: string; number: string }> {
  const now = new Date();
  const problem = validOpening(input, now);
  if (problem) throw new Error(`openIncident: ${problem}`);
  const openedAt = input.openedAt && input.openedAt < now ? input.openedAt : now;
  const table = await tenantDeadlines(tx, input.tenantId);
  const { respondBy, fixBy } = deadlinesOf({ grade: input.grade, openedAt: openedAt.getTime() }, table);
  const number = await nextIncidentNumber(tx, input.tenantId, openedAt);
  const name = await actorName(tx, actor);
  const { id } = await tx
    .insertInto("incidents")
    .values({
      tenant_id: input.tenantId,
      number,
      title: input.title.trim(),
      description: input.description ?? "",
      grade: input.grade,
      opened_at: openedAt,
      respond_by: new Date(respondBy),
      fix_by: new Date(fixBy),
      alert_id: input.alertId ?? null,
      monitor_id: input.monitorId ?? null,
      contacts: JSON.stringify(input.contacts ?? []),
      created_by: actor.userId,
      updated_at: now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const automatic = !actor.userId;
  await addTimelineEvent(tx, id, {
    kind: "opened",
    actorId: actor.userId,
    actorName: name,
    to: input.grade,
    at: openedAt,
    detail: {
      automatic,
      ...(input.alertId ? { alertId: input.alertId } : {}),
      ...(input.monitorId ? { monitorId: input.monitorId } : {}),
    },
  });
  await record(tx, {
    tenantId: input.tenantId,
    actorId: actor.userId,
    actorName: name,
    actorRole: actor.role,
    action: "incident.open",
    targetType: "Incident",
    targetId: id,
    result: "success",
    detail: {
      number,
      grade: input.grade,
      automatic,
      ...(input.alertId ? { alertId: input.alertId } : {}),
      ...(input.monitorId ? { monitorId: input.monitorId } : {}),
    },
    ...extras,
  });
  return { id, number };
}

/**
 * The deadline table an incident's stored deadlines stand for (its grade's row; the others the
 * defaults), so the pure rules (breachesOf) judge it by the deadlines it was given.
 */
export function storedDeadlineTable(row: {
  grade: Grade;
  opened_at: Date;
  respond_by: Date;
  fix_by: Date;
}): DeadlineTable {
  const opened = row.opened_at.getTime();
  return {
    ...DEFAULT_DEADLINES,
    [row.grade]: {
      respondMinutes: (row.respond_by.getTime() - opened) / 60_000,
      fixMinutes: (row.fix_by.getTime() - opened) / 60_000,
    },
  };
}

/** After a tenant changed its table: the deadlines of its incidents not yet closed, recomputed. Returns how many. */
export async function recomputeRunningDeadlines(tx: DbOrTx, tenantId: string, table: DeadlineTable): Promise<number> {
  const rows = await tx
    .selectFrom("incidents")
    .select(["id", "grade", "opened_at"])
    .where("tenant_id", "=", tenantId)
    .where("state", "<>", "closed")
    .execute();
  for (const r of rows) {
    const d = deadlinesOf({ grade: r.grade, openedAt: r.opened_at.getTime() }, table);
    await tx
      .updateTable("incidents")
      .set({ respond_by: new Date(d.respondBy), fix_by: new Date(d.fixBy) })
      .where("id", "=", r.id)
      .execute();
  }
  return rows.length;
}
