import { Kysely, type Transaction } from "kysely";
import pg from "pg";
import { DeferringPostgresDialect } from "./deferred";
import type { Database } from "./schema";

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either a plain handle or a transaction: stores accept both so services compose transactions. */
export type DbOrTx = Db | Tx;

export type ConnectionTarget = string | pg.ClientConfig;

export interface DatabaseHandle {
  pool: pg.Pool;
  db: Db;
  close(): Promise<void>;
}

export function openDatabase(
  target: ConnectionTarget,
  poolMax: number,
  onError: (err: Error) => void,
  connectionTimeoutMillis = 3_000,
): DatabaseHandle {
  const base = typeof target === "string" ? { connectionString: target } : target;
  const pool = new pg.Pool({
    ...base,
    max: poolMax,
    // Fail fast when the database is gone, so requests answer 503 instead of hanging.
    connectionTimeoutMillis,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on("error", onError);
  const db = new Kysely<Database>({ dialect: new DeferringPostgresDialect({ pool }) });
  return {
    pool,
    db,
    async close() {
      await db.destroy();
    },
  };
}

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08003",
  "08006",
  "08001",
  "08004",
]);

/** True when the error means "the database is unreachable", as opposed to a bad query. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const { code, syscall } = err as { code?: unknown; syscall?: unknown };
  if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return true;
  // A missing unix socket (embedded database gone) is ENOENT from connect(); ENOENT from anything
  // else — a file the console serves, say — is not the database.
  if (code === "ENOENT" && syscall === "connect") return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(
    err.message,
  );
}
