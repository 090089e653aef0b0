import http from "node:http";
import pg from "pg";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * A closed-loop HTTP load: `concurrency` keep-alive connections, each sending its next request as
 * soon as the previous answer arrives, for `durationMs`. Latency is measured per request. A GET,
 * or with `body` a POST of that JSON text.
 */
export async function runLoad(opts: {
  url: string;
  headers?: Record<string, string>;
  body?: string;
  concurrency: number;
  durationMs: number;
  expectStatus: number;
}): Promise<LoadResult> {
  const { body } = opts;
  const headers =
    body === undefined
      ? opts.headers
      : { ...opts.headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + opts.durationMs;
  const once = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = http.request(opts.url, { method: body === undefined ? "GET" : "POST", agent, headers }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === opts.expectStatus) latencies.push(performance.now() - t0);
          else errors++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < deadline) await once();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: pct(50),
    p99Ms: pct(99),
  };
}

/** True when a PostgreSQL server answers at `url` (the server benchmarks skip without one). */
export async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}
