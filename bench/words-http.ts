import pg from "pg";
import type { AclIntegrity } from "../api/src/authz/integrity";
import { reachable, runLoad } from "./load";
import { insertApiClient, platformTenant, startSeededServer } from "./server";
import { generateCorpus } from "./words-corpus";

/**
 * POST /api/v1/content/check/batch over HTTP on the PostgreSQL server (docs/words.md, "Benchmark"):
 * messages/s and per-request p50/p99 with batches of BENCH_WORDS_BATCH (default 100) corpus messages
 * against a published dictionary of the corpus's 22,000 words; baseline: GET /healthz, same process.
 */
const SERVER_URL = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BATCH = Number(process.env.BENCH_WORDS_BATCH ?? 100);

/** Publishes the corpus as version 1 and creates an API client with content:check, directly in SQL. */
async function seed(url: string, integrity: AclIntegrity, corpus: ReturnType<typeof generateCorpus>) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const owner = await platformTenant(client);
    const snapshot = {
      words: corpus.words.map((w) => [w.word, w.category, w.level, w.action, w.pinyin === true]),
      allow: corpus.allow,
    };
    await client.query(
      "INSERT INTO word_publications (tenant_id, version, snapshot, word_count, allow_count) VALUES ($1, 1, $2, $3, $4)",
      [owner.tenant, JSON.stringify(snapshot), snapshot.words.length, snapshot.allow.length],
    );
    await client.query("INSERT INTO word_active_versions (tenant_id, version) VALUES ($1, 1)", [owner.tenant]);
    return await insertApiClient(client, integrity, owner, ["content:check"]);
  } finally {
    await client.end();
  }
}

export async function benchWordsHttp(): Promise<void> {
  console.log(
    `\n## POST /api/v1/content/check/batch, ${BATCH} messages per request — ${CONCURRENCY} connections, ${DURATION_MS / 1000} s; baseline: GET /healthz`,
  );
  if (!(await reachable(SERVER_URL))) {
    console.log(`(no PostgreSQL server at ${SERVER_URL}: skipped; set BENCH_DATABASE_URL)`);
    return;
  }
  const corpus = generateCorpus();
  // The batch body (100 messages of up to 200 characters is ~60 KB) fits the default JSON limit;
  // larger batches need TIANSHU_BODY_LIMIT_KB.
  const server = await startSeededServer(SERVER_URL, { TIANSHU_BODY_LIMIT_KB: "4096" }, (url, integrity) =>
    seed(url, integrity, corpus),
  );
  const { base, seeded: bearer } = server;
  try {
    const body = JSON.stringify({ texts: corpus.messages.slice(0, BATCH), appId: "bench" });
    const headers = { authorization: bearer };
    const probe = await fetch(`${base}/api/v1/content/check/batch`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    });
    if (probe.status !== 200) throw new Error(`check failed: ${probe.status} ${await probe.text()}`);
    const baseline = await runLoad({
      url: `${base}/healthz`,
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      expectStatus: 200,
    });
    const batch = await runLoad({
      url: `${base}/api/v1/content/check/batch`,
      headers,
      body,
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      expectStatus: 200,
    });
    console.log(
      `server  /healthz              ${baseline.rps.toFixed(0).padStart(7)} req/s   p50 ${baseline.p50Ms.toFixed(2)} ms   p99 ${baseline.p99Ms.toFixed(2)} ms`,
    );
    console.log(
      `server  /content/check/batch  ${batch.rps.toFixed(0).padStart(7)} req/s = ${(batch.rps * BATCH).toFixed(0)} messages/s   p50 ${batch.p50Ms.toFixed(2)} ms   p99 ${batch.p99Ms.toFixed(2)} ms   (${batch.errors} errors)`,
    );
  } finally {
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchWordsHttp();
