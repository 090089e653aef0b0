/**
 * Retries within one cycle: a `down` attempt is tried again, up to `retries` more times with
 * `retryDelayMs` between attempts, and only the last attempt's result is reported. `degraded` and
 * `up` are final at once. The config refuses settings whose worst case (every attempt timing out)
 * would not end before the next cycle, so cycles never overlap (monitors/config.ts).
 */
import type { ProbeResult } from "./result";

export interface RetryOptions {
  retries: number;
  retryDelayMs: number;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export async function withRetries(
  attempt: (signal: AbortSignal) => Promise<ProbeResult>,
  options: RetryOptions,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const reasons: string[] = [];
  for (let n = 1; ; n++) {
    const outcome = await attempt(signal);
    if (outcome.state !== "down" || n > options.retries || signal.aborted) {
      // Earlier failures are kept, so a flapping target shows as "timeout, timeout, ok".
      return {
        ...outcome,
        detail: { ...outcome.detail, attempts: n, ...(reasons.length ? { earlierReasons: reasons } : {}) },
      };
    }
    reasons.push(outcome.reason);
    await pause(options.retryDelayMs, signal);
  }
}
