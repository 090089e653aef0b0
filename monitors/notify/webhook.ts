import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Signed webhooks (docs/monitors.md, "Notifications"). The receiver checks
 * `X-Tianshu-Signature: t=<unix ms>,sm3=<hex>`, where the hex is HMAC-SM3 under the channel's secret
 * of `<t>.<body>` (the exact bytes sent): the timestamp is signed so a captured request cannot be
 * replayed later than the receiver's tolerance.
 */
export const SIGNATURE_HEADER = "x-tianshu-signature";
/** How long a receiver should accept a signed request (verifyWebhookSignature's default). */
export const DEFAULT_TOLERANCE_MS = 5 * 60_000;
/** Answers are read up to this size only: a receiver is not trusted to answer briefly. */
const MAX_ANSWER_BYTES = 16 * 1024;

export function signWebhook(secret: Buffer, timestamp: number, body: string): string {
  const mac = createHmac("sm3", secret).update(`${timestamp}.`).update(body, "utf8").digest("hex");
  return `t=${timestamp},sm3=${mac}`;
}

/** True when `header` signs `body` under `secret` within `toleranceMs` of `now` (receivers, tests). */
export function verifyWebhookSignature(
  secret: Buffer,
  header: string | undefined,
  body: string,
  now: number,
  toleranceMs = DEFAULT_TOLERANCE_MS,
): boolean {
  const m = /^t=(\d{1,15}),sm3=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return false;
  const timestamp = Number(m[1]);
  if (Math.abs(now - timestamp) > toleranceMs) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body).slice(-64), "hex");
  return timingSafeEqual(expected, Buffer.from(m[2] as string, "hex"));
}

export interface Delivery {
  ok: boolean;
  status: number | null;
  /** Why it failed, for the channel's delivery log (English; the console translates the kinds). */
  error: string | null;
  /** Whether trying again may help: network trouble, timeouts, 408, 429 and 5xx; not other 4xx. */
  retryable: boolean;
  ms: number;
}

/** POSTs a JSON body, signed; never throws. */
export async function sendWebhook(
  url: string,
  body: string,
  secret: Buffer,
  opts: { timeoutMs?: number; now?: () => number; headers?: Record<string, string> } = {},
): Promise<Delivery> {
  const now = opts.now ?? Date.now;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        ...opts.headers,
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Tianshu-Notifier/1.0",
        [SIGNATURE_HEADER]: signWebhook(secret, now(), body),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    await drain(res);
    const ok = res.status >= 200 && res.status < 300;
    return {
      ok,
      status: res.status,
      error: ok ? null : `HTTP ${res.status}`,
      retryable: !ok && (res.status === 408 || res.status === 429 || res.status >= 500),
      ms: ms(),
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === "TimeoutError" ? "timeout" : (e.cause?.code ?? e.message);
    return { ok: false, status: null, error: why, retryable: true, ms: ms() };
  }
}

async function drain(res: Response): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
      if (read > MAX_ANSWER_BYTES) return;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * Delay before retry `attempt` (1 = the first retry): exponential from `baseMs`, capped at `maxMs`,
 * with full jitter (a uniform draw below the exponential), so failed deliveries to one receiver do
 * not come back in step. `rand` is injectable for tests.
 */
export function retryDelay(attempt: number, rand: () => number = Math.random, baseMs = 1_000, maxMs = 600_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(rand() * ceiling);
}
