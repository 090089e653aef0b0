import smCrypto from "sm-crypto";

// The package is CommonJS: a default import works both in Vite and in Node (named imports do not in Node).
const { sm2, sm3 } = smCrypto;

/**
 * The SM2 second factor in the browser. The private key lives only in memory (component state): it is read
 * from a key file or pasted, used to sign the server's nonce, and never sent anywhere.
 */

export interface Sm2Key {
  privateKey: string;
  /** Uncompressed public key, hex, "04" + X + Y. */
  publicKey: string;
}

/** What a downloaded key file holds. The format is ours: sm-crypto's hex keys with a type tag. */
interface KeyFile {
  type: "tianshu-sm2-key";
  label?: string;
  privateKey: string;
  publicKey: string;
  createdAt?: string;
}

export const KEY_FILE_MAX_BYTES = 16 * 1024;

const PRIVATE_KEY = /^[0-9a-f]{64}$/;
// The curve order n of SM2 (GM/T 0003.5): a private key d must satisfy 1 ≤ d ≤ n − 2.
const CURVE_ORDER = BigInt("0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");

// sm-crypto has it, its type definitions do not declare it.
const publicKeyOf = (sm2 as unknown as { getPublicKeyFromPrivateKey(privateKey: string): string })
  .getPublicKeyFromPrivateKey;

/** A private key in hex, or null when it is not one (wrong length, not hex, out of the curve's range). */
export function keyFromPrivateHex(input: string): Sm2Key | null {
  const hex = input.trim().replace(/^0x/i, "").toLowerCase();
  if (!PRIVATE_KEY.test(hex)) return null;
  const d = BigInt(`0x${hex}`);
  if (d < 1n || d > CURVE_ORDER - 2n) return null;
  return { privateKey: hex, publicKey: publicKeyOf(hex) };
}

/** Reads a key file's text: our JSON key file, or a bare hex private key. A public key in the file is checked. */
export function keyFromFileText(text: string): Sm2Key | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return keyFromPrivateHex(trimmed);
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return null;
  }
  const file = parsed as Partial<KeyFile>;
  if (typeof file.privateKey !== "string") return null;
  const key = keyFromPrivateHex(file.privateKey);
  if (!key) return null;
  // A file whose public key does not belong to its private key was edited or mixed up: refuse it.
  if (typeof file.publicKey === "string" && file.publicKey.toLowerCase() !== key.publicKey) return null;
  return key;
}

export function generateKey(): Sm2Key {
  const pair = sm2.generateKeyPairHex();
  return { privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** The key file a user downloads after generating a key in the browser. */
export function keyFileText(key: Sm2Key, label: string): string {
  const file: KeyFile = {
    type: "tianshu-sm2-key",
    label,
    privateKey: key.privateKey,
    publicKey: key.publicKey,
    createdAt: new Date().toISOString(),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/**
 * The signature the server verifies: SM3 digest with Z (GM/T 0003 default user ID 1234567812345678),
 * r‖s in hex as sm-crypto produces it.
 */
export function signNonce(nonce: string, key: Sm2Key): string {
  return sm2.doSignature(nonce, key.privateKey, { hash: true, publicKey: key.publicKey });
}

/** A short fingerprint of the public key (SM3), so a user can tell keys apart without reading 130 digits. */
export function fingerprint(publicKey: string): string {
  const digest = sm3(publicKey);
  return (digest.slice(0, 16).match(/.{4}/g) ?? []).join(":");
}
