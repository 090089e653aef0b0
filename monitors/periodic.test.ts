import assert from "node:assert/strict";
import { test } from "node:test";
import type { Logger } from "pino";
import type { LeaderJobContext } from "./jobs";
import { startPeriodic } from "./periodic";

const warnings: string[] = [];
const ctx = {
  db: null as never,
  logger: { warn: (o: { job: string; err: string }) => warnings.push(`${o.job}: ${o.err}`) } as unknown as Logger,
  isLeader: () => true,
} satisfies LeaderJobContext;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("rounds never overlap; a failed round is logged and the loop goes on; stop waits for the round in progress", async () => {
  let running = 0;
  let most = 0;
  let rounds = 0;
  let finished = 0;
  const job = startPeriodic(ctx, "slow", 5, async () => {
    rounds += 1;
    running += 1;
    most = Math.max(most, running);
    await sleep(30); // six intervals long
    running -= 1;
    finished += 1;
    if (rounds === 2) throw new Error("boom");
  });
  await sleep(150);
  await job.stop();
  assert.equal(most, 1, "two rounds at once");
  assert.ok(rounds >= 3, `went on after the failure (${rounds} rounds)`);
  assert.equal(finished, rounds, "stop() returned before the round in progress ended");
  assert.deepEqual(warnings, ["slow: boom"]);
  const after = rounds;
  await sleep(50);
  assert.equal(rounds, after, "no round after stop()");
});

test("a round that returns true is followed at once; otherwise the next waits the interval", async () => {
  const at: number[] = [];
  const job = startPeriodic(ctx, "batches", 200, async () => {
    at.push(Date.now());
    return at.length < 4; // three full batches, then caught up
  });
  await sleep(500);
  await job.stop();
  assert.ok(at.length >= 4 && at.length <= 5, `${at.length} rounds`);
  const gaps = at.slice(1).map((t, i) => t - (at[i] as number));
  assert.ok(
    gaps.slice(0, 3).every((g) => g < 100),
    `full batches followed at once: ${gaps}`,
  );
  if (gaps[3] !== undefined) assert.ok(gaps[3] >= 190, `then the interval: ${gaps}`);
});
