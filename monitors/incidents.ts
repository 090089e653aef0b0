/**
 * Graded incidents (docs/monitors.md, "Incidents"): grades I–IV with response and fix deadlines, the
 * lifecycle, regrading, deadline breaches with escalation, and MTTA / MTTR / on-time rates. Pure
 * functions over plain data; storage and the scheduler call them. Times are milliseconds since the
 * epoch.
 */
export const GRADES = ["I", "II", "III", "IV"] as const;
export type Grade = (typeof GRADES)[number];

export interface GradeDeadlines {
  /** Minutes from opening to acknowledgement (响应时限). */
  respondMinutes: number;
  /** Minutes from opening to resolution (修复时限). */
  fixMinutes: number;
}

/** I 重大, II 较大, III 一般, IV 常规: the defaults of the issue; a tenant may set its own. */
export const DEFAULT_DEADLINES: Record<Grade, GradeDeadlines> = {
  I: { respondMinutes: 5, fixMinutes: 2 * 60 },
  II: { respondMinutes: 15, fixMinutes: 24 * 60 },
  III: { respondMinutes: 30, fixMinutes: 48 * 60 },
  IV: { respondMinutes: 60, fixMinutes: 72 * 60 },
};

export const GRADE_NAMES: Record<Grade, { zh: string; en: string }> = {
  I: { zh: "重大", en: "Critical" },
  II: { zh: "较大", en: "Major" },
  III: { zh: "一般", en: "Minor" },
  IV: { zh: "常规", en: "Routine" },
};

export const STATES = ["open", "acknowledged", "mitigated", "resolved", "closed"] as const;
export type IncidentState = (typeof STATES)[number];

/**
 * Allowed moves. Forward one or more steps (a fix found at once may go from open to resolved), never
 * back, except that a resolved incident that recurs is reopened (to acknowledged: someone is on it).
 * Closing needs the post-incident review (checked by `reviewProblems`).
 */
const NEXT: Record<IncidentState, readonly IncidentState[]> = {
  open: ["acknowledged", "mitigated", "resolved"],
  acknowledged: ["mitigated", "resolved"],
  mitigated: ["resolved"],
  resolved: ["closed", "acknowledged"],
  closed: [],
};

export function canMove(from: IncidentState, to: IncidentState): boolean {
  return NEXT[from].includes(to);
}

/** Every per-tenant override must keep the grades ordered: a graver grade never has a longer deadline. */
export function deadlineProblems(table: Record<Grade, GradeDeadlines>): { message: string; zh: string }[] {
  const problems: { message: string; zh: string }[] = [];
  for (const grade of GRADES) {
    const d = table[grade];
    for (const [key, value] of Object.entries(d) as [keyof GradeDeadlines, number][]) {
      if (!Number.isInteger(value) || value < 1 || value > 30 * 24 * 60) {
        problems.push({
          message: `Grade ${grade}: ${key} must be a whole number of minutes from 1 to 43,200.`,
          zh: `${grade} 级：时限须为 1 至 43200 之间的整数分钟。`,
        });
      }
    }
    if (d.respondMinutes > d.fixMinutes) {
      problems.push({
        message: `Grade ${grade}: the response deadline is after the fix deadline.`,
        zh: `${grade} 级：响应时限不能晚于修复时限。`,
      });
    }
  }
  for (let i = 1; i < GRADES.length; i++) {
    const graver = table[GRADES[i - 1] as Grade];
    const lighter = table[GRADES[i] as Grade];
    if (graver.respondMinutes > lighter.respondMinutes || graver.fixMinutes > lighter.fixMinutes) {
      problems.push({
        message: `Grade ${GRADES[i - 1]} has a longer deadline than grade ${GRADES[i]}.`,
        zh: `${GRADES[i - 1]} 级的时限长于 ${GRADES[i]} 级。`,
      });
    }
  }
  return problems;
}

export interface IncidentTimes {
  grade: Grade;
  openedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
}

export interface Deadlines {
  respondBy: number;
  fixBy: number;
}

const MINUTE = 60_000;

/**
 * Deadlines run from the opening, under the grade the incident has now: regrading recomputes them
 * from the same start (a graver grade can make a deadline already past; that is a breach, not a reset).
 */
export function deadlinesOf(incident: Pick<IncidentTimes, "grade" | "openedAt">, table = DEFAULT_DEADLINES): Deadlines {
  const d = table[incident.grade];
  return {
    respondBy: incident.openedAt + d.respondMinutes * MINUTE,
    fixBy: incident.openedAt + d.fixMinutes * MINUTE,
  };
}

export type BreachKind = "respond" | "fix";

export interface Breach {
  kind: BreachKind;
  deadline: number;
}

/**
 * The deadlines an incident has missed by `now`: response when it was not acknowledged in time (also
 * when acknowledged late), fix when not resolved in time. The scheduler marks each breach once.
 */
export function breachesOf(incident: IncidentTimes, now: number, table = DEFAULT_DEADLINES): Breach[] {
  const { respondBy, fixBy } = deadlinesOf(incident, table);
  const out: Breach[] = [];
  const acknowledged = incident.acknowledgedAt ?? incident.resolvedAt;
  if ((acknowledged ?? now) > respondBy && now > respondBy) out.push({ kind: "respond", deadline: respondBy });
  if ((incident.resolvedAt ?? now) > fixBy && now > fixBy) out.push({ kind: "fix", deadline: fixBy });
  return out;
}

/**
 * Who is told of a breach: the next contact after the ones already escalated to, in the incident's
 * escalation list (e.g. on-call engineer → team lead → department head); null when the list is spent.
 */
export function nextEscalation(contacts: readonly string[], alreadyEscalated: number): string | null {
  return contacts[alreadyEscalated] ?? null;
}

export interface Review {
  impact: string;
  /** Share of users affected, 0–1. */
  affectedShare: number;
  rootCause: string;
  actions: string[];
}

/** What a post-incident review lacks before the incident may be closed. */
export function reviewProblems(review: Partial<Review> | null | undefined): { field: string; zh: string }[] {
  const problems: { field: string; zh: string }[] = [];
  if (!review?.impact?.trim()) problems.push({ field: "impact", zh: "请填写影响范围" });
  const share = review?.affectedShare;
  if (share === undefined || !(share >= 0 && share <= 1)) {
    problems.push({ field: "affectedShare", zh: "受影响用户比例须在 0 至 1 之间" });
  }
  if (!review?.rootCause?.trim()) problems.push({ field: "rootCause", zh: "请填写根本原因" });
  if (!review?.actions?.some((a) => a.trim())) problems.push({ field: "actions", zh: "请至少填写一项改进措施" });
  return problems;
}

export interface GradeStats {
  grade: Grade;
  incidents: number;
  /** Mean minutes from opening to acknowledgement, over the acknowledged ones; null if none. */
  mttaMinutes: number | null;
  /** Mean minutes from opening to resolution, over the resolved ones; null if none. */
  mttrMinutes: number | null;
  /** Share acknowledged within the response deadline, over those whose deadline has passed or were acknowledged. */
  respondOnTime: number | null;
  /** Share resolved within the fix deadline, over those whose deadline has passed or were resolved. */
  fixOnTime: number | null;
}

/**
 * Statistics per grade for the incidents opened in [from, to). An incident still open whose deadline
 * has not come yet is not counted for that deadline's on-time rate (it may still make it); one whose
 * deadline has passed counts as late.
 */
export function gradeStats(
  incidents: readonly IncidentTimes[],
  from: number,
  to: number,
  now: number,
  table = DEFAULT_DEADLINES,
): GradeStats[] {
  return GRADES.map((grade) => {
    const mine = incidents.filter((i) => i.grade === grade && i.openedAt >= from && i.openedAt < to);
    const acknowledged = mine.flatMap((i) => {
      const at = i.acknowledgedAt ?? i.resolvedAt;
      return at === null ? [] : [at - i.openedAt];
    });
    const resolved = mine.flatMap((i) => (i.resolvedAt === null ? [] : [i.resolvedAt - i.openedAt]));
    let respondDue = 0;
    let respondMet = 0;
    let fixDue = 0;
    let fixMet = 0;
    for (const i of mine) {
      const { respondBy, fixBy } = deadlinesOf(i, table);
      const ack = i.acknowledgedAt ?? i.resolvedAt;
      if (ack !== null || now > respondBy) {
        respondDue += 1;
        if (ack !== null && ack <= respondBy) respondMet += 1;
      }
      if (i.resolvedAt !== null || now > fixBy) {
        fixDue += 1;
        if (i.resolvedAt !== null && i.resolvedAt <= fixBy) fixMet += 1;
      }
    }
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length / MINUTE : null);
    return {
      grade,
      incidents: mine.length,
      mttaMinutes: mean(acknowledged),
      mttrMinutes: mean(resolved),
      respondOnTime: respondDue ? respondMet / respondDue : null,
      fixOnTime: fixDue ? fixMet / fixDue : null,
    };
  });
}
