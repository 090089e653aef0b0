/**
 * Push (heartbeat) monitors in storage (docs/monitors.md, "Push monitors"). An app calls
 * /api/v1/push/:id (api/src/monitors/push-routes.ts, any API instance): each heartbeat is a result
 * written through writeResults like the prober's. Silence is judged here, on the leader: a job
 * finds push monitors silent for longer than interval + grace and writes one `down` `push-silent`
 * result per silence, dated when the silence passed the allowance (not when the job noticed).
 *
 * The job reads everything from the database each round, so it judges heartbeats received by any
 * instance, and a new leader carries on where the old one stopped.
 */
import { sql } from "kysely";
import type { Db } from "../api/src/db/pool";
import type { LeaderJob, RunningJob } from "./jobs";
import { startPeriodic } from "./periodic";
import { evaluatePush } from "./probes/push";
import { writeResults } from "./store";
import type { RawResult } from "./transitions";

/**
 * The interval writeResults uses for gap detection of push monitors: none. A push monitor's silence
 * is its outage (the app stopped calling), not missing data, so it must not turn into `unknown`.
 */
export const PUSH_NO_GAPS = Number.POSITIVE_INFINITY;

/** Reasons of push results (docs/monitors.md, "Results"). */
export const PUSH_REASONS = { ok: "ok", reportedDown: "push-reported-down", silent: "push-silent" } as const;

/** A heartbeat as the endpoint received it. */
export interface PushHeartbeat {
  monitorId: string;
  at: number;
  state: "up" | "down";
  message?: string | undefined;
  latencyMs?: number | undefined;
}

/** Writes one heartbeat as a result (idempotent on monitor and time). Returns whether it was new. */
export async function recordHeartbeat(db: Db, hb: PushHeartbeat): Promise<boolean> {
  const down = hb.state === "down";
  const result: RawResult = {
    monitorId: hb.monitorId,
    at: hb.at,
    state: hb.state,
    latencyMs: hb.latencyMs ?? 0,
    reason: down ? PUSH_REASONS.reportedDown : PUSH_REASONS.ok,
    message: (hb.message ?? (down ? "The app reported itself down." : "Heartbeat received.")).slice(0, 1000),
  };
  return (await writeResults(db, [result], new Map([[hb.monitorId, PUSH_NO_GAPS]]))) === 1;
}

interface Candidate {
  id: string;
  interval_seconds: number;
  grace_seconds: number;
  watching_since: Date;
  last_result_at: Date | null;
}

/**
 * One round: every active push monitor whose silence passed interval + grace, and whose current
 * state is not already this silence's `down`, gets one `push-silent` result. Returns how many.
 * The selection is in SQL, so a round over thousands of healthy push monitors returns no rows.
 */
export async function judgeSilentPushMonitors(
  db: Db,
  now = Date.now(),
  isLeader: () => boolean = () => true,
): Promise<number> {
  // Silence is counted from the last result (a heartbeat: the silent result is excluded below), or
  // from the last change of the monitor (created, resumed, edited) when that is later.
  const rows = await sql<Candidate>`
    SELECT m.id,
           (m.definition ->> 'intervalSeconds')::int AS interval_seconds,
           coalesce((m.definition ->> 'graceSeconds')::int, 0) AS grace_seconds,
           m.updated_at AS watching_since,
           s.last_result_at
    FROM monitors m
    LEFT JOIN monitor_status s ON s.monitor_id = m.id
    WHERE m.type = 'push' AND NOT m.paused
      AND NOT (coalesce(s.state, '') = 'down' AND coalesce(s.last_reason, '') = ${PUSH_REASONS.silent})
      AND greatest(s.last_result_at, m.updated_at)
          + make_interval(secs => (m.definition ->> 'intervalSeconds')::int
                                  + coalesce((m.definition ->> 'graceSeconds')::int, 0))
          < ${new Date(now)}`.execute(db);
  const batch: RawResult[] = [];
  for (const r of rows.rows) {
    const verdict = evaluatePush({
      lastHeartbeat: r.last_result_at ? { at: r.last_result_at.getTime() } : null,
      watchingSince: r.watching_since.getTime(),
      now,
      intervalSeconds: r.interval_seconds,
      graceSeconds: r.grace_seconds,
    });
    if (verdict?.reason !== PUSH_REASONS.silent) continue;
    const since = Math.max(r.last_result_at?.getTime() ?? 0, r.watching_since.getTime());
    // Dated when the allowance ran out: the outage began then, even if this round came later.
    const at = Math.min(now, since + (r.interval_seconds + r.grace_seconds) * 1000 + 1);
    batch.push({ monitorId: r.id, at, state: "down", latencyMs: 0, reason: verdict.reason, message: verdict.message });
  }
  if (batch.length === 0 || !isLeader()) return 0;
  return writeResults(db, batch, new Map(batch.map((b) => [b.monitorId, PUSH_NO_GAPS])));
}

/** The leader job (monitors/jobs.ts LEADER_JOBS): a round every `everyMs` (default 5 s). */
export function pushSilenceJob(everyMs = 5_000): LeaderJob {
  return {
    name: "push-silence",
    start: (ctx): RunningJob =>
      startPeriodic(ctx, "push-silence", everyMs, () => judgeSilentPushMonitors(ctx.db, Date.now(), ctx.isLeader)),
  };
}
