import type { LeaderJobContext, RunningJob } from "./jobs";

/**
 * The loop every leader job runs: `round` every `everyMs` after the previous round ends, so two
 * rounds never overlap and a slow round delays the next instead of piling up. A round that returns
 * `true` has more to do (a full batch) and the next follows at once. A failed round is logged with
 * the job's name and the loop goes on; timers are unref'd; stop() waits for the round in progress.
 */
export function startPeriodic(
  ctx: LeaderJobContext,
  name: string,
  everyMs: number,
  round: () => Promise<boolean | unknown>,
): RunningJob {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const schedule = (delay: number) => {
    timer = setTimeout(tick, delay);
    timer.unref();
  };
  const tick = () => {
    current = round()
      .then(
        (more) => more === true,
        (err: Error) => {
          ctx.logger.warn({ job: name, err: err.message }, "monitors: job round failed");
          return false;
        },
      )
      .then((more) => {
        if (!stopped) schedule(more ? 0 : everyMs);
      });
  };
  schedule(everyMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
