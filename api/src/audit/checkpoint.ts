import crypto from "node:crypto";
import { sql } from "kysely";
import type { Logger } from "pino";
import { type CryptoProfile, cryptoProfile, type SigningKeyPair } from "../crypto/profile";
import type { Db } from "../db/pool";
import type { ChainAlgorithm } from "./chain";

/**
 * Signed checkpoints of the audit chain (docs/audit.md): "at seq N the chain hash was H", signed with
 * the instance signing key (SM2 under gm, Ed25519 under intl). A rewrite of the chain that recomputes
 * every hash is still caught, because it cannot produce the signatures.
 */
export type SigningAlgorithm = "SM2" | "Ed25519";

export const signingAlgorithmOf = (profile: CryptoProfile): SigningAlgorithm =>
  profile.name === "gm" ? "SM2" : "Ed25519";
export const profileOfSigningAlgorithm = (algorithm: SigningAlgorithm): CryptoProfile =>
  cryptoProfile(algorithm === "SM2" ? "gm" : "intl");

/** Exactly what is signed: a fixed, line-separated text, so any verifier can rebuild it. */
export function checkpointMessage(c: {
  seq: string;
  hash: Buffer;
  hashAlg: string;
  signedAt: string;
  keyId: string;
}): string {
  return ["tianshu.audit.checkpoint.v1", c.seq, c.hash.toString("hex"), c.hashAlg, c.signedAt, c.keyId].join("\n");
}

/** Millisecond UTC text of signed_at, as written and as read back (to_char … MS). */
export const PG_SIGNED_AT_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

export interface AuditSigner {
  keyId: string;
  key: SigningKeyPair;
  profile: CryptoProfile;
}

const KEY_LOCK = "tianshu.audit.signing-key";
const CHECKPOINT_LOCK = "tianshu.audit.checkpoint";
const sealPurpose = "audit-signing-key";
const placeOf = (id: string) => `audit_signing_keys:${id}`;

/**
 * The newest signing key of the profile's algorithm, opened with the KEK; generated and stored (sealed)
 * on first use. A wrong KEK throws (IntegrityError) rather than replacing the key.
 */
export async function loadOrCreateSigningKey(db: Db, kek: Buffer, profile: CryptoProfile): Promise<AuditSigner> {
  const algorithm = signingAlgorithmOf(profile);
  const sealing = profile.sealingKey(kek, sealPurpose);
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${KEY_LOCK}))`.execute(tx);
    const existing = await tx
      .selectFrom("audit_signing_keys")
      .selectAll()
      .where("algorithm", "=", algorithm)
      .orderBy("created_at", "desc")
      .limit(1)
      .executeTakeFirst();
    if (existing) {
      const privateKey = profile.open(sealing, existing.sealed_private_key, placeOf(existing.id)).toString("hex");
      return {
        keyId: existing.id,
        profile,
        key: { profile: profile.name, privateKey, publicKey: existing.public_key },
      };
    }
    const key = profile.generateSigningKey();
    const id = crypto.randomUUID();
    await tx
      .insertInto("audit_signing_keys")
      .values({
        id,
        algorithm,
        public_key: key.publicKey,
        sealed_private_key: profile.seal(sealing, Buffer.from(key.privateKey, "hex"), placeOf(id)),
      })
      .execute();
    return { keyId: id, profile, key };
  });
}

/**
 * Signs the current chain head if it moved since the last checkpoint. Under a transaction-scoped
 * advisory lock, so with several instances one writes and the others skip.
 */
export async function writeCheckpoint(db: Db, signer: AuditSigner): Promise<"written" | "unchanged" | "busy"> {
  return db.transaction().execute(async (tx) => {
    const lock = await sql<{
      locked: boolean;
    }>`SELECT pg_try_advisory_xact_lock(hashtext(${CHECKPOINT_LOCK})) AS locked`.execute(tx);
    if (!lock.rows[0]?.locked) return "busy";
    const head = await tx
      .selectFrom("audit_chain_head")
      .select(["seq", "hash", "hash_alg", "genesis_seq"])
      .executeTakeFirstOrThrow();
    if (head.hash_alg === null || head.seq === head.genesis_seq) return "unchanged";
    const last = await tx
      .selectFrom("audit_checkpoints")
      .select(sql<string>`max(seq)::text`.as("seq"))
      .executeTakeFirst();
    if (last?.seq === head.seq) return "unchanged";
    const signedAt = new Date().toISOString();
    const hashAlg = head.hash_alg as ChainAlgorithm;
    const message = checkpointMessage({ seq: head.seq, hash: head.hash, hashAlg, signedAt, keyId: signer.keyId });
    await tx
      .insertInto("audit_checkpoints")
      .values({
        seq: head.seq,
        hash: head.hash,
        hash_alg: hashAlg,
        signed_at: signedAt,
        key_id: signer.keyId,
        signature: signer.profile.sign(message, signer.key),
      })
      .execute();
    return "written";
  });
}

/**
 * Checkpoints every `intervalMs` (one minute by default) and once more on stop (shutdown). Failures are
 * logged and retried at the next tick; a key that cannot be opened (wrong KEK) disables checkpoints
 * with an error in the log, never a replacement key.
 */
export function scheduleCheckpoints(
  db: Db,
  opts: { kek: Buffer; profile: CryptoProfile; logger: Logger; intervalMs?: number },
): { stop(): Promise<void> } {
  let signer: Promise<AuditSigner> | undefined;
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= (async () => {
      try {
        signer ??= loadOrCreateSigningKey(db, opts.kek, opts.profile);
        const outcome = await writeCheckpoint(db, await signer);
        if (outcome === "written") opts.logger.debug("audit checkpoint written");
      } catch (err) {
        signer = undefined;
        opts.logger.error({ err: (err as Error).message }, "audit checkpoint failed / 审计检查点写入失败");
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(run, opts.intervalMs ?? 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await run();
    },
  };
}
