import { sql } from "kysely";
import { CryptoProfileMismatchError } from "../crypto/profile";
import type { DbOrTx } from "../db/pool";
import { type ChainAlgorithm, GENESIS_HASH, PG_TIME_FORMAT } from "./chain";
import { archiveBoundary } from "./archive";
import { type ChainRow, chainHasher, readChainRange } from "./chain-pages";

/** Pages being read while one is hashed; more than the pool's connections only queue. */
const READ_AHEAD = 2;
import { checkpointMessage, PG_SIGNED_AT_FORMAT, profileOfSigningAlgorithm, type SigningAlgorithm } from "./checkpoint";

/**
 * Verification of the audit chain (docs/audit.md): sealed events are read in chain order (chain_seq)
 * in pages (bounded memory), each hash recomputed, position continuity and the links checked, and
 * every checkpoint's signature and hash compared. The report names the first chain position where
 * something is wrong. Positions up to the head's v1_end_seq were hashed with the v1 canonical form
 * (built here from the columns), later ones with v2 (text produced by PostgreSQL, canonicalV2Sql).
 */
export type FindingKind =
  "modified" | "deleted" | "inserted" | "reordered" | "bad_checkpoint_signature" | "checkpoint_mismatch";

export interface Finding {
  kind: FindingKind;
  /** The first chain position (chain_seq) concerned. */
  seq: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  algorithm: ChainAlgorithm | null;
  /** Events at or below this seq predate the chain (migration 0008) and are not covered. */
  genesisSeq: string;
  preChainEvents: number;
  /**
   * The last position moved to archive files (audit/archive.ts): verification of the database starts
   * after it, linked to its hash; the archives are verified on their own (npm run audit:archive-verify).
   */
  archivedThroughSeq: string | null;
  /** The chain head when verification started; events sealed later are left for the next run. */
  headSeq: string;
  /** Events committed but not yet chained by the sealer (normally sealed within a second or two). */
  unsealedEvents: number;
  /** When the oldest of them was written; a value minutes old means the sealer is not running. */
  oldestUnsealedAt: string | null;
  eventsChecked: number;
  checkpointsChecked: number;
  /** Highest seq vouched for by a valid checkpoint signature, if any. */
  lastCheckpointSeq: string | null;
  finding: Finding | null;
  durationMs: number;
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

/** Equal only when both are present (hex strings: chain-pages.ts receives hashes as hex). */
const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a === b;

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
    .select(["seq", "hash", "hash_alg", "genesis_seq", "v1_end_seq"])
    .executeTakeFirstOrThrow();
  const algorithm = head.hash_alg;
  const headSeq = BigInt(head.seq);
  const genesis = BigInt(head.genesis_seq);
  const counts = (
    await sql<{ pre: string; unsealed: string; oldest: string | null }>`
      SELECT (SELECT count(*) FROM audit_events WHERE chain_seq IS NULL AND seq <= ${head.genesis_seq}::bigint)::text AS pre,
        (SELECT count(*) FROM audit_events WHERE chain_seq IS NULL AND seq > ${head.genesis_seq}::bigint)::text AS unsealed,
        (SELECT to_char(min(occurred_at) AT TIME ZONE 'UTC', ${sql.raw(PG_TIME_FORMAT)}) FROM audit_events
          WHERE chain_seq IS NULL AND seq > ${head.genesis_seq}::bigint) AS oldest`.execute(db)
  ).rows[0];
  const report: VerifyReport = {
    ok: true,
    algorithm,
    genesisSeq: head.genesis_seq,
    preChainEvents: Number(counts?.pre ?? 0),
    archivedThroughSeq: null,
    headSeq: head.seq,
    unsealedEvents: Number(counts?.unsealed ?? 0),
    oldestUnsealedAt: counts?.oldest ?? null,
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
  const keys = await publicKeys(db);

  // After archiving, the database's part of the chain starts after the last archived position.
  const archived = await archiveBoundary(db);
  const start = archived ? BigInt(archived.chainSeq) : genesis;
  report.archivedThroughSeq = archived?.chainSeq ?? null;
  let expected = start + 1n;
  // The last accepted hash, as hex (chain-pages.ts receives the rows' hashes as hex).
  let prev = (archived?.hash ?? GENESIS_HASH).toString("hex");
  const expectedHash = chainHasher(algorithm ?? "SM3");
  // A row that failed its check, waiting for the next row to tell which kind of tampering it was.
  let suspect: ChainRow | null = null;
  // A broken link whose rightful row may turn up further on (reordering).
  let search: { seq: string; want: string } | null = null;
  let finding: Finding | null = null;

  const accept = (r: ChainRow) => {
    prev = r.hash as string;
    expected += 1n;
  };
  const classify = (s: ChainRow, next: ChainRow | null): Finding | null => {
    if (next && same(next.prevHash, prev)) {
      return same(s.prevHash, next.hash)
        ? { kind: "reordered", seq: s.chainSeq, message: `events ${s.chainSeq} and ${next.chainSeq} were swapped` }
        : {
            kind: "inserted",
            seq: s.chainSeq,
            message: `event ${s.chainSeq} was inserted: the next event links past it`,
          };
    }
    if (same(s.prevHash, prev)) {
      return { kind: "modified", seq: s.chainSeq, message: `event ${s.chainSeq} does not match its hash` };
    }
    search = { seq: s.chainSeq, want: prev };
    return null;
  };
  /** Checks one row; returns true while the chain is intact up to it. */
  const check = (r: ChainRow): boolean => {
    const position = BigInt(r.chainSeq);
    if (position > expected) {
      finding = { kind: "deleted", seq: expected.toString(), message: `event ${expected} is missing` };
      return false;
    }
    if (position < expected) {
      finding = { kind: "inserted", seq: r.chainSeq, message: `a second event at position ${r.chainSeq}` };
      return false;
    }
    if (r.hash && same(r.prevHash, prev) && expectedHash(prev, r) === r.hash) {
      accept(r);
      return true;
    }
    suspect = r;
    return false;
  };

  // Pages are ranges of positions, so the next ones are read (on other pool connections) while this
  // one is hashed; checkpoints come with their page.
  const v1End = BigInt(head.v1_end_seq);
  const ranges: [bigint, bigint][] = [];
  for (let from = start; from < headSeq; from += BigInt(batchSize)) {
    const to = from + BigInt(batchSize);
    ranges.push([from, to < headSeq ? to : headSeq]);
  }
  const fetchPage = async ([from, to]: [bigint, bigint]) => {
    const rows = await readChainRange(db, from, to, v1End);
    return { rows, checkpoints: rows.length > 0 ? await checkpointsIn(db, rows) : new Map<string, CheckpointRow[]>() };
  };
  const inFlight: Promise<{ rows: ChainRow[]; checkpoints: Map<string, CheckpointRow[]> }>[] = [];
  let next = 0;
  const refill = () => {
    while (inFlight.length < READ_AHEAD && next < ranges.length) {
      const page = fetchPage(ranges[next++] as [bigint, bigint]);
      // Awaited in turn or after the loop; this only keeps an early exit from leaving it unobserved.
      page.catch(() => {});
      inFlight.push(page);
    }
  };
  refill();
  scan: while (inFlight.length > 0) {
    const { rows, checkpoints } = await (inFlight.shift() as (typeof inFlight)[number]);
    refill();
    for (const r of rows) {
      if (search) {
        if (same(r.prevHash, (search as { want: string }).want)) {
          const s = search as { seq: string };
          finding = {
            kind: "reordered",
            seq: s.seq,
            message: `the event that belongs at ${s.seq} is at ${r.chainSeq}`,
          };
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
      for (const cp of checkpoints.get(r.chainSeq) ?? []) {
        const problem = checkCheckpoint(cp, r, keys);
        report.checkpointsChecked += 1;
        if (problem) {
          finding = problem;
          break scan;
        }
        report.lastCheckpointSeq = r.chainSeq;
      }
    }
    opts.onProgress?.(report.eventsChecked);
  }
  // Reads left by an early exit finish before the caller reuses the connections.
  await Promise.allSettled(inFlight);
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
  if (headSeq > start && prev !== head.hash.toString("hex")) {
    return done({ kind: "modified", seq: head.seq, message: "the chain head does not match the last event" });
  }
  // Rows outside the chain: a position beyond the head (the current head: sealing since the start
  // moved it too) or at or below the genesis, and hashes on a row the sealer never placed. Index scans.
  const outside = await sql<{ seq: string; placed: boolean }>`
    (SELECT chain_seq::text AS seq, true AS placed FROM audit_events
      WHERE chain_seq > (SELECT seq FROM audit_chain_head) ORDER BY chain_seq LIMIT 1)
    UNION ALL
    (SELECT chain_seq::text, true FROM audit_events WHERE chain_seq <= ${head.genesis_seq}::bigint LIMIT 1)
    UNION ALL
    (SELECT seq::text, false FROM audit_events WHERE chain_seq IS NULL AND hash IS NOT NULL LIMIT 1)`.execute(db);
  const stray = outside.rows[0];
  if (stray) {
    const message = stray.placed
      ? `event ${stray.seq} lies outside the chain`
      : `the event with id ${stray.seq} carries a hash but was never placed in the chain`;
    return done({ kind: "inserted", seq: stray.seq, message });
  }
  return done(null);
}

function modifiedLink(r: ChainRow): Finding {
  return { kind: "modified", seq: r.chainSeq, message: `event ${r.chainSeq} does not link to the event before it` };
}

async function publicKeys(db: DbOrTx): Promise<PublicKeys> {
  const rows = await db.selectFrom("audit_signing_keys").select(["id", "algorithm", "public_key"]).execute();
  return new Map(rows.map((k) => [k.id, { algorithm: k.algorithm, publicKey: k.public_key }]));
}

/** Checkpoints for the seqs of one page, one query per page. */
async function checkpointsIn(db: DbOrTx, rows: ChainRow[]): Promise<Map<string, CheckpointRow[]>> {
  const first = (rows[0] as ChainRow).chainSeq;
  const last = (rows[rows.length - 1] as ChainRow).chainSeq;
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

function checkCheckpoint(cp: CheckpointRow, r: ChainRow, keys: PublicKeys): Finding | null {
  if (!signatureValid(cp, keys)) {
    return {
      kind: "bad_checkpoint_signature",
      seq: cp.seq,
      message: `checkpoint ${cp.id} at seq ${cp.seq} has a bad signature`,
    };
  }
  if (cp.hash.toString("hex") !== r.hash) {
    return {
      kind: "checkpoint_mismatch",
      seq: cp.seq,
      message: `the chain at seq ${cp.seq} differs from signed checkpoint ${cp.id}: it was rewritten`,
    };
  }
  return null;
}
