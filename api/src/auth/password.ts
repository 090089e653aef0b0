import crypto from "node:crypto";
import { promisify } from "node:util";

const pbkdf2 = promisify(crypto.pbkdf2);
const SCHEME = "pbkdf2-sm3";
const KEY_BYTES = 32;
const SALT_BYTES = 16;

/**
 * PBKDF2-HMAC-SM3 (GB/T 32905 hash, node:crypto / OpenSSL 3), per-user random salt.
 * Stored as "pbkdf2-sm3$<iterations>$<salt>$<hash>" so the iteration count can rise over time.
 */
export async function hashPassword(password: string, iterations: number): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const hash = await pbkdf2(password.normalize("NFC"), salt, iterations, KEY_BYTES, "sm3");
  return [SCHEME, iterations, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const [scheme, iterText, saltText, hashText] = stored.split("$");
  const iterations = Number(iterText);
  if (scheme !== SCHEME || !Number.isInteger(iterations) || iterations < 1 || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, "base64url");
  const actual = await pbkdf2(
    password.normalize("NFC"),
    Buffer.from(saltText, "base64url"),
    iterations,
    expected.length,
    "sm3",
  );
  return crypto.timingSafeEqual(actual, expected);
}

/** The iteration count a stored hash was made with, to decide whether to re-hash at login. */
export function iterationsOf(stored: string): number {
  return Number(stored.split("$")[1]) || 0;
}
