/**
 * The HTTP(S) probe: one request, redirects followed up to the monitor's limit, then the answer
 * judged against the monitor's conditions in a fixed order — status, certificate expiry, body size,
 * keyword, JSON path, and last latency (degraded). See docs/monitors.md, "Probes".
 */
import type { HttpMonitor } from "../config";
import { type Exchange, exchange, MAX_BODY_BYTES, REDIRECT_STATUSES } from "./http-exchange";
import { compareJsonValue, evaluateJsonPath, parseJsonPath } from "./json-path";
import { deadline, failure, type ProbeResult, result, upOrDegraded } from "./result";

/** Not sent on to another origin by a redirect: credentials, and a Host meant for the first server. */
const FIRST_ORIGIN_ONLY = new Set(["authorization", "cookie", "proxy-authorization", "host"]);

export function statusAccepted(status: number, ranges: readonly string[]): boolean {
  return ranges.some((range) => {
    const [lo, hi = lo] = range.split("-").map(Number);
    return lo !== undefined && status >= lo && status <= (hi as number);
  });
}

export async function probeHttp(monitor: HttpMonitor, signal: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const limit = deadline(signal, monitor.timeoutMs);
  let url = new URL(monitor.url);
  let method: string = monitor.method;
  let body = monitor.body;
  let headers = { ...monitor.headers };
  const visited = new Set([url.href]);
  const redirects: string[] = [];
  try {
    for (;;) {
      const answer = await exchange(
        {
          url,
          method,
          headers,
          body,
          ignoreTls: monitor.ignoreTls,
          ca: monitor.ca,
          skipRedirectBody: monitor.maxRedirects > 0,
        },
        limit.signal,
      );
      const location = answer.headers.location;
      if (monitor.maxRedirects === 0 || !REDIRECT_STATUSES.has(answer.status) || !location) {
        return judge(answer, monitor, started, redirects);
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        next = new URL("invalid:");
      }
      // The target's text goes into messages: bounded, as a hostile server may send anything.
      const shown = location.slice(0, 300);
      const detail = { status: answer.status, url: url.href, location: shown, redirects };
      if (next.protocol !== "http:" && next.protocol !== "https:") {
        return result(
          "down",
          started,
          "redirect-invalid",
          `Redirected to an unusable location: ${shown}`,
          `重定向到了无法使用的地址：${shown}`,
          detail,
        );
      }
      if (visited.has(next.href)) {
        return result(
          "down",
          started,
          "redirect-loop",
          `Redirect loop back to ${next.href}.`,
          `重定向循环，回到了 ${next.href}。`,
          detail,
        );
      }
      if (redirects.length >= monitor.maxRedirects) {
        return result(
          "down",
          started,
          "too-many-redirects",
          `More than ${monitor.maxRedirects} redirects.`,
          `重定向超过 ${monitor.maxRedirects} 次。`,
          detail,
        );
      }
      // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
      if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === "POST")) {
        if (method !== "HEAD") method = "GET";
        body = undefined;
      }
      if (next.origin !== url.origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => !FIRST_ORIGIN_ONLY.has(name.toLowerCase())),
        );
      }
      visited.add(next.href);
      redirects.push(next.href);
      url = next;
    }
  } catch (err) {
    return failure(err, started, limit.state());
  } finally {
    limit.release();
  }
}

function judge(answer: Exchange, monitor: HttpMonitor, started: number, redirects: string[]): ProbeResult {
  const detail: Record<string, unknown> = { status: answer.status, url: answer.url.href };
  if (redirects.length > 0) detail.redirects = redirects;
  if (answer.tls) detail.tls = answer.tls;
  if (!statusAccepted(answer.status, monitor.acceptStatus)) {
    return result(
      "down",
      started,
      "status",
      `Status ${answer.status} is not accepted (${monitor.acceptStatus.join(", ")}).`,
      `状态码 ${answer.status} 不在允许范围内（${monitor.acceptStatus.join(", ")}）。`,
      detail,
    );
  }
  const daysLeft = answer.tls?.daysLeft;
  if (monitor.tlsExpiryDays !== undefined && daysLeft !== undefined && daysLeft < monitor.tlsExpiryDays) {
    return result(
      "down",
      started,
      "tls-expiry",
      `The certificate expires in ${daysLeft} days (threshold ${monitor.tlsExpiryDays}).`,
      `证书将在 ${daysLeft} 天后过期（阈值 ${monitor.tlsExpiryDays} 天）。`,
      detail,
    );
  }
  if (answer.tooLarge || answer.body === null) {
    return result(
      "down",
      started,
      "body-too-large",
      `The body is larger than ${MAX_BODY_BYTES} bytes.`,
      `响应体超过 ${MAX_BODY_BYTES} 字节。`,
      detail,
    );
  }
  detail.bytes = answer.body.length;
  const text = monitor.keyword || monitor.jsonPath ? answer.body.toString("utf8") : "";
  if (monitor.keyword) {
    const { value, present, caseSensitive } = monitor.keyword;
    const found = caseSensitive ? text.includes(value) : text.toLowerCase().includes(value.toLowerCase());
    if (found !== present) {
      return present
        ? result(
            "down",
            started,
            "keyword",
            `The keyword "${value}" is not in the body.`,
            `响应体中没有关键字“${value}”。`,
            detail,
          )
        : result(
            "down",
            started,
            "keyword",
            `The body contains "${value}".`,
            `响应体中出现了关键字“${value}”。`,
            detail,
          );
    }
  }
  if (monitor.jsonPath) {
    const { path, op, value } = monitor.jsonPath;
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      return result("down", started, "json-invalid", "The body is not valid JSON.", "响应体不是有效的 JSON。", detail);
    }
    const parsed = parseJsonPath(path);
    const found = "segments" in parsed ? evaluateJsonPath(document, parsed.segments) : { found: false };
    // Scalars only: an object or array found at the path could be as large as the body.
    if (found.found && (found.value === null || typeof found.value !== "object")) detail.jsonValue = found.value;
    if (!found.found) {
      return result(
        "down",
        started,
        "json-path",
        `Nothing at JSON path ${path}.`,
        `JSON 路径 ${path} 处没有值。`,
        detail,
      );
    }
    if (!compareJsonValue(found.value, op, value)) {
      const shown = JSON.stringify(found.value)?.slice(0, 200);
      return result(
        "down",
        started,
        "json-path",
        `${path} is ${shown}, expected ${op} ${JSON.stringify(value)}.`,
        `${path} 的值为 ${shown}，期望 ${op} ${JSON.stringify(value)}。`,
        detail,
      );
    }
  }
  return upOrDegraded(started, monitor.degradedAfterMs, detail);
}
