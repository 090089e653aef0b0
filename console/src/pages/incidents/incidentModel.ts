import { canMove, type Grade, type IncidentState } from "../../../../monitors/incidents";

// The grades, states and lifecycle are the server's own rules (monitors/incidents.ts imports nothing).
export {
  canMove,
  DEFAULT_DEADLINES,
  deadlineProblems,
  GRADES,
  reviewProblems,
  STATES,
} from "../../../../monitors/incidents";
export type { Grade, GradeDeadlines, IncidentState } from "../../../../monitors/incidents";

export const GRADE_COLOR: Record<Grade, string> = { I: "red", II: "volcano", III: "gold", IV: "blue" };
export const STATE_COLOR: Record<IncidentState, string> = {
  open: "red",
  acknowledged: "orange",
  mitigated: "gold",
  resolved: "green",
  closed: "default",
};

/** The buttons of the detail drawer, in lifecycle order; "reopen" is resolved → acknowledged. */
export const TRANSITIONS = ["acknowledge", "mitigate", "resolve", "reopen", "close"] as const;
export type Transition = (typeof TRANSITIONS)[number];

const TARGET: Record<Transition, IncidentState> = {
  acknowledge: "acknowledged",
  mitigate: "mitigated",
  resolve: "resolved",
  reopen: "acknowledged",
  close: "closed",
};

/** The transitions the lifecycle allows from `state` (acknowledge from resolved is the reopen, not an ack). */
export function transitionsFrom(state: IncidentState): Transition[] {
  return TRANSITIONS.filter((t) => {
    if (state === "resolved" && t === "acknowledge") return false;
    if (t === "reopen") return state === "resolved";
    return canMove(state, TARGET[t]);
  });
}

/**
 * One deadline as the board shows it: still running (time left), passed without the step (overdue by),
 * or met / missed when the step came (`doneAt`). Times in ms since the epoch.
 */
export type DeadlineView =
  | { kind: "running"; leftMs: number }
  | { kind: "overdue"; lateMs: number }
  | { kind: "met" }
  | { kind: "missed"; lateMs: number };

export function deadlineView(deadline: number, doneAt: number | null, now: number): DeadlineView {
  if (doneAt !== null) return doneAt <= deadline ? { kind: "met" } : { kind: "missed", lateMs: doneAt - deadline };
  // On the deadline is on time (docs/monitors.md, "Breaches").
  return now <= deadline ? { kind: "running", leftMs: deadline - now } : { kind: "overdue", lateMs: now - deadline };
}

/** "1d 02:03:04" / "02:03:04" / "03:04": a countdown that reads at a glance. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  const clock =
    hours > 0 || days > 0 ? `${pad(hours)}:${pad(minutes)}:${pad(seconds)}` : `${pad(minutes)}:${pad(seconds)}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}

/** Minutes as the statistics show them: "4.5 min", "2.3 h", "1.2 d"; null as an em dash. */
export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return "—";
  if (minutes < 60) return `${round1(minutes)} min`;
  if (minutes < 24 * 60) return `${round1(minutes / 60)} h`;
  return `${round1(minutes / (24 * 60))} d`;
}

export function formatRate(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "—" : `${round1(rate * 100)}%`;
}

function round1(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/** The review form's actions come as one per line; blank lines are dropped. */
export function actionsFromText(text: string | undefined): string[] {
  return (text ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}
