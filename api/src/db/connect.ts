import { sql } from "kysely";
import type { Logger } from "pino";
import { EMBEDDED_POOL_MAX, type EmbeddedDatabase, startEmbedded } from "./embedded";
import { expectedMigrations, migrateUp, pendingMigrations } from "./migrate";
import { type DatabaseHandle, openDatabase } from "./pool";

export interface Database extends DatabaseHandle {
  /** Human-readable location for the start-up banner (never includes a password). */
  location: string;
  embedded: boolean;
  readiness(): Promise<{ database: "up" | "down"; pendingMigrations: string[] }>;
}

export class DatabaseUnreachableError extends Error {}

/**
 * Opens the database Tianshu runs on: the server at DATABASE_URL, or embedded PGlite under
 * dataDir when it is unset. Verifies the connection, applies migrations and prepares partitions.
 */
export async function connectDatabase(
  opts: {
    databaseUrl: string | undefined;
    dataDir: string | null;
    poolMax: number;
    migrate: boolean;
    /** The URL is an embedded database's socket (test support): use it as the embedded default does. */
    embeddedSocket?: boolean;
  },
  logger: Logger,
): Promise<Database> {
  let embedded: EmbeddedDatabase | null = null;
  if (!opts.databaseUrl) embedded = await startEmbedded(opts.dataDir);
  const target = opts.databaseUrl ?? (embedded as EmbeddedDatabase).connection;
  const single = embedded !== null || opts.embeddedSocket === true;
  // Embedded: one connection (EMBEDDED_POOL_MAX says why); waiting for it is queueing behind the
  // statement before, not an outage, so it may take as long as that statement.
  const handle = openDatabase(
    target,
    single ? EMBEDDED_POOL_MAX : opts.poolMax,
    (err) => logger.warn({ err: err.message }, "database client error"),
    single ? 120_000 : 3_000,
  );
  const close = async () => {
    await handle.close();
    await embedded?.close();
  };
  try {
    await handle.pool.query("SELECT 1");
  } catch (err) {
    await close().catch(() => {});
    const where = opts.databaseUrl ? redactUrl(opts.databaseUrl) : "embedded database";
    throw new DatabaseUnreachableError(
      `Cannot connect to the database at ${where}: ${(err as Error).message} / 无法连接数据库`,
    );
  }
  try {
    if (opts.migrate) {
      const applied = await migrateUp(handle.pool, (msg) => logger.debug(msg));
      if (applied.length) logger.info({ applied }, "migrations applied");
    }
    await sql`SELECT ensure_monthly_partitions('audit_events', 2)`.execute(handle.db).catch((err: Error) => {
      // Not fatal: rows still land in the default partition; the operator sees why.
      logger.warn({ err: err.message }, "could not create audit partitions");
    });
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  const expected = expectedMigrations();
  return {
    ...handle,
    close,
    embedded: embedded !== null,
    location: embedded ? embedded.location : redactUrl(opts.databaseUrl ?? ""),
    async readiness() {
      try {
        const pending = await withTimeout(pendingMigrations(handle.pool, expected), 2_000);
        return { database: "up", pendingMigrations: pending };
      } catch {
        return { database: "down", pendingMigrations: [] };
      }
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
