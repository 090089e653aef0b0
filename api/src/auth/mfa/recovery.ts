import crypto from "node:crypto";

/**
 * Recovery codes: 10 single-use codes of 10 characters from a 32-letter alphabet without look-alikes
 * (50 bits each), shown once as "XXXXX-XXXXX". Stored as a keyed HMAC-SM3 digest (the field cipher's
 * blind index), so the table alone is useless and a code is found without trying every hash.
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => ALPHABET[crypto.randomInt(ALPHABET.length)] as string);
    return `${chars.slice(0, 5).join("")}-${chars.slice(5).join("")}`;
  });
}

/** Case, spaces and dashes do not matter when a code is typed back. */
export function normaliseRecoveryCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, "");
}

/** The index input: bound to the account, so one code digest says nothing about another account. */
export function recoveryDigestInput(userId: string, code: string): string {
  return `${userId}:${normaliseRecoveryCode(code)}`;
}
