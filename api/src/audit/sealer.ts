import { sql } from "kysely";
import type { Logger } from "pino";
import type { Db } from "../db/pool";
import { type ChainAlgorithm, canonicalV2Sql, chainHashV2, newChainAlgorithmSetting, PG_TIME_FORMAT } from "./chain";

/**
 * The audit sealer (docs/audit.md, "Writing and sealing"). record() inserts events unsealed; the
 * sealer takes committed unsealed events in seq order and gives each, once, its chain position
 * (chain_seq = head + 1, gap-free), prev_hash and hash = H(prev_hash ‖ canonical v2 text). One
 * sealer runs at a time across instances (a transaction-scoped advisory lock); each batch commits
 * with the chain head it advanced, so a crash loses no work and never leaves a half-sealed batch.
 *
 * Only committed events are visible to it: an event whose transaction commits later than a
 * higher-seq event is simply sealed in a later batch, at a later position. The chain order is
 * therefore the order of sealing, and the hash covers both the position and the event's id.
 */

/** pg_advisory lock key of the sealer ("tsseal" in ASCII). */
const SEALER_LOCK = 0x747373_65616c;
const DEFAULT_BATCH = 5_000;

interface PendingRow {
  seq: string;
  occurred_at: string;
  chain_seq: string;
  canonical: string;
}

/** Seals one batch; "busy" when another sealer holds the lock. */
async function sealBatch(db: Db, batchSize: number): Promise<number | "busy"> {
  return db.transaction().execute(async (tx) => {
    const locked = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${SEALER_LOCK}::bigint) AS ok`.execute(
      tx,
    );
    if (!locked.rows[0]?.ok) return "busy";
    const head = (
      await sql<{ seq: string; hash: Buffer; hash_alg: ChainAlgorithm | null; genesis_seq: string }>`
        SELECT seq::text AS seq, hash, hash_alg, genesis_seq::text AS genesis_seq
        FROM audit_chain_head WHERE id FOR UPDATE`.execute(tx)
    ).rows[0];
    if (!head) throw new Error("audit_chain_head is missing (migrations 0008 and 0010 not applied?)");
    // The innermost query picks the batch through the partial index of unsealed events; positions
    // are numbered over the batch only. Events at or below the genesis predate the chain and stay out.
    const pending = await sql<PendingRow>`
      SELECT p.seq::text AS seq, to_char(p.occurred_at AT TIME ZONE 'UTC', ${sql.raw(PG_TIME_FORMAT)}) AS occurred_at,
        p.pos::text AS chain_seq, ${sql.raw(canonicalV2Sql("p.pos", "p"))} AS canonical
      FROM (
        SELECT u.*, ${head.seq}::bigint + row_number() OVER (ORDER BY u.seq) AS pos
        FROM (
          SELECT * FROM audit_events
          WHERE chain_seq IS NULL AND seq > ${head.genesis_seq}::bigint
          ORDER BY seq LIMIT ${batchSize}
        ) u
      ) p
      ORDER BY p.pos`.execute(tx);
    if (pending.rows.length === 0) return 0;
    const algorithm = head.hash_alg ?? newChainAlgorithmSetting();
    const seqs: string[] = [];
    const times: string[] = [];
    const positions: string[] = [];
    const prevs: Buffer[] = [];
    const hashes: Buffer[] = [];
    let prev = head.hash;
    for (const row of pending.rows) {
      const hash = chainHashV2(algorithm, prev, row.canonical);
      seqs.push(row.seq);
      times.push(row.occurred_at);
      positions.push(row.chain_seq);
      prevs.push(prev);
      hashes.push(hash);
      prev = hash;
    }
    const updated = await sql`
      UPDATE audit_events e SET chain_seq = u.c, prev_hash = u.p, hash = u.h
      FROM unnest(${seqs}::bigint[], ${times}::timestamptz[], ${positions}::bigint[], ${prevs}::bytea[], ${hashes}::bytea[])
        AS u(s, t, c, p, h)
      WHERE e.occurred_at = u.t AND e.seq = u.s AND e.chain_seq IS NULL`.execute(tx);
    if (Number(updated.numAffectedRows) !== pending.rows.length) {
      // Cannot happen under the lock; if it does, roll back rather than advance the head past a hole.
      throw new Error(`audit sealer: ${updated.numAffectedRows} of ${pending.rows.length} events sealed`);
    }
    await sql`
      UPDATE audit_chain_head SET seq = ${positions[positions.length - 1]}::bigint, hash = ${prev},
        hash_alg = ${algorithm}, updated_at = now()
      WHERE id`.execute(tx);
    return pending.rows.length;
  });
}

/**
 * Seals every event committed so far, batch after batch. Returns how many were sealed by this call;
 * 0 also when another instance's sealer holds the lock (it is doing the same work).
 */
export async function sealPending(db: Db, opts: { batchSize?: number } = {}): Promise<number> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  let sealed = 0;
  for (;;) {
    const n = await sealBatch(db, batchSize);
    if (n === "busy") return sealed;
    sealed += n;
    if (n < batchSize) return sealed;
  }
}

export interface SealerSchedule {
  /** Seals now (waiting for a run in progress first). */
  sealNow(): Promise<number>;
  /** Stops the timer and seals what is left: called at shutdown, before the last checkpoint. */
  stop(): Promise<void>;
}

/**
 * Runs the sealer every `intervalMs` (default 1 s): the unsealed window of an event is about that
 * long. Runs never overlap within the process; errors are logged and retried at the next tick.
 */
export function scheduleSealer(db: Db, opts: { logger: Logger; intervalMs?: number }): SealerSchedule {
  let running: Promise<number> = Promise.resolve(0);
  const run = (): Promise<number> => {
    running = running
      .catch(() => 0)
      .then(() => sealPending(db))
      .catch((err: unknown) => {
        opts.logger.error({ err }, "audit sealer failed; retrying at the next tick");
        return 0;
      });
    return running;
  };
  const timer = setInterval(() => void run(), opts.intervalMs ?? 1_000);
  timer.unref();
  return {
    sealNow: run,
    async stop() {
      clearInterval(timer);
      await run();
    },
  };
}
