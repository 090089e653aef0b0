import crypto from "node:crypto";
import { type CryptoProfile, cryptoProfile } from "../crypto/profile";
import type { Db } from "../db/pool";
import { type AuditSigner, loadOrCreateSigningKey, signingAlgorithmOf } from "./checkpoint";
import type { AuditExportSignature } from "./schemas";

/**
 * The signature file of an audit export (docs/audit.md, "The auditor's workspace"): JSON naming the
 * file, its digest (SM3 under gm, SHA-256 under intl), the search and who ran it, signed with the
 * instance's audit signing key (SM2 / Ed25519: the key that signs chain checkpoints, checkpoint.ts).
 */
export const SIGNATURE_FILE_VERSION = "tianshu.audit-export-signature.v1";
export const EXPORT_MESSAGE_TAG = "tianshu.audit.export.v1";

export type DigestAlgorithm = "SM3" | "SHA-256";
export const digestAlgorithmOf = (profile: CryptoProfile): DigestAlgorithm =>
  profile.name === "gm" ? "SM3" : "SHA-256";
/** An incremental hash, so a file is digested as it streams (node's OpenSSL provides SM3). */
export const createDigest = (algorithm: DigestAlgorithm): crypto.Hash =>
  crypto.createHash(algorithm === "SM3" ? "sm3" : "sha256");

/** JSON with object keys sorted at every level and no whitespace: the same bytes for the same value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

type Signed = Omit<AuditExportSignature, "signature" | "publicKey" | "signatureAlgorithm" | "version">;

/**
 * Exactly what is signed: UTF-8 text, lines joined with "\n", no trailing newline:
 *   tianshu.audit.export.v1
 *   <exportId>
 *   <fileName>
 *   <format>                 csv | xlsx
 *   <digestAlgorithm>        SM3 | SHA-256
 *   <digest>                 lower-case hex of the file's digest
 *   <rows>                   decimal: data rows in the file (the header row not counted)
 *   <seqBound>               decimal: no event above this seq is in the file
 *   <canonical JSON of filter>
 *   <canonical JSON of creator>
 *   <signedAt>               ISO 8601 UTC, milliseconds
 *   <keyId>
 */
export function exportMessage(s: Signed): string {
  return [
    EXPORT_MESSAGE_TAG,
    s.exportId,
    s.fileName,
    s.format,
    s.digestAlgorithm,
    s.digest,
    String(s.rows),
    s.seqBound,
    canonicalJson(s.filter),
    canonicalJson(s.creator),
    s.signedAt,
    s.keyId,
  ].join("\n");
}

export function signExport(signer: AuditSigner, fields: Signed): AuditExportSignature {
  return {
    version: SIGNATURE_FILE_VERSION,
    ...fields,
    signatureAlgorithm: signingAlgorithmOf(signer.profile),
    publicKey: signer.key.publicKey,
    signature: signer.profile.sign(exportMessage(fields), signer.key).toString("hex"),
  };
}

/** Whether the signature file's signature verifies with the public key it names (no database). */
export function signatureValid(sig: AuditExportSignature): boolean {
  const profile = cryptoProfile(sig.signatureAlgorithm === "SM2" ? "gm" : "intl");
  try {
    return profile.verify(exportMessage(sig), Buffer.from(sig.signature, "hex"), sig.publicKey);
  } catch {
    return false;
  }
}

/** The instance's audit signing key, loaded (or created) on first use; a failure is retried next time. */
export type AuditSignerSource = () => Promise<AuditSigner>;

export function auditSignerSource(db: Db, kek: Buffer, profile: CryptoProfile): AuditSignerSource {
  let signer: Promise<AuditSigner> | undefined;
  return () =>
    (signer ??= loadOrCreateSigningKey(db, kek, profile).catch((err: unknown) => {
      signer = undefined;
      throw err;
    }));
}
