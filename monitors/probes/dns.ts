/**
 * The DNS probe: asks one resolver (the monitor's `server`, else the system's) for one record type
 * through c-ares (node:dns Resolver), which is asynchronous and so cannot tie up libuv's small
 * thread pool the way getaddrinfo can. Up when there is an answer and, if the monitor names an
 * expected value, one answer equals it.
 */
import { Resolver } from "node:dns/promises";
import { type DnsMonitor, parseDnsServer } from "../config";
import { deadline, failure, type ProbeResult, result, upOrDegraded } from "./result";

/** Names compare without case or a trailing dot; other answers as written. */
const normalise = (value: string) => value.trim().replace(/\.$/, "").toLowerCase();

async function lookup(resolver: Resolver, monitor: DnsMonitor): Promise<string[]> {
  switch (monitor.recordType) {
    case "A":
      return resolver.resolve4(monitor.hostname);
    case "AAAA":
      return resolver.resolve6(monitor.hostname);
    case "CNAME":
      return resolver.resolveCname(monitor.hostname);
    case "MX":
      // "10 mail.example.com": the expected value may name the exchange alone or with its priority.
      return (await resolver.resolveMx(monitor.hostname)).map((mx) => `${mx.priority} ${mx.exchange}`);
    case "TXT":
      return (await resolver.resolveTxt(monitor.hostname)).map((chunks) => chunks.join(""));
  }
}

function matches(answers: string[], expected: string, type: DnsMonitor["recordType"]): boolean {
  const want = normalise(expected);
  return answers.some((a) => normalise(a) === want || (type === "MX" && normalise(a.replace(/^\d+\s+/, "")) === want));
}

export async function probeDns(monitor: DnsMonitor, signal: AbortSignal): Promise<ProbeResult> {
  const started = performance.now();
  const limit = deadline(signal, monitor.timeoutMs);
  // One try with c-ares's own timeout at ours, so a silent server ends the query rather than retrying.
  const resolver = new Resolver({ timeout: monitor.timeoutMs, tries: 1 });
  const server = monitor.server ? parseDnsServer(monitor.server) : null;
  if (server)
    resolver.setServers([
      server.host.includes(":") ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`,
    ]);
  const detail: Record<string, unknown> = {
    hostname: monitor.hostname,
    recordType: monitor.recordType,
    server: monitor.server ?? "system",
  };
  const onAbort = () => resolver.cancel();
  limit.signal.addEventListener("abort", onAbort, { once: true });
  let answers: string[];
  try {
    answers = await lookup(resolver, monitor);
  } catch (err) {
    return dnsFailure(err, started, limit.state(), detail);
  } finally {
    limit.signal.removeEventListener("abort", onAbort);
    limit.release();
  }
  detail.answers = answers.slice(0, 20);
  if (monitor.expected !== undefined && !matches(answers, monitor.expected, monitor.recordType)) {
    return result(
      "down",
      started,
      "dns-mismatch",
      `No ${monitor.recordType} answer equals ${monitor.expected}.`,
      `没有与 ${monitor.expected} 相符的 ${monitor.recordType} 记录。`,
      detail,
    );
  }
  return upOrDegraded(started, monitor.degradedAfterMs, detail);
}

function dnsFailure(
  err: unknown,
  started: number,
  signals: { timedOut: boolean; aborted: boolean },
  detail: Record<string, unknown>,
): ProbeResult {
  const code = (err as NodeJS.ErrnoException)?.code;
  // c-ares reports a cancelled query as ECANCELLED: that is our deadline or the caller's.
  if (signals.timedOut || signals.aborted || code === "ECANCELLED")
    return failure(err, started, { ...signals, timedOut: !signals.aborted });
  switch (code) {
    case "ENOTFOUND":
      return result(
        "down",
        started,
        "dns-nxdomain",
        `${String(detail.hostname)} does not exist (NXDOMAIN).`,
        `域名 ${String(detail.hostname)} 不存在（NXDOMAIN）。`,
        detail,
      );
    case "ENODATA":
      return result(
        "down",
        started,
        "dns-no-data",
        `No ${String(detail.recordType)} record.`,
        `没有 ${String(detail.recordType)} 记录。`,
        detail,
      );
    case "ETIMEOUT":
      return result(
        "down",
        started,
        "timeout",
        "The DNS server did not answer within the timeout.",
        "DNS 服务器在超时时间内没有响应。",
        detail,
      );
    case "ECONNREFUSED":
      return result(
        "down",
        started,
        "connection-refused",
        "The DNS server refused the query.",
        "DNS 服务器拒绝了查询。",
        detail,
      );
    default: {
      const text = err instanceof Error ? err.message : String(err);
      return result("down", started, "dns-error", `The DNS query failed: ${text}`, `DNS 查询失败：${text}`, {
        ...detail,
        code,
      });
    }
  }
}
