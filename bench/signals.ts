import { seeded } from "./words-corpus";
import { SlidingWindowCounter } from "../monitors/signals";

/**
 * Warning rules on business signals (issue 6): events evaluated per second by a sliding-window rule
 * grouped by key (monitors/signals.ts), on one core. Events: 100,000 distinct keys (applicants),
 * key popularity skewed (a few very active), time advancing 2 ms per event (67 minutes in all, so the 1-hour window also drains).
 * **Baseline:** the same loop incrementing a plain Map<string, number> (counting with no window).
 */
const EVENTS = Number(process.env.BENCH_SIGNALS_EVENTS ?? 2_000_000);
const KEYS = 100_000;

function events(n: number): string[] {
  const rand = seeded(7);
  // Squaring a uniform draw skews towards low ids: a few keys get most of the events.
  return Array.from({ length: n }, () => `applicant-${Math.floor(rand() ** 2 * KEYS)}`);
}

function rate(keys: readonly string[], add: (key: string, at: number) => unknown): number {
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 10_000; i++) add(keys[i] as string, t0 + i); // warm up
  const started = performance.now();
  for (let i = 0; i < keys.length; i++) add(keys[i] as string, t0 + 2 * i);
  return keys.length / ((performance.now() - started) / 1000);
}

export function benchSignals(): void {
  console.log(`\n## Warning rules — ${EVENTS} signals over ${KEYS} keys, one sliding-window rule, one core`);
  const keys = events(EVENTS);
  const plain = new Map<string, number>();
  const baseline = rate(keys, (key) => plain.set(key, (plain.get(key) ?? 0) + 1));
  const rule = new SlidingWindowCounter({ threshold: 50, windowMs: 3_600_000 });
  let fired = 0;
  const windowed = rate(keys, (key, at) => {
    if (rule.add(key, at)?.state === "firing") fired += 1;
  });
  console.log(`baseline  Map counter (no window)     ${baseline.toFixed(0).padStart(10)} events/s`);
  console.log(
    `rule      sliding window by key      ${windowed.toFixed(0).padStart(10)} events/s = ` +
      `${(windowed / baseline).toFixed(2)} × baseline (${fired} crossings, ${rule.size} keys held)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) benchSignals();
