import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { pino } from "pino";
import { connectDatabase, type Database } from "../../api/src/db/connect";
import { type EmbeddedDatabase, startEmbedded } from "../../api/src/db/embedded";
import { MIGRATIONS_DIR, migrateUp } from "../../api/src/db/migrate";
import { type DbRelay, startProxy } from "./proxy";

/**
 * A fresh, migrated database for one test file.
 * - DATABASE_URL set: a real PostgreSQL server. The schema is migrated once into a template
 *   database named after the migrations' content, then each test file gets CREATE DATABASE … TEMPLATE.
 * - unset: an in-memory embedded PGlite, migrated from empty (the product's default mode).
 */
export const serverUrl = process.env.DATABASE_URL;
export const mode: "server" | "embedded" = serverUrl ? "server" : "embedded";
export const silentLogger = pino({ level: "silent" });

export interface TestDatabase extends Database {
  /** Connection URL of this test's own database (server mode only). */
  url: string | undefined;
  /** With `{ proxy: true }`: the relay between app and database, to cut the connection. */
  proxy?: DbRelay;
}

export async function testDatabase(opts: { proxy?: boolean } = {}): Promise<TestDatabase> {
  if (opts.proxy) return proxiedDatabase();
  if (!serverUrl) return embeddedFromTemplate();
  const url = await createServerDatabase(await ensureTemplate());
  const database = await connectDatabase({ databaseUrl: url, dataDir: null, poolMax: 5, migrate: false }, silentLogger);
  return {
    ...database,
    url,
    async close() {
      await database.close();
      await dropServerDatabase(url);
    },
  };
}

/**
 * Embedded: PGlite's initdb costs seconds, so the migrated data directory is dumped once per
 * migrations digest to a file in the temp dir, and each test file loads that (about a second).
 */
/** In-memory embedded databases listen on loopback TCP (no data dir, so no unix socket). */
function embeddedUrl(embedded: EmbeddedDatabase): string {
  const { host, port } = embedded.connection;
  return `postgresql://postgres@${host}:${port}/postgres`;
}

async function embeddedFromTemplate(): Promise<TestDatabase> {
  const embedded = await startEmbedded(null, { loadDataDir: await embeddedTemplate() });
  const database = await connectDatabase(
    { databaseUrl: embeddedUrl(embedded), dataDir: null, poolMax: 5, migrate: false, embeddedSocket: true },
    silentLogger,
  );
  return {
    ...database,
    embedded: true,
    url: undefined,
    async close() {
      await database.close();
      await embedded.close();
    },
  };
}

async function embeddedTemplate(): Promise<Blob> {
  const file = path.join(os.tmpdir(), `tianshu-pglite-${migrationsDigest()}.tar`);
  const lock = `${file}.lock`;
  for (let waited = 0; ; waited += 200) {
    if (fs.existsSync(file)) return new Blob([fs.readFileSync(file)]);
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      break; // this process builds it
    } catch {
      // Another test file is building it; a lock older than two minutes was left by a crash.
      const lockedAt = fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - lockedAt > 120_000) fs.rmSync(lock, { force: true });
      if (waited > 180_000) throw new Error(`timed out waiting for ${file}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const embedded = await startEmbedded(null);
    const pool = new pg.Pool({ connectionString: embeddedUrl(embedded), max: 1 });
    try {
      await migrateUp(pool, () => {});
    } finally {
      await pool.end();
    }
    const dump = await embedded.dumpDataDir();
    await embedded.close();
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(tmp, file); // atomic: waiters never read a half-written file
    return dump;
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

async function proxiedDatabase(): Promise<TestDatabase> {
  const embedded = serverUrl ? null : await startEmbedded(null, { loadDataDir: await embeddedTemplate() });
  const url = serverUrl ? await createServerDatabase(await ensureTemplate()) : undefined;
  const target = url ? new URL(url) : null;
  const proxy = await startProxy(
    target ? target.hostname : String(embedded?.connection.host),
    target ? Number(target.port || 5432) : Number(embedded?.connection.port),
  );
  const relayed = target ?? new URL("postgresql://postgres@localhost/postgres");
  relayed.hostname = "127.0.0.1";
  relayed.port = String(proxy.port);
  const viaProxy = relayed.toString();
  const database = await connectDatabase(
    { databaseUrl: viaProxy, dataDir: null, poolMax: 5, migrate: false, embeddedSocket: embedded !== null },
    silentLogger,
  );
  return {
    ...database,
    url,
    proxy,
    async close() {
      await database.close();
      await proxy.close();
      await embedded?.close();
      if (url) await dropServerDatabase(url);
    },
  };
}

/** An empty database on the server (no migrations), for tests of the migrator and of start-up. */
export async function emptyServerDatabase(): Promise<string> {
  return createServerDatabase("template0");
}

/** An empty database on the server at `adminUrl` (benchmarks choose their server explicitly). */
export function emptyDatabaseOn(adminUrl: string): Promise<string> {
  return createDatabaseOn(adminUrl, "template0");
}

export function dropDatabaseAt(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  return admin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {});
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(adminUrl: string | undefined, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!adminUrl) throw new Error("no PostgreSQL server configured (DATABASE_URL)");
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function migrationsDigest(): string {
  const hash = crypto.createHash("sha256");
  for (const file of fs.readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(file).update(fs.readFileSync(path.join(MIGRATIONS_DIR, file)));
  }
  return hash.digest("hex").slice(0, 16);
}

async function ensureTemplate(): Promise<string> {
  const name = `tianshu_tpl_${migrationsDigest()}`;
  return admin(serverUrl, async (client) => {
    // Test files run in parallel processes: one builds the template, the others wait for it.
    await client.query("SELECT pg_advisory_lock(hashtext('tianshu.test.template'))");
    try {
      const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (exists.rowCount) return name;
      const building = `${name}_building`;
      await client.query(`DROP DATABASE IF EXISTS ${building}`);
      await client.query(`CREATE DATABASE ${building} TEMPLATE template0`);
      const pool = new pg.Pool({ connectionString: withDatabase(serverUrl as string, building), max: 1 });
      try {
        await migrateUp(pool, () => {});
      } finally {
        await pool.end();
      }
      await client.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      return name;
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext('tianshu.test.template'))");
    }
  });
}

function createServerDatabase(template: string): Promise<string> {
  return createDatabaseOn(serverUrl as string, template);
}

async function createDatabaseOn(adminUrl: string, template: string): Promise<string> {
  const name = `tianshu_t_${crypto.randomBytes(6).toString("hex")}`;
  await admin(adminUrl, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (err) {
        // "source database is being accessed by other users": another file is copying it right now.
        if ((err as { code?: string }).code !== "55006" || attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  return withDatabase(adminUrl, name);
}

export function dropServerDatabase(url: string): Promise<void> {
  return dropDatabaseAt(serverUrl as string, url);
}
