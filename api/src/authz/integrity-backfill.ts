import { sql } from "kysely";
import { record } from "../audit/record";
import type { DbOrTx, Tx } from "../db/pool";
import type { AclIntegrity } from "./integrity";
import { ROW_KINDS, setMac, storedRows } from "./integrity-rows";

export const BACKFILL_ACTION = "integrity.backfill";

/**
 * True once the backfill has run: its state row exists, or its audit event does. Both are looked
 * at so that removing one (the state row is an ordinary row; an audit partition may be dropped by
 * retention) does not make the backfill run again and MAC rows an attacker inserted or nulled since.
 */
export async function backfillDone(db: DbOrTx): Promise<boolean> {
  const { rows } = await sql<{ done: boolean }>`
    SELECT EXISTS (SELECT 1 FROM acl_integrity_state)
      OR EXISTS (SELECT 1 FROM audit_events WHERE action = ${BACKFILL_ACTION} AND result = 'success') AS done`.execute(
    db,
  );
  return rows[0]?.done === true;
}

/**
 * The one-time backfill (migration 0012 added `mac` to tables that already had rows): in the
 * caller's transaction, under an advisory lock so that instances starting together run it once,
 * every row without a MAC gets one, the state row is written (MACed) and the audit event
 * integrity.backfill records how many rows of each table were given a MAC. Returns null when it had
 * already run: from then on a NULL mac is a violation like any other mismatch.
 */
export async function backfillAclIntegrity(
  tx: Tx,
  integrity: AclIntegrity,
  tenantId: string | null,
): Promise<Record<string, number> | null> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('tianshu.acl-integrity.backfill'))`.execute(tx);
  if (await backfillDone(tx)) return null;
  const counts: Record<string, number> = {};
  for (const kind of ROW_KINDS) {
    const rows = await storedRows(tx, kind, { onlyNull: true });
    for (const row of rows) await setMac(tx, row, integrity.mac(row.kind, row.facts as never));
    counts[kind] = rows.length;
  }
  await tx
    .insertInto("acl_integrity_state")
    .values({ backfilled: JSON.stringify(counts), mac: integrity.mac("state", { backfilled: counts }) })
    .execute();
  await record(tx, {
    tenantId,
    actorId: null,
    actorName: "system",
    actorRole: null,
    action: BACKFILL_ACTION,
    targetType: "acl_integrity_state",
    targetId: null,
    result: "success",
    detail: { algorithm: integrity.algorithm, backfilled: counts },
  });
  return counts;
}
