import assert from "node:assert/strict";
import { test } from "node:test";
import { Secret, TOTP } from "otpauth";
import smCrypto from "sm-crypto";
import { newRecoveryCodes, normaliseRecoveryCode } from "./recovery";
import { newNonce, verifySm2 } from "./sm2";
import { acceptedStep, newTotpSecret } from "./totp";

test("TOTP: an authenticator-app URI (issuer Tianshu, SHA1, 6 digits, 30 s)", () => {
  const { secret, otpauthUri } = newTotpSecret("secadmin");
  const uri = new URL(otpauthUri);
  assert.equal(uri.protocol, "otpauth:");
  assert.equal(uri.host, "totp");
  assert.equal(uri.searchParams.get("issuer"), "Tianshu");
  assert.equal(uri.searchParams.get("algorithm"), "SHA1");
  assert.equal(uri.searchParams.get("digits"), "6");
  assert.equal(uri.searchParams.get("period"), "30");
  assert.equal(uri.searchParams.get("secret"), secret);
  assert.equal(Secret.fromBase32(secret).bytes.length, 20, "160-bit secret");
});

test("TOTP: ±1 step accepted, further refused; a used step or an earlier one is a replay", () => {
  const { secret } = newTotpSecret("x");
  const t = 1_800_000_000_000;
  const code = (offsetSteps: number) =>
    TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: t + offsetSteps * 30_000 });
  const step = Math.floor(t / 30_000);
  assert.equal(acceptedStep(secret, code(0), null, t), step);
  assert.equal(acceptedStep(secret, code(-1), null, t), step - 1);
  assert.equal(acceptedStep(secret, code(1), null, t), step + 1);
  assert.equal(acceptedStep(secret, code(2), null, t), null, "two steps ahead");
  assert.equal(acceptedStep(secret, code(-2), null, t), null, "two steps behind");
  assert.equal(acceptedStep(secret, code(0), step, t), null, "the same step again");
  assert.equal(acceptedStep(secret, code(-1), step, t), null, "an older step");
  assert.equal(acceptedStep(secret, code(1), step, t), step + 1, "the next step is fine");
  assert.equal(acceptedStep(secret, "12345", null, t), null);
  assert.equal(acceptedStep(secret, "abcdef", null, t), null);
});

test("SM2: a signature made by sm-crypto exactly as a client would verifies; anything else does not", () => {
  const client = smCrypto.sm2.generateKeyPairHex();
  const other = smCrypto.sm2.generateKeyPairHex();
  const nonce = newNonce();
  assert.match(nonce, /^[0-9a-f]{64}$/);
  const signature = smCrypto.sm2.doSignature(nonce, client.privateKey, { hash: true });
  assert.equal(verifySm2(nonce, signature, client.publicKey), true);
  assert.equal(verifySm2(nonce, signature.toUpperCase(), client.publicKey.toUpperCase()), true, "hex case");
  assert.equal(verifySm2(newNonce(), signature, client.publicKey), false, "another nonce");
  assert.equal(verifySm2(nonce, signature, other.publicKey), false, "another key");
  const unhashed = smCrypto.sm2.doSignature(nonce, client.privateKey, { hash: false });
  assert.equal(verifySm2(nonce, unhashed, client.publicKey), false, "without the SM3/Z digest");
  const otherId = smCrypto.sm2.doSignature(nonce, client.privateKey, { hash: true, userId: "someone-else" });
  assert.equal(verifySm2(nonce, otherId, client.publicKey), false, "a different user ID");
  assert.equal(verifySm2(nonce, "00".repeat(64), client.publicKey), false);
  assert.equal(verifySm2(nonce, signature, `04${"00".repeat(64)}`), false, "not a curve point");
  assert.equal(verifySm2(nonce, "zz", client.publicKey), false);
});

test("recovery codes: ten distinct XXXXX-XXXXX codes; typing is forgiving", () => {
  const codes = newRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const c of codes) assert.match(c, /^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$/);
  assert.equal(normaliseRecoveryCode(" abcde-fghjk "), "ABCDEFGHJK");
});
