/**
 * Push (heartbeat) monitors: the app calls a per-monitor URL with a token, and silence longer than
 * the interval plus the grace is down. Pure functions — the HTTP endpoint and the storage of the
 * last heartbeat come later (docs/monitors.md, "Probes").
 */
import crypto from "node:crypto";
import { type ProbeResult, result } from "./result";

export interface Heartbeat {
  /** Milliseconds since the epoch. */
  at: number;
  /** An app may report itself down (for example a failed nightly job); the default is up. */
  state?: "up" | "down";
  message?: string;
}

export interface PushInput {
  lastHeartbeat: Heartbeat | null;
  /** When the monitor was created or last resumed: silence is counted from here before any heartbeat. */
  watchingSince: number;
  now: number;
  intervalSeconds: number;
  graceSeconds: number;
}

/**
 * The verdict at `now`, or null when there is none yet: no heartbeat has come and the first deadline
 * has not passed (the SLA counts that time as unknown, not up).
 */
export function evaluatePush(input: PushInput): ProbeResult | null {
  const allowedMs = (input.intervalSeconds + input.graceSeconds) * 1000;
  const last = input.lastHeartbeat;
  const since = last ? Math.max(last.at, input.watchingSince) : input.watchingSince;
  const silentMs = input.now - since;
  const detail: Record<string, unknown> = { lastHeartbeatAt: last ? new Date(last.at).toISOString() : null, silentMs };
  // A probe result carries no latency for a heartbeat; 0 keeps the field meaningful ("not measured").
  const started = performance.now();
  if (silentMs > allowedMs) {
    const seconds = Math.round(silentMs / 1000);
    return {
      ...result(
        "down",
        started,
        "push-silent",
        `No heartbeat for ${seconds} s.`,
        `已有 ${seconds} 秒没有收到心跳。`,
        detail,
      ),
      latencyMs: 0,
    };
  }
  if (!last || last.at < input.watchingSince) return null;
  if (last.state === "down") {
    const said = last.message ? `: ${last.message}` : ".";
    return {
      ...result(
        "down",
        started,
        "push-reported-down",
        `The app reported itself down${said}`,
        `应用上报自身故障${last.message ? `：${last.message}` : "。"}`,
        detail,
      ),
      latencyMs: 0,
    };
  }
  return { ...result("up", started, "ok", "Heartbeat received in time.", "按时收到心跳。", detail), latencyMs: 0 };
}

/** A new push token: 32 random bytes, URL-safe. */
export function newPushToken(): string {
  return crypto.randomBytes(32).toString("base64url");
}

/** Compares a presented token with the stored one in constant time. */
export function pushTokenMatches(presented: string, stored: string): boolean {
  const a = crypto.createHash("sha256").update(presented).digest();
  const b = crypto.createHash("sha256").update(stored).digest();
  return crypto.timingSafeEqual(a, b);
}
