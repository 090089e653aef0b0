import { type CryptoProfile, CryptoProfileMismatchError, gmProfile } from "./profile";
import { deriveKey, IntegrityError, sm4Open } from "./sm";

/**
 * Field-level protection of personal data (ARCHITECTURE §4.5): authenticated encryption bound to the
 * row and column it belongs to, and a keyed blind index for exact search without decrypting, both
 * with the algorithms of the crypto profile (profile.ts; SM4-CTR + HMAC-SM3 and HMAC-SM3 under gm).
 */
export interface FieldCipher {
  /** Encrypts `value` for `place` (e.g. "users.phone:<userId>"); returns "v2.<base64url>". */
  seal(value: string, place: string): string;
  /**
   * Decrypts what seal() returned for the same place; throws IntegrityError if it was altered or
   * moved, CryptoProfileMismatchError if it was sealed under the other crypto profile.
   */
  open(sealed: string, place: string): string;
  /** A deterministic keyed digest of a normalised value, per kind ("phone", "email"), for exact lookup. */
  blindIndex(kind: string, value: string): string;
}

/** "v2." + base64url(profile.seal output, which starts with its algorithm tag). */
const TAGGED = "v2.";
/** Written before the profile switch: untagged SM4-CTR + HMAC-SM3 (sm.ts), still read under gm. */
const LEGACY_GM = "v1.";

export function createFieldCipher(kek: Buffer, profile: CryptoProfile = gmProfile): FieldCipher {
  const key = profile.sealingKey(kek, "fields");
  const indexKey = profile.deriveKey(kek, "fields:blind-index", 32);
  const legacy =
    profile.name === "gm"
      ? { enc: deriveKey(kek, "fields:sm4", 16), mac: deriveKey(kek, "fields:mac", 32) }
      : undefined;
  const bytes = (sealed: string, prefix: string) => Buffer.from(sealed.slice(prefix.length), "base64url");
  return {
    seal(value, place) {
      return TAGGED + profile.seal(key, Buffer.from(value, "utf8"), place).toString("base64url");
    },
    open(sealed, place) {
      if (sealed.startsWith(TAGGED)) return profile.open(key, bytes(sealed, TAGGED), place).toString("utf8");
      if (sealed.startsWith(LEGACY_GM)) {
        if (!legacy) throw new CryptoProfileMismatchError("gm", profile.name);
        return sm4Open(legacy.enc, legacy.mac, bytes(sealed, LEGACY_GM), place).toString("utf8");
      }
      throw new IntegrityError("unknown sealed-value format");
    },
    blindIndex(kind, value) {
      // Under gm this is HMAC-SM3 with the same derived key as before the profile switch.
      return profile.hmac(indexKey, `${kind}\u0000${value}`).toString("base64url");
    },
  };
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
