import pg from "pg";
import {
  completeSecondFactorOverHttp,
  INIT_PASSWORDS,
  newSm2Key,
  type RunningServer,
  startServerProcess,
} from "../test/support/server-process";
import { type LoadResult, runLoad } from "./load";

/**
 * Entry 1: GET /api/v1/auth/me with a signed-in session (one UPDATE … RETURNING per request),
 * against the named baseline GET /healthz (same HTTP stack, no database), on the embedded
 * database and on the PostgreSQL server, all in one run.
 */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

async function signedInCookie(baseUrl: string): Promise<string> {
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "auditadmin", password: INIT_PASSWORDS.auditadmin }),
  });
  const passwordCookie = login.headers.get("set-cookie")?.split(";")[0];
  if (login.status !== 200 || !passwordCookie) throw new Error(`sign-in failed: ${login.status}`);
  // Admins sign in with a second factor: the benchmark client holds an SM2 key, as a USB key would.
  // Passing it replaces the session's cookie.
  const { next } = (await login.json()) as { next: string | null };
  const cookie = await completeSecondFactorOverHttp(baseUrl, passwordCookie, next, newSm2Key());
  const change = await fetch(`${baseUrl}/api/v1/auth/password`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ currentPassword: INIT_PASSWORDS.auditadmin, newPassword: "Bench-Pass-2026!x" }),
  });
  if (change.status !== 204) throw new Error(`password change failed: ${change.status}`);
  return cookie;
}

async function measure(server: RunningServer): Promise<{ baseline: LoadResult; me: LoadResult }> {
  const cookie = await signedInCookie(server.baseUrl);
  const load = (path: string, headers: Record<string, string> = {}, durationMs = DURATION_MS) =>
    runLoad({ url: `${server.baseUrl}${path}`, headers, concurrency: CONCURRENCY, durationMs, expectStatus: 200 });
  await load("/api/v1/auth/me", { cookie }, 1000); // warm-up: JIT, pool connections, plan cache
  return { baseline: await load("/healthz"), me: await load("/api/v1/auth/me", { cookie }) };
}

async function serverReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const fmt = (r: LoadResult) =>
  `${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50Ms.toFixed(2).padStart(6)} ms   p99 ${r.p99Ms.toFixed(2).padStart(6)} ms   (${r.requests} ok, ${r.errors} errors)`;

export async function benchAuthMe(): Promise<void> {
  console.log(
    `\n## GET /api/v1/auth/me — ${CONCURRENCY} connections, ${DURATION_MS / 1000} s each; baseline: GET /healthz`,
  );
  const results: Record<string, { baseline: LoadResult; me: LoadResult }> = {};
  const modes: [string, string | undefined][] = [["embedded", undefined]];
  if (await serverReachable(SERVER_URL)) modes.push(["server", SERVER_URL]);
  else console.log(`(no PostgreSQL server at ${SERVER_URL}: server figures skipped; set BENCH_DATABASE_URL)`);
  for (const [mode, databaseUrl] of modes) {
    const server = await startServerProcess({ databaseUrl, env: { TIANSHU_AUTH_RATE_LIMIT: "1000" } });
    try {
      results[mode] = await measure(server);
    } finally {
      await server.stop();
    }
    const r = results[mode];
    if (!r) continue;
    console.log(`${mode.padEnd(8)} /healthz  ${fmt(r.baseline)}`);
    console.log(
      `${mode.padEnd(8)} /auth/me  ${fmt(r.me)}   = ${(r.me.rps / r.baseline.rps).toFixed(3)} × baseline throughput`,
    );
  }
  const e = results.embedded?.me;
  const s = results.server?.me;
  if (e && s) {
    console.log(
      `embedded / server: throughput ${(e.rps / s.rps).toFixed(3)}×, p99 latency ${(e.p99Ms / s.p99Ms).toFixed(2)}×`,
    );
  }
}
