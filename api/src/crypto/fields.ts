import { deriveKey, hmacSm3, sm4Open, sm4Seal } from "./sm";

/**
 * Field-level protection of personal data (ARCHITECTURE §4.5): SM4 encryption bound to the row and
 * column it belongs to, and a keyed blind index (HMAC-SM3) for exact search without decrypting.
 */
export interface FieldCipher {
  /** Encrypts `value` for `place` (e.g. "users.phone:<userId>"); returns "v1.<base64url>". */
  seal(value: string, place: string): string;
  /** Decrypts what seal() returned for the same place; throws IntegrityError if it was altered or moved. */
  open(sealed: string, place: string): string;
  /** A deterministic keyed digest of a normalised value, per kind ("phone", "email"), for exact lookup. */
  blindIndex(kind: string, value: string): string;
}

const PREFIX = "v1.";

export function createFieldCipher(kek: Buffer): FieldCipher {
  const encKey = deriveKey(kek, "fields:sm4", 16);
  const macKey = deriveKey(kek, "fields:mac", 32);
  const indexKey = deriveKey(kek, "fields:blind-index", 32);
  return {
    seal(value, place) {
      return PREFIX + sm4Seal(encKey, macKey, Buffer.from(value, "utf8"), place).toString("base64url");
    },
    open(sealed, place) {
      if (!sealed.startsWith(PREFIX)) throw new Error("unknown sealed-value format");
      return sm4Open(encKey, macKey, Buffer.from(sealed.slice(PREFIX.length), "base64url"), place).toString("utf8");
    },
    blindIndex(kind, value) {
      return hmacSm3(indexKey, `${kind}\u0000${value}`).toString("base64url");
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
