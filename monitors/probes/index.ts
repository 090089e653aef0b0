/**
 * Runs one check of an active monitor: its type's probe, retried within the cycle. Every runner has
 * the shape (definition, signal) => Promise<ProbeResult> and never throws; `signal` is the caller's
 * (the scheduler cancelling on shutdown), the monitor's own timeout is applied inside each attempt.
 * Push monitors are not probed: see push.ts.
 */
import type { ActiveMonitor } from "../config";
import { probeDns } from "./dns";
import { probeHttp } from "./http";
import { probePostgres } from "./postgres";
import { failure, type ProbeResult } from "./result";
import { withRetries } from "./retry";
import { probeTcp } from "./tcp";

export type { ProbeReason, ProbeResult, ProbeState } from "./result";
export { evaluatePush, newPushToken, pushTokenMatches } from "./push";

export function probeOnce(monitor: ActiveMonitor, signal: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  // The runners turn every fault into a result; this is the net under a bug in one of them.
  return runner(monitor, signal).catch((err: unknown) =>
    failure(err, started, { timedOut: false, aborted: signal.aborted }),
  );
}

function runner(monitor: ActiveMonitor, signal: AbortSignal): Promise<ProbeResult> {
  switch (monitor.type) {
    case "http":
      return probeHttp(monitor, signal);
    case "tcp":
      return probeTcp(monitor, signal);
    case "dns":
      return probeDns(monitor, signal);
    case "postgres":
      return probePostgres(monitor, signal);
  }
}

/** One cycle's verdict for `monitor`: down only after `retries` further attempts also failed. */
export function runCheck(monitor: ActiveMonitor, signal: AbortSignal): Promise<ProbeResult> {
  return withRetries((s) => probeOnce(monitor, s), monitor, signal);
}
