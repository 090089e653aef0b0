/**
 * Exactly one active prober per cluster (docs/monitors.md, "Leader election"). Every instance tries
 * pg_try_advisory_lock on a dedicated connection; the one that gets it probes, the others try again
 * every `pollMs`. The lock is session-level: it lives exactly as long as that connection, so a
 * leader that dies (even by SIGKILL) releases it when the server sees its socket close, and a
 * follower takes over at its next try.
 *
 * A leader whose lock connection breaks keeps probing into its buffer (the database may be down for
 * everyone) but stops writing, and reconnects every second: if it gets the lock back it writes
 * what it buffered; if another instance took the lead meanwhile it stops and discards its buffer,
 * so two probers never both write. The embedded database admits one process (its data directory
 * is locked), so there the scheduler simply runs.
 */
import pg from "pg";
import type { Logger } from "pino";
import type { Db } from "../api/src/db/pool";
import { type JobSecrets, type LeaderJob, type RunningJob, startLeaderJobs } from "./jobs";
import { type Scheduler, type SchedulerOptions, startScheduler } from "./scheduler";

export const LEADER_LOCK = "tianshu.monitors.leader";
const RECONNECT_MS = 1_000;

export interface Leadership {
  /** True while this instance holds the lock on a live connection. */
  holding(): boolean;
  stop(): Promise<void>;
}

export function electLeader(opts: {
  connectionString: string;
  logger: Logger;
  pollMs?: number;
  onLead(): void;
  onLose(): void;
}): Leadership {
  const { logger } = opts;
  const pollMs = opts.pollMs ?? 2_000;
  let client: pg.Client | null = null;
  let holding = false;
  // Once leader, until another instance is seen holding the lock.
  let leading = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const drop = (c: pg.Client) => {
    if (client === c) client = null;
    holding = false;
    c.end().catch(() => {});
  };

  const attempt = async (): Promise<void> => {
    if (!client) {
      const c = new pg.Client({
        connectionString: opts.connectionString,
        application_name: "tianshu-monitors-leader",
        // A peer that vanished without closing its socket is noticed by TCP keepalive.
        keepAlive: true,
        connectionTimeoutMillis: 3_000,
      });
      c.on("error", (err) => {
        if (holding) logger.warn({ err: err.message }, "monitors: leader connection lost; buffering until it returns");
        drop(c);
      });
      await c.connect();
      if (stopped) return void c.end();
      client = c;
    }
    const c = client;
    if (holding) {
      await c.query("SELECT 1"); // still alive: the lock is still ours
      return;
    }
    const got = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [LEADER_LOCK]);
    if (got.rows[0]?.ok) {
      holding = true;
      if (!leading) {
        leading = true;
        logger.info("monitors: leading");
        opts.onLead();
      } else {
        logger.info("monitors: leadership confirmed again");
      }
    } else if (leading) {
      leading = false;
      logger.warn("monitors: another instance took the lead; stopping");
      opts.onLose();
    }
  };

  const loop = () => {
    if (stopped) return;
    attempt()
      .catch((err: Error) => {
        if (client) drop(client);
        logger.debug({ err: err.message }, "monitors: leader election attempt failed");
      })
      .finally(() => {
        if (stopped) return;
        // A leader that lost its connection retries at once-a-second, ahead of the followers.
        timer = setTimeout(loop, leading && !holding ? RECONNECT_MS : pollMs);
      });
  };
  loop();

  return {
    holding: () => holding,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      holding = false;
      await client?.end().catch(() => {});
      client = null;
    },
  };
}

export interface Monitoring {
  /** The running scheduler, while this instance probes. */
  scheduler(): Scheduler | null;
  stop(): Promise<void>;
}

/**
 * Runs the prober: under leader election on a server database (`connectionString`), directly on the
 * embedded one. Used by the API process (server.ts) and by `npm run monitors` (worker.ts).
 */
export function startMonitoring(
  opts: {
    db: Db;
    logger: Logger;
    connectionString: string | null;
    pollMs?: number;
    /** The cluster-wide jobs run beside the prober (default: LEADER_JOBS of jobs.ts). */
    jobs?: LeaderJob[];
    /** What the jobs open sealed values with (notification channel secrets). */
    secrets?: JobSecrets;
  } & Omit<SchedulerOptions, "db" | "logger" | "canWrite">,
): Monitoring {
  const { connectionString, pollMs, jobs, secrets, ...schedulerOpts } = opts;
  const jobContext = (isLeader: () => boolean) => ({ db: opts.db, logger: opts.logger, isLeader, secrets });
  if (!connectionString) {
    const scheduler = startScheduler(schedulerOpts);
    const running = startLeaderJobs(
      jobContext(() => true),
      jobs,
    );
    return {
      scheduler: () => scheduler,
      async stop() {
        await running.stop();
        await scheduler.stop();
      },
    };
  }
  let scheduler: Scheduler | null = null;
  let running: RunningJob | null = null;
  const leadership: Leadership = electLeader({
    connectionString,
    logger: opts.logger,
    pollMs,
    onLead() {
      scheduler = startScheduler({ ...schedulerOpts, canWrite: () => leadership.holding() });
      running = startLeaderJobs(
        jobContext(() => leadership.holding()),
        jobs,
      );
    },
    onLose() {
      const s = scheduler;
      const r = running;
      scheduler = null;
      running = null;
      void r?.stop();
      void s?.stop({ discard: true });
    },
  });
  return {
    scheduler: () => scheduler,
    async stop() {
      // Jobs and the buffer finish while the lock is still held, then the lock goes with its connection.
      await running?.stop();
      running = null;
      await scheduler?.stop();
      scheduler = null;
      await leadership.stop();
    },
  };
}
