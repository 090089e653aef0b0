import { hash } from "node:crypto";
import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import {
  CANONICAL_V2,
  type ChainAlgorithm,
  type ChainedFields,
  canonicalEvent,
  canonicalV2Sql,
  PG_TIME_FORMAT,
} from "./chain";

/**
 * Reads the sealed chain for verification in ranges of positions, in chain order (chain_seq, then
 * the primary key, so a forged duplicate position is read too).
 * v2 positions, nearly all of the log, come with the canonical text PostgreSQL produced; v1
 * positions (0008's writer) with their columns, hashed in JavaScript.
 */
export interface ChainRow {
  chainSeq: string;
  /** The event's id. */
  seq: string;
  /** The stored hashes as lower-case hex: compared as strings, the cheapest form to receive. */
  prevHash: string | null;
  hash: string | null;
  /** v2: the canonical text as PostgreSQL produced it; null for a v1 row. */
  canonical: string | null;
  /** v1: the fields as hashed; null for a v2 row. */
  v1: ChainedFields | null;
}

const AT = `to_char(e.occurred_at AT TIME ZONE 'UTC', ${PG_TIME_FORMAT})`;

/** Stored hashes as hex and the canonical text, in one text value: "<prev hex> <hash hex> <canonical>". */
const V2_ROW = (canonical: string) =>
  `coalesce(encode(e.prev_hash, 'hex'), '') || ' ' || coalesce(encode(e.hash, 'hex'), '') || ' ' || ${canonical}`;

async function v2Page(db: DbOrTx, from: string, to: string): Promise<ChainRow[]> {
  // One text column per row: receiving it costs half of three columns with two bytea (hex parsing), and
  // the canonical text already holds the position, the id and the time, so they are not sent twice.
  const found = await sql<{ r: string }>`
    SELECT ${sql.raw(V2_ROW(canonicalV2Sql("e.chain_seq")))} AS r
    FROM audit_events e
    WHERE e.chain_seq > ${from}::bigint AND e.chain_seq <= ${to}::bigint
    ORDER BY e.chain_seq, e.occurred_at, e.seq`.execute(db);
  return found.rows.map(({ r }) => {
    const s1 = r.indexOf(" ");
    const s2 = r.indexOf(" ", s1 + 1);
    const c = r.slice(s2 + 1);
    // ["tianshu.audit.v2", "<chain_seq>", "<seq>", …: strings without escapes, at fixed places.
    const q1 = c.indexOf('"', CANONICAL_V2.length + 4);
    const e1 = c.indexOf('"', q1 + 1);
    const q2 = c.indexOf('"', e1 + 1);
    return {
      chainSeq: c.slice(q1 + 1, e1),
      seq: c.slice(q2 + 1, c.indexOf('"', q2 + 1)),
      prevHash: s1 > 0 ? r.slice(0, s1) : null,
      hash: s2 > s1 + 1 ? r.slice(s1 + 1, s2) : null,
      canonical: c,
      v1: null,
    };
  });
}

interface V1Columns {
  chain_seq: string;
  seq: string;
  prev_hash: string | null;
  hash: string | null;
  fields: string;
}

async function v1Page(db: DbOrTx, from: string, to: string): Promise<ChainRow[]> {
  // The fields as a jsonb array, so that the detail parses exactly as it did when it was written.
  const found = await sql<V1Columns>`
    SELECT e.chain_seq::text AS chain_seq, e.seq::text AS seq, encode(e.prev_hash, 'hex') AS prev_hash,
      encode(e.hash, 'hex') AS hash,
      jsonb_build_array(${sql.raw(AT)}, e.tenant_id, e.actor_id, e.actor_name, e.actor_role, e.action, e.target_type,
        e.target_id, e.result, e.detail, e.ip, e.user_agent, e.request_id)::text AS fields
    FROM audit_events e
    WHERE e.chain_seq > ${from}::bigint AND e.chain_seq <= ${to}::bigint
    ORDER BY e.chain_seq, e.occurred_at, e.seq`.execute(db);
  return found.rows.map((r) => {
    const f = JSON.parse(r.fields) as [string, ...(string | null)[]];
    const text = (i: number) => (f[i] ?? null) as string | null;
    return {
      chainSeq: r.chain_seq,
      seq: r.seq,
      prevHash: r.prev_hash,
      hash: r.hash,
      canonical: null,
      v1: {
        seq: r.chain_seq,
        occurredAt: f[0],
        tenantId: text(1),
        actorId: text(2),
        actorName: text(3),
        actorRole: text(4),
        action: text(5) as string,
        targetType: text(6),
        targetId: text(7),
        result: text(8) as string,
        detail: f[9] as unknown,
        ip: text(10),
        userAgent: text(11),
        requestId: text(12),
      },
    };
  });
}

/**
 * The events at positions (from, to], in chain order: v1 positions (up to v1End) hashed from their
 * columns, later ones from their v2 text. Pages are ranges of positions, not counts, so several can
 * be read at once on separate connections; a forged duplicate position only makes its page longer.
 */
export async function readChainRange(db: DbOrTx, from: bigint, to: bigint, v1End: bigint): Promise<ChainRow[]> {
  const split = v1End < from ? from : v1End > to ? to : v1End;
  const v1 = split > from ? await v1Page(db, from.toString(), split.toString()) : [];
  const v2 = to > split ? await v2Page(db, split.toString(), to.toString()) : [];
  return v1.length === 0 ? v2 : v1.concat(v2);
}

/**
 * Hashes rows the way the sealer did, SM3 (or SHA-256) of the previous hash's bytes followed by the
 * canonical text, in one `crypto.hash` call over a reused buffer: for events of a few hundred bytes
 * about twice as fast as `createHash().update().update().digest()`, which verification notices
 * (docs/benchmarks.md). Returns the hash a row must carry after `prevHex`, as hex.
 */
export function chainHasher(algorithm: ChainAlgorithm): (prevHex: string, row: ChainRow) => string {
  const name = algorithm === "SM3" ? "sm3" : "sha256";
  let scratch = Buffer.allocUnsafe(16 * 1024);
  return (prevHex, row) => {
    const text = row.canonical ?? canonicalEvent(row.v1 as ChainedFields);
    // A UTF-16 code unit takes at most 3 bytes in UTF-8, so this always fits the whole text.
    const room = prevHex.length / 2 + text.length * 3;
    if (room > scratch.length) scratch = Buffer.allocUnsafe(room);
    const at = scratch.write(prevHex, 0, "hex");
    const end = at + scratch.write(text, at, "utf8");
    return hash(name, scratch.subarray(0, end), "hex");
  };
}
