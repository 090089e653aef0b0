import { gmProfile, intlProfile } from "../crypto/profile";

/**
 * The audit hash chain (docs/audit.md): hash = H(prev_hash ‖ UTF-8(canonical(event))), H being SM3
 * under the gm crypto profile and SHA-256 under intl. The first chained event follows the genesis
 * hash (32 zero bytes).
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
 * no whitespace. Input must already be plain JSON data (see normaliseDetail).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/**
 * What jsonb will hold: JSON.stringify's view of the value (undefined dropped, toJSON applied).
 * PostgreSQL then reorders keys and keeps numbers as decimal text, which JSON.parse reads back as
 * the same double, so canonicalJson of the value read back equals canonicalJson of this.
 */
export function normaliseDetail(detail: Record<string, unknown> | undefined): Record<string, unknown> {
  return JSON.parse(JSON.stringify(detail ?? {})) as Record<string, unknown>;
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

export function chainHashFunction(algorithm: ChainAlgorithm): (data: Buffer) => Buffer {
  return algorithm === "SM3" ? (data) => gmProfile.hash(data) : (data) => intlProfile.hash(data);
}

export function chainHash(algorithm: ChainAlgorithm, prevHash: Buffer, event: ChainedFields): Buffer {
  return chainHashFunction(algorithm)(Buffer.concat([prevHash, Buffer.from(canonicalEvent(event), "utf8")]));
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
