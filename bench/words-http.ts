import crypto from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type AclIntegrity, createAclIntegrity } from "../api/src/authz/integrity";
import { loadKek } from "../api/src/crypto/keys";
import { cryptoProfile } from "../api/src/crypto/profile";
import { dropDatabaseAt, emptyDatabaseOn } from "../test/support/db";
import { freePort, spawnMain, waitReady } from "../test/support/server-process";
import { reachable, runLoad } from "./load";
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
    const tenant = (await client.query("SELECT id FROM tenants ORDER BY created_at LIMIT 1")).rows[0].id as string;
    const admin = (await client.query("SELECT id FROM users WHERE tenant_id = $1 LIMIT 1", [tenant])).rows[0]
      .id as string;
    const snapshot = {
      words: corpus.words.map((w) => [w.word, w.category, w.level, w.action, w.pinyin === true]),
      allow: corpus.allow,
    };
    await client.query(
      "INSERT INTO word_publications (tenant_id, version, snapshot, word_count, allow_count) VALUES ($1, 1, $2, $3, $4)",
      [tenant, JSON.stringify(snapshot), snapshot.words.length, snapshot.allow.length],
    );
    await client.query("INSERT INTO word_active_versions (tenant_id, version) VALUES ($1, 1)", [tenant]);
    const cid = crypto.randomUUID();
    const secret = crypto.randomBytes(32).toString("base64url");
    const digest = crypto.createHash("sm3").update(secret).digest("hex");
    const scopes = ["content:check"];
    const mac = integrity.mac("api_client", { id: cid, tenantId: tenant, secretHash: digest, scopes, revoked: false });
    await client.query(
      "INSERT INTO api_clients (id, tenant_id, name, secret_hash, scopes, created_by, mac) VALUES ($1,$2,'bench',$3,$4,$5,$6)",
      [cid, tenant, digest, scopes, admin, mac],
    );
    return `Bearer ${cid}.${secret}`;
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
  const url = await emptyDatabaseOn(SERVER_URL);
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "tianshu-bench-"));
  // The batch body (100 messages of up to 200 characters is ~60 KB) fits the default JSON limit;
  // larger batches need TIANSHU_BODY_LIMIT_KB.
  const env = {
    DATABASE_URL: url,
    PORT: String(port),
    HOST: "127.0.0.1",
    TIANSHU_DATA_DIR: dataDir,
    TIANSHU_BODY_LIMIT_KB: "4096",
  };
  let proc = spawnMain(env);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitReady(base, proc); // migrates and creates the platform tenant
    proc.child.kill("SIGTERM");
    await proc.exited;
    const kek = loadKek({ kek: undefined, dataDir, production: false });
    const bearer = await seed(url, createAclIntegrity(cryptoProfile("gm"), kek), corpus);
    proc = spawnMain(env);
    await waitReady(base, proc);
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
    if (proc.child.exitCode === null) {
      proc.child.kill("SIGTERM");
      await proc.exited;
    }
    await dropDatabaseAt(SERVER_URL, url);
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchWordsHttp();
