import assert from "node:assert/strict";
import crypto from "node:crypto";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "../config";
import {
  CryptoProfileMismatchError,
  cryptoProfile,
  gmProfile,
  intlProfile,
  SEAL_TAGS,
  sealedProfileOf,
} from "./profile";
import { hmacSm3, IntegrityError, sm3 } from "./sm";

const master = crypto.randomBytes(32);

for (const profile of [gmProfile, intlProfile]) {
  const other = profile === gmProfile ? intlProfile : gmProfile;

  describe(`the ${profile.name} profile`, () => {
    const key = profile.sealingKey(master, "test");

    test("seal/open round-trips empty, short, Unicode and 1 KiB values; a fresh nonce each time", () => {
      for (const text of ["", "13812341234", "张三 zhang.san@example.cn", "x".repeat(1024)]) {
        const sealed = profile.seal(key, Buffer.from(text), "users.phone:u1");
        assert.equal(sealed[0], SEAL_TAGS[profile.name], "starts with the profile's algorithm tag");
        assert.equal(sealedProfileOf(sealed), profile.name);
        assert.equal(profile.open(key, sealed, "users.phone:u1").toString(), text);
        assert.notDeepEqual(sealed, profile.seal(key, Buffer.from(text), "users.phone:u1"));
      }
    });

    test("tampering is detected: any flipped bit (tag byte, nonce, ciphertext, MAC), truncation, other associated data", () => {
      const sealed = profile.seal(key, Buffer.from("13812341234"), "users.phone:u1");
      for (let at = 0; at < sealed.length; at++) {
        const altered = Buffer.from(sealed);
        altered[at] = (altered[at] ?? 0) ^ 0x01;
        // Flipping the tag byte 01 ↔ … lands on no other profile's tag (01 → 00, 02 → 03).
        assert.throws(() => profile.open(key, altered, "users.phone:u1"), IntegrityError, `bit flipped at byte ${at}`);
      }
      assert.throws(() => profile.open(key, sealed.subarray(0, sealed.length - 1), "users.phone:u1"), IntegrityError);
      assert.throws(() => profile.open(key, sealed.subarray(0, 5), "users.phone:u1"), IntegrityError, "too short");
      assert.throws(() => profile.open(key, Buffer.alloc(0), "users.phone:u1"), IntegrityError, "empty");
      assert.throws(() => profile.open(key, sealed, "users.phone:u2"), IntegrityError, "moved to another row");
      assert.throws(() => profile.open(key, sealed, ""), IntegrityError, "associated data dropped");
    });

    test("a wrong key — another master key or another purpose — does not open it", () => {
      const sealed = profile.seal(key, Buffer.from("secret"), "ad");
      assert.throws(
        () => profile.open(profile.sealingKey(crypto.randomBytes(32), "test"), sealed, "ad"),
        IntegrityError,
      );
      assert.throws(() => profile.open(profile.sealingKey(master, "other"), sealed, "ad"), IntegrityError);
    });

    test(`values and keys of the ${other.name} profile are refused with a message naming both profiles`, () => {
      const foreign = other.seal(other.sealingKey(master, "test"), Buffer.from("secret"), "ad");
      assert.throws(
        () => profile.open(key, foreign, "ad"),
        (err: unknown) =>
          err instanceof CryptoProfileMismatchError &&
          err.found === other.name &&
          err.expected === profile.name &&
          err.message.includes(`TIANSHU_CRYPTO_PROFILE=${profile.name}`),
      );
      assert.throws(
        () => profile.seal(other.sealingKey(master, "test"), Buffer.from("x"), "ad"),
        CryptoProfileMismatchError,
      );
      assert.throws(() => profile.open(other.sealingKey(master, "test"), foreign, "ad"), CryptoProfileMismatchError);
      const otherSigner = other.generateSigningKey();
      assert.throws(() => profile.sign("m", otherSigner), CryptoProfileMismatchError);
      assert.throws(
        () => profile.verify("m", other.sign("m", otherSigner), otherSigner.publicKey),
        CryptoProfileMismatchError,
      );
    });

    test("sign/verify: round trip; another message, key or altered signature is false", () => {
      const signer = profile.generateSigningKey();
      assert.equal(signer.profile, profile.name);
      const signature = profile.sign("checkpoint 42", signer);
      assert.equal(signature.length, 64);
      assert.equal(profile.verify("checkpoint 42", signature, signer.publicKey), true);
      assert.equal(
        profile.verify(Buffer.from("checkpoint 42"), signature, signer.publicKey),
        true,
        "string = UTF-8 bytes",
      );
      assert.equal(profile.verify("checkpoint 43", signature, signer.publicKey), false);
      assert.equal(profile.verify("checkpoint 42", signature, profile.generateSigningKey().publicKey), false);
      const altered = Buffer.from(signature);
      altered[10] = (altered[10] ?? 0) ^ 0x80;
      assert.equal(profile.verify("checkpoint 42", altered, signer.publicKey), false);
      assert.equal(profile.verify("checkpoint 42", signature.subarray(1), signer.publicKey), false);
    });
  });
}

test("each profile is wired to its named algorithms", () => {
  const key = crypto.randomBytes(32);
  assert.deepEqual(gmProfile.hash("abc"), sm3("abc"));
  assert.deepEqual(gmProfile.hmac(key, "abc"), hmacSm3(key, "abc"));
  assert.deepEqual(intlProfile.hash("abc"), crypto.createHash("sha256").update("abc").digest());
  assert.deepEqual(intlProfile.hmac(key, "abc"), crypto.createHmac("sha256", key).update("abc").digest());
  assert.deepEqual(
    intlProfile.deriveKey(key, "p", 32),
    Buffer.from(crypto.hkdfSync("sha256", key, Buffer.alloc(0), "tianshu:p", 32)),
  );
  assert.deepEqual(
    gmProfile.deriveKey(key, "p", 16),
    Buffer.from(crypto.hkdfSync("sm3", key, Buffer.alloc(0), "tianshu:p", 16)),
  );
  // The intl signature is plain Ed25519: node:crypto verifies it with a key it imports itself.
  const signer = intlProfile.generateSigningKey();
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(signer.publicKey, "hex")]);
  const pub = crypto.createPublicKey({ key: spki, format: "der", type: "spki" });
  assert.equal(crypto.verify(null, Buffer.from("m"), pub, intlProfile.sign("m", signer)), true);
  assert.equal(cryptoProfile("gm"), gmProfile);
  assert.equal(cryptoProfile("intl"), intlProfile);
});

test("TIANSHU_CRYPTO_PROFILE: gm by default, intl on request, anything else refuses to start", () => {
  assert.equal(loadConfig({}).cryptoProfile, "gm");
  assert.equal(loadConfig({ TIANSHU_CRYPTO_PROFILE: "intl" }).cryptoProfile, "intl");
  assert.throws(() => loadConfig({ TIANSHU_CRYPTO_PROFILE: "GM" }), ConfigError);
  assert.throws(
    () => loadConfig({ TIANSHU_CRYPTO_PROFILE: "aes" }),
    (err: unknown) => err instanceof ConfigError && err.message.includes("TIANSHU_CRYPTO_PROFILE"),
  );
});
