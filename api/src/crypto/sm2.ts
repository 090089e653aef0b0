import crypto from "node:crypto";
import { IntegrityError, sm3 } from "./sm";
import {
  A,
  B,
  decodePoint,
  encodePoint,
  fromBytes,
  G,
  invMod,
  linearCombinationX,
  modN,
  multiplyBase,
  multiplyPoint,
  N,
  type Point,
  randomScalarWithPoint,
  toBytes32,
} from "./sm2-curve";
import { decodeSignatureDer, encodeSignatureDer } from "./sm2-der";

/**
 * SM2 (GB/T 32918 / GM/T 0003) on the recommended curve: key generation, signatures with the
 * distinguishing-ID digest Z_A, and public-key encryption.
 *
 * Wire formats (all hex in, hex out, like sm-crypto, except ciphertexts which are bytes):
 * - private key: 64 hex digits (d, 1 ≤ d ≤ n−2); public key: "04" ‖ x ‖ y, 130 hex digits.
 * - signature: raw r ‖ s, 128 hex digits, by default — what sm-crypto's
 *   `sm2.doSignature(msg, priv, { hash: true })` returns; with `{ der: true }` the DER
 *   SEQUENCE { r, s } that `{ hash: true, der: true }` returns.
 * - the digest is e = SM3(Z_A ‖ M), Z_A from the user ID, by default the GM/T 0009 default
 *   "1234567812345678" (sm-crypto's default too).
 * - ciphertext: C1 ‖ C3 ‖ C2 (the GB/T 32918.4-2016 order), C1 = 04 ‖ x1 ‖ y1 (65 bytes), C3 the
 *   32-byte SM3 check value, C2 as long as the message. sm-crypto's `doEncrypt(msg, pub, 1)` writes
 *   the same without the leading 04 byte: prepend "04" to its hex before decrypting here.
 *
 * node:crypto (OpenSSL 3.0 in Node 20) signs SM2 only with an empty distinguishing ID and cannot
 * encrypt with SM2 at all, so the SM2 formulas are here; every secret-dependent scalar multiplication
 * and every nonce still comes from OpenSSL (sm2-curve.ts). docs/crypto.md has the details.
 */
export const SM2_DEFAULT_USER_ID = "1234567812345678";

export const SM2_PRIVATE_KEY = /^[0-9a-f]{64}$/i;
export const SM2_PUBLIC_KEY = /^04[0-9a-f]{128}$/i;

export interface Sm2KeyPair {
  /** d, 64 hex digits. */
  privateKey: string;
  /** "04" ‖ x ‖ y, 130 hex digits. */
  publicKey: string;
}

export interface Sm2SignatureOptions {
  /** The distinguishing ID that goes into Z_A; default "1234567812345678". */
  userId?: string;
  /** DER SEQUENCE { r, s } instead of raw r ‖ s. */
  der?: boolean;
}

export type Sm2Message = string | Uint8Array;

const bytesOf = (message: Sm2Message): Buffer =>
  typeof message === "string" ? Buffer.from(message, "utf8") : Buffer.from(message);

function privateScalar(privateKeyHex: string): bigint {
  if (!SM2_PRIVATE_KEY.test(privateKeyHex)) throw new TypeError("an SM2 private key is 64 hex digits");
  const d = BigInt(`0x${privateKeyHex}`);
  // d = n−1 has no (1 + d)⁻¹ mod n, so GB/T 32918.1 limits d to [1, n−2].
  if (d < 1n || d > N - 2n) throw new RangeError("SM2 private key out of range");
  return d;
}

function publicPoint(publicKeyHex: string): Point | undefined {
  if (!SM2_PUBLIC_KEY.test(publicKeyHex)) return undefined;
  return decodePoint(Buffer.from(publicKeyHex, "hex"));
}

export function generateSm2KeyPair(): Sm2KeyPair {
  for (;;) {
    const { k: d, point } = randomScalarWithPoint();
    if (d <= N - 2n) return { privateKey: toBytes32(d).toString("hex"), publicKey: encodePoint(point).toString("hex") };
  }
}

export function sm2PublicKeyOf(privateKeyHex: string): string {
  return encodePoint(multiplyBase(privateScalar(privateKeyHex))).toString("hex");
}

/** Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A) (GB/T 32918.2 §5.5). */
export function sm2Za(publicKey: Point, userId: string = SM2_DEFAULT_USER_ID): Buffer {
  const id = Buffer.from(userId, "utf8");
  if (id.length * 8 > 0xffff) throw new RangeError("the SM2 user ID is too long");
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(id.length * 8);
  return sm3(Buffer.concat([entl, id, ...[A, B, G.x, G.y, publicKey.x, publicKey.y].map(toBytes32)]));
}

function digestOf(message: Sm2Message, publicKey: Point, userId: string | undefined): bigint {
  return fromBytes(sm3(Buffer.concat([sm2Za(publicKey, userId), bytesOf(message)])));
}

type NonceSource = () => { k: bigint; point: Point };

function signWith(message: Sm2Message, key: Sm2KeyPair, opts: Sm2SignatureOptions, nonce: NonceSource): string {
  const d = privateScalar(key.privateKey);
  const pub = publicPoint(key.publicKey);
  if (!pub) throw new TypeError("not an SM2 public key");
  const e = digestOf(message, pub, opts.userId);
  const inverse = invMod(1n + d, N);
  for (;;) {
    const { k, point } = nonce();
    const r = modN(e + point.x);
    if (r === 0n || r + k === N) continue;
    const s = modN(inverse * (k - r * d));
    if (s === 0n) continue;
    return opts.der
      ? encodeSignatureDer(r, s).toString("hex")
      : toBytes32(r).toString("hex") + toBytes32(s).toString("hex");
  }
}

/**
 * Signs `message` (a string is signed as its UTF-8 bytes) with the key pair; the public key is part
 * of Z_A, so it is passed rather than recomputed. The nonce and k·G come from OpenSSL.
 */
export function sm2Sign(message: Sm2Message, key: Sm2KeyPair, opts: Sm2SignatureOptions = {}): string {
  return signWith(message, key, opts, randomScalarWithPoint);
}

/** True only for a valid signature by `publicKeyHex`; malformed input of any kind is simply false. */
export function sm2Verify(
  message: Sm2Message,
  signatureHex: string,
  publicKeyHex: string,
  opts: Sm2SignatureOptions = {},
): boolean {
  const pub = publicPoint(publicKeyHex);
  if (!pub) return false;
  let r: bigint;
  let s: bigint;
  if (opts.der) {
    if (!/^([0-9a-f]{2})+$/i.test(signatureHex)) return false;
    const decoded = decodeSignatureDer(Buffer.from(signatureHex, "hex"));
    if (!decoded) return false;
    ({ r, s } = decoded);
  } else {
    if (!/^[0-9a-f]{128}$/i.test(signatureHex)) return false;
    r = BigInt(`0x${signatureHex.slice(0, 64)}`);
    s = BigInt(`0x${signatureHex.slice(64)}`);
  }
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = modN(r + s);
  if (t === 0n) return false;
  const x1 = linearCombinationX(s, t, pub);
  if (x1 === undefined) return false;
  return modN(digestOf(message, pub, opts.userId) + x1) === r;
}

/** KDF(Z, klen) of GB/T 32918.4 §5.4.3: SM3(Z ‖ ct) for ct = 1, 2, …, truncated to `length` bytes. */
function kdf(z: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let ct = 1; blocks.length * 32 < length; ct++) {
    counter.writeUInt32BE(ct);
    blocks.push(sm3(Buffer.concat([z, counter])));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const allZero = (b: Buffer) => b.every((v) => v === 0);

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

function encryptWith(plaintext: Sm2Message, publicKeyHex: string, nonce: NonceSource): Buffer {
  const pub = publicPoint(publicKeyHex);
  if (!pub) throw new TypeError("not an SM2 public key");
  const message = bytesOf(plaintext);
  // With nothing to encrypt the "t is all zero" retry of the standard would never end.
  if (message.length === 0) throw new RangeError("SM2 encryption needs a non-empty message");
  for (;;) {
    const { k, point: c1 } = nonce();
    const shared = multiplyPoint(k, pub);
    const x2 = toBytes32(shared.x);
    const y2 = toBytes32(shared.y);
    const t = kdf(Buffer.concat([x2, y2]), message.length);
    if (allZero(t)) continue;
    const c3 = sm3(Buffer.concat([x2, message, y2]));
    return Buffer.concat([encodePoint(c1), c3, xor(message, t)]);
  }
}

/** Encrypts to `publicKeyHex`; returns C1 ‖ C3 ‖ C2 with C1 = 04 ‖ x1 ‖ y1. */
export function sm2Encrypt(plaintext: Sm2Message, publicKeyHex: string): Buffer {
  return encryptWith(plaintext, publicKeyHex, randomScalarWithPoint);
}

/** Decrypts C1 ‖ C3 ‖ C2; throws IntegrityError when the ciphertext was altered or is for another key. */
export function sm2Decrypt(ciphertext: Uint8Array, privateKeyHex: string): Buffer {
  const d = privateScalar(privateKeyHex);
  const bytes = Buffer.from(ciphertext);
  if (bytes.length < 65 + 32 + 1) throw new IntegrityError("SM2 ciphertext too short");
  const c1 = decodePoint(bytes.subarray(0, 65));
  if (!c1) throw new IntegrityError("SM2 ciphertext: C1 is not a point on the curve");
  const c3 = bytes.subarray(65, 97);
  const c2 = bytes.subarray(97);
  const shared = multiplyPoint(d, c1);
  const x2 = toBytes32(shared.x);
  const y2 = toBytes32(shared.y);
  const t = kdf(Buffer.concat([x2, y2]), c2.length);
  if (allZero(t)) throw new IntegrityError("SM2 ciphertext rejected (KDF output all zero)");
  const message = xor(c2, t);
  if (!crypto.timingSafeEqual(c3, sm3(Buffer.concat([x2, message, y2])))) {
    throw new IntegrityError("SM2 ciphertext failed its integrity check");
  }
  return message;
}

/**
 * Known-answer hooks for the standard's worked examples (GB/T 32918.5 Annex A and C), which fix the
 * nonce k. Tests only: signing two messages with one k reveals the private key.
 */
export const sm2KnownAnswer = {
  sign(message: Sm2Message, key: Sm2KeyPair, kHex: string, opts: Sm2SignatureOptions = {}): string {
    return signWith(message, key, opts, fixedNonce(kHex));
  },
  encrypt(plaintext: Sm2Message, publicKeyHex: string, kHex: string): Buffer {
    return encryptWith(plaintext, publicKeyHex, fixedNonce(kHex));
  },
};

function fixedNonce(kHex: string): NonceSource {
  let used = false;
  return () => {
    // A fixed k the algorithm rejects would otherwise be retried for ever.
    if (used) throw new Error("the fixed nonce was rejected");
    used = true;
    const k = BigInt(`0x${kHex}`);
    return { k, point: multiplyBase(k) };
  };
}
