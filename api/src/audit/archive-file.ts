import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { sql } from "kysely";
import { type CryptoProfile, cryptoProfile, type CryptoProfileName } from "../crypto/profile";
import { type DataKeyRing, derivedKey } from "../crypto/data-keys";
import { kekFingerprint } from "../crypto/keys";
import type { DbOrTx } from "../db/pool";
import { type ChainAlgorithm, type ChainedFields, canonicalJson, chainHash, chainHashV2 } from "./chain";
import { type AuditSigner, profileOfSigningAlgorithm, type SigningAlgorithm } from "./checkpoint";

/**
 * An audit archive (docs/audit.md, "Retention and archives") is two files:
 *   <name>.jsonl.gz.sealed   the events of one chain range, in chain order, one JSON object a line with
 *                            every column (chain_seq, prev_hash and hash included), gzip'd, then sealed
 *                            with a KEK-derived key (SM4-CTR + HMAC-SM3 under gm, AES-256-GCM under intl)
 *                            bound to the archive id;
 *   <name>.manifest.json     the range, hashes, counts, times and the digest of the sealed file, signed
 *                            with the audit signing key (SM2 / Ed25519).
 * Both verify on their own: the signature, the digest, and the chain inside the file.
 */
export const ARCHIVE_FORMAT = "tianshu.audit.archive.v1";
const MANIFEST_SIGNED_PREFIX = "tianshu.audit.archive.manifest.v1\n";
const SEAL_PURPOSE = "audit-archive";

/** The purpose of the archive root key, carried across KEK re-wraps (crypto/data-keys.ts CARRIED_DERIVATIONS). */
export const ARCHIVE_ROOT_PURPOSE = "audit-archive:root";

/**
 * The key archives are sealed under: derived from the KEK until the first KEK re-wrap, then the same
 * value read from the database (wrapped under the new KEK), so archives written years ago still open.
 */
export function archiveKeyOf(profile: CryptoProfile, kek: Buffer, ring?: Pick<DataKeyRing, "carried">): Buffer {
  return derivedKey(profile, kek, ring, ARCHIVE_ROOT_PURPOSE, 32);
}

/**
 * One archived event: every column of audit_events, times and bigints as text, hashes as hex. Its
 * fields are the chained ones (`seq` being the event's id, which for v1 events is also their chain
 * position, so a v1 row hashes as it is: chain.ts chainHash reads only those fields).
 */
export interface ArchivedEvent extends ChainedFields {
  chainSeq: string;
  prevHash: string;
  hash: string;
  /**
   * For events sealed with the v2 canonical form: the canonical text exactly as PostgreSQL produced
   * it (chain.ts canonicalV2Sql), which is what the hash covers. Verification checks that it holds
   * the same values as the fields above, so the fields can be searched. Null for v1 events, whose
   * canonical form is rebuilt from the fields.
   */
  canonical: string | null;
}

/** Recomputes an event's hash from the hash it links to; the chain's canonical form lives in chain.ts. */
export type RowHasher = (prevHash: Buffer, row: ArchivedEvent) => Buffer;

/** What a verifier needs to rebuild the hasher of a chain range. */
export interface ChainParams {
  hashAlg: ChainAlgorithm;
  /** Events at or below this chain position were hashed with the v1 canonical form (0008). */
  v1EndSeq: string;
}

/**
 * The hasher for a chain range: v1 (chain.ts canonicalEvent over the fields) up to v1EndSeq, where
 * 0008's writer hashed in the transaction; v2 (chainHashV2 over the stored canonical text) after it.
 */
export function archiveRowHasher(params: ChainParams): RowHasher {
  const v1End = BigInt(params.v1EndSeq);
  return (prevHash, row) =>
    BigInt(row.chainSeq) <= v1End
      ? chainHash(params.hashAlg, prevHash, row)
      : chainHashV2(params.hashAlg, prevHash, row.canonical ?? "");
}

/** The v2 canonical text names the same event as the fields (or it is a v1 event): true when consistent. */
export function canonicalMatchesFields(row: ArchivedEvent): boolean {
  if (row.canonical === null) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(row.canonical);
  } catch {
    return false;
  }
  if (!Array.isArray(parsed) || parsed.length !== 16) return false;
  const expected = [
    row.chainSeq,
    row.seq,
    row.occurredAt,
    row.tenantId,
    row.actorId,
    row.actorName,
    row.actorRole,
    row.action,
    row.targetType,
    row.targetId,
    row.result,
    row.detail,
    row.ip,
    row.userAgent,
    row.requestId,
  ];
  return canonicalJson(parsed.slice(1)) === canonicalJson(expected);
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  archiveId: string;
  fromChainSeq: string;
  toChainSeq: string;
  events: number;
  firstPrevHash: string;
  lastHash: string;
  chain: ChainParams;
  fromOccurredAt: string;
  toOccurredAt: string;
  dataFile: string;
  /** Digest of the sealed data file, with the profile's hash (SM3 / SHA-256). */
  dataDigest: string;
  digestAlg: ChainAlgorithm;
  /**
   * keyFingerprint: which archive root key the data file is sealed under (archiveKeyOf below;
   * crypto/keys.ts kekFingerprint over that key). The root key keeps its value across KEK re-wraps.
   */
  cipher: { profile: CryptoProfileName; keyPurpose: string; compression: "gzip"; keyFingerprint: string };
  createdAt: string;
  signing: { keyId: string; algorithm: SigningAlgorithm; publicKey: string };
}

export interface SignedManifest extends ArchiveManifest {
  /** Hex signature over MANIFEST_SIGNED_PREFIX + canonical JSON of the manifest without this field. */
  signature: string;
}

const digestAlgOf = (profile: CryptoProfile): ChainAlgorithm => (profile.name === "gm" ? "SM3" : "SHA-256");
const profileOfDigest = (alg: ChainAlgorithm): CryptoProfile => cryptoProfile(alg === "SM3" ? "gm" : "intl");

export const manifestMessage = (m: ArchiveManifest): string => MANIFEST_SIGNED_PREFIX + canonicalJson(m);

/** File names sort in chain order: audit-<from, 20 digits>-<to, 20 digits>-<id prefix>. */
export function archiveBaseName(fromChainSeq: string, toChainSeq: string, archiveId: string): string {
  const pad = (s: string) => s.padStart(20, "0");
  return `audit-${pad(fromChainSeq)}-${pad(toChainSeq)}-${archiveId.slice(0, 8)}`;
}

export interface WrittenArchive {
  manifest: SignedManifest;
  dataPath: string;
  manifestPath: string;
  dataDigest: Buffer;
  signature: Buffer;
}

/** fsync'd write to a temporary name, then rename: a crash never leaves a half file under the real name. */
function writeDurably(file: string, data: Buffer | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, "wx", 0o600);
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dir = fs.openSync(path.dirname(file), "r");
  try {
    fs.fsyncSync(dir);
  } catch {
    // Directories cannot be fsync'd on every platform; the rename is still atomic.
  } finally {
    fs.closeSync(dir);
  }
}

/**
 * Writes the sealed data file and the signed manifest for `events` (a contiguous, already checked
 * chain range) into `dir`.
 */
export function writeArchive(opts: {
  dir: string;
  archiveId: string;
  events: ArchivedEvent[];
  chain: ChainParams;
  /** The archive root key: archiveKeyOf(). */
  archiveKey: Buffer;
  profile: CryptoProfile;
  signer: AuditSigner;
}): WrittenArchive {
  const { events, archiveId, profile, signer } = opts;
  const first = events[0];
  const last = events[events.length - 1];
  if (!first || !last) throw new Error("an archive needs at least one event");
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const base = archiveBaseName(first.chainSeq, last.chainSeq, archiveId);
  const dataFile = `${base}.jsonl.gz.sealed`;
  const plain = zlib.gzipSync(Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(""), "utf8"));
  const sealed = profile.seal(profile.sealingKey(opts.archiveKey, SEAL_PURPOSE), plain, archiveId);
  const dataDigest = profile.hash(sealed);
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    archiveId,
    fromChainSeq: first.chainSeq,
    toChainSeq: last.chainSeq,
    events: events.length,
    firstPrevHash: first.prevHash,
    lastHash: last.hash,
    chain: opts.chain,
    fromOccurredAt: first.occurredAt,
    toOccurredAt: last.occurredAt,
    dataFile,
    dataDigest: dataDigest.toString("hex"),
    digestAlg: digestAlgOf(profile),
    cipher: {
      profile: profile.name,
      keyPurpose: SEAL_PURPOSE,
      compression: "gzip",
      keyFingerprint: kekFingerprint(profile.hash, opts.archiveKey),
    },
    createdAt: new Date().toISOString(),
    signing: {
      keyId: signer.keyId,
      algorithm: signer.profile.name === "gm" ? "SM2" : "Ed25519",
      publicKey: signer.key.publicKey,
    },
  };
  const signature = signer.profile.sign(manifestMessage(manifest), signer.key);
  const signed: SignedManifest = { ...manifest, signature: signature.toString("hex") };
  const dataPath = path.join(opts.dir, dataFile);
  const manifestPath = path.join(opts.dir, `${base}.manifest.json`);
  writeDurably(dataPath, sealed);
  writeDurably(manifestPath, `${JSON.stringify(signed, null, 2)}\n`);
  return { manifest: signed, dataPath, manifestPath, dataDigest, signature };
}

/** The manifest path for either file of an archive. */
export function manifestPathOf(file: string): string {
  if (file.endsWith(".manifest.json")) return file;
  if (file.endsWith(".jsonl.gz.sealed")) return file.slice(0, -".jsonl.gz.sealed".length) + ".manifest.json";
  throw new Error(`not an audit archive file (…manifest.json or …jsonl.gz.sealed): ${file}`);
}

export function readManifest(file: string): SignedManifest {
  const m = JSON.parse(fs.readFileSync(manifestPathOf(file), "utf8")) as SignedManifest;
  if (m.format !== ARCHIVE_FORMAT) throw new Error(`unknown archive format ${String(m.format)}`);
  return m;
}

export type ArchiveFindingKind =
  | "bad_manifest_signature"
  | "unknown_signing_key"
  | "digest_mismatch"
  | "undecryptable"
  | "count_mismatch"
  | "range_mismatch"
  | "deleted"
  | "inserted"
  | "modified"
  | "broken_link";

export interface ArchiveFinding {
  kind: ArchiveFindingKind;
  chainSeq: string | null;
  message: string;
}

export interface ArchiveVerifyReport {
  ok: boolean;
  archiveId: string;
  fromChainSeq: string;
  toChainSeq: string;
  events: number;
  eventsChecked: number;
  keyId: string;
  finding: ArchiveFinding | null;
}

export interface OpenOptions {
  /** The archive root key: archiveKeyOf(). */
  archiveKey: Buffer;
  /** Pins the signing public key (hex) instead of trusting the one named in the manifest. */
  publicKey?: string;
  hasher?: RowHasher;
}

/** Checks the manifest's signature and the data file's digest; returns the sealed bytes. */
function checkSealed(manifestFile: string, m: SignedManifest, publicKey: string | undefined): ArchiveFinding | Buffer {
  if (publicKey !== undefined && publicKey.toLowerCase() !== m.signing.publicKey.toLowerCase()) {
    return {
      kind: "unknown_signing_key",
      chainSeq: null,
      message: `the manifest names signing key ${m.signing.keyId} with another public key than the one given`,
    };
  }
  const { signature, ...unsigned } = m;
  const signingProfile = profileOfSigningAlgorithm(m.signing.algorithm);
  let valid: boolean;
  try {
    valid = signingProfile.verify(manifestMessage(unsigned), Buffer.from(signature, "hex"), m.signing.publicKey);
  } catch {
    valid = false;
  }
  if (!valid)
    return { kind: "bad_manifest_signature", chainSeq: null, message: "the manifest's signature is not valid" };
  const sealed = fs.readFileSync(path.join(path.dirname(manifestFile), m.dataFile));
  const digest = profileOfDigest(m.digestAlg).hash(sealed).toString("hex");
  if (digest !== m.dataDigest) {
    return { kind: "digest_mismatch", chainSeq: null, message: `${m.dataFile} does not match the manifest's digest` };
  }
  return sealed;
}

/** Decrypts and parses an archive's events (after the signature and digest checks). */
export function openArchive(file: string, opts: OpenOptions): { manifest: SignedManifest; events: ArchivedEvent[] } {
  const manifestFile = manifestPathOf(file);
  const manifest = readManifest(manifestFile);
  const sealed = checkSealed(manifestFile, manifest, opts.publicKey);
  if (!Buffer.isBuffer(sealed)) throw new Error(`${sealed.kind}: ${sealed.message}`);
  return { manifest, events: decrypt(manifest, sealed, opts.archiveKey) };
}

function decrypt(m: ArchiveManifest, sealed: Buffer, archiveKey: Buffer): ArchivedEvent[] {
  const profile = cryptoProfile(m.cipher.profile);
  const given = kekFingerprint(profile.hash, archiveKey);
  if (given !== m.cipher.keyFingerprint) {
    throw new Error(
      `the archive is sealed under the archive key with fingerprint ${m.cipher.keyFingerprint}, not this one ` +
        `(${given}): wrong KEK, or the KEK was re-wrapped and the key must come from the database ` +
        `(run without --offline) / 该归档由指纹为 ${m.cipher.keyFingerprint} 的归档密钥加密，主密钥不符`,
    );
  }
  const plain = zlib.gunzipSync(profile.open(profile.sealingKey(archiveKey, m.cipher.keyPurpose), sealed, m.archiveId));
  return plain
    .toString("utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ArchivedEvent);
}

/**
 * Checks that events form the chain range the manifest describes: positions continuous from
 * fromChainSeq, each linking to the previous hash (the first to firstPrevHash), each hash recomputed,
 * the last equal to lastHash.
 */
export function checkChainRange(
  events: ArchivedEvent[],
  range: { fromChainSeq: string; toChainSeq: string; firstPrevHash: string; lastHash: string; events: number },
  hasher: RowHasher,
): { eventsChecked: number; finding: ArchiveFinding | null } {
  let expectedSeq = BigInt(range.fromChainSeq);
  let prev = range.firstPrevHash;
  let checked = 0;
  for (const e of events) {
    const at = BigInt(e.chainSeq);
    if (at > expectedSeq) {
      return {
        eventsChecked: checked,
        finding: {
          kind: "deleted",
          chainSeq: String(expectedSeq),
          message: `the event at chain position ${expectedSeq} is missing`,
        },
      };
    }
    if (at < expectedSeq) {
      return {
        eventsChecked: checked,
        finding: {
          kind: "inserted",
          chainSeq: e.chainSeq,
          message: `chain position ${e.chainSeq} repeats or goes back`,
        },
      };
    }
    if (e.prevHash !== prev) {
      return {
        eventsChecked: checked,
        finding: {
          kind: "broken_link",
          chainSeq: e.chainSeq,
          message: `the event at ${e.chainSeq} does not link to the one before`,
        },
      };
    }
    if (hasher(Buffer.from(prev, "hex"), e).toString("hex") !== e.hash || !canonicalMatchesFields(e)) {
      return {
        eventsChecked: checked,
        finding: {
          kind: "modified",
          chainSeq: e.chainSeq,
          message: `the event at ${e.chainSeq} does not match its hash`,
        },
      };
    }
    prev = e.hash;
    expectedSeq++;
    checked++;
  }
  if (checked !== range.events || String(expectedSeq - 1n) !== range.toChainSeq) {
    return {
      eventsChecked: checked,
      finding: {
        kind: "count_mismatch",
        chainSeq: String(expectedSeq),
        message: `${checked} events found, the manifest says ${range.events} up to ${range.toChainSeq}`,
      },
    };
  }
  if (prev !== range.lastHash) {
    return {
      eventsChecked: checked,
      finding: {
        kind: "range_mismatch",
        chainSeq: range.toChainSeq,
        message: "the last hash differs from the manifest's",
      },
    };
  }
  return { eventsChecked: checked, finding: null };
}

/** Verifies an archive on its own: manifest signature, file digest, decryption, the chain inside. */
export function verifyArchive(file: string, opts: OpenOptions): ArchiveVerifyReport {
  const manifestFile = manifestPathOf(file);
  const m = readManifest(manifestFile);
  const report = (finding: ArchiveFinding | null, eventsChecked = 0): ArchiveVerifyReport => ({
    ok: finding === null,
    archiveId: m.archiveId,
    fromChainSeq: m.fromChainSeq,
    toChainSeq: m.toChainSeq,
    events: m.events,
    eventsChecked,
    keyId: m.signing.keyId,
    finding,
  });
  const sealed = checkSealed(manifestFile, m, opts.publicKey);
  if (!Buffer.isBuffer(sealed)) return report(sealed);
  let events: ArchivedEvent[];
  try {
    events = decrypt(m, sealed, opts.archiveKey);
  } catch (err) {
    return report({
      kind: "undecryptable",
      chainSeq: null,
      message: `the data file does not open with this KEK: ${(err as Error).message}`,
    });
  }
  const result = checkChainRange(events, m, opts.hasher ?? archiveRowHasher(m.chain));
  return report(result.finding, result.eventsChecked);
}

export interface ArchiveSearch {
  /** Matches the actor's name or id. */
  actor?: string;
  /** An action, or a prefix ending in "*" (e.g. "auth.*"). */
  action?: string;
  /** ISO times, inclusive from, exclusive to. */
  from?: string;
  to?: string;
  tenant?: string;
  result?: string;
}

export function matchesSearch(e: ArchivedEvent, q: ArchiveSearch): boolean {
  if (q.actor !== undefined && e.actorName !== q.actor && e.actorId !== q.actor) return false;
  if (q.action !== undefined) {
    const ok = q.action.endsWith("*") ? e.action.startsWith(q.action.slice(0, -1)) : e.action === q.action;
    if (!ok) return false;
  }
  const t = Date.parse(e.occurredAt);
  if (q.from !== undefined && t < Date.parse(q.from)) return false;
  if (q.to !== undefined && t >= Date.parse(q.to)) return false;
  if (q.tenant !== undefined && e.tenantId !== q.tenant) return false;
  if (q.result !== undefined && e.result !== q.result) return false;
  return true;
}

/** Opens an archive (signature and digest checked first) and returns the events that match. */
export function searchArchive(file: string, q: ArchiveSearch, opts: OpenOptions): ArchivedEvent[] {
  return openArchive(file, opts).events.filter((e) => matchesSearch(e, q));
}

export interface ArchiveCrossCheck {
  /** true/false: the manifest's key id and public key are (not) among audit_signing_keys. */
  keyKnown: boolean;
  /** true/false: an audit_archives row with this id has the manifest's range, digest and signature. */
  recorded: boolean;
  note: string;
}

/**
 * Against the instance's database: the signing key is one of its audit signing keys, and the archive
 * is the one it recorded (same range, last hash, file digest and signature). Files left by a failed
 * archiver transaction, or made elsewhere, are reported as not recorded.
 */
export async function crossCheckArchive(db: DbOrTx, m: SignedManifest): Promise<ArchiveCrossCheck> {
  const key = await db
    .selectFrom("audit_signing_keys")
    .select("id")
    .where("id", "=", m.signing.keyId)
    .where("public_key", "=", m.signing.publicKey)
    .executeTakeFirst();
  const row = await db
    .selectFrom("audit_archives")
    .select([
      sql<string>`from_chain_seq::text`.as("from"),
      sql<string>`to_chain_seq::text`.as("to"),
      "last_hash",
      "file_digest",
      "signature",
    ])
    .where("id", "=", m.archiveId)
    .executeTakeFirst();
  const recorded =
    !!row &&
    row.from === m.fromChainSeq &&
    row.to === m.toChainSeq &&
    row.last_hash.toString("hex") === m.lastHash &&
    row.file_digest.toString("hex") === m.dataDigest &&
    row.signature.toString("hex") === m.signature;
  const notes = [
    key ? "signing key known" : "the signing key is NOT among this instance's audit signing keys",
    recorded ? "archive recorded in audit_archives" : "this archive is NOT the one recorded in audit_archives",
  ];
  return { keyKnown: !!key, recorded, note: notes.join("; ") };
}
