import { sql } from "kysely";
import { record } from "../audit/record";
import { profileOfSigningAlgorithm } from "../audit/checkpoint";
import { PLATFORM_TENANT_CODE } from "../bootstrap/admins";
import { CARRIED_DERIVATIONS, type StoredKeyPurpose, unwrapDataKey, wrapDataKey } from "../crypto/data-keys";
import { KeyError, kekFingerprint } from "../crypto/keys";
import type { CryptoProfile } from "../crypto/profile";
import { IntegrityError } from "../crypto/sm";
import type { Db, DbOrTx } from "../db/pool";
import { runningInstances } from "../db/presence";
import { ROTATION_LOCK } from "./rotation";
import { valuesUnderKek } from "./sealed-columns";

/**
 * KEK re-wrap (docs/crypto.md "Changing the KEK"): every key stored wrapped under the KEK — the data
 * keys, the carried KEK-derived keys, the audit signing private keys — is opened with the old KEK and
 * sealed again under the new one, in one transaction with its audit event. Sealed values are not
 * touched: they are under data keys, which keep their value.
 */
export class RewrapRefusedError extends KeyError {}

export interface RewrapOptions {
  db: Db;
  /** The instance's crypto profile (data keys are wrapped with its AEAD). */
  profile: CryptoProfile;
  oldKek: Buffer;
  newKek: Buffer;
  /** Where the old KEK came from, for the refusal: "TIANSHU_KEK" or "the key file …". */
  oldSource: string;
  /** Who ran it, for the audit event (e.g. "cli:keys:rewrap (root@host)"). */
  actorName: string;
}

export interface RewrapResult {
  oldKek: string;
  newKek: string;
  dataKeys: number[];
  /** Carried KEK-derived keys; `stored` lists those stored for the first time now. */
  carried: string[];
  stored: string[];
  signingKeys: number;
}

// As in audit/checkpoint.ts (loadOrCreateSigningKey): the sealing purpose and associated data of the
// audit signing private key. rewrap.http.test.ts opens the re-wrapped key with loadOrCreateSigningKey.
const SIGNING_KEY_PURPOSE = "audit-signing-key";
const signingKeyPlace = (id: string) => `audit_signing_keys:${id}`;

const carriedPurpose = (purpose: string): StoredKeyPurpose => `kek-derived:${purpose}`;

interface Plan {
  dataKeys: { version: number; purpose: StoredKeyPurpose; key: Buffer }[];
  signingKeys: { id: string; algorithm: "SM2" | "Ed25519"; privateKey: Buffer }[];
  newCarried: { purpose: string; key: Buffer }[];
}

/**
 * Opens every wrapped key with the old KEK, changing nothing; throws RewrapRefusedError naming the
 * first key that does not open, or what else stands in the way. The CLI runs it before it writes any
 * file; rewrapKek runs it again inside its transaction.
 */
export async function checkRewrap(db: DbOrTx, opts: Omit<RewrapOptions, "db" | "actorName">): Promise<Plan> {
  if (opts.oldKek.equals(opts.newKek)) {
    throw new RewrapRefusedError("the new KEK is the old one / 新主密钥与原主密钥相同");
  }
  // Held until the end of rewrapKek's transaction: no instance can start meanwhile (db/presence.ts).
  const instances = await runningInstances(db);
  if (instances > 0) {
    throw new RewrapRefusedError(
      `${instances} Tianshu instance(s) are running on this database; stop every instance before changing the KEK ` +
        `(a running one keeps the old KEK and could wrap a new key under it) / 有 ${instances} 个实例正在使用该数据库，请先停止所有实例再更换主密钥`,
    );
  }
  const running = await db.selectFrom("key_rotations").select("id").where("state", "=", "running").executeTakeFirst();
  if (running) {
    throw new RewrapRefusedError(
      `key rotation ${running.id} is running; re-wrap after it has finished / 密钥轮换 ${running.id} 尚未完成，完成后再更换主密钥`,
    );
  }
  const legacy = await valuesUnderKek(db);
  if (Object.keys(legacy).length > 0) {
    throw new RewrapRefusedError(
      `values sealed before data keys existed (v1./v2., keyed from the KEK itself) remain in ${JSON.stringify(legacy)}; ` +
        "run a key rotation first, it moves them under a data key / 仍有直接由主密钥派生密钥加密的旧格式数据，请先完成一次密钥轮换",
    );
  }
  const refuse = (what: string) =>
    new RewrapRefusedError(
      `the key-encryption key from ${opts.oldSource} does not open ${what}: it is not the KEK the database is wrapped ` +
        `under; nothing was changed / ${opts.oldSource} 提供的主密钥无法解开${what}，与数据库所用主密钥不一致，未做任何修改`,
    );
  const rows = await db
    .selectFrom("data_keys")
    .select(["version", "purpose", "wrapped_key"])
    .where("state", "!=", "destroyed")
    .orderBy("version")
    .execute();
  const dataKeys = rows.map((row) => {
    try {
      const key = unwrapDataKey(opts.profile, opts.oldKek, row.wrapped_key as string, row.version, row.purpose);
      return { version: row.version, purpose: row.purpose, key };
    } catch (err) {
      if (err instanceof IntegrityError) throw refuse(`data key version ${row.version}`);
      throw err;
    }
  });
  const signing = await db.selectFrom("audit_signing_keys").select(["id", "algorithm", "sealed_private_key"]).execute();
  const signingKeys = signing.map((row) => {
    const profile = profileOfSigningAlgorithm(row.algorithm);
    try {
      const sealing = profile.sealingKey(opts.oldKek, SIGNING_KEY_PURPOSE);
      return {
        id: row.id,
        algorithm: row.algorithm,
        privateKey: profile.open(sealing, row.sealed_private_key, signingKeyPlace(row.id)),
      };
    } catch (err) {
      if (err instanceof IntegrityError) throw refuse(`audit signing key ${row.id}`);
      throw err;
    }
  });
  // Derived keys not carried yet are still derived from the old KEK: their value is kept from here on.
  const newCarried = CARRIED_DERIVATIONS.filter(
    (d) => !dataKeys.some((k) => k.purpose === carriedPurpose(d.purpose)),
  ).map((d) => ({ purpose: d.purpose, key: opts.profile.deriveKey(opts.oldKek, d.purpose, d.bytes) }));
  return { dataKeys, signingKeys, newCarried };
}

/**
 * Re-wraps everything under `newKek` in one transaction (serialised with key rotations by their
 * advisory lock), verifies the result opens with the new KEK, and records `crypto.kek.rewrap`.
 * Nothing is written when the old KEK does not open every key. Every instance must be stopped: a
 * running one keeps the old KEK in memory.
 */
export async function rewrapKek(opts: RewrapOptions): Promise<RewrapResult> {
  const hash = (data: Buffer) => opts.profile.hash(data);
  return opts.db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${ROTATION_LOCK})`.execute(tx);
    await tx.selectFrom("data_keys").select("id").forUpdate().execute();
    const plan = await checkRewrap(tx, opts);

    for (const k of plan.dataKeys) {
      await tx
        .updateTable("data_keys")
        .set({ wrapped_key: wrapDataKey(opts.profile, opts.newKek, k.key, k.version, k.purpose) })
        .where("version", "=", k.version)
        .execute();
    }
    if (plan.newCarried.length > 0) {
      const { max } = await tx
        .selectFrom("data_keys")
        .select((eb) => eb.fn.max("version").as("max"))
        .executeTakeFirstOrThrow();
      let version = Number(max ?? 0);
      for (const c of plan.newCarried) {
        version += 1;
        const purpose = carriedPurpose(c.purpose);
        await tx
          .insertInto("data_keys")
          .values({
            version,
            purpose,
            state: "active",
            wrapped_key: wrapDataKey(opts.profile, opts.newKek, c.key, version, purpose),
          })
          .execute();
      }
    }
    // The one update audit_signing_keys allows (0013): the same private key, sealed under the new KEK.
    await sql`SELECT set_config('tianshu.kek_rewrap', 'on', true)`.execute(tx);
    for (const s of plan.signingKeys) {
      const profile = profileOfSigningAlgorithm(s.algorithm);
      await tx
        .updateTable("audit_signing_keys")
        .set({
          sealed_private_key: profile.seal(
            profile.sealingKey(opts.newKek, SIGNING_KEY_PURPOSE),
            s.privateKey,
            signingKeyPlace(s.id),
          ),
        })
        .where("id", "=", s.id)
        .execute();
    }
    await sql`SELECT set_config('tianshu.kek_rewrap', '', true)`.execute(tx);

    // What was written opens with the new KEK (else the transaction rolls back).
    const after = await checkRewrap(tx, {
      ...opts,
      oldKek: opts.newKek,
      newKek: opts.oldKek,
      oldSource: "the new KEK",
    });

    const result: RewrapResult = {
      oldKek: kekFingerprint(hash, opts.oldKek),
      newKek: kekFingerprint(hash, opts.newKek),
      dataKeys: after.dataKeys.filter((k) => k.purpose === "fields").map((k) => k.version),
      carried: after.dataKeys.filter((k) => k.purpose !== "fields").map((k) => k.purpose.slice("kek-derived:".length)),
      stored: plan.newCarried.map((c) => c.purpose),
      signingKeys: after.signingKeys.length,
    };
    const tenant = await tx
      .selectFrom("tenants")
      .select("id")
      .where("code", "=", PLATFORM_TENANT_CODE)
      .executeTakeFirst();
    await record(tx, {
      tenantId: tenant?.id ?? null,
      actorId: null,
      actorName: opts.actorName,
      actorRole: null,
      action: "crypto.kek.rewrap",
      targetType: "KEK",
      targetId: result.newKek,
      result: "success",
      detail: { ...result },
    });
    return result;
  });
}
