import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";

export interface ChainStatus {
  headSeq: string;
  pendingEvents: number;
  lastCheckpoint: { seq: string; signedAt: string } | null;
}

/**
 * Where the chain stands, cheaply (index lookups only; GET /audit/verify is the full check): the
 * head (last sealed position), how many committed events the sealer has not chained yet (chain_seq
 * NULL above the genesis, as the sealer picks them: its partial index answers), and the last checkpoint.
 */
export async function chainStatus(db: DbOrTx): Promise<ChainStatus> {
  const head = await sql<{ seq: string; genesis: string }>`
    SELECT seq::text AS seq, genesis_seq::text AS genesis FROM audit_chain_head WHERE id`.execute(db);
  const h = head.rows[0];
  if (!h) throw new Error("audit_chain_head is missing (migration 0008 not applied?)");
  const [pending, checkpoint] = await Promise.all([
    sql<{ n: string }>`
      SELECT count(*)::text AS n FROM audit_events
      WHERE chain_seq IS NULL AND seq > ${h.genesis}::bigint`.execute(db),
    sql<{ seq: string; signed_at: Date }>`
      SELECT seq::text AS seq, signed_at FROM audit_checkpoints ORDER BY seq DESC, id DESC LIMIT 1`.execute(db),
  ]);
  const last = checkpoint.rows[0];
  return {
    headSeq: h.seq,
    pendingEvents: Number(pending.rows[0]?.n ?? 0),
    lastCheckpoint: last ? { seq: last.seq, signedAt: new Date(last.signed_at).toISOString() } : null,
  };
}
