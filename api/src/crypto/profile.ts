import crypto from "node:crypto";
import { deriveKey as deriveKeySm3, hmacSm3, IntegrityError, lengthPrefixed, sm3, sm4Open, sm4Seal } from "./sm";
import { generateSm2KeyPair, SM2_PUBLIC_KEY, sm2Sign, sm2Verify } from "./sm2";

/**
 * The crypto profile (TIANSHU_CRYPTO_PROFILE): one interface, two sets of algorithms.
 *   gm   (default) SM3 · HMAC-SM3 · SM4-CTR + HMAC-SM3 · SM2 — 国密, for 密评 / GB/T 39786
 *   intl           SHA-256 · HMAC-SHA256 · AES-256-GCM · Ed25519
 * Everything sealed starts with a one-byte algorithm tag (SEAL_TAGS), so a value sealed under one
 * profile is recognised under the other and refused with a message that names both.
 */
export const CRYPTO_PROFILE_NAMES = ["gm", "intl"] as const;
export type CryptoProfileName = (typeof CRYPTO_PROFILE_NAMES)[number];

/** First byte of every sealed value. New algorithms get new tags; a tag is never reused. */
export const SEAL_TAGS: Record<CryptoProfileName, number> = { gm: 0x01, intl: 0x02 };

export const PROFILE_ALGORITHMS: Record<CryptoProfileName, { hash: string; hmac: string; seal: string; sign: string }> =
  {
    gm: { hash: "SM3", hmac: "HMAC-SM3", seal: "SM4-CTR + HMAC-SM3", sign: "SM2" },
    intl: { hash: "SHA-256", hmac: "HMAC-SHA256", seal: "AES-256-GCM", sign: "Ed25519" },
  };

/** A sealed value or a key of one profile handed to the other. */
export class CryptoProfileMismatchError extends Error {
  constructor(
    readonly found: CryptoProfileName,
    readonly expected: CryptoProfileName,
    what: "sealed value" | "key" = "sealed value",
  ) {
    const algorithms = PROFILE_ALGORITHMS[found];
    const names = what === "key" ? `${algorithms.seal}, ${algorithms.sign}` : algorithms.seal;
    super(
      `a ${what} of the ${found} crypto profile (${names}) reached the ${expected} profile; ` +
        `this instance runs TIANSHU_CRYPTO_PROFILE=${expected} / ` +
        `该${what === "key" ? "密钥" : "密文"}属于 ${found} 密码配置（${names}），当前实例为 ${expected} 配置`,
    );
  }
}

/** Key material for seal/open, derived per purpose by the profile that uses it. */
export interface SealingKey {
  readonly profile: CryptoProfileName;
  readonly enc: Buffer;
  readonly mac?: Buffer;
}

/** Hex keys: SM2 d (64) and 04‖x‖y (130); Ed25519 seed (64) and public key (64). */
export interface SigningKeyPair {
  readonly profile: CryptoProfileName;
  readonly privateKey: string;
  readonly publicKey: string;
}

export interface CryptoProfile {
  readonly name: CryptoProfileName;
  hash(data: string | Buffer): Buffer;
  hmac(key: Buffer, data: string | Buffer): Buffer;
  /** HKDF with the profile's hash; `purpose` keeps sub-keys of one master key apart. */
  deriveKey(master: Buffer, purpose: string, length: number): Buffer;
  sealingKey(master: Buffer, purpose: string): SealingKey;
  /** Authenticated encryption; `associated` is bound to the result but not stored in it. */
  seal(key: SealingKey, plaintext: Buffer, associated: string | Buffer): Buffer;
  /** Throws IntegrityError when altered, wrong key or wrong associated data; CryptoProfileMismatchError across profiles. */
  open(key: SealingKey, sealed: Buffer, associated: string | Buffer): Buffer;
  generateSigningKey(): SigningKeyPair;
  /** 64 bytes: SM2 r ‖ s (user ID 1234567812345678) or Ed25519. */
  sign(message: string | Buffer, key: SigningKeyPair): Buffer;
  /** False for a bad signature; throws CryptoProfileMismatchError for the other profile's key. */
  verify(message: string | Buffer, signature: Buffer, publicKey: string): boolean;
}

/** The profile whose tag starts `sealed`, if any. */
export function sealedProfileOf(sealed: Buffer): CryptoProfileName | undefined {
  return CRYPTO_PROFILE_NAMES.find((name) => SEAL_TAGS[name] === sealed[0]);
}

function checkTag(self: CryptoProfileName, sealed: Buffer): void {
  const found = sealedProfileOf(sealed);
  if (found === undefined) throw new IntegrityError("sealed value has an unknown algorithm tag");
  if (found !== self) throw new CryptoProfileMismatchError(found, self);
}

function checkKey(self: CryptoProfileName, key: { profile: CryptoProfileName }): void {
  if (key.profile !== self) throw new CryptoProfileMismatchError(key.profile, self, "key");
}

const ED25519_PUBLIC_KEY = /^[0-9a-f]{64}$/i;
const tagByte = (name: CryptoProfileName) => Buffer.from([SEAL_TAGS[name]]);

export const gmProfile: CryptoProfile = {
  name: "gm",
  hash: sm3,
  hmac: hmacSm3,
  deriveKey: deriveKeySm3,
  sealingKey(master, purpose) {
    return {
      profile: "gm",
      enc: deriveKeySm3(master, `${purpose}:seal:sm4-ctr`, 16),
      mac: deriveKeySm3(master, `${purpose}:seal:hmac-sm3`, 32),
    };
  },
  seal(key, plaintext, associated) {
    checkKey("gm", key);
    return sm4Seal(key.enc, key.mac as Buffer, plaintext, associated, tagByte("gm"));
  },
  open(key, sealed, associated) {
    checkKey("gm", key);
    checkTag("gm", sealed);
    return sm4Open(key.enc, key.mac as Buffer, sealed, associated, tagByte("gm"));
  },
  generateSigningKey() {
    return { profile: "gm", ...generateSm2KeyPair() };
  },
  sign(message, key) {
    checkKey("gm", key);
    return Buffer.from(sm2Sign(message, key), "hex");
  },
  verify(message, signature, publicKey) {
    if (!SM2_PUBLIC_KEY.test(publicKey) && ED25519_PUBLIC_KEY.test(publicKey)) {
      throw new CryptoProfileMismatchError("intl", "gm", "key");
    }
    return signature.length === 64 && sm2Verify(message, signature.toString("hex"), publicKey);
  },
};

const GCM_NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;

function deriveKeySha256(master: Buffer, purpose: string, length: number): Buffer {
  return Buffer.from(crypto.hkdfSync("sha256", master, Buffer.alloc(0), `tianshu:${purpose}`, length));
}

/** Ed25519 keys as raw hex, like the SM2 ones; node:crypto takes them as JWK. */
function ed25519Private(key: SigningKeyPair): crypto.KeyObject {
  const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64url");
  return crypto.createPrivateKey({
    key: { kty: "OKP", crv: "Ed25519", d: b64(key.privateKey), x: b64(key.publicKey) },
    format: "jwk",
  });
}

export const intlProfile: CryptoProfile = {
  name: "intl",
  hash: (data) => crypto.createHash("sha256").update(data).digest(),
  hmac: (key, data) => crypto.createHmac("sha256", key).update(data).digest(),
  deriveKey: deriveKeySha256,
  sealingKey(master, purpose) {
    return { profile: "intl", enc: deriveKeySha256(master, `${purpose}:seal:aes-256-gcm`, 32) };
  },
  seal(key, plaintext, associated) {
    checkKey("intl", key);
    const header = tagByte("intl");
    const nonce = crypto.randomBytes(GCM_NONCE_BYTES);
    const cipher = crypto.createCipheriv("aes-256-gcm", key.enc, nonce);
    // The tag byte is authenticated too, so it cannot be swapped for another algorithm's.
    cipher.setAAD(Buffer.concat([header, lengthPrefixed(associated)]));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
  },
  open(key, sealed, associated) {
    checkKey("intl", key);
    checkTag("intl", sealed);
    if (sealed.length < 1 + GCM_NONCE_BYTES + GCM_TAG_BYTES) throw new IntegrityError("sealed value too short");
    const nonce = sealed.subarray(1, 1 + GCM_NONCE_BYTES);
    const body = sealed.subarray(1 + GCM_NONCE_BYTES, sealed.length - GCM_TAG_BYTES);
    const decipher = crypto.createDecipheriv("aes-256-gcm", key.enc, nonce);
    decipher.setAAD(Buffer.concat([sealed.subarray(0, 1), lengthPrefixed(associated)]));
    decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new IntegrityError("sealed value failed its integrity check");
    }
  },
  generateSigningKey() {
    const jwk = crypto.generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
    const hex = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64url").toString("hex");
    return { profile: "intl", privateKey: hex(jwk.d), publicKey: hex(jwk.x) };
  },
  sign(message, key) {
    checkKey("intl", key);
    return crypto.sign(null, Buffer.from(message), ed25519Private(key));
  },
  verify(message, signature, publicKey) {
    if (SM2_PUBLIC_KEY.test(publicKey)) throw new CryptoProfileMismatchError("gm", "intl", "key");
    if (!ED25519_PUBLIC_KEY.test(publicKey) || signature.length !== 64) return false;
    const key = crypto.createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(publicKey, "hex").toString("base64url") },
      format: "jwk",
    });
    return crypto.verify(null, Buffer.from(message), key, signature);
  },
};

export function cryptoProfile(name: CryptoProfileName): CryptoProfile {
  return name === "intl" ? intlProfile : gmProfile;
}
