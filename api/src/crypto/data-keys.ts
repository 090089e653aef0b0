import crypto from "node:crypto";
import type { Db } from "../db/pool";
import { type KekCandidate, KeyError } from "./keys";
import { type CryptoProfile, type SealingKey } from "./profile";
import { IntegrityError } from "./sm";

/**
 * Versioned data keys (docs/crypto.md "Keys"): KEK → data keys → sealed fields. A data key is 32
 * random bytes, stored only wrapped — sealed under a key derived from the KEK with the profile's
 * AEAD, the associated data naming its version and purpose. Changing the KEK then means re-wrapping
 * a few keys, not re-encrypting every value, and rotating a data key never touches the KEK.
 */
export type DataKeyPurpose = "fields";
export type DataKeyState = "active" | "retiring" | "retired" | "destroyed";
/** What a data_keys row may hold: data keys, or a key that used to be derived from the KEK (below). */
export type StoredKeyPurpose = DataKeyPurpose | `kek-derived:${string}`;

/**
 * Keys derived from the KEK by HKDF that must keep their value when the KEK changes (docs/crypto.md
 * "Changing the KEK"). The first re-wrap stores each one's current value wrapped under the new KEK as
 * purpose `kek-derived:<purpose>`; from then on it is read from there (derivedKey below), not derived.
 * Each is keyed material stored elsewhere: the blind index (its digests sit in every *_bidx column),
 * the MAC key of access-control rows (authz/integrity.ts ACL_MAC_PURPOSE, a MAC on every row) and
 * the root key of audit archives (audit/archive-file.ts ARCHIVE_ROOT_PURPOSE, files kept for years)
 * and the watermark trace key (watermarks/effective.ts WATERMARK_TRACE_PURPOSE: leaked text and
 * screenshots carry traces keyed with it, and must stay traceable).
 */
export const CARRIED_DERIVATIONS: readonly { purpose: string; bytes: number }[] = [
  { purpose: "fields:blind-index", bytes: 32 },
  { purpose: "acl-integrity:mac", bytes: 32 },
  { purpose: "audit-archive:root", bytes: 32 },
  { purpose: "watermark:trace", bytes: 32 },
];

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
  /** A carried KEK-derived key (CARRIED_DERIVATIONS) stored after a re-wrap; undefined before the first. */
  carried?(purpose: string): Buffer | undefined;
}

/**
 * The key HKDF derives from the KEK for `purpose` — or, once a re-wrap has replaced that KEK, the
 * value it had then, carried in the ring. Use it for every derived key listed in CARRIED_DERIVATIONS.
 */
export function derivedKey(
  profile: CryptoProfile,
  kek: Buffer,
  ring: Pick<DataKeyRing, "carried"> | undefined,
  purpose: string,
  bytes: number,
): Buffer {
  return ring?.carried?.(purpose) ?? profile.deriveKey(kek, purpose, bytes);
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

const wrappingAssociatedData = (version: number, purpose: StoredKeyPurpose) => `data_keys:${version}:${purpose}`;

export function wrapDataKey(
  profile: CryptoProfile,
  kek: Buffer,
  key: Buffer,
  version: number,
  purpose: StoredKeyPurpose,
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
  purpose: StoredKeyPurpose,
): Buffer {
  const wrapping = profile.sealingKey(kek, WRAPPING_PURPOSE);
  return profile.open(wrapping, Buffer.from(wrapped, "base64url"), wrappingAssociatedData(version, purpose));
}

/**
 * A ring over unwrapped keys; `keys` must hold exactly one active key. With `reload`, refresh()
 * swaps in what it returns, all at once, so a reader never sees half a ring.
 */
export function dataKeyRing(
  keys: DataKey[],
  reload?: () => Promise<DataKey[]>,
  carried: ReadonlyMap<string, Buffer> = new Map(),
): DataKeyRing {
  let state = indexKeys(keys);
  return {
    carried: (purpose) => carried.get(purpose),
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
  // Carried keys never change while instances run (a re-wrap needs them stopped): read once.
  const carried = await readCarriedKeys(opts);
  if (existing.length > 0) return dataKeyRing(existing, reload, carried);
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
  return dataKeyRing(await reload(), reload, carried);
}

/**
 * The start-up with KEK candidates (keys.ts kekCandidates): the first whose KEK opens every stored
 * key is used — and settles the key files — so a re-wrap interrupted between its database commit and
 * the key-file switch still starts. When none opens, the first candidate's WrongKekError is thrown
 * (the message names TIANSHU_KEK or the key file); nothing has been written.
 */
export async function loadDataKeysWithCandidates(opts: {
  db: Db;
  profile: CryptoProfile;
  candidates: readonly KekCandidate[];
}): Promise<{ kek: Buffer; dataKeys: DataKeyRing }> {
  let refusal: unknown;
  for (const candidate of opts.candidates) {
    try {
      const dataKeys = await loadDataKeys({
        db: opts.db,
        kek: candidate.kek,
        profile: opts.profile,
        kekSource: candidate.source,
      });
      candidate.settle();
      return { kek: candidate.kek, dataKeys };
    } catch (err) {
      if (!(err instanceof WrongKekError)) throw err;
      refusal ??= err;
    }
  }
  throw refusal ?? new KeyError("no key-encryption key to try / 没有可用的主密钥");
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
    .where("state", "!=", "destroyed")
    .orderBy("version")
    .execute();
  return rows.map((row) => {
    const key = unwrapOrRefuse(opts, row.wrapped_key as string, row.version, purpose);
    return { version: row.version, purpose, state: row.state, sealing: opts.profile.sealingKey(key, purpose) };
  });
}

/**
 * The carried keys alone, for tools that need one without loading the field keys (the archive
 * commands): empty before the first re-wrap, when every carried key is still derived from the KEK.
 */
export async function loadCarriedKeys(opts: LoadDataKeysOptions): Promise<Pick<DataKeyRing, "carried">> {
  const carried = await readCarriedKeys(opts);
  return { carried: (purpose) => carried.get(purpose) };
}

async function readCarriedKeys(opts: LoadDataKeysOptions): Promise<Map<string, Buffer>> {
  const rows = await opts.db
    .selectFrom("data_keys")
    .select(["version", "purpose", "wrapped_key"])
    .where("purpose", "like", "kek-derived:%")
    .where("state", "=", "active")
    .execute();
  return new Map(
    rows.map((row) => [
      row.purpose.slice("kek-derived:".length),
      unwrapOrRefuse(opts, row.wrapped_key as string, row.version, row.purpose),
    ]),
  );
}

function unwrapOrRefuse(
  opts: LoadDataKeysOptions,
  wrapped: string,
  version: number,
  purpose: StoredKeyPurpose,
): Buffer {
  try {
    return unwrapDataKey(opts.profile, opts.kek, wrapped, version, purpose);
  } catch (err) {
    if (err instanceof IntegrityError) throw new WrongKekError(version, opts.kekSource);
    throw err;
  }
}
