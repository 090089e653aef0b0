import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import type { Logger } from "pino";
import type { DataKeyRing } from "../crypto/data-keys";
import type { CryptoProfile } from "../crypto/profile";
import type { Db, DbOrTx } from "../db/pool";
import { type ChainAlgorithm, canonicalV2Sql, GENESIS_HASH, PG_TIME_FORMAT } from "./chain";
import { type AuditSigner, loadOrCreateSigningKey } from "./checkpoint";
import {
  type ArchivedEvent,
  archiveKeyOf,
  archiveRowHasher,
  checkChainRange,
  type ChainParams,
  writeArchive,
} from "./archive-file";
import { record } from "./record";
import { checkAuditStorage } from "./storage";

/**
 * The audit archiver (docs/audit.md, "Retention and archives"): the only path that removes events.
 * It takes the longest prefix of the sealed chain whose events are all older than the retention
 * period, in batches; for each batch it checks the chain inside it, writes the sealed file and the
 * signed manifest to disk (fsync'd), then in one transaction records the archive row and deletes
 * exactly that range, which the table trigger allows only to a transaction that declared itself the
 * archiver and only for events inside an archive row's range and past retention.
 */
const ARCHIVER_LOCK = "tianshu.audit.archiver";
export const DEFAULT_ARCHIVE_BATCH = 10_000;

/** Where archives are written: <TIANSHU_DATA_DIR>/audit-archives unless the CLI is given --dir. */
export const archiveDirOf = (dataDir: string): string => path.join(dataDir, "audit-archives");

/**
 * Where verification starts once events have been archived: the highest archived chain position and
 * its hash (the next event must link to it). Null before the first archive.
 */
export async function archiveBoundary(db: DbOrTx): Promise<{ chainSeq: string; hash: Buffer } | null> {
  const row = await db
    .selectFrom("audit_archives")
    .select([sql<string>`to_chain_seq::text`.as("to"), "last_hash"])
    .orderBy("to_chain_seq", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? { chainSeq: row.to, hash: row.last_hash } : null;
}

export interface ArchiveRunOptions {
  dir: string;
  /** Opens the audit signing key, and derives the archive key until a KEK re-wrap carries it (archiveKeyOf). */
  kek: Buffer;
  /** The instance's key ring: after a KEK re-wrap, where the archive key is carried. */
  ring?: Pick<DataKeyRing, "carried">;
  profile: CryptoProfile;
  batchSize?: number;
  /** Stop after this many batches (default: until nothing is left to archive). */
  maxBatches?: number;
}

export interface ArchiveRunResult {
  archives: { id: string; fromChainSeq: string; toChainSeq: string; events: number; manifest: string }[];
  eventsArchived: number;
  /** Monthly partitions left empty by archiving and dropped, so their space goes back to the system. */
  droppedPartitions: string[];
  /** "busy": another instance holds the archiver lock; "broken": the chain did not verify, nothing removed. */
  outcome: "done" | "busy" | "broken";
  message?: string;
}

interface EventRow {
  seq: string;
  chain_seq: string;
  occurred_at: string;
  tenant_id: string | null;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: string;
  detail: string;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  prev_hash: Buffer | null;
  hash: Buffer | null;
  canonical: string;
  expired: boolean;
}

const toArchived = (r: EventRow, v1End: bigint): ArchivedEvent => ({
  seq: r.seq,
  chainSeq: r.chain_seq,
  occurredAt: r.occurred_at,
  tenantId: r.tenant_id,
  actorId: r.actor_id,
  actorName: r.actor_name,
  actorRole: r.actor_role,
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  result: r.result,
  detail: JSON.parse(r.detail) as unknown,
  ip: r.ip,
  userAgent: r.user_agent,
  requestId: r.request_id,
  prevHash: (r.prev_hash ?? Buffer.alloc(0)).toString("hex"),
  hash: (r.hash ?? Buffer.alloc(0)).toString("hex"),
  canonical: BigInt(r.chain_seq) <= v1End ? null : r.canonical,
});

/** Archives one batch; the count archived, 0 when nothing is due, or "busy" / a broken-chain message. */
async function archiveBatch(
  db: Db,
  opts: ArchiveRunOptions,
  signer: AuditSigner,
  batchSize: number,
): Promise<ArchiveRunResult["archives"][number] | null | "busy" | { broken: string }> {
  return db.transaction().execute(async (tx) => {
    const lock = await sql<{ ok: boolean }>`
      SELECT pg_try_advisory_xact_lock(hashtext(${ARCHIVER_LOCK})) AS ok`.execute(tx);
    if (!lock.rows[0]?.ok) return "busy";
    const head = await sql<{ hash_alg: ChainAlgorithm | null; v1_end_seq: string }>`
      SELECT hash_alg, v1_end_seq::text AS v1_end_seq FROM audit_chain_head WHERE id`.execute(tx);
    const chainHead = head.rows[0];
    if (!chainHead?.hash_alg) return null; // nothing chained yet
    const boundary = await archiveBoundary(tx);
    let from: string;
    let firstPrev: Buffer;
    if (boundary) {
      from = (BigInt(boundary.chainSeq) + 1n).toString();
      firstPrev = boundary.hash;
    } else {
      const first = await sql<{ c: string | null }>`
        SELECT min(chain_seq)::text AS c FROM audit_events WHERE chain_seq IS NOT NULL`.execute(tx);
      if (!first.rows[0]?.c) return null;
      from = first.rows[0].c;
      firstPrev = BigInt(from) === 1n ? GENESIS_HASH : Buffer.alloc(0); // else: taken from the row below
    }
    // The cutoff is computed by the database, with the same retention the DELETE trigger applies.
    const rows = await sql<EventRow>`
      SELECT e.seq::text AS seq, e.chain_seq::text AS chain_seq,
        to_char(e.occurred_at AT TIME ZONE 'UTC', ${sql.raw(PG_TIME_FORMAT)}) AS occurred_at,
        e.tenant_id::text AS tenant_id, e.actor_id::text AS actor_id, e.actor_name, e.actor_role, e.action,
        e.target_type, e.target_id, e.result, e.detail::text AS detail, e.ip, e.user_agent, e.request_id,
        e.prev_hash, e.hash, ${sql.raw(canonicalV2Sql("e.chain_seq", "e"))} AS canonical,
        e.occurred_at < now() - make_interval(days => GREATEST(180, s.retention_days)) AS expired
      FROM audit_events e CROSS JOIN audit_settings s
      WHERE s.id AND e.chain_seq >= ${from}::bigint AND e.chain_seq < ${from}::bigint + ${batchSize}::bigint
      ORDER BY e.chain_seq`.execute(tx);
    // The longest prefix, continuous from `from`, of events all past retention.
    const prefix: EventRow[] = [];
    let expected = BigInt(from);
    for (const r of rows.rows) {
      if (BigInt(r.chain_seq) !== expected || !r.expired) break;
      prefix.push(r);
      expected++;
    }
    if (prefix.length === 0) return null;
    const v1End = BigInt(chainHead.v1_end_seq);
    const events = prefix.map((r) => toArchived(r, v1End));
    const first = events[0] as ArchivedEvent;
    const last = events[events.length - 1] as ArchivedEvent;
    if (firstPrev.length === 0) firstPrev = Buffer.from(first.prevHash, "hex");
    const chain: ChainParams = { hashAlg: chainHead.hash_alg, v1EndSeq: chainHead.v1_end_seq };
    // Nothing broken is archived (and removed): the chain inside the batch must verify.
    const check = checkChainRange(
      events,
      {
        fromChainSeq: first.chainSeq,
        toChainSeq: last.chainSeq,
        firstPrevHash: firstPrev.toString("hex"),
        lastHash: last.hash,
        events: events.length,
      },
      archiveRowHasher(chain),
    );
    if (check.finding) {
      return { broken: `${check.finding.kind} at chain position ${check.finding.chainSeq}: ${check.finding.message}` };
    }
    const id = crypto.randomUUID();
    const written = writeArchive({
      dir: opts.dir,
      archiveId: id,
      events,
      chain,
      archiveKey: archiveKeyOf(opts.profile, opts.kek, opts.ring),
      profile: opts.profile,
      signer,
    });
    await tx
      .insertInto("audit_archives")
      .values({
        id,
        from_chain_seq: first.chainSeq,
        to_chain_seq: last.chainSeq,
        first_prev_hash: firstPrev,
        last_hash: Buffer.from(last.hash, "hex"),
        hash_alg: chain.hashAlg,
        events: events.length,
        from_occurred_at: first.occurredAt,
        to_occurred_at: last.occurredAt,
        file_name: path.basename(written.dataPath),
        file_digest: written.dataDigest,
        manifest_name: path.basename(written.manifestPath),
        signature: written.signature,
        key_id: signer.keyId,
      })
      .execute();
    await sql`SELECT set_config('tianshu.audit_archiver', 'on', true)`.execute(tx);
    const deleted = await sql`
      DELETE FROM audit_events WHERE chain_seq BETWEEN ${first.chainSeq}::bigint AND ${last.chainSeq}::bigint`.execute(
      tx,
    );
    await sql`SELECT set_config('tianshu.audit_archiver', 'off', true)`.execute(tx);
    if (Number(deleted.numAffectedRows) !== events.length) {
      throw new Error(`audit archiver: ${deleted.numAffectedRows} of ${events.length} events removed; rolled back`);
    }
    await record(tx, {
      tenantId: null,
      actorId: null,
      actorName: "system",
      actorRole: null,
      action: "audit.archive",
      targetType: "AuditArchive",
      targetId: id,
      result: "success",
      detail: {
        fromChainSeq: first.chainSeq,
        toChainSeq: last.chainSeq,
        events: events.length,
        fromOccurredAt: first.occurredAt,
        toOccurredAt: last.occurredAt,
        file: path.basename(written.dataPath),
        fileDigest: written.dataDigest.toString("hex"),
      },
    });
    return {
      id,
      fromChainSeq: first.chainSeq,
      toChainSeq: last.chainSeq,
      events: events.length,
      manifest: written.manifestPath,
    };
  });
}

/**
 * Archives everything that is due, batch after batch. A batch's files are on disk before its rows
 * are removed; if the transaction then fails, the files stay without an archive row (harmless: the
 * events are still in the database and are archived again, under a new id, by the next run).
 */
export async function runArchiver(db: Db, opts: ArchiveRunOptions): Promise<ArchiveRunResult> {
  const batchSize = opts.batchSize ?? DEFAULT_ARCHIVE_BATCH;
  const result: ArchiveRunResult = { archives: [], eventsArchived: 0, droppedPartitions: [], outcome: "done" };
  // Before any transaction of ours: the key is loaded (or created) in a transaction of its own.
  const signer = await loadOrCreateSigningKey(db, opts.kek, opts.profile);
  for (let n = 0; opts.maxBatches === undefined || n < opts.maxBatches; n++) {
    const batch = await archiveBatch(db, opts, signer, batchSize);
    if (batch === null) break;
    if (batch === "busy") {
      result.outcome = "busy";
      break;
    }
    if ("broken" in batch) {
      result.outcome = "broken";
      result.message = batch.broken;
      break;
    }
    result.archives.push(batch);
    result.eventsArchived += batch.events;
  }
  if (result.outcome === "done") result.droppedPartitions = await dropEmptyExpiredPartitions(db);
  return result;
}

/**
 * Deleted rows leave their space to be reused by the same table; a monthly partition (audit_events_YYYYMM)
 * that archiving has emptied, and that lies wholly before the retention cutoff (no new event can
 * land in it), is dropped so the space is returned. Each drop is checked empty under an exclusive
 * lock and recorded as an audit event. The default partition is never dropped.
 */
export async function dropEmptyExpiredPartitions(db: Db): Promise<string[]> {
  const parts = await sql<{ name: string; bound: string }>`
    SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'audit_events'::regclass AND c.relname ~ '^audit_events_[0-9]{6}$'`.execute(db);
  const dropped: string[] = [];
  for (const part of parts.rows) {
    const upper = /TO \('([^']+)'\)/.exec(part.bound)?.[1];
    if (!upper) continue;
    const done = await db.transaction().execute(async (tx) => {
      const lock = await sql<{ ok: boolean }>`
        SELECT pg_try_advisory_xact_lock(hashtext(${ARCHIVER_LOCK})) AS ok`.execute(tx);
      if (!lock.rows[0]?.ok) return false;
      const due = await sql<{ due: boolean }>`
        SELECT ${upper}::timestamptz <= now() - make_interval(days => GREATEST(180, s.retention_days)) AS due
        FROM audit_settings s WHERE s.id`.execute(tx);
      if (!due.rows[0]?.due) return false;
      await sql`LOCK TABLE ${sql.id(part.name)} IN ACCESS EXCLUSIVE MODE`.execute(tx);
      const any = await sql<{ any: boolean }>`SELECT EXISTS (SELECT 1 FROM ${sql.id(part.name)}) AS any`.execute(tx);
      if (any.rows[0]?.any !== false) return false;
      await sql`DROP TABLE ${sql.id(part.name)}`.execute(tx);
      await record(tx, {
        tenantId: null,
        actorId: null,
        actorName: "system",
        actorRole: null,
        action: "audit.partition.drop",
        targetType: "AuditPartition",
        targetId: part.name,
        result: "success",
        detail: { partition: part.name, bound: part.bound },
      });
      return true;
    });
    if (done) dropped.push(part.name);
  }
  return dropped;
}

/**
 * In the server: the storage check every `checkMs` (default 5 minutes) and the archiver once a day
 * (first run a minute after start). With several instances the advisory lock lets one archive and
 * the others skip; the storage alert flips once whatever the number of instances.
 */
export function scheduleAuditRetention(
  db: Db,
  opts: {
    dataDir: string;
    kek: Buffer;
    ring?: Pick<DataKeyRing, "carried">;
    profile: CryptoProfile;
    logger: Logger;
    checkMs?: number;
    archiveMs?: number;
  },
): { stop(): Promise<void> } {
  const dir = archiveDirOf(opts.dataDir);
  // Runs never overlap in the process: each waits for the one before.
  let running: Promise<void> = Promise.resolve();
  const once = (what: () => Promise<void>) => {
    running = running.then(what);
    return running;
  };
  const check = () =>
    once(async () => {
      try {
        await checkAuditStorage(db, opts.logger);
      } catch (err) {
        opts.logger.error({ err: (err as Error).message }, "audit storage check failed / 审计存储检查失败");
      }
    });
  const archive = () =>
    once(async () => {
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const r = await runArchiver(db, { dir, kek: opts.kek, ring: opts.ring, profile: opts.profile });
        if (r.outcome === "broken") {
          opts.logger.error(
            { reason: r.message },
            "audit archiver stopped: the chain does not verify / 审计归档已停止：审计链校验失败",
          );
        } else if (r.eventsArchived > 0) {
          opts.logger.info(
            { events: r.eventsArchived, archives: r.archives.length, dir },
            "audit events archived / 审计日志已归档",
          );
        }
        await checkAuditStorage(db, opts.logger);
      } catch (err) {
        opts.logger.error({ err: (err as Error).message }, "audit archiver failed / 审计归档失败");
      }
    });
  const checkTimer = setInterval(() => void check(), opts.checkMs ?? 5 * 60_000);
  const archiveTimer = setInterval(() => void archive(), opts.archiveMs ?? 24 * 60 * 60_000);
  const first = setTimeout(() => void archive(), 60_000);
  for (const t of [checkTimer, archiveTimer, first]) t.unref();
  return {
    async stop() {
      clearInterval(checkTimer);
      clearInterval(archiveTimer);
      clearTimeout(first);
      await running;
    },
  };
}
