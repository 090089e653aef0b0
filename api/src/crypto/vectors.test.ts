import assert from "node:assert/strict";
import crypto from "node:crypto";
import { describe, test } from "node:test";
import smCrypto from "sm-crypto";
import { hmacSm3, IntegrityError, sm3 } from "./sm";
import {
  generateSm2KeyPair,
  SM2_DEFAULT_USER_ID,
  sm2Decrypt,
  sm2Encrypt,
  sm2KnownAnswer,
  sm2PublicKeyOf,
  sm2Sign,
  sm2Verify,
} from "./sm2";
import { N } from "./sm2-curve";

/**
 * Standard test vectors for the 国密 primitives. Every expected value is either copied from the
 * source named next to it or computed in the same test by a second implementation (sm-crypto's
 * JavaScript, or OpenSSL's own SM2 through node:crypto). docs/crypto.md lists the sources.
 */
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const lower = (s: string) => s.replace(/\s+/g, "").toLowerCase();

describe("SM3 — GB/T 32905-2016 Annex A", () => {
  // Values as in bcgit/bc-java core/src/test/java/org/bouncycastle/crypto/test/SM3DigestTest.java
  // ("standard test vectors") and RustCrypto/nettle's GM/T 0004-2012 tests.
  test('example 1: "abc"', () => {
    const expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
    assert.equal(sm3("abc").toString("hex"), expected);
    assert.equal(smCrypto.sm3("abc"), expected, "sm-crypto agrees");
  });

  test('example 2: "abcd" × 16 (64 bytes, two blocks after padding)', () => {
    const expected = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732";
    assert.equal(sm3("abcd".repeat(16)).toString("hex"), expected);
    assert.equal(smCrypto.sm3("abcd".repeat(16)), expected, "sm-crypto agrees");
  });

  test("native and sm-crypto agree on other lengths (0 … 200 bytes, block boundaries)", () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 200]) {
      const data = crypto.randomBytes(length);
      assert.equal(sm3(data).toString("hex"), smCrypto.sm3(Array.from(data)), `length ${length}`);
    }
  });
});

describe("SM4 — GB/T 32907-2016 Annex A", () => {
  // Values as in RustCrypto/block-ciphers sm4/tests/mod.rs ("Test vectors are from GM/T 0002-2012",
  // the text GB/T 32907-2016 took over) and BouncyCastle's SM4Test.
  const key = hex("0123456789abcdeffedcba9876543210");

  function ecb(k: Buffer, block: Buffer, decrypt = false): Buffer {
    const c = decrypt ? crypto.createDecipheriv("sm4-ecb", k, null) : crypto.createCipheriv("sm4-ecb", k, null);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(block), c.final()]);
  }

  test("example 1: one block, key = plaintext = 0123…3210", () => {
    const expected = "681edf34d206965e86b3e94f536e4246";
    assert.equal(ecb(key, key).toString("hex"), expected);
    assert.deepEqual(ecb(key, hex(expected), true), key, "and back");
    assert.equal(smCrypto.sm4.encrypt(Array.from(key), Array.from(key), { padding: "none" }), expected, "sm-crypto");
  });

  /**
   * x ↦ SM4(x) applied 1,000,000 times. SM4-CBC with a zero IV over x0 followed by zero blocks gives
   * C1 = E(x0), C(i+1) = E(0 ⊕ Ci) = E(Ci): the same chain, in one native call per 64 KiB instead of
   * a million calls (≈ 0.3 s instead of ≈ 1 s here). The next test shows the two agree.
   */
  function iterateCbc(k: Buffer, x0: Buffer, times: number): Buffer {
    const cipher = crypto.createCipheriv("sm4-cbc", k, Buffer.alloc(16));
    cipher.setAutoPadding(false);
    let last = cipher.update(x0);
    const zeros = Buffer.alloc(4096 * 16);
    for (let left = times - 1; left > 0; left -= 4096) {
      const out = cipher.update(left >= 4096 ? zeros : zeros.subarray(0, left * 16));
      last = out.subarray(out.length - 16);
    }
    cipher.final();
    return Buffer.from(last);
  }

  test("the CBC shortcut equals encrypting block by block (1,000 and 5,000 times)", () => {
    for (const times of [1_000, 5_000]) {
      let x: Buffer = Buffer.from(key);
      for (let i = 0; i < times; i++) x = ecb(key, x);
      assert.deepEqual(iterateCbc(key, key, times), x, `${times} iterations`);
    }
  });

  test("example 2: the same block encrypted 1,000,000 times", () => {
    const started = performance.now();
    assert.equal(iterateCbc(key, key, 1_000_000).toString("hex"), "595298c7c6fd271f0402f804c33d3f66");
    const ms = performance.now() - started;
    // Measured ≈ 0.3 s on the 2-core CI machine; the bound only catches a pathological slowdown.
    assert.ok(ms < 15_000, `took ${ms.toFixed(0)} ms`);
  });
});

describe("HMAC-SM3", () => {
  // GM/T 0042-2015 Appendix D.3, as in openssl/openssl test/recipes/30-test_evp_data/evpmac_sm3.txt.
  const vectors = [
    {
      key: hex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"),
      data: Buffer.from(
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopqabcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      ),
      mac: "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a",
    },
    {
      key: hex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425"),
      data: Buffer.alloc(50, 0xcd),
      mac: "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae",
    },
    {
      key: Buffer.alloc(32, 0x0b),
      data: Buffer.from("Hi There"),
      mac: "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e",
    },
    {
      key: Buffer.from("Jefe Jeferson Jr"),
      data: Buffer.from("what do ya want for nothing?"),
      mac: "ce791a34c59adef472997a249600f3f244d59e875be04055ba2ae12fc845e78c",
    },
  ];

  test("GM/T 0042-2015 Appendix D.3 examples", () => {
    for (const v of vectors) {
      assert.equal(hmacSm3(v.key, v.data).toString("hex"), v.mac);
      assert.equal(smCrypto.sm3(Array.from(v.data), { key: Array.from(v.key) }), v.mac, "sm-crypto agrees");
    }
  });

  test("native and sm-crypto's HMAC mode agree for short, block-sized and long (hashed) keys", () => {
    for (const keyLength of [1, 16, 32, 63, 64, 65, 100, 200]) {
      const key = crypto.randomBytes(keyLength);
      const data = crypto.randomBytes(keyLength * 3);
      assert.equal(
        hmacSm3(key, data).toString("hex"),
        smCrypto.sm3(Array.from(data), { key: Array.from(key) }),
        `key length ${keyLength}`,
      );
    }
  });
});

describe("SM2 — GB/T 32918.5-2017 / GM/T 0003.5-2012 examples on the recommended curve", () => {
  // Annex A (signature) and Annex C (encryption), as in openssl/openssl test/sm2_internal_test.c
  // (sm2_sig_test and sm2_crypt_test, "From Annex A/C in both GM/T0003.5-2012 and GB/T 32918.5-2016").
  const d = lower("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
  const k = lower("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21");

  test("the public key of the example private key: native, sm-crypto and OpenSSL's key import agree", () => {
    const pub = sm2PublicKeyOf(d);
    assert.equal(pub, smCryptoPublicKeyOf(d));
    const viaOpenssl = crypto.createPublicKey(opensslPrivateKey(d)).export({ format: "der", type: "spki" });
    assert.equal(viaOpenssl.subarray(-65).toString("hex"), pub);
  });

  test("Annex A: the signature of “message digest” with user ID 1234567812345678 and the fixed k", () => {
    const key = { privateKey: d, publicKey: sm2PublicKeyOf(d) };
    const r = lower("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3");
    const s = lower("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA");
    assert.equal(sm2KnownAnswer.sign("message digest", key, k), r + s);
    assert.equal(sm2Verify("message digest", r + s, key.publicKey), true);
    assert.equal(smCrypto.sm2.doVerifySignature("message digest", r + s, key.publicKey, { hash: true }), true);
    const der = sm2KnownAnswer.sign("message digest", key, k, { der: true });
    assert.equal(smCrypto.sm2.doVerifySignature("message digest", der, key.publicKey, { der: true }), true, "DER");
    assert.equal(sm2Verify("message digest", der, key.publicKey, { der: true }), true);
    assert.equal(sm2Verify("message digesT", r + s, key.publicKey), false);
  });

  test("Annex C: the encryption of “encryption standard” with the fixed k (C1 ‖ C3 ‖ C2)", () => {
    const pub = sm2PublicKeyOf(d);
    const c1 =
      "04" +
      lower("04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73") +
      lower("E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0");
    const c3 = lower("59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766");
    const c2 = lower("21886CA989CA9C7D58087307CA93092D651EFA");
    const ciphertext = sm2KnownAnswer.encrypt("encryption standard", pub, k);
    assert.equal(ciphertext.toString("hex"), c1 + c3 + c2);
    assert.equal(sm2Decrypt(ciphertext, d).toString(), "encryption standard");
    // sm-crypto's C1C3C2 format is the same bytes without the leading 04.
    assert.equal(smCrypto.sm2.doDecrypt(ciphertext.subarray(1).toString("hex"), d, 1), "encryption standard");
  });
});

/** sm-crypto has getPublicKeyFromPrivateKey; @types/sm-crypto does not declare it. */
function smCryptoPublicKeyOf(d: string): string {
  return (smCrypto.sm2 as unknown as { getPublicKeyFromPrivateKey(d: string): string }).getPublicKeyFromPrivateKey(d);
}

/** OpenSSL's own SM2 key (asymmetricKeyType undefined in Node 20), from d via SEC1 DER; it derives the public point. */
function opensslPrivateKey(dHex: string): crypto.KeyObject {
  const der = Buffer.concat([hex("30310201010420"), hex(dHex), hex("a00a06082a811ccf5501822d")]);
  return crypto.createPrivateKey({ key: der, format: "der", type: "sec1" });
}

function opensslPublicKey(publicHex: string): crypto.KeyObject {
  const spki = Buffer.concat([hex("3059301306072a8648ce3d020106082a811ccf5501822d034200"), hex(publicHex)]);
  return crypto.createPublicKey({ key: spki, format: "der", type: "spki" });
}

describe("SM2 cross-verification with independent implementations (random keys and messages)", () => {
  const messages = () => [
    crypto.randomBytes(32).toString("hex"),
    "中文消息 with UTF-8",
    crypto.randomBytes(1),
    crypto.randomBytes(300),
  ];

  // sm-crypto needs ≈ 40 ms per signature and verification: a few rounds keep this file at seconds.
  test("ours ↔ sm-crypto: signatures both ways, raw and DER, default and custom user ID", () => {
    for (let round = 0; round < 3; round++) {
      const key = generateSm2KeyPair();
      for (const m of messages()) {
        const input = typeof m === "string" ? m : Array.from(m);
        for (const userId of [undefined, "alice@example.cn"]) {
          for (const der of [false, true]) {
            const ours = sm2Sign(m, key, { userId, der });
            assert.equal(smCrypto.sm2.doVerifySignature(input, ours, key.publicKey, { hash: true, der, userId }), true);
            const theirs = smCrypto.sm2.doSignature(input, key.privateKey, { hash: true, der, userId });
            assert.equal(sm2Verify(m, theirs, key.publicKey, { userId, der }), true);
          }
        }
      }
    }
  });

  test("ours ↔ OpenSSL (node:crypto): SM2 with the empty user ID, the only one node:crypto can use", () => {
    for (let round = 0; round < 8; round++) {
      const key = generateSm2KeyPair();
      const message = crypto.randomBytes(40);
      const ours = sm2Sign(message, key, { userId: "", der: true });
      assert.equal(crypto.verify("sm3", message, opensslPublicKey(key.publicKey), hex(ours)), true);
      const theirs = crypto.sign("sm3", message, opensslPrivateKey(key.privateKey));
      assert.equal(sm2Verify(message, theirs.toString("hex"), key.publicKey, { userId: "", der: true }), true);
      // …and with the default ID the digest differs, so neither accepts the other's signature.
      assert.equal(sm2Verify(message, theirs.toString("hex"), key.publicKey, { der: true }), false);
    }
  });

  test("ours ↔ sm-crypto: encryption both ways (C1C3C2; sm-crypto omits the 04 of C1)", () => {
    for (let round = 0; round < 3; round++) {
      const key = generateSm2KeyPair();
      for (const length of [1, 31, 32, 33, 100, 1024]) {
        const m = crypto.randomBytes(length);
        const ours = sm2Encrypt(m, key.publicKey);
        assert.equal(ours.length, 65 + 32 + length);
        const back = smCrypto.sm2.doDecrypt(ours.subarray(1).toString("hex"), key.privateKey, 1, { output: "array" });
        assert.deepEqual(Buffer.from(back), m);
        const theirs = smCrypto.sm2.doEncrypt(Array.from(m), key.publicKey, 1);
        assert.deepEqual(sm2Decrypt(hex(`04${theirs}`), key.privateKey), m);
      }
    }
  });

  test("anything else is refused: another key, message, ID, altered r or s, r/s out of range, bad encodings", () => {
    const key = generateSm2KeyPair();
    const other = generateSm2KeyPair();
    const sig = sm2Sign("m", key);
    assert.equal(sm2Verify("m", sig, key.publicKey), true);
    assert.equal(sm2Verify("m", sig, other.publicKey), false, "another key");
    assert.equal(sm2Verify("n", sig, key.publicKey), false, "another message");
    assert.equal(sm2Verify("m", sig, key.publicKey, { userId: "x" }), false, "another user ID");
    assert.equal(sm2Verify("m", sig, key.publicKey, { userId: SM2_DEFAULT_USER_ID }), true);
    for (const at of [0, 63, 64, 127]) {
      const altered =
        sig.slice(0, at) + ((Number.parseInt(sig[at] ?? "0", 16) + 1) % 16).toString(16) + sig.slice(at + 1);
      assert.equal(sm2Verify("m", altered, key.publicKey), false, `digit ${at} altered`);
    }
    const r = sig.slice(0, 64);
    const s = sig.slice(64);
    const n = N.toString(16);
    assert.equal(sm2Verify("m", "0".repeat(64) + s, key.publicKey), false, "r = 0");
    assert.equal(sm2Verify("m", r + "0".repeat(64), key.publicKey), false, "s = 0");
    assert.equal(sm2Verify("m", n + s, key.publicKey), false, "r = n");
    assert.equal(sm2Verify("m", r + n, key.publicKey), false, "s = n");
    assert.equal(sm2Verify("m", sig.slice(2), key.publicKey), false, "too short");
    assert.equal(sm2Verify("m", `${sig}00`, key.publicKey), false, "too long");
    assert.equal(sm2Verify("m", "zz".repeat(64), key.publicKey), false, "not hex");
    assert.equal(sm2Verify("m", sig, `04${"00".repeat(64)}`), false, "public key off the curve");
    assert.equal(sm2Verify("m", sig, `02${key.publicKey.slice(2, 66)}`), false, "compressed keys are not accepted");
    assert.equal(sm2Verify("m", sig, key.publicKey, { der: true }), false, "raw given as DER");
    const der = sm2Sign("m", key, { der: true });
    assert.equal(sm2Verify("m", der, key.publicKey, { der: true }), true);
    assert.equal(sm2Verify("m", `${der}00`, key.publicKey, { der: true }), false, "trailing byte");
    // The same r and s with a needless leading zero in r: not the canonical DER, so refused (as
    // sm-crypto does); the helper's canonical spelling of the same numbers verifies.
    assert.equal(sm2Verify("m", derOf(integerBody(r), integerBody(s)), key.publicKey, { der: true }), true);
    const nonCanonical = derOf(`00${integerBody(r)}`, integerBody(s));
    assert.equal(sm2Verify("m", nonCanonical, key.publicKey, { der: true }), false, "non-canonical integer");
  });

  test("SM2 decryption refuses altered ciphertexts, another key, and a C1 off the curve", () => {
    const key = generateSm2KeyPair();
    const ciphertext = sm2Encrypt("secret", key.publicKey);
    for (const at of [10, 70, ciphertext.length - 1]) {
      const altered = Buffer.from(ciphertext);
      altered[at] = (altered[at] ?? 0) ^ 1;
      assert.throws(() => sm2Decrypt(altered, key.privateKey), IntegrityError, `byte ${at}`);
    }
    assert.throws(() => sm2Decrypt(ciphertext, generateSm2KeyPair().privateKey), IntegrityError, "another key");
    assert.throws(() => sm2Decrypt(ciphertext.subarray(0, 97), key.privateKey), IntegrityError, "no C2");
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1), ciphertext.subarray(65)]);
    assert.throws(() => sm2Decrypt(offCurve, key.privateKey), /C1 is not a point on the curve/);
    assert.throws(() => sm2Encrypt("", key.publicKey), RangeError, "nothing to encrypt");
    assert.throws(() => sm2Sign("m", { privateKey: (N - 1n).toString(16), publicKey: key.publicKey }), RangeError);
  });
});

/** The canonical DER body of a positive integer given as hex: no leading zero bytes, 00 before a set top bit. */
function integerBody(v: string): string {
  const trimmed = v.replace(/^(00)+/, "");
  return (Number.parseInt(trimmed.slice(0, 2), 16) & 0x80 ? "00" : "") + trimmed;
}

/** SEQUENCE { INTEGER, INTEGER } around two integer bodies, taken as they are. */
function derOf(rBody: string, sBody: string): string {
  const tlv = (body: string) => `02${(body.length / 2).toString(16).padStart(2, "0")}${body}`;
  const body = tlv(rBody) + tlv(sBody);
  return `30${(body.length / 2).toString(16).padStart(2, "0")}${body}`;
}
