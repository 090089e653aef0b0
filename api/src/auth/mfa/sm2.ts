import crypto from "node:crypto";
import { SM2_PUBLIC_KEY as SM2_PUBLIC_KEY_HEX, sm2Verify } from "../../crypto/sm2";

/**
 * SM2 challenge–response (GM/T 0003): the client signs the server's nonce with its private key,
 * SM3 digest with Z computed from the default user ID 1234567812345678, exactly what sm-crypto's
 * `sm2.doSignature(nonce, privateKey, { hash: true })` produces (r‖s, 128 hex characters).
 * The verification itself is the crypto module's (api/src/crypto/sm2.ts).
 */
export const CHALLENGE_TTL_MS = 2 * 60_000;

export const SM2_PUBLIC_KEY = SM2_PUBLIC_KEY_HEX;
export const SM2_SIGNATURE = /^[0-9a-f]{128}$/i;

export function newNonce(): string {
  return crypto.randomBytes(32).toString("hex");
}

export function verifySm2(nonce: string, signatureHex: string, publicKeyHex: string): boolean {
  if (!SM2_PUBLIC_KEY.test(publicKeyHex) || !SM2_SIGNATURE.test(signatureHex)) return false;
  // sm2Verify answers false for anything malformed (a point off the curve, r or s out of range).
  return sm2Verify(nonce, signatureHex, publicKeyHex);
}
