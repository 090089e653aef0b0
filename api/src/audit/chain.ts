import { createHash } from "node:crypto";
import { gmProfile, intlProfile } from "../crypto/profile";

/**
 * The audit hash chain (docs/audit.md): hash = H(prev_hash ‖ UTF-8(canonical(event))), H being SM3
 * under the gm crypto profile and SHA-256 under intl. The first chained event follows the genesis
 * hash (32 zero bytes).
 *
 * Two canonical forms exist. v1 (below, built here) was hashed by 0008's writer inside the caller's
 * transaction, over seq. v2 is hashed by the sealer (sealer.ts) after commit, over the chain position
 * and the event's id; its text is produced by PostgreSQL (canonicalV2Sql), so the sealer and the
 * verifier hash exactly what the database holds and nothing is re-serialised in JavaScript.
 */
export type ChainAlgorithm = "SM3" | "SHA-256";

export const GENESIS_HASH: Buffer = Buffer.alloc(32);

/** Names the format, so a later change of the canonical form can be told apart from tampering. */
export const CANONICAL_VERSION = "tianshu.audit.v1";

/** Microsecond UTC text, as PostgreSQL produces and parses it exactly: the form that is hashed. */
export const PG_TIME_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** An event as hashed: every field present, nulls explicit, detail as parsed JSON. */
export interface ChainedFields {
  seq: string;
  occurredAt: string;
  tenantId: string | null;
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: string;
  detail: unknown;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * JSON with object keys sorted (by UTF-16 code units, JavaScript's default sort) at every depth,
 * no whitespace. Input must be plain JSON data, as parsed from the text of a jsonb value.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** The canonical form: a JSON array in this fixed field order. */
export function canonicalEvent(e: ChainedFields): string {
  return canonicalJson([
    CANONICAL_VERSION,
    e.seq,
    e.occurredAt,
    e.tenantId,
    e.actorId,
    e.actorName,
    e.actorRole,
    e.action,
    e.targetType,
    e.targetId,
    e.result,
    e.detail,
    e.ip,
    e.userAgent,
    e.requestId,
  ]);
}

/** Names the v2 form: the first element of the array canonicalV2Sql builds. */
export const CANONICAL_V2 = "tianshu.audit.v2";

/**
 * SQL for the v2 canonical text of the audit_events row aliased `e`, at chain position `chainSeq`
 * (an SQL expression of type bigint): a JSON array of the fields in a fixed order, as PostgreSQL
 * prints it — `", "` between elements, strings JSON-escaped, null as `null`, and `detail` as jsonb
 * prints it (object keys sorted shorter first then bytewise, `": "` and `", "`, numbers as numeric
 * text). json_build_array gives the same text as jsonb_build_array(…)::text for these elements, at
 * a fifth less cost. The expression is kept here, not in a database function, so that whoever can
 * alter the database cannot alter what verification computes.
 */
export function canonicalV2Sql(chainSeq: string, e = "e"): string {
  return `json_build_array('${CANONICAL_V2}', (${chainSeq})::text, ${e}.seq::text,
    to_char(${e}.occurred_at AT TIME ZONE 'UTC', ${PG_TIME_FORMAT}), ${e}.tenant_id, ${e}.actor_id,
    ${e}.actor_name, ${e}.actor_role, ${e}.action, ${e}.target_type, ${e}.target_id, ${e}.result, ${e}.detail,
    ${e}.ip, ${e}.user_agent, ${e}.request_id)::text`;
}

export function chainHashFunction(algorithm: ChainAlgorithm): (data: Buffer) => Buffer {
  return algorithm === "SM3" ? (data) => gmProfile.hash(data) : (data) => intlProfile.hash(data);
}

export function chainHash(algorithm: ChainAlgorithm, prevHash: Buffer, event: ChainedFields): Buffer {
  return chainHashFunction(algorithm)(Buffer.concat([prevHash, Buffer.from(canonicalEvent(event), "utf8")]));
}

/**
 * H(prev ‖ UTF-8(text)) for a v2 canonical text as PostgreSQL produced it. Fed to the hash in two
 * parts rather than concatenated: verification runs this once per event, a million times.
 */
export function chainHashV2(algorithm: ChainAlgorithm, prevHash: Buffer, canonicalText: string): Buffer {
  return createHash(algorithm === "SM3" ? "sm3" : "sha256")
    .update(prevHash)
    .update(canonicalText, "utf8")
    .digest();
}

export function chainAlgorithmOf(profile: "gm" | "intl"): ChainAlgorithm {
  return profile === "gm" ? "SM3" : "SHA-256";
}

/**
 * The algorithm a brand-new chain starts with. Once the first event is chained the head records it and
 * every later append uses the head's algorithm, so a profile switch never breaks an existing chain.
 */
let newChainAlgorithm: ChainAlgorithm = "SM3";
export function setNewChainAlgorithm(algorithm: ChainAlgorithm): void {
  newChainAlgorithm = algorithm;
}
export function newChainAlgorithmSetting(): ChainAlgorithm {
  return newChainAlgorithm;
}
