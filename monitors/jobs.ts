/**
 * Periodic work that must run once per cluster, beside the prober, on the leader only: alert rule
 * evaluation, push-monitor silence, incident deadlines, notification delivery. Each job is started
 * when this instance takes the lead and stopped when it loses it or shuts down (leader.ts).
 *
 * A job reads what it needs from the database each round, so it sees results written by any
 * instance (the push endpoint runs in every API process) and survives a change of leader.
 */
import type { Logger } from "pino";
import type { Db } from "../api/src/db/pool";
import type { SecretCipher } from "../api/src/monitors/secrets";
import { alertEvaluatorJob } from "./alerting/evaluator";
import { incidentDeadlineJob } from "./incident-job";
import { deliveryJob } from "./notify/delivery";
import { pushSilenceJob } from "./push";

export interface LeaderJobContext {
  db: Db;
  logger: Logger;
  /** False once leadership is lost: a job checks it before each write it would not want doubled. */
  isLeader: () => boolean;
  /**
   * Opens values sealed at rest (the field cipher, api/src/crypto/fields.ts), e.g. channel secrets;
   * `refresh` re-reads the data keys when one does not open. Absent: only values stored in clear.
   */
  secrets?: JobSecrets | undefined;
}

export interface JobSecrets {
  cipher: SecretCipher;
  refresh?: (() => Promise<void>) | undefined;
}

export interface RunningJob {
  /** Stops the job and waits for a round in progress. */
  stop(): Promise<void>;
}

export interface LeaderJob {
  name: string;
  start(ctx: LeaderJobContext): RunningJob;
}

/** The cluster-wide jobs, started in this order. One line per job. */
export const LEADER_JOBS: LeaderJob[] = [
  alertEvaluatorJob, // warning rules → alerts, notifications, incidents (alerting/evaluator.ts)
  pushSilenceJob(), // push monitors silent past interval + grace become down (push.ts)
  incidentDeadlineJob(), // incident response/fix deadline breaches, escalated once each (incident-job.ts)
  deliveryJob, // the notification outbox: send, retry with backoff, then failed (notify/delivery.ts)
];

/** Starts every job; the result stops them all (in reverse order), each failure logged, none thrown. */
export function startLeaderJobs(ctx: LeaderJobContext, jobs: LeaderJob[] = LEADER_JOBS): RunningJob {
  const running = jobs.map((job) => ({ name: job.name, job: job.start(ctx) }));
  return {
    async stop() {
      for (const { name, job } of running.reverse()) {
        await job
          .stop()
          .catch((err: Error) => ctx.logger.warn({ job: name, err: err.message }, "monitors: job stop failed"));
      }
    },
  };
}
