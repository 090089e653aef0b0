/**
 * A monitor's definition (docs/monitors.md, "Probes"): one zod schema per type — http, tcp, dns,
 * postgres, push — joined on `type`, with the per-monitor settings every type shares. Validation
 * messages come in English and Chinese (`monitorConfigErrors`), like api/src/http/zod-messages.ts;
 * monitors/ is a library below api/, so it keeps its own copy rather than importing api/.
 *
 * Targets on private addresses are allowed on purpose: this is an intranet product and watching
 * internal services is the point. What is refused is what turns a monitor into something else:
 * schemes other than http(s), credentials in a URL (they would be shown and logged as part of the
 * target) and CR/LF or other control characters that could inject headers or split a request.
 */
import net from "node:net";
import { z } from "zod";
import { JSON_PATH_OPERATORS, parseJsonPath } from "./probes/json-path";

export const MIN_INTERVAL_SECONDS = 10;
export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export const DNS_RECORD_TYPES = ["A", "AAAA", "CNAME", "MX", "TXT"] as const;

/** A custom issue with its Chinese message riding along in `params.zh`. */
type Ctx = { addIssue(issue: { code: "custom"; message: string; path?: PropertyKey[]; params: { zh: string } }): void };
const issue = (ctx: Ctx, path: PropertyKey[], message: string, zh: string) =>
  ctx.addIssue({ code: "custom", path, message, params: { zh } });

// Control characters: CR/LF split headers and requests; the URL parser silently drops tabs and
// newlines, so they are checked on the raw text before parsing.
const hasControl = (v: string) => [...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HOSTNAME =
  /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
/** Headers the probe sets itself from the request it sends; letting a monitor set them invites smuggling. */
const FORBIDDEN_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "upgrade", "te"]);

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const host = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .superRefine((v, ctx) => {
    if (net.isIP(v) === 0 && !HOSTNAME.test(v))
      issue(ctx, [], "Not a host name or IP address.", "不是有效的主机名或 IP 地址。");
  });

export const httpUrl = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .superRefine((v, ctx) => {
    if (hasControl(v)) return issue(ctx, [], "The URL contains control characters.", "URL 含有控制字符。");
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      return issue(ctx, [], "Not a valid URL.", "不是有效的 URL。");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return issue(ctx, [], "Only http:// and https:// URLs can be monitored.", "只能监控 http:// 或 https:// 地址。");
    }
    if (url.username || url.password) {
      issue(
        ctx,
        [],
        "Credentials may not be put in the URL; use a header.",
        "URL 中不能包含用户名或密码，请使用请求头。",
      );
    }
  });

/** "200", "200-299": the status codes an HTTP monitor accepts as up. */
const statusRange = z
  .string()
  .trim()
  .superRefine((v, ctx) => {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(v);
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2] ?? m?.[1]);
    if (!m || lo < 100 || hi > 599 || lo > hi) {
      issue(
        ctx,
        [],
        'A status code or range such as "200" or "200-299".',
        "应为状态码或范围，例如 “200” 或 “200-299”。",
      );
    }
  });

const jsonScalar = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

/** Settings every monitor has, push included. */
const identity = {
  name: z.string().trim().min(1).max(200),
  intervalSeconds: int(MIN_INTERVAL_SECONDS, 24 * 3600).describe("How often the monitor is checked (>= 10 s)"),
  tags: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
  owner: z.uuid().optional().describe("The account responsible for the monitor"),
  appId: z.uuid().optional().describe("The app or service the monitor belongs to"),
};

/** Settings of the monitors the prober actively checks. */
const active = {
  ...identity,
  timeoutMs: int(100, 300_000).default(5000).describe("Deadline of one attempt; below the interval"),
  retries: int(0, 10).default(0).describe("Extra attempts in the same cycle before the monitor is down"),
  retryDelayMs: int(0, 60_000).default(1000),
  degradedAfterMs: int(1, 300_000).optional().describe("Slower than this (but answering) is degraded"),
};

export const HttpMonitorSchema = z.strictObject({
  type: z.literal("http"),
  ...active,
  url: httpUrl,
  method: z.enum(HTTP_METHODS).default("GET"),
  headers: z.record(z.string(), z.string().max(8192)).default({}),
  body: z
    .string()
    .max(64 * 1024)
    .optional(),
  maxRedirects: int(0, 20).default(5).describe("0: a redirect is the answer and its status is judged"),
  acceptStatus: z.array(statusRange).min(1).max(20).default(["200-299"]),
  keyword: z
    .strictObject({
      value: z.string().min(1).max(1000),
      present: z.boolean().default(true).describe("false: down when the keyword IS in the body"),
      caseSensitive: z.boolean().default(true),
    })
    .optional(),
  jsonPath: z
    .strictObject({
      path: z
        .string()
        .trim()
        .min(1)
        .max(500)
        .superRefine((v, ctx) => {
          const parsed = parseJsonPath(v);
          if ("error" in parsed) issue(ctx, [], `Not a valid JSON path: ${parsed.error}`, "JSON 路径格式不正确。");
        }),
      op: z.enum(JSON_PATH_OPERATORS),
      value: jsonScalar,
    })
    .optional(),
  tlsExpiryDays: int(0, 365).optional().describe("Down when the certificate expires in fewer days"),
  ignoreTls: z.boolean().default(false).describe("Accept an untrusted certificate (still reports its expiry)"),
  ca: z
    .string()
    .max(64 * 1024)
    .refine((v) => v.includes("-----BEGIN CERTIFICATE-----"), {
      message: "A PEM certificate (-----BEGIN CERTIFICATE-----).",
      params: { zh: "应为 PEM 格式的证书。" },
    })
    .optional()
    .describe("PEM CA certificates to trust in addition to the system's (an internal CA)"),
});

export const TcpMonitorSchema = z.strictObject({
  type: z.literal("tcp"),
  ...active,
  host,
  port: int(1, 65535),
});

export const DnsMonitorSchema = z.strictObject({
  type: z.literal("dns"),
  ...active,
  hostname: host,
  recordType: z.enum(DNS_RECORD_TYPES).default("A"),
  server: z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      if (parseDnsServer(v) === null) {
        issue(ctx, [], 'An IP address, optionally with a port ("10.0.0.53:5353").', "应为 IP 地址，可带端口。");
      }
    })
    .optional()
    .describe("The resolver to ask; the system's when absent"),
  expected: z.string().trim().min(1).max(1024).optional().describe("Down unless one answer equals it"),
});

export const PostgresMonitorSchema = z.strictObject({
  type: z.literal("postgres"),
  ...active,
  connectionString: z
    .string()
    .trim()
    .max(2048)
    .superRefine((v, ctx) => {
      if (hasControl(v) || !/^postgres(ql)?:\/\//.test(v)) {
        issue(ctx, [], "A postgresql:// connection string.", "应为 postgresql:// 连接串。");
      }
    }),
  query: z.string().trim().min(1).max(10_000).default("SELECT 1"),
  expected: z.string().max(1024).optional().describe("Down unless the first column of the first row equals it"),
});

export const PushMonitorSchema = z.strictObject({
  type: z.literal("push"),
  ...identity,
  graceSeconds: int(0, 24 * 3600)
    .default(0)
    .describe("Extra silence tolerated after the interval"),
});

export const MonitorDefinitionSchema = z
  .discriminatedUnion("type", [
    HttpMonitorSchema,
    TcpMonitorSchema,
    DnsMonitorSchema,
    PostgresMonitorSchema,
    PushMonitorSchema,
  ])
  .superRefine((m, ctx) => {
    if (m.type === "push") return;
    const intervalMs = m.intervalSeconds * 1000;
    if (m.timeoutMs >= intervalMs) {
      issue(ctx, ["timeoutMs"], "The timeout must be shorter than the interval.", "超时时间必须短于检查间隔。");
    }
    if (m.degradedAfterMs !== undefined && m.degradedAfterMs >= m.timeoutMs) {
      issue(
        ctx,
        ["degradedAfterMs"],
        "The degraded threshold must be below the timeout.",
        "降级阈值必须小于超时时间。",
      );
    }
    // Retries run inside the cycle (retry.ts), so the worst case must end before the next one starts.
    const worstMs = (m.retries + 1) * m.timeoutMs + m.retries * m.retryDelayMs;
    if (m.timeoutMs < intervalMs && worstMs >= intervalMs) {
      issue(
        ctx,
        ["retries"],
        `With its retries a check can take ${worstMs} ms, longer than the interval; lower the timeout or the retries.`,
        `加上重试，一次检查最长需要 ${worstMs} 毫秒，超过检查间隔；请减小超时时间或重试次数。`,
      );
    }
    if (m.type === "http") refineHttp(m, ctx);
  });

function refineHttp(m: z.infer<typeof HttpMonitorSchema>, ctx: Ctx) {
  const entries = Object.entries(m.headers);
  if (entries.length > 50) issue(ctx, ["headers"], "At most 50 headers.", "请求头最多 50 个。");
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) {
      issue(ctx, ["headers", name], "Not a valid header name.", "请求头名称不合法。");
    } else if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
      issue(ctx, ["headers", name], "This header is set by the probe itself.", "该请求头由探测程序自行设置。");
    }
    if (hasControl(value.replace(/\t/g, ""))) {
      issue(
        ctx,
        ["headers", name],
        "Header values may not contain CR, LF or control characters.",
        "请求头的值不能包含换行或控制字符。",
      );
    }
  }
  if (m.body !== undefined && (m.method === "GET" || m.method === "HEAD")) {
    issue(ctx, ["body"], "GET and HEAD requests carry no body.", "GET 和 HEAD 请求不能带请求体。");
  }
  if (m.method === "HEAD" && (m.keyword || m.jsonPath)) {
    issue(ctx, ["method"], "A HEAD answer has no body to check.", "HEAD 请求没有响应体可供检查。");
  }
}

export type MonitorDefinitionInput = z.input<typeof MonitorDefinitionSchema>;
export type MonitorDefinition = z.infer<typeof MonitorDefinitionSchema>;
export type HttpMonitor = z.infer<typeof HttpMonitorSchema>;
export type TcpMonitor = z.infer<typeof TcpMonitorSchema>;
export type DnsMonitor = z.infer<typeof DnsMonitorSchema>;
export type PostgresMonitor = z.infer<typeof PostgresMonitorSchema>;
export type PushMonitor = z.infer<typeof PushMonitorSchema>;
/** The monitors the prober checks itself; push monitors are judged from heartbeats instead. */
export type ActiveMonitor = Exclude<MonitorDefinition, PushMonitor>;

/** "10.0.0.53", "10.0.0.53:5353", "[fd00::53]:5353" or "fd00::53" as the `host:port` c-ares accepts. */
export function parseDnsServer(value: string): { host: string; port: number } | null {
  const v = value.trim();
  if (net.isIP(v) !== 0) return { host: v, port: 53 };
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(v) ?? /^([^:]+):(\d{1,5})$/.exec(v);
  if (!m) return null;
  const port = Number(m[2]);
  if (net.isIP(m[1] as string) === 0 || port < 1 || port > 65535) return null;
  return { host: m[1] as string, port };
}

export interface MonitorConfigError {
  path: string;
  message: string;
  zh: string;
}

/** Chinese for zod's built-in issues; custom issues carry their own in `params.zh`. */
function zhFor(i: z.core.$ZodIssue): string {
  if (i.code === "custom" && typeof i.params?.zh === "string") return i.params.zh;
  switch (i.code) {
    case "invalid_type":
      return i.input === undefined ? "必填字段缺失" : `类型错误，应为 ${i.expected}`;
    case "too_small":
      return `长度或数值过小（最小 ${String(i.minimum)}）`;
    case "too_big":
      return `长度或数值过大（最大 ${String(i.maximum)}）`;
    case "unrecognized_keys":
      return `不允许的字段：${i.keys.join(", ")}`;
    case "invalid_format":
      return "格式不正确";
    case "invalid_value":
    case "invalid_union":
      return "取值不在允许范围内";
    default:
      return "取值无效";
  }
}

export function monitorConfigErrors(error: z.ZodError): MonitorConfigError[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message, zh: zhFor(i) }));
}

/** Validates a definition; on failure, the field errors in English and Chinese. */
export function parseMonitorDefinition(
  input: unknown,
): { ok: true; monitor: MonitorDefinition } | { ok: false; errors: MonitorConfigError[] } {
  // reportInput: zod 4 leaves `issue.input` out otherwise, and a null would read as "missing".
  const parsed = MonitorDefinitionSchema.safeParse(input, { reportInput: true });
  return parsed.success ? { ok: true, monitor: parsed.data } : { ok: false, errors: monitorConfigErrors(parsed.error) };
}
