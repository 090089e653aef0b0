import assert from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { probePostgres } from "./postgres";
import net from "node:net";
import { closeAll, closedPort, listen, monitor, never, trackSockets } from "./testing";

/**
 * Against the machine's PostgreSQL when DATABASE_URL is set (as the server test run does), else
 * against embedded PGlite served on a local socket — the product's default database, spoken to
 * over the same wire protocol. PGlite runs one statement at a time and has no statement timeout,
 * so the timeout tests need the server.
 */
const serverUrl = process.env.DATABASE_URL;
let url = serverUrl ?? "";
let embedded: { db: PGlite; server: PGLiteSocketServer } | undefined;
const table = `probe_test_${process.pid}`;

before(async () => {
  if (!serverUrl) {
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 64 });
    await server.start();
    const port = Number(server.getServerConn().split(":").pop());
    embedded = { db, server };
    url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE TABLE ${table} (n int)`);
  await client.end();
});

after(async () => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.end();
  if (embedded) {
    await embedded.server.stop();
    await embedded.db.close();
  }
});

const probe = (fields: Record<string, unknown>) =>
  probePostgres(monitor("postgres", { connectionString: url, timeoutMs: 3000, ...fields }), never);

describe("postgres probe", () => {
  test("the default SELECT 1 is up; an expected value is compared as text", async () => {
    const r = await probe({});
    assert.equal(r.state, "up", r.message);
    assert.equal(r.detail?.value, "1");
    assert.equal((await probe({ query: "SELECT 40 + 2", expected: "42" })).state, "up");
    const wrong = await probe({ query: "SELECT 'degraded'::text", expected: "ok" });
    assert.equal(wrong.state, "down");
    assert.equal(wrong.reason, "query-result");
    assert.equal((await probe({ query: "SELECT 1 WHERE false", expected: "1" })).reason, "query-result");
  });

  test("a failing query is down 'query-failed' with its SQLSTATE", async () => {
    const r = await probe({ query: "SELECT * FROM no_such_table" });
    assert.equal(r.state, "down");
    assert.equal(r.reason, "query-failed");
    assert.equal(r.detail?.sqlstate, "42P01");
  });

  test("the query cannot write: read-only transaction, one statement only", async () => {
    const write = await probe({ query: `INSERT INTO ${table} VALUES (1)` });
    assert.equal(write.reason, "query-failed");
    assert.equal(write.detail?.sqlstate, "25006"); // read_only_sql_transaction
    const smuggled = await probe({ query: `SELECT 1; COMMIT; INSERT INTO ${table} VALUES (2)` });
    assert.equal(smuggled.state, "down");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
    await client.end();
    assert.equal(rows[0].n, 0);
  });

  test("a closed port is down 'connection-refused'", async () => {
    const r = await probePostgres(
      monitor("postgres", {
        connectionString: `postgresql://postgres@127.0.0.1:${await closedPort()}/postgres`,
        timeoutMs: 1000,
      }),
      never,
    );
    assert.equal(r.state, "down");
    assert.equal(r.reason, "connection-refused");
  });

  test("a server that accepts and never speaks is down 'timeout' within the timeout", async () => {
    const silent = net.createServer(() => {});
    const sockets = trackSockets(silent);
    const port = await listen(silent);
    try {
      const t0 = Date.now();
      const r = await probePostgres(
        monitor("postgres", { connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`, timeoutMs: 300 }),
        never,
      );
      assert.equal(r.state, "down");
      assert.equal(r.reason, "timeout", r.message);
      assert.ok(Date.now() - t0 < 300 + 500, `took ${Date.now() - t0} ms`);
    } finally {
      await closeAll(silent, sockets);
    }
  });

  test(
    "a query slower than the timeout is down 'timeout' near the timeout",
    { skip: serverUrl ? false : "PGlite has no statement timeout" },
    async () => {
      const t0 = Date.now();
      const r = await probe({ query: "SELECT pg_sleep(5)", timeoutMs: 400 });
      assert.equal(r.state, "down");
      assert.equal(r.reason, "timeout", r.message);
      assert.ok(Date.now() - t0 < 400 + 1000, `took ${Date.now() - t0} ms`);
    },
  );

  test(
    "a wrong database name is down 'auth-failed'",
    { skip: serverUrl ? false : "PGlite serves any database name" },
    async () => {
      const other = new URL(url);
      other.pathname = "/no_such_database_for_probes";
      const r = await probe({ connectionString: other.href });
      assert.equal(r.state, "down");
      assert.equal(r.reason, "auth-failed");
      assert.equal(r.detail?.sqlstate, "3D000");
    },
  );
});
