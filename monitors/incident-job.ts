/**
 * The incident deadline job (docs/monitors.md, "Incidents"), on the leader: each round finds the
 * incidents whose response or fix deadline has passed without the step and no breach recorded yet,
 * and for each breach, in one transaction: records it, writes it on the timeline, escalates to the
 * next contact of the incident's list (incidents.ts nextEscalation) and audits it.
 *
 * Once per breach, also across leader changes: the mark is written with the escalation, under the
 * incident's row lock, and re-checked under that lock, so two jobs (an old and a new leader) cannot
 * both escalate the same breach.
 */
import { sql } from "kysely";
import type { Db, DbOrTx } from "../api/src/db/pool";
import { withTx } from "../api/src/db/tx";
import { record } from "../api/src/audit/record";
import { addTimelineEvent, type Contact, storedDeadlineTable } from "./incident-store";
import { type Breach, breachesOf, type Grade, GRADE_NAMES, nextEscalation } from "./incidents";
import type { LeaderJob, RunningJob } from "./jobs";
import { startPeriodic } from "./periodic";
import { enqueueNotification, type NotificationSeverity } from "./notify/outbox";

/** Incidents handled per round at most (the rest wait for the next round). */
const BATCH = 100;
const SYSTEM_ACTOR = { actorId: null, actorName: "system" } as const;

export const SEVERITY_OF_GRADE: Record<Grade, NotificationSeverity> = {
  I: "critical",
  II: "critical",
  III: "warning",
  IV: "info",
};

const KIND_NAMES = {
  respond: { zh: "响应超时", en: "response deadline missed" },
  fix: { zh: "修复超时", en: "fix deadline missed" },
} as const;

export interface DeadlineRound {
  breaches: number;
  escalations: number;
}

/** One round: every unmarked breach as of `now` marked and escalated. */
export async function incidentDeadlineRound(
  db: Db,
  now = Date.now(),
  isLeader: () => boolean = () => true,
): Promise<DeadlineRound> {
  const at = new Date(now);
  const due = await db
    .selectFrom("incidents")
    .select("id")
    .where((eb) =>
      eb.or([
        eb.and([
          eb("respond_breached_at", "is", null),
          eb("respond_by", "<", at),
          sql<boolean>`coalesce(acknowledged_at, resolved_at, 'infinity'::timestamptz) > respond_by`,
        ]),
        eb.and([
          eb("fix_breached_at", "is", null),
          eb("fix_by", "<", at),
          sql<boolean>`coalesce(resolved_at, 'infinity'::timestamptz) > fix_by`,
        ]),
      ]),
    )
    .orderBy("opened_at")
    .limit(BATCH)
    .execute();
  const total: DeadlineRound = { breaches: 0, escalations: 0 };
  for (const { id } of due) {
    if (!isLeader()) break;
    const r = await withTx(db, (tx) => markBreaches(tx, id, now));
    total.breaches += r.breaches;
    total.escalations += r.escalations;
  }
  return total;
}

/** Marks and escalates the new breaches of one incident, under its row lock. */
export async function markBreaches(tx: DbOrTx, id: string, now: number): Promise<DeadlineRound> {
  const row = await tx.selectFrom("incidents").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
  if (!row) return { breaches: 0, escalations: 0 };
  const breaches = breachesOf(
    {
      grade: row.grade,
      openedAt: row.opened_at.getTime(),
      acknowledgedAt: row.acknowledged_at?.getTime() ?? null,
      resolvedAt: row.resolved_at?.getTime() ?? null,
    },
    now,
    storedDeadlineTable(row),
  ).filter((b) => (b.kind === "respond" ? row.respond_breached_at : row.fix_breached_at) === null);
  if (breaches.length === 0) return { breaches: 0, escalations: 0 };
  const at = new Date(now);
  let level = row.escalation_level;
  let escalations = 0;
  for (const breach of breaches) {
    await addTimelineEvent(tx, id, {
      kind: "breach",
      ...SYSTEM_ACTOR,
      to: breach.kind,
      note: `${KIND_NAMES[breach.kind].zh} / ${KIND_NAMES[breach.kind].en}`,
      detail: { deadline: new Date(breach.deadline).toISOString() },
      at,
    });
    // The next contact of the ordered list after those already told (the rule of incidents.ts).
    const keys = row.contacts.map((c) => `${c.kind}:${c.id}`);
    const next = nextEscalation(keys, level);
    const contact = next === null ? null : (row.contacts[level] ?? null);
    if (contact) {
      const queued = await escalate(tx, row, contact, breach);
      level += 1;
      escalations += 1;
      await addTimelineEvent(tx, id, {
        kind: "escalated",
        ...SYSTEM_ACTOR,
        to: next,
        detail: { breach: breach.kind, level, contact, queued },
        at,
      });
    }
    await record(tx, {
      tenantId: row.tenant_id,
      ...SYSTEM_ACTOR,
      actorRole: null,
      action: "incident.breach",
      targetType: "Incident",
      targetId: id,
      result: "success",
      detail: {
        number: row.number,
        grade: row.grade,
        breach: breach.kind,
        deadline: new Date(breach.deadline).toISOString(),
        escalatedTo: contact,
        escalationLevel: level,
      },
    });
  }
  const kinds = new Set(breaches.map((b) => b.kind));
  await tx
    .updateTable("incidents")
    .set({
      ...(kinds.has("respond") ? { respond_breached_at: at } : {}),
      ...(kinds.has("fix") ? { fix_breached_at: at } : {}),
      escalation_level: level,
      updated_at: at,
    })
    .where("id", "=", id)
    .execute();
  return { breaches: breaches.length, escalations };
}

/**
 * Tells one contact: a notification channel through the outbox (H3's delivery job sends it); a user
 * by a message in the console's message centre (what a console channel addressed to that user would
 * write). Returns how many deliveries or messages were queued.
 */
async function escalate(
  tx: DbOrTx,
  row: { id: string; tenant_id: string; number: string; title: string; grade: Grade },
  contact: Contact,
  breach: Breach,
): Promise<number> {
  const grade = GRADE_NAMES[row.grade];
  const deadline = new Date(breach.deadline).toISOString();
  const title = {
    zh: `【事件升级】${row.number} ${row.grade} 级（${grade.zh}）${KIND_NAMES[breach.kind].zh}`,
    en: `[Incident escalation] ${row.number} grade ${row.grade} (${grade.en}): ${KIND_NAMES[breach.kind].en}`,
  };
  const text = {
    zh: `${row.title}\n时限：${deadline}`,
    en: `${row.title}\nDeadline: ${deadline}`,
  };
  // The console's incidents page (console/src/resources.tsx); `id` names the incident to show.
  const link = `/system/incidents?id=${row.id}`;
  const severity = SEVERITY_OF_GRADE[row.grade];
  if (contact.kind === "channel") {
    return enqueueNotification(tx, {
      tenantId: row.tenant_id,
      source: { kind: "incident", id: row.id },
      channelIds: [contact.id],
      severity,
      title,
      text,
      link,
      data: { incidentId: row.id, number: row.number, grade: row.grade, breach: breach.kind, deadline },
    });
  }
  await tx
    .insertInto("notification_messages")
    .values({
      tenant_id: row.tenant_id,
      delivery_id: null,
      recipient_user_id: contact.id,
      recipient_role: null,
      source_kind: "incident",
      source_id: row.id,
      severity,
      title_zh: title.zh,
      title_en: title.en,
      text_zh: text.zh,
      text_en: text.en,
      link,
    })
    .execute();
  return 1;
}

/** The leader job (monitors/jobs.ts LEADER_JOBS): a round every `everyMs` (default 15 s). */
export function incidentDeadlineJob(everyMs = 15_000): LeaderJob {
  return {
    name: "incident-deadlines",
    start: (ctx): RunningJob =>
      startPeriodic(ctx, "incident-deadlines", everyMs, () => incidentDeadlineRound(ctx.db, Date.now(), ctx.isLeader)),
  };
}
