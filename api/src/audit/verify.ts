import { sql } from "kysely";
import { CryptoProfileMismatchError } from "../crypto/profile";
import type { DbOrTx } from "../db/pool";
import {
  type ChainAlgorithm,
  type ChainedFields,
  chainHashFunction,
  canonicalEvent,
  GENESIS_HASH,
  PG_TIME_FORMAT,
} from "./chain";
import { checkpointMessage, PG_SIGNED_AT_FORMAT, profileOfSigningAlgorithm, type SigningAlgorithm } from "./checkpoint";

/**
 * Verification of the audit chain (docs/audit.md): events are read in seq order in pages (bounded
 * memory), each hash recomputed, seq continuity and the links checked, and every checkpoint's
 * signature and hash compared. The report names the first seq where something is wrong.
 */
export type FindingKind =
  "modified" | "deleted" | "inserted" | "reordered" | "bad_checkpoint_signature" | "checkpoint_mismatch";

export interface Finding {
  kind: FindingKind;
  /** The first sequence number concerned. */
  seq: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  algorithm: ChainAlgorithm | null;
  /** Events at or below this seq predate the chain (migration 0008) and are not covered. */
  genesisSeq: string;
  preChainEvents: number;
  /** The chain head when verification started; events appended later are left for the next run. */
  headSeq: string;
  eventsChecked: number;
  checkpointsChecked: number;
  /** Highest seq vouched for by a valid checkpoint signature, if any. */
  lastCheckpointSeq: string | null;
  finding: Finding | null;
  durationMs: number;
}

interface Row {
  seq: string;
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
}

interface CheckpointRow {
  id: string;
  seq: string;
  hash: Buffer;
  hash_alg: string;
  signed_at: string;
  key_id: string;
  signature: Buffer;
}

const fieldsOf = (r: Row): ChainedFields => ({
  seq: r.seq,
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
});

const same = (a: Buffer | null | undefined, b: Buffer | null | undefined) => !!a && !!b && a.equals(b);

export interface VerifyOptions {
  batchSize?: number;
  /** Called after every page with the number of events checked so far. */
  onProgress?: (eventsChecked: number) => void;
}

export async function verifyAuditChain(db: DbOrTx, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 5_000;
  const head = await db
    .selectFrom("audit_chain_head")
    .select(["seq", "hash", "hash_alg", "genesis_seq"])
    .executeTakeFirstOrThrow();
  const algorithm = head.hash_alg;
  const headSeq = BigInt(head.seq);
  const genesis = BigInt(head.genesis_seq);
  const preChain = await sql<{ n: string }>`
    SELECT count(*)::text AS n FROM audit_events WHERE seq <= ${head.genesis_seq}::bigint`.execute(db);
  const report: VerifyReport = {
    ok: true,
    algorithm,
    genesisSeq: head.genesis_seq,
    preChainEvents: Number(preChain.rows[0]?.n ?? 0),
    headSeq: head.seq,
    eventsChecked: 0,
    checkpointsChecked: 0,
    lastCheckpointSeq: null,
    finding: null,
    durationMs: 0,
  };
  const done = (finding: Finding | null) => {
    report.finding = finding;
    report.ok = finding === null;
    report.durationMs = Date.now() - started;
    return report;
  };
  const hashOf = chainHashFunction(algorithm ?? "SM3");
  const keys = await publicKeys(db);

  let expected = genesis + 1n;
  let prev = GENESIS_HASH;
  // A row that failed its check, waiting for the next row to tell which kind of tampering it was.
  let suspect: Row | null = null;
  // A broken link whose rightful row may turn up further on (reordering).
  let search: { seq: string; want: Buffer } | null = null;
  let finding: Finding | null = null;

  const accept = (r: Row) => {
    prev = r.hash as Buffer;
    expected += 1n;
  };
  const classify = (s: Row, next: Row | null): Finding | null => {
    if (next && same(next.prev_hash, prev)) {
      return same(s.prev_hash, next.hash)
        ? { kind: "reordered", seq: s.seq, message: `events ${s.seq} and ${next.seq} were swapped` }
        : { kind: "inserted", seq: s.seq, message: `event ${s.seq} was inserted: the next event links past it` };
    }
    if (same(s.prev_hash, prev)) {
      return { kind: "modified", seq: s.seq, message: `event ${s.seq} does not match its hash` };
    }
    search = { seq: s.seq, want: prev };
    return null;
  };
  /** Checks one row; returns true while the chain is intact up to it. */
  const check = (r: Row): boolean => {
    const seq = BigInt(r.seq);
    if (seq > expected) {
      finding = { kind: "deleted", seq: expected.toString(), message: `event ${expected} is missing` };
      return false;
    }
    if (seq < expected) {
      finding = { kind: "inserted", seq: r.seq, message: `a second event with seq ${r.seq}` };
      return false;
    }
    const hash = r.hash ? hashOf(Buffer.concat([prev, Buffer.from(canonicalEvent(fieldsOf(r)), "utf8")])) : null;
    if (same(hash, r.hash) && same(r.prev_hash, prev)) {
      accept(r);
      return true;
    }
    suspect = r;
    return false;
  };

  const fetchPage = (cursor: { seq: string; at: string }): Promise<Row[]> =>
    sql<Row>`
      SELECT seq::text AS seq, to_char(occurred_at AT TIME ZONE 'UTC', ${sql.raw(PG_TIME_FORMAT)}) AS occurred_at,
        tenant_id::text AS tenant_id, actor_id::text AS actor_id, actor_name, actor_role, action, target_type,
        target_id, result, detail::text AS detail, ip, user_agent, request_id, prev_hash, hash
      FROM audit_events e
      WHERE seq >= ${cursor.seq}::bigint AND seq <= ${head.seq}::bigint
        AND (seq, occurred_at) > (${cursor.seq}::bigint, ${cursor.at}::timestamptz)
      -- Qualified: the bare names would sort by the text output columns of the same name.
      ORDER BY e.seq, e.occurred_at
      LIMIT ${batchSize}`
      .execute(db)
      .then((page) => page.rows);
  // The next page is fetched while this one is hashed: reading and hashing overlap.
  let pending: Promise<Row[]> | null = fetchPage({ seq: head.genesis_seq, at: "infinity" });
  scan: while (pending) {
    const rows: Row[] = await pending;
    pending = null;
    if (rows.length === 0) break;
    const last = rows[rows.length - 1] as Row;
    if (rows.length === batchSize) {
      pending = fetchPage({ seq: last.seq, at: last.occurred_at });
      // Awaited below or after the loop; this only keeps an early exit from leaving it unobserved.
      pending.catch(() => {});
    }
    const checkpoints = finding || search ? new Map<string, CheckpointRow[]>() : await checkpointsIn(db, rows);
    for (const r of rows) {
      if (search) {
        if (same(r.prev_hash, (search as { want: Buffer }).want)) {
          const s = search as { seq: string };
          finding = { kind: "reordered", seq: s.seq, message: `the event that belongs at ${s.seq} is at ${r.seq}` };
          break scan;
        }
        continue;
      }
      if (suspect) {
        finding = classify(suspect, r);
        suspect = null;
        if (finding) break scan;
        continue;
      }
      if (!check(r)) {
        if (finding) break scan;
        continue;
      }
      report.eventsChecked += 1;
      for (const cp of checkpoints.get(r.seq) ?? []) {
        const problem = checkCheckpoint(cp, r, keys);
        report.checkpointsChecked += 1;
        if (problem) {
          finding = problem;
          break scan;
        }
        report.lastCheckpointSeq = r.seq;
      }
    }
    opts.onProgress?.(report.eventsChecked);
  }
  // A prefetch left by an early exit finishes before the caller reuses the connection.
  await (pending as Promise<Row[]> | null)?.catch(() => {});
  if (finding) return done(finding);
  if (suspect) return done(classify(suspect, null) ?? modifiedLink(suspect));
  if (search) {
    const s = search as { seq: string };
    return done({ kind: "modified", seq: s.seq, message: `event ${s.seq} does not link to the event before it` });
  }
  if (expected - 1n < headSeq) {
    return done({
      kind: "deleted",
      seq: expected.toString(),
      message: `events from ${expected} to ${headSeq} are missing`,
    });
  }
  if (headSeq > genesis && !same(prev, head.hash)) {
    return done({ kind: "modified", seq: head.seq, message: "the chain head does not match the last event" });
  }
  // Rows beyond the head: an insertion after the end (appends since the start moved the head too, so
  // the current head is the bound); and hashed rows among those that predate the chain. Two index scans.
  const beyond = await sql<{ seq: string }>`
    (SELECT seq::text AS seq FROM audit_events WHERE seq > (SELECT seq FROM audit_chain_head) ORDER BY audit_events.seq LIMIT 1)
    UNION ALL
    (SELECT seq::text FROM audit_events WHERE seq <= ${head.genesis_seq}::bigint AND hash IS NOT NULL LIMIT 1)`.execute(
    db,
  );
  const stray = beyond.rows[0];
  if (stray) return done({ kind: "inserted", seq: stray.seq, message: `event ${stray.seq} lies outside the chain` });
  return done(null);
}

function modifiedLink(r: Row): Finding {
  return { kind: "modified", seq: r.seq, message: `event ${r.seq} does not link to the event before it` };
}

async function publicKeys(db: DbOrTx): Promise<PublicKeys> {
  const rows = await db.selectFrom("audit_signing_keys").select(["id", "algorithm", "public_key"]).execute();
  return new Map(rows.map((k) => [k.id, { algorithm: k.algorithm, publicKey: k.public_key }]));
}

/** Checkpoints for the seqs of one page, one query per page. */
async function checkpointsIn(db: DbOrTx, rows: Row[]): Promise<Map<string, CheckpointRow[]>> {
  const first = (rows[0] as Row).seq;
  const last = (rows[rows.length - 1] as Row).seq;
  const found = await sql<CheckpointRow>`
    SELECT id::text AS id, seq::text AS seq, hash, hash_alg,
      to_char(signed_at AT TIME ZONE 'UTC', ${sql.raw(PG_SIGNED_AT_FORMAT)}) AS signed_at, key_id::text AS key_id, signature
    FROM audit_checkpoints c WHERE c.seq BETWEEN ${first}::bigint AND ${last}::bigint ORDER BY c.seq, c.id`.execute(db);
  const map = new Map<string, CheckpointRow[]>();
  for (const cp of found.rows) map.set(cp.seq, [...(map.get(cp.seq) ?? []), cp]);
  return map;
}

type PublicKeys = Map<string, { algorithm: SigningAlgorithm; publicKey: string }>;

function signatureValid(cp: CheckpointRow, keys: PublicKeys): boolean {
  const key = keys.get(cp.key_id);
  if (!key) return false;
  const message = checkpointMessage({
    seq: cp.seq,
    hash: cp.hash,
    hashAlg: cp.hash_alg,
    signedAt: cp.signed_at,
    keyId: cp.key_id,
  });
  try {
    return profileOfSigningAlgorithm(key.algorithm).verify(message, cp.signature, key.publicKey);
  } catch (err) {
    if (err instanceof CryptoProfileMismatchError) return false;
    throw err;
  }
}

function checkCheckpoint(cp: CheckpointRow, r: Row, keys: PublicKeys): Finding | null {
  if (!signatureValid(cp, keys)) {
    return {
      kind: "bad_checkpoint_signature",
      seq: cp.seq,
      message: `checkpoint ${cp.id} at seq ${cp.seq} has a bad signature`,
    };
  }
  if (!same(cp.hash, r.hash)) {
    return {
      kind: "checkpoint_mismatch",
      seq: cp.seq,
      message: `the chain at seq ${cp.seq} differs from signed checkpoint ${cp.id}: it was rewritten`,
    };
  }
  return null;
}
