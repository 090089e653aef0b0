import { sql } from "kysely";
import type { Db, DbOrTx, Tx } from "../db/pool";
import { withTx } from "../db/tx";
import { Conflict } from "../http/errors";

/** Class key of the per-tenant org lock (pg_advisory_xact_lock(int, int)); "Ts" in ASCII. */
const ORG_LOCK_CLASS = 0x5473;

/**
 * Serialises org changes within one tenant until the transaction ends. Structural changes to the
 * department tree take it first, so two moves can never interleave into a cycle or a stale path;
 * recordOrgChange takes it too, so change-feed rows of a tenant commit in `seq` order (see changes.ts).
 * Re-entrant within a transaction. Take it before any row lock to stay deadlock-free.
 */
export async function lockTenantOrg(tx: DbOrTx, tenantId: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${ORG_LOCK_CLASS}, hashtext(${tenantId}))`.execute(tx);
}

const CONCURRENT = () =>
  new Conflict(
    "CONCURRENT_CHANGE",
    "Another change to the organisation got in the way; reload and try again.",
    "组织架构正被他人同时修改，请刷新后重试。",
  );

/**
 * One org transaction. Deadlocks and serialisation failures (possible against writers that lock in
 * another order) become 409 CONCURRENT_CHANGE; nothing of the transaction is kept.
 */
export async function orgTx<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await withTx(db, fn);
  } catch (err) {
    const code = pgCode(err);
    if (code === "40P01" || code === "40001") throw CONCURRENT();
    throw err;
  }
}

/** The SQLSTATE of a database error, if it is one. */
export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The constraint a database error names (unique and foreign-key violations). */
export function pgConstraint(err: unknown): string | undefined {
  const constraint = (err as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === "string" ? constraint : undefined;
}
