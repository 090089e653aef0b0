import crypto from "node:crypto";

/**
 * The SM2 recommended curve (GB/T 32918.5-2017 / GM/T 0003.5-2012) and the few operations sm2.ts needs.
 *
 * Split of work, and why (docs/crypto.md has the measurements):
 * - Every scalar multiplication by a *secret* (private key, nonce) runs in OpenSSL through
 *   node:crypto's ECDH on curve "SM2": constant-time C, the process CSPRNG for nonces.
 * - OpenSSL's ECDH returns only the x-coordinate of k·P; SM2 encryption needs y as well, which
 *   `multiplyPoint` recovers from x(k·P) and x((k+1)·P) (Brier–Joye y-recovery), both from OpenSSL.
 * - Signature verification works on public values only, so it runs here in BigInt (Jacobian
 *   coordinates, Shamir's trick): about ten times faster than sm-crypto's jsbn.
 */
export const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
export const A = P - 3n;
export const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
export const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
export const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
export const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

export interface Point {
  x: bigint;
  y: bigint;
}

export const G: Point = { x: GX, y: GY };

export function modP(v: bigint): bigint {
  const r = v % P;
  return r < 0n ? r + P : r;
}

export function modN(v: bigint): bigint {
  const r = v % N;
  return r < 0n ? r + N : r;
}

function powMod(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = base % m;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** Inverse modulo a prime (Fermat). */
export function invMod(v: bigint, m: bigint): bigint {
  return powMod(((v % m) + m) % m, m - 2n, m);
}

export function toBytes32(v: bigint): Buffer {
  return Buffer.from(v.toString(16).padStart(64, "0"), "hex");
}

export function fromBytes(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString("hex")}`);
}

export function isOnCurve(p: Point): boolean {
  if (p.x < 0n || p.x >= P || p.y < 0n || p.y >= P) return false;
  return modP(p.y * p.y - (p.x * p.x * p.x + A * p.x + B)) === 0n;
}

/** 04 ‖ x ‖ y (65 bytes) → a point on the curve, or undefined. Compressed points are not accepted. */
export function decodePoint(bytes: Uint8Array): Point | undefined {
  if (bytes.length !== 65 || bytes[0] !== 0x04) return undefined;
  const point = { x: fromBytes(bytes.subarray(1, 33)), y: fromBytes(bytes.subarray(33, 65)) };
  return isOnCurve(point) ? point : undefined;
}

export function encodePoint(p: Point): Buffer {
  return Buffer.concat([Buffer.from([0x04]), toBytes32(p.x), toBytes32(p.y)]);
}

/** A native ECDH context holding `scalar` (1 ≤ scalar ≤ n−1) as its private key. */
function ecdhWith(scalar: bigint): crypto.ECDH {
  const ecdh = crypto.createECDH("SM2");
  ecdh.setPrivateKey(toBytes32(scalar));
  return ecdh;
}

/** scalar·G in OpenSSL (constant time). */
export function multiplyBase(scalar: bigint): Point {
  const pub = ecdhWith(scalar).getPublicKey();
  return { x: fromBytes(pub.subarray(1, 33)), y: fromBytes(pub.subarray(33, 65)) };
}

/**
 * scalar·point with the scalar kept in OpenSSL (constant time). OpenSSL's ECDH yields only x, so y
 * comes from x(Q) and x(Q+P), Q = k·P (Brier & Joye 2002, y-recovery for short Weierstrass curves):
 *   y_Q = (2b + (a + x_P·x_Q)(x_P + x_Q) − x_{Q+P}·(x_P − x_Q)²) / (2·y_P)
 * The formula needs Q ≠ ±P, so k = 1 and k = n−1 are answered directly.
 * `point` must already be validated (on the curve); ECDH rejects it otherwise.
 */
export function multiplyPoint(scalar: bigint, point: Point): Point {
  if (scalar <= 0n || scalar >= N) throw new RangeError("scalar out of range");
  if (scalar === 1n) return point;
  if (scalar === N - 1n) return { x: point.x, y: modP(-point.y) };
  const encoded = encodePoint(point);
  const xQ = fromBytes(ecdhWith(scalar).computeSecret(encoded));
  const xQP = fromBytes(ecdhWith(scalar + 1n).computeSecret(encoded));
  const { x: xP, y: yP } = point;
  const dx = modP(xP - xQ);
  const numerator = modP(2n * B + (A + xP * xQ) * (xP + xQ) - xQP * dx * dx);
  const y = modP(numerator * invMod(2n * yP, P));
  const q = { x: xQ, y };
  // A wrong y would silently corrupt a decryption; the check costs one multiplication.
  if (!isOnCurve(q)) throw new Error("SM2 point recovery failed");
  return q;
}

/* --- public-value arithmetic (verification only): Jacobian coordinates, a = −3 --- */

type Jacobian = [bigint, bigint, bigint];
const INFINITY: Jacobian = [1n, 1n, 0n];

function double([x, y, z]: Jacobian): Jacobian {
  if (z === 0n || y === 0n) return INFINITY;
  const zz = (z * z) % P;
  const m = modP(3n * (x - zz) * (x + zz));
  const yy = (y * y) % P;
  const s = (4n * x * yy) % P;
  const x3 = modP(m * m - 2n * s);
  const y3 = modP(m * (s - x3) - 8n * yy * yy);
  return [x3, y3, (2n * y * z) % P];
}

function add(p: Jacobian, q: Jacobian): Jacobian {
  if (p[2] === 0n) return q;
  if (q[2] === 0n) return p;
  const [x1, y1, z1] = p;
  const [x2, y2, z2] = q;
  const z1z1 = (z1 * z1) % P;
  const z2z2 = (z2 * z2) % P;
  const u1 = (x1 * z2z2) % P;
  const u2 = (x2 * z1z1) % P;
  const s1 = (((y1 * z2) % P) * z2z2) % P;
  const s2 = (((y2 * z1) % P) * z1z1) % P;
  if (u1 === u2) return s1 === s2 ? double(p) : INFINITY;
  const h = modP(u2 - u1);
  const r = modP(s2 - s1);
  const hh = (h * h) % P;
  const hhh = (h * hh) % P;
  const v = (u1 * hh) % P;
  const x3 = modP(r * r - hhh - 2n * v);
  const y3 = modP(r * (v - x3) - s1 * hhh);
  return [x3, y3, (((z1 * z2) % P) * h) % P];
}

/** x(s·G + t·Q) for public s, t, Q, or undefined at infinity. Not constant time: never pass secrets. */
export function linearCombinationX(s: bigint, t: bigint, q: Point): bigint | undefined {
  const g: Jacobian = [GX, GY, 1n];
  const jq: Jacobian = [q.x, q.y, 1n];
  const gq = add(g, jq);
  let acc = INFINITY;
  for (let i = 255; i >= 0; i--) {
    acc = double(acc);
    const bs = (s >> BigInt(i)) & 1n;
    const bt = (t >> BigInt(i)) & 1n;
    if (bs && bt) acc = add(acc, gq);
    else if (bs) acc = add(acc, g);
    else if (bt) acc = add(acc, jq);
  }
  if (acc[2] === 0n) return undefined;
  const zInv = invMod(acc[2], P);
  return (((acc[0] * zInv) % P) * zInv) % P;
}

/** A fresh nonce k in [1, n−1] from OpenSSL's generator, with k·G. */
export function randomScalarWithPoint(): { k: bigint; point: Point } {
  const ecdh = crypto.createECDH("SM2");
  const pub = ecdh.generateKeys();
  return {
    k: fromBytes(ecdh.getPrivateKey()),
    point: { x: fromBytes(pub.subarray(1, 33)), y: fromBytes(pub.subarray(33, 65)) },
  };
}
