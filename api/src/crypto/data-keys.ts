import crypto from "node:crypto";
import type { Db } from "../db/pool";
import { KeyError } from "./keys";
import { type CryptoProfile, type SealingKey } from "./profile";
import { IntegrityError } from "./sm";

/**
 * Versioned data keys (docs/crypto.md "Keys"): KEK → data keys → sealed fields. A data key is 32
 * random bytes, stored only wrapped — sealed under a key derived from the KEK with the profile's
 * AEAD, the associated data naming its version and purpose. Changing the KEK then means re-wrapping
 * a few keys, not re-encrypting every value, and rotating a data key never touches the KEK.
 */
export type DataKeyPurpose = "fields";
export type DataKeyState = "active" | "retiring" | "retired";

export interface DataKey {
  readonly version: number;
  readonly purpose: DataKeyPurpose;
  readonly state: DataKeyState;
  /** What the field cipher seals with: derived from the data key by the profile. */
  readonly sealing: SealingKey;
}

/** The unwrapped keys of one purpose, held in memory so that seal/open stay synchronous. */
export interface DataKeyRing {
  /** The key new values are sealed with. */
  active(): DataKey;
  /** The key of `version`, if this process has loaded it. */
  get(version: number): DataKey | undefined;
  /** Every loaded version, ascending. */
  versions(): number[];
  /** Re-reads the keys from the database (a rotation elsewhere added one); no-op for a fixed ring. */
  refresh(): Promise<void>;
}

/** The KEK in use does not open the data keys stored in the database. */
export class WrongKekError extends KeyError {
  constructor(
    readonly version: number,
    kekSource: string,
  ) {
    super(
      `the key-encryption key from ${kekSource} does not open data key version ${version} in the database: ` +
        "it is not the KEK this database was set up with. Tianshu refuses to start and has changed nothing; " +
        "set TIANSHU_KEK (or restore the key file) to the original KEK / " +
        `${kekSource} 提供的主密钥（KEK）无法解开数据库中版本 ${version} 的数据密钥，与建库时的主密钥不一致。` +
        "系统拒绝启动，未做任何修改；请设置 TIANSHU_KEK（或恢复密钥文件）为原主密钥",
    );
  }
}

const DATA_KEY_BYTES = 32;
/** The purpose of the KEK-derived wrapping key, apart from every other key derived from the KEK. */
const WRAPPING_PURPOSE = "data-keys:wrap";

const wrappingAssociatedData = (version: number, purpose: DataKeyPurpose) => `data_keys:${version}:${purpose}`;

export function wrapDataKey(
  profile: CryptoProfile,
  kek: Buffer,
  key: Buffer,
  version: number,
  purpose: DataKeyPurpose,
): string {
  const wrapping = profile.sealingKey(kek, WRAPPING_PURPOSE);
  return profile.seal(wrapping, key, wrappingAssociatedData(version, purpose)).toString("base64url");
}

/**
 * Throws IntegrityError when the KEK (or the version/purpose) does not match what wrapped it, and
 * CryptoProfileMismatchError when it was wrapped under the other crypto profile.
 */
export function unwrapDataKey(
  profile: CryptoProfile,
  kek: Buffer,
  wrapped: string,
  version: number,
  purpose: DataKeyPurpose,
): Buffer {
  const wrapping = profile.sealingKey(kek, WRAPPING_PURPOSE);
  return profile.open(wrapping, Buffer.from(wrapped, "base64url"), wrappingAssociatedData(version, purpose));
}

/**
 * A ring over unwrapped keys; `keys` must hold exactly one active key. With `reload`, refresh()
 * swaps in what it returns, all at once, so a reader never sees half a ring.
 */
export function dataKeyRing(keys: DataKey[], reload?: () => Promise<DataKey[]>): DataKeyRing {
  let state = indexKeys(keys);
  return {
    active: () => state.active,
    get: (version) => state.byVersion.get(version),
    versions: () => [...state.byVersion.keys()].sort((a, b) => a - b),
    async refresh() {
      if (reload) state = indexKeys(await reload());
    },
  };
}

function indexKeys(keys: DataKey[]): { active: DataKey; byVersion: Map<number, DataKey> } {
  const active = keys.filter((k) => k.state === "active");
  if (active.length !== 1) throw new KeyError(`expected one active data key, found ${active.length}`);
  return { active: active[0] as DataKey, byVersion: new Map(keys.map((k) => [k.version, k])) };
}

export interface LoadDataKeysOptions {
  db: Db;
  kek: Buffer;
  profile: CryptoProfile;
  /** Where the KEK came from, for the refusal message: "TIANSHU_KEK" or the key file's path. */
  kekSource: string;
  purpose?: DataKeyPurpose;
}

/**
 * Loads and unwraps every data key of `purpose`; on a database without any, creates version 1.
 * Every stored key is unwrapped before anything is written, so a wrong KEK refuses the start
 * (WrongKekError) with the table untouched.
 */
export async function loadDataKeys(opts: LoadDataKeysOptions): Promise<DataKeyRing> {
  const purpose = opts.purpose ?? "fields";
  const reload = () => readDataKeys(opts, purpose);
  const existing = await reload();
  if (existing.length > 0) return dataKeyRing(existing, reload);
  // Two instances starting on an empty table race here: the unique version lets one insert win,
  // and both then read back the winner's key.
  await opts.db
    .insertInto("data_keys")
    .values({
      version: 1,
      purpose,
      wrapped_key: newWrappedDataKey(opts.profile, opts.kek, 1, purpose),
      state: "active",
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return dataKeyRing(await reload(), reload);
}

/** A new random data key for `version`, wrapped under the KEK: only the wrapped form ever leaves memory. */
export function newWrappedDataKey(
  profile: CryptoProfile,
  kek: Buffer,
  version: number,
  purpose: DataKeyPurpose,
): string {
  return wrapDataKey(profile, kek, crypto.randomBytes(DATA_KEY_BYTES), version, purpose);
}

async function readDataKeys(opts: LoadDataKeysOptions, purpose: DataKeyPurpose): Promise<DataKey[]> {
  const rows = await opts.db
    .selectFrom("data_keys")
    .select(["version", "wrapped_key", "state"])
    .where("purpose", "=", purpose)
    .orderBy("version")
    .execute();
  return rows.map((row) => {
    let key: Buffer;
    try {
      key = unwrapDataKey(opts.profile, opts.kek, row.wrapped_key, row.version, purpose);
    } catch (err) {
      if (err instanceof IntegrityError) throw new WrongKekError(row.version, opts.kekSource);
      throw err;
    }
    return { version: row.version, purpose, state: row.state, sealing: opts.profile.sealingKey(key, purpose) };
  });
}
