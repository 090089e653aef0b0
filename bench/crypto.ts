import crypto from "node:crypto";
import smCrypto from "sm-crypto";
import { createFieldCipher } from "../api/src/crypto/fields";
import { intlProfile } from "../api/src/crypto/profile";
import { deriveKey, lengthPrefixed, sm3 } from "../api/src/crypto/sm";
import { generateSm2KeyPair, sm2Sign, sm2Verify } from "../api/src/crypto/sm2";

/**
 * Entry: 国密 crypto, native (node:crypto / OpenSSL 3) against sm-crypto (pure JavaScript) in the
 * same run, with the intl profile (AES-256-GCM, SHA-256, Ed25519) as a second reference.
 * - field seal/open: what the API does to a phone number (11 digits) and to 1 KiB — the gm field
 *   cipher (SM4-CTR + HMAC-SM3, base64url) against the nearest sm-crypto construction (sm-crypto
 *   has no CTR mode: SM4-CBC/PKCS#7, then its HMAC-SM3 over the same input), and the intl cipher;
 * - SM4 alone (CBC, 1 KiB) to separate the block cipher from the MAC;
 * - SM3 over 64 B and 1 MiB; SM2 sign and verify (user ID 1234567812345678), Ed25519 beside them.
 * Each figure is the operations completed in BENCH_CRYPTO_MS (default 1000) after a warm-up.
 */
const RUN_MS = Number(process.env.BENCH_CRYPTO_MS ?? 1000);

function measure(bytesPerOp: number, fn: () => void): { ops: number; mbs: number } {
  for (let i = 0; i < 3; i++) fn();
  const warm = performance.now() + Math.min(200, RUN_MS / 5);
  while (performance.now() < warm) fn();
  let n = 0;
  const started = performance.now();
  // At least three operations, so the slowest (sm-crypto over 1 MiB) still gives a figure.
  while (performance.now() - started < RUN_MS || n < 3) {
    fn();
    n++;
  }
  const elapsed = performance.now() - started;
  const ops = (n * 1000) / elapsed;
  return { ops, mbs: (ops * bytesPerOp) / 1024 / 1024 };
}

/** The gm field format rebuilt from sm-crypto parts: v2. ‖ base64url(01 ‖ iv ‖ SM4-CBC ‖ HMAC-SM3). */
function smCryptoFieldCipher(kek: Buffer) {
  const encKey = Array.from(deriveKey(kek, "bench:sm4", 16));
  const macKey = Array.from(deriveKey(kek, "bench:mac", 32));
  const header = Buffer.from([0x01]);
  const mac = (place: string, iv: Buffer, body: Buffer) =>
    Buffer.from(
      smCrypto.sm3(Array.from(Buffer.concat([header, lengthPrefixed(place), iv, body])), { key: macKey }),
      "hex",
    );
  return {
    seal(value: string, place: string): string {
      const iv = crypto.randomBytes(16);
      const body = Buffer.from(
        smCrypto.sm4.encrypt(value, encKey, { mode: "cbc", iv: Array.from(iv), output: "array" }),
      );
      return `v2.${Buffer.concat([header, iv, body, mac(place, iv, body)]).toString("base64url")}`;
    },
    open(sealed: string, place: string): string {
      const bytes = Buffer.from(sealed.slice(3), "base64url");
      const iv = bytes.subarray(1, 17);
      const body = bytes.subarray(17, bytes.length - 32);
      if (!crypto.timingSafeEqual(bytes.subarray(bytes.length - 32), mac(place, iv, body))) throw new Error("MAC");
      const clear = smCrypto.sm4.decrypt(Array.from(body), encKey, {
        mode: "cbc",
        iv: Array.from(iv),
        output: "array",
      });
      return Buffer.from(clear).toString("utf8");
    },
  };
}

interface Row {
  name: string;
  native: { ops: number; mbs: number };
  js?: { ops: number; mbs: number };
  intl?: { ops: number; mbs: number };
}

const fmtOps = (r: { ops: number } | undefined) => (r ? Math.round(r.ops).toLocaleString("en-US") : "—");
const fmtMbs = (r: { mbs: number } | undefined) => (r ? r.mbs.toFixed(r.mbs < 10 ? 2 : 1) : "—");

export function benchCrypto(): void {
  console.log(
    "\n## 国密 crypto — native node:crypto (OpenSSL " +
      `${process.versions.openssl}) vs sm-crypto, same run; intl profile as a second reference`,
  );
  const kek = crypto.randomBytes(32);
  const gm = createFieldCipher(kek);
  const intl = createFieldCipher(kek, intlProfile);
  const js = smCryptoFieldCipher(kek);
  const place = "users.phone:00000000-0000-0000-0000-000000000001";
  const rows: Row[] = [];

  for (const [label, value] of [
    ["11-digit phone", "13812341234"],
    ["1 KiB", "x".repeat(1024)],
  ] as const) {
    const sealed = { gm: gm.seal(value, place), js: js.seal(value, place), intl: intl.seal(value, place) };
    // Never time a broken path: each cipher opens what it sealed.
    if (
      gm.open(sealed.gm, place) !== value ||
      js.open(sealed.js, place) !== value ||
      intl.open(sealed.intl, place) !== value
    ) {
      throw new Error("a field cipher does not round-trip");
    }
    const n = value.length;
    rows.push({
      name: `field seal, ${label}`,
      native: measure(n, () => gm.seal(value, place)),
      js: measure(n, () => js.seal(value, place)),
      intl: measure(n, () => intl.seal(value, place)),
    });
    rows.push({
      name: `field open, ${label}`,
      native: measure(n, () => gm.open(sealed.gm, place)),
      js: measure(n, () => js.open(sealed.js, place)),
      intl: measure(n, () => intl.open(sealed.intl, place)),
    });
  }

  const kib = crypto.randomBytes(1024);
  const key16 = crypto.randomBytes(16);
  const iv = crypto.randomBytes(16);
  rows.push({
    name: "SM4-CBC only, 1 KiB (AES-256-CBC)",
    native: measure(1024, () => {
      const c = crypto.createCipheriv("sm4-cbc", key16, iv);
      Buffer.concat([c.update(kib), c.final()]);
    }),
    js: measure(1024, () =>
      smCrypto.sm4.encrypt(Array.from(kib), Array.from(key16), { mode: "cbc", iv: Array.from(iv), output: "array" }),
    ),
    intl: measure(1024, () => {
      const c = crypto.createCipheriv("aes-256-cbc", kek, iv);
      Buffer.concat([c.update(kib), c.final()]);
    }),
  });

  for (const [label, data] of [
    ["64 B", crypto.randomBytes(64)],
    ["1 MiB", crypto.randomBytes(1024 * 1024)],
  ] as const) {
    if (sm3(data).toString("hex") !== smCrypto.sm3(Array.from(data))) throw new Error("SM3 implementations disagree");
    rows.push({
      name: `SM3, ${label} (SHA-256)`,
      native: measure(data.length, () => sm3(data)),
      js: measure(data.length, () => smCrypto.sm3(Array.from(data))),
      intl: measure(data.length, () => intlProfile.hash(data)),
    });
  }

  const pair = generateSm2KeyPair();
  const signer = intlProfile.generateSigningKey();
  const message = crypto.randomBytes(32).toString("hex");
  const ours = sm2Sign(message, pair);
  const theirs = smCrypto.sm2.doSignature(message, pair.privateKey, { hash: true, publicKey: pair.publicKey });
  const ed = intlProfile.sign(message, signer);
  rows.push({
    name: "SM2 sign (Ed25519)",
    native: measure(0, () => sm2Sign(message, pair)),
    js: measure(0, () => smCrypto.sm2.doSignature(message, pair.privateKey, { hash: true, publicKey: pair.publicKey })),
    intl: measure(0, () => intlProfile.sign(message, signer)),
  });
  rows.push({
    name: "SM2 verify (Ed25519)",
    native: measure(0, () => sm2Verify(message, theirs, pair.publicKey)),
    js: measure(0, () => smCrypto.sm2.doVerifySignature(message, ours, pair.publicKey, { hash: true })),
    intl: measure(0, () => intlProfile.verify(message, ed, signer.publicKey)),
  });

  console.log(
    "| operation | native ops/s | native MB/s | sm-crypto ops/s | sm-crypto MB/s | native / sm-crypto | intl ops/s | intl MB/s |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const ratio = r.js ? `${(r.native.ops / r.js.ops).toFixed(1)}×` : "—";
    const mbs = (x: { mbs: number } | undefined) => (x && x.mbs > 0 ? fmtMbs(x) : "—");
    console.log(
      `| ${r.name} | ${fmtOps(r.native)} | ${mbs(r.native)} | ${fmtOps(r.js)} | ${mbs(r.js)} | ${ratio} | ${fmtOps(r.intl)} | ${mbs(r.intl)} |`,
    );
  }
  console.log(
    "native = Tianshu's gm path (node:crypto; SM2 from api/src/crypto/sm2.ts on OpenSSL scalar multiplication); " +
      "sm-crypto = the same operation in sm-crypto; intl = the intl profile's algorithm named in brackets",
  );
}

if (import.meta.url === `file://${process.argv[1]}`) benchCrypto();
