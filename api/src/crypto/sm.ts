import crypto from "node:crypto";

/**
 * 国密 primitives from node:crypto (OpenSSL 3): SM3, HMAC-SM3, HKDF-SM3 and SM4.
 * SM2 with the GM/T 0003 default user ID lives in sm2.ts (sm-crypto), where interop needs it.
 */
export function sm3(data: string | Buffer): Buffer {
  return crypto.createHash("sm3").update(data).digest();
}

export function hmacSm3(key: Buffer, data: string | Buffer): Buffer {
  return crypto.createHmac("sm3", key).update(data).digest();
}

/** Derives a purpose-bound sub-key, so one master key never serves two purposes directly. */
export function deriveKey(master: Buffer, purpose: string, length = 16): Buffer {
  return Buffer.from(crypto.hkdfSync("sm3", master, Buffer.alloc(0), `tianshu:${purpose}`, length));
}

const IV_BYTES = 16;
const TAG_BYTES = 32;

/**
 * Authenticated SM4: SM4-CTR, then HMAC-SM3 over (associated data ‖ iv ‖ ciphertext) — encrypt-then-MAC.
 * The associated data binds a ciphertext to its place (e.g. "users.phone:<id>"), so it cannot be moved.
 * Output: iv ‖ ciphertext ‖ tag.
 */
export function sm4Seal(encKey: Buffer, macKey: Buffer, plaintext: Buffer, associated: string): Buffer {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv("sm4-ctr", encKey, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = macOf(macKey, associated, iv, body);
  return Buffer.concat([iv, body, tag]);
}

export class IntegrityError extends Error {}

export function sm4Open(encKey: Buffer, macKey: Buffer, sealed: Buffer, associated: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new IntegrityError("sealed value too short");
  const iv = sealed.subarray(0, IV_BYTES);
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  if (!crypto.timingSafeEqual(tag, macOf(macKey, associated, iv, body))) {
    throw new IntegrityError("sealed value failed its integrity check");
  }
  const decipher = crypto.createDecipheriv("sm4-ctr", encKey, iv);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

function macOf(macKey: Buffer, associated: string, iv: Buffer, body: Buffer): Buffer {
  const ad = Buffer.from(associated, "utf8");
  const adLength = Buffer.alloc(4);
  adLength.writeUInt32BE(ad.length);
  return crypto.createHmac("sm3", macKey).update(adLength).update(ad).update(iv).update(body).digest();
}
