import crypto from "node:crypto";

/**
 * 国密 primitives from node:crypto (OpenSSL 3): SM3, HMAC-SM3, HKDF-SM3 and SM4.
 * SM2 (signatures with the GM/T 0003 user ID, encryption) lives in sm2.ts.
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
const NO_HEADER = Buffer.alloc(0);

/**
 * Authenticated SM4: SM4-CTR, then HMAC-SM3 over (header ‖ len(associated) ‖ associated ‖ iv ‖
 * ciphertext) — encrypt-then-MAC. The associated data binds a ciphertext to its place (e.g.
 * "users.phone:<id>"), so it cannot be moved. Output: header ‖ iv ‖ ciphertext ‖ tag.
 * `header` is the crypto profile's algorithm tag (profile.ts); without one (the default) this is the
 * original untagged format, which existing "v1." field values use.
 */
export function sm4Seal(
  encKey: Buffer,
  macKey: Buffer,
  plaintext: Buffer,
  associated: string | Buffer,
  header: Buffer = NO_HEADER,
): Buffer {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv("sm4-ctr", encKey, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = macOf(macKey, header, associated, iv, body);
  return Buffer.concat([header, iv, body, tag]);
}

export class IntegrityError extends Error {}

export function sm4Open(
  encKey: Buffer,
  macKey: Buffer,
  sealed: Buffer,
  associated: string | Buffer,
  header: Buffer = NO_HEADER,
): Buffer {
  if (sealed.length < header.length + IV_BYTES + TAG_BYTES) throw new IntegrityError("sealed value too short");
  if (!sealed.subarray(0, header.length).equals(header)) throw new IntegrityError("sealed value has another header");
  const iv = sealed.subarray(header.length, header.length + IV_BYTES);
  const body = sealed.subarray(header.length + IV_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  if (!crypto.timingSafeEqual(tag, macOf(macKey, header, associated, iv, body))) {
    throw new IntegrityError("sealed value failed its integrity check");
  }
  const decipher = crypto.createDecipheriv("sm4-ctr", encKey, iv);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/** len(associated) as 4 bytes big-endian, then the associated data: unambiguous where it ends. */
export function lengthPrefixed(associated: string | Buffer): Buffer {
  const ad = typeof associated === "string" ? Buffer.from(associated, "utf8") : associated;
  const adLength = Buffer.alloc(4);
  adLength.writeUInt32BE(ad.length);
  return Buffer.concat([adLength, ad]);
}

function macOf(macKey: Buffer, header: Buffer, associated: string | Buffer, iv: Buffer, body: Buffer): Buffer {
  return crypto
    .createHmac("sm3", macKey)
    .update(header)
    .update(lengthPrefixed(associated))
    .update(iv)
    .update(body)
    .digest();
}
