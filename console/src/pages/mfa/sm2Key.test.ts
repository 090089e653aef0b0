import assert from "node:assert/strict";
import { test } from "node:test";
import smCrypto from "sm-crypto";
import { fingerprint, generateKey, keyFileText, keyFromFileText, keyFromPrivateHex, signNonce } from "./sm2Key";

test("a signature verifies with the public key and the GM/T 0003 default user ID, as the server checks it", () => {
  const key = generateKey();
  const nonce = "c2f1e0d9-nonce-for-test";
  const signature = signNonce(nonce, key);
  assert.ok(smCrypto.sm2.doVerifySignature(nonce, signature, key.publicKey, { hash: true }));
  assert.ok(
    smCrypto.sm2.doVerifySignature(nonce, signature, key.publicKey, { hash: true, userId: "1234567812345678" }),
  );
  assert.ok(!smCrypto.sm2.doVerifySignature(`${nonce}x`, signature, key.publicKey, { hash: true }));
});

test("a pasted private key gives back its public key; junk and out-of-range keys are refused", () => {
  const key = generateKey();
  assert.deepEqual(keyFromPrivateHex(`  ${key.privateKey.toUpperCase()} `), key);
  assert.equal(keyFromPrivateHex("abc"), null);
  assert.equal(keyFromPrivateHex("z".repeat(64)), null);
  assert.equal(keyFromPrivateHex("0".repeat(64)), null);
  assert.equal(keyFromPrivateHex("f".repeat(64)), null, "beyond the curve order");
});

test("a downloaded key file loads again; a file whose public key does not match is refused", () => {
  const key = generateKey();
  const text = keyFileText(key, "office");
  assert.deepEqual(keyFromFileText(text), key);
  assert.deepEqual(keyFromFileText(key.privateKey), key);
  const other = generateKey();
  const mixed = JSON.stringify({ ...JSON.parse(text), publicKey: other.publicKey });
  assert.equal(keyFromFileText(mixed), null);
  assert.equal(keyFromFileText("{not json"), null);
  assert.match(fingerprint(key.publicKey), /^[0-9a-f]{4}(:[0-9a-f]{4}){3}$/);
});
