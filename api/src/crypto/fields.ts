import { type DataKeyRing, derivedKey } from "./data-keys";
import { type CryptoProfile, CryptoProfileMismatchError, gmProfile } from "./profile";
import { deriveKey, IntegrityError, sm4Open } from "./sm";

/**
 * Field-level protection of personal data (ARCHITECTURE §4.5): authenticated encryption bound to the
 * row and column it belongs to, and a keyed blind index for exact search without decrypting, both
 * with the algorithms of the crypto profile (profile.ts; SM4-CTR + HMAC-SM3 and HMAC-SM3 under gm).
 */
export interface FieldCipher {
  /**
   * Encrypts `value` for `place` (e.g. "users.phone:<userId>"): "v3.<version>.<base64url>" under the
   * active data key, or "v2.<base64url>" under the KEK-derived key when built without data keys.
   */
  seal(value: string, place: string): string;
  /**
   * Decrypts what seal() returned for the same place; throws IntegrityError if it was altered or
   * moved, CryptoProfileMismatchError if it was sealed under the other crypto profile.
   */
  open(sealed: string, place: string): string;
  /**
   * `sealed` re-sealed under the active data key (key rotation), or null when it already is.
   * Throws like open() when it does not open.
   */
  reseal(sealed: string, place: string): string | null;
  /** A deterministic keyed digest of a normalised value, per kind ("phone", "email"), for exact lookup. */
  blindIndex(kind: string, value: string): string;
}

/** "v3.<data key version>." + base64url(profile.seal output under that data key). */
const VERSIONED = /^v3\.([1-9][0-9]{0,9})\./;
/** "v2." + base64url(profile.seal output, which starts with its algorithm tag), key derived from the KEK. */
const TAGGED = "v2.";
/** Written before the profile switch: untagged SM4-CTR + HMAC-SM3 (sm.ts), still read under gm. */
const LEGACY_GM = "v1.";

/**
 * With `dataKeys`, new values are sealed under the ring's active data key; values sealed before data
 * keys existed (v1, v2: keys derived from the KEK) still open. The blind index stays keyed from the
 * KEK: changing its key would need every index column recomputed (docs/crypto.md "Keys").
 */
export function createFieldCipher(
  kek: Buffer,
  profile: CryptoProfile = gmProfile,
  dataKeys?: DataKeyRing,
): FieldCipher {
  const key = profile.sealingKey(kek, "fields");
  const indexKey = derivedKey(profile, kek, dataKeys, "fields:blind-index", 32);
  const legacy =
    profile.name === "gm"
      ? { enc: deriveKey(kek, "fields:sm4", 16), mac: deriveKey(kek, "fields:mac", 32) }
      : undefined;
  const bytes = (sealed: string, prefix: string) => Buffer.from(sealed.slice(prefix.length), "base64url");
  const cipher: FieldCipher = {
    seal(value, place) {
      if (dataKeys) {
        const active = dataKeys.active();
        const sealed = profile.seal(active.sealing, Buffer.from(value, "utf8"), place);
        return `v3.${active.version}.${sealed.toString("base64url")}`;
      }
      return TAGGED + profile.seal(key, Buffer.from(value, "utf8"), place).toString("base64url");
    },
    open(sealed, place) {
      const versioned = VERSIONED.exec(sealed);
      if (versioned) {
        const version = Number(versioned[1]);
        const dataKey = dataKeys?.get(version);
        if (!dataKey) throw new IntegrityError(`sealed under data key version ${version}, which is not loaded`);
        return profile.open(dataKey.sealing, bytes(sealed, versioned[0]), place).toString("utf8");
      }
      if (sealed.startsWith(TAGGED)) return profile.open(key, bytes(sealed, TAGGED), place).toString("utf8");
      if (sealed.startsWith(LEGACY_GM)) {
        if (!legacy) throw new CryptoProfileMismatchError("gm", profile.name);
        return sm4Open(legacy.enc, legacy.mac, bytes(sealed, LEGACY_GM), place).toString("utf8");
      }
      throw new IntegrityError("unknown sealed-value format");
    },
    reseal(sealed, place) {
      if (dataKeys && VERSIONED.exec(sealed)?.[1] === String(dataKeys.active().version)) return null;
      return cipher.seal(cipher.open(sealed, place), place);
    },
    blindIndex(kind, value) {
      // Under gm this is HMAC-SM3 with the same derived key as before the profile switch.
      return profile.hmac(indexKey, `${kind}\u0000${value}`).toString("base64url");
    },
  };
  return cipher;
}

/** 13812341234 → 138****1234; short values keep only their last character. */
export function maskPhone(phone: string): string {
  if (phone.length >= 7) return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
  return `${"*".repeat(Math.max(0, phone.length - 1))}${phone.slice(-1)}`;
}

/** zhang.san@example.cn → z***@example.cn */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return maskPhone(email);
  return `${email[0]}***${email.slice(at)}`;
}
