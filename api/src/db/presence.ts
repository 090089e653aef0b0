import { sql } from "kysely";
import pg from "pg";
import type { Logger } from "pino";
import type { DbOrTx } from "./pool";

/**
 * Which instances are running on a database, for the commands that must not run beside one
 * (`npm run keys:rewrap`: an instance still holding the old KEK could wrap a new data key under it
 * after the re-wrap, and that key would not open at the next start). docs/operations.md.
 *
 * Each server instance holds a shared session-level advisory lock on its own connection for as long
 * as it runs; such a command takes the same lock exclusively in its transaction, which it gets only
 * when no instance holds it, and an instance starting meanwhile waits for that transaction to end.
 * The embedded default needs none of this: its data directory's lock file already admits one process.
 */
const INSTANCE_LOCK = "tianshu.instance";
const RETRY_MS = 5_000;

export interface Presence {
  close(): Promise<void>;
}

/** Holds the instance lock on a dedicated connection, taking it again after a reconnect. */
export async function holdInstancePresence(connectionString: string, logger: Logger): Promise<Presence> {
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString, application_name: "tianshu-presence" });
    c.on("error", (err) => {
      // The connection is gone and the lock with it: take it again on a new one.
      logger.warn({ err: err.message }, "instance presence connection lost; reconnecting");
      if (client === c) client = null;
      c.end().catch(() => {});
      schedule();
    });
    await c.connect();
    await c.query("SELECT pg_advisory_lock_shared(hashtext($1))", [INSTANCE_LOCK]);
    if (closed) {
      await c.end();
      return;
    }
    client = c;
  };
  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((err: Error) => {
        logger.warn({ err: err.message }, "instance presence: reconnect failed");
        schedule();
      });
    }, RETRY_MS);
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
      client = null;
    },
  };
}

/**
 * 0 when no instance is running, and the exclusive lock is then held until the end of the caller's
 * transaction (at once released when called outside one); else how many instances hold the lock.
 */
export async function runningInstances(db: DbOrTx): Promise<number> {
  const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext(${INSTANCE_LOCK})) AS ok`.execute(
    db,
  );
  if (got.rows[0]?.ok) return 0;
  // A one-bigint advisory key shows in pg_locks as classid = its high 32 bits, objid = its low ones.
  const holders = await sql<{ n: string }>`
    WITH k AS (SELECT hashtext(${INSTANCE_LOCK})::bigint AS key)
    SELECT count(*)::text AS n FROM pg_locks l, k
    WHERE l.locktype = 'advisory' AND l.mode = 'ShareLock' AND l.granted AND l.objsubid = 1
      AND l.classid = ((k.key >> 32) & 4294967295)::oid AND l.objid = (k.key & 4294967295)::oid`.execute(db);
  return Math.max(1, Number(holders.rows[0]?.n ?? 1));
}
