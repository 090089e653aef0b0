/**
 * What one probe attempt reports (docs/monitors.md, "Probes"). A probe never throws: every fault —
 * refused, unreachable, hanging, oversized, badly signed — becomes a `down` result with a machine
 * reason and an English and a Chinese message, so one bad target cannot break the cycle of others.
 */
export type ProbeState = "up" | "degraded" | "down";

export type ProbeReason =
  | "ok"
  | "latency"
  | "timeout"
  | "aborted"
  | "status"
  | "keyword"
  | "json-invalid"
  | "json-path"
  | "tls-expiry"
  | "tls-invalid"
  | "body-too-large"
  | "redirect-loop"
  | "too-many-redirects"
  | "redirect-invalid"
  | "connection-refused"
  | "connection-reset"
  | "unreachable"
  | "host-not-found"
  | "dns-nxdomain"
  | "dns-no-data"
  | "dns-mismatch"
  | "dns-error"
  | "query-failed"
  | "query-result"
  | "auth-failed"
  | "push-silent"
  | "push-reported-down"
  | "error";

export interface ProbeResult {
  state: ProbeState;
  /** Milliseconds from the start of the attempt to its verdict (the whole exchange, not the first byte). */
  latencyMs: number;
  reason: ProbeReason;
  message: string;
  messageZh: string;
  /** Facts worth keeping with the result: status code, certificate days left, answers, attempts… */
  detail?: Record<string, unknown>;
}

export function result(
  state: ProbeState,
  startedAt: number,
  reason: ProbeReason,
  message: string,
  messageZh: string,
  detail?: Record<string, unknown>,
): ProbeResult {
  const latencyMs = Math.max(0, Math.round(performance.now() - startedAt));
  return detail
    ? { state, latencyMs, reason, message, messageZh, detail }
    : { state, latencyMs, reason, message, messageZh };
}

/**
 * `up`, or `degraded` when the attempt took longer than the monitor's threshold. Latency is judged
 * last: a wrong answer is down however fast it came.
 */
export function upOrDegraded(
  startedAt: number,
  degradedAfterMs: number | undefined,
  detail?: Record<string, unknown>,
): ProbeResult {
  const ok = result("up", startedAt, "ok", "OK", "正常", detail);
  if (degradedAfterMs !== undefined && ok.latencyMs > degradedAfterMs) {
    return {
      ...ok,
      state: "degraded",
      reason: "latency",
      message: `Answered in ${ok.latencyMs} ms, slower than the ${degradedAfterMs} ms threshold.`,
      messageZh: `响应耗时 ${ok.latencyMs} 毫秒，超过 ${degradedAfterMs} 毫秒的阈值。`,
    };
  }
  return ok;
}

/** Node's TLS verification codes: any of them means the peer's certificate was not trusted. */
const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "INVALID_CA",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/**
 * A thrown network error as a `down` result. `timedOut` tells a timeout (our own deadline) from a
 * cancellation by the caller (the scheduler shutting down), which both surface as AbortError.
 */
export function failure(
  err: unknown,
  startedAt: number,
  signals: { timedOut: boolean; aborted: boolean },
): ProbeResult {
  if (signals.timedOut) {
    return result("down", startedAt, "timeout", "No answer within the timeout.", "在超时时间内没有响应。");
  }
  if (signals.aborted) {
    return result("down", startedAt, "aborted", "The probe was cancelled.", "探测已被取消。");
  }
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === "string" ? e.code : "";
  const text = e instanceof Error ? e.message : String(err);
  const detail = { code: code || undefined, error: text };
  if (TLS_CODES.has(code) || code.startsWith("ERR_TLS_") || code.startsWith("ERR_SSL_")) {
    return result(
      "down",
      startedAt,
      "tls-invalid",
      `The TLS certificate is not trusted: ${text}`,
      `TLS 证书不受信任：${text}`,
      detail,
    );
  }
  switch (code) {
    case "ECONNREFUSED":
      return result("down", startedAt, "connection-refused", "The connection was refused.", "连接被拒绝。", detail);
    case "ECONNRESET":
    case "EPIPE":
      return result(
        "down",
        startedAt,
        "connection-reset",
        "The connection was closed by the peer.",
        "连接被对端关闭。",
        detail,
      );
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
    case "EADDRNOTAVAIL":
      return result("down", startedAt, "unreachable", "The host is unreachable.", "主机不可达。", detail);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return result("down", startedAt, "host-not-found", "The host name does not resolve.", "主机名无法解析。", detail);
    case "ETIMEDOUT":
      return result("down", startedAt, "timeout", "No answer within the timeout.", "在超时时间内没有响应。", detail);
    default:
      return result("down", startedAt, "error", `The probe failed: ${text}`, `探测失败：${text}`, detail);
  }
}

/**
 * The caller's signal combined with the monitor's own timeout, and a way to tell afterwards which
 * of the two fired. The timeout covers the whole attempt: connect, headers and body. `release()`
 * (call it in a finally) clears the timer and unhooks from the caller's signal, which lives as long
 * as the scheduler: AbortSignal.any would tie one dependant to it per probe.
 */
export function deadline(signal: AbortSignal, timeoutMs: number) {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(signal.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(Object.assign(new Error("The probe timed out."), { name: "TimeoutError" }));
  }, timeoutMs);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    state: () => ({ timedOut: timedOut && !signal.aborted, aborted: signal.aborted }),
    release() {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    },
  };
}
