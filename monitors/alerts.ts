/**
 * Alerts (docs/monitors.md, "Alerts"): identity and de-duplication, the lifecycle, silences, and the
 * root cause of failures that follow from a failed dependency. Pure functions; storage and the
 * notifier call them.
 */
export type Labels = Readonly<Record<string, string>>;

/**
 * One alert per rule and label set: the same condition reported again while its alert is firing or
 * acknowledged updates that alert (count, last seen) instead of opening another. Labels are sorted,
 * so their order does not matter.
 */
export function fingerprint(ruleId: string, labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(labels[k] as string)}`);
  return `${encodeURIComponent(ruleId)}|${parts.join("&")}`;
}

export type AlertState = "firing" | "acknowledged" | "resolved";

export interface AlertRecord {
  fingerprint: string;
  state: AlertState;
  firstSeen: number;
  lastSeen: number;
  count: number;
}

/**
 * What a new report of a condition does: update the open alert with this fingerprint, or open a new
 * one (none open, or the last one resolved — a recurrence is a new alert, so its history stays
 * readable).
 */
export function report(open: AlertRecord | null, fp: string, at: number): { alert: AlertRecord; opened: boolean } {
  if (open && open.fingerprint === fp && open.state !== "resolved") {
    return { alert: { ...open, lastSeen: Math.max(open.lastSeen, at), count: open.count + 1 }, opened: false };
  }
  return { alert: { fingerprint: fp, state: "firing", firstSeen: at, lastSeen: at, count: 1 }, opened: true };
}

const MOVES: Record<AlertState, readonly AlertState[]> = {
  firing: ["acknowledged", "resolved"],
  acknowledged: ["resolved"],
  resolved: [],
};

export function canMoveAlert(from: AlertState, to: AlertState): boolean {
  return MOVES[from].includes(to);
}

export interface Matcher {
  label: string;
  /** Exact value, or with `regex` a whole-value regular expression. */
  value: string;
  regex?: boolean;
  /** Matches when the label does NOT have the value. */
  negate?: boolean;
}

export interface Silence {
  matchers: readonly Matcher[];
  startsAt: number;
  endsAt: number;
}

/** A silence needs at least one positive matcher: one that matched everything would hide every alert. */
export function silenceProblems(s: Silence): string[] {
  const problems: string[] = [];
  if (!s.matchers.some((m) => !m.negate)) problems.push("at least one matcher must select (not negate)");
  if (!(s.endsAt > s.startsAt)) problems.push("endsAt must be after startsAt");
  for (const m of s.matchers) {
    if (!m.regex) continue;
    try {
      new RegExp(`^(?:${m.value})$`);
    } catch {
      problems.push(`bad regular expression for ${m.label}`);
    }
  }
  return problems;
}

function matches(m: Matcher, labels: Labels): boolean {
  const value = labels[m.label] ?? "";
  const hit = m.regex ? new RegExp(`^(?:${m.value})$`).test(value) : value === m.value;
  return m.negate ? !hit : hit;
}

/** Silenced at `at` when an active silence's matchers all match the alert's labels. */
export function isSilenced(labels: Labels, silences: readonly Silence[], at: number): boolean {
  return silences.some((s) => s.startsAt <= at && at < s.endsAt && s.matchers.every((m) => matches(m, labels)));
}

/**
 * The root cause of a failing monitor: when something it depends on (directly or through others) is
 * down, the deepest such dependency — the one whose own dependencies are all up — so the identity
 * service being down yields one alert and one incident for it, with the business apps' failures
 * grouped under it. A monitor with no failing dependency is its own root. Cycles in the dependency
 * graph are tolerated (each monitor is visited once).
 */
export function rootCause(
  monitorId: string,
  down: ReadonlySet<string>,
  dependsOn: ReadonlyMap<string, readonly string[]>,
): string {
  const seen = new Set<string>([monitorId]);
  let current = monitorId;
  for (;;) {
    const next = (dependsOn.get(current) ?? []).find((d) => down.has(d) && !seen.has(d));
    if (next === undefined) return current;
    seen.add(next);
    current = next;
  }
}

/** Failing monitors grouped by root cause: one group, one alert, one incident. */
export function groupByRootCause(
  down: ReadonlySet<string>,
  dependsOn: ReadonlyMap<string, readonly string[]>,
): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const id of [...down].sort()) {
    const root = rootCause(id, down, dependsOn);
    groups.set(root, [...(groups.get(root) ?? []), id]);
  }
  return groups;
}
