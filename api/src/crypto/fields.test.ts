import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";
import { dataKeyRing } from "./data-keys";
import { createFieldCipher, maskEmail, maskPhone } from "./fields";
import { CryptoProfileMismatchError, gmProfile, intlProfile, SEAL_TAGS } from "./profile";
import { IntegrityError } from "./sm";

const kek = crypto.randomBytes(32);

test("sealed fields round-trip and are bound to their place", () => {
  const c = createFieldCipher(kek);
  const sealed = c.seal("13812341234", "users.phone:u1");
  assert.match(sealed, /^v2\./);
  assert.notEqual(sealed, c.seal("13812341234", "users.phone:u1"), "a fresh IV each time");
  assert.equal(c.open(sealed, "users.phone:u1"), "13812341234");
  assert.throws(() => c.open(sealed, "users.phone:u2"), IntegrityError, "moved to another row");
  const bytes = Buffer.from(sealed.slice(3), "base64url");
  assert.equal(bytes[0], SEAL_TAGS.gm, "the gm algorithm tag");
  bytes[20] = (bytes[20] ?? 0) ^ 1;
  assert.throws(() => c.open(`v2.${bytes.toString("base64url")}`, "users.phone:u1"), IntegrityError, "altered");
  assert.throws(() => createFieldCipher(crypto.randomBytes(32)).open(sealed, "users.phone:u1"), IntegrityError);
  assert.throws(() => c.open(`v9.${sealed.slice(3)}`, "users.phone:u1"), IntegrityError, "unknown format");
});

/**
 * Written by the field cipher as it was before the crypto profile existed ("v1.", untagged
 * SM4-CTR + HMAC-SM3), with this KEK: data already stored must keep opening, and the blind index
 * must not change, or every exact search on existing rows would miss.
 */
const LEGACY_KEK = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
const LEGACY = {
  phone: "v1.s53hUgB_CC5tHZ1lmlZhP2338wYpTDzgNMVn7_DEwpiHJLXRaK_FfT-gt7PYSsFe0_GgYtzcUl0b2e8",
  email: "v1.1ljCO5TEqAsY5-ZvUsEp0sxOiQRny5rlerbMXpvFJqwh9SbpwmS13rrRalz19Q_LAeqym5-QY00AGZqBiR4uPpeGbw8",
  phoneIndex: "cojTdcnh5W9tdKgRChb0ZZeWepDdok5mdG490j2xYoc",
  place: (column: string) => `users.${column}:00000000-0000-0000-0000-000000000001`,
};

test("values sealed before the profile switch still open under gm; the blind index is unchanged", () => {
  const c = createFieldCipher(LEGACY_KEK);
  assert.equal(c.open(LEGACY.phone, LEGACY.place("phone")), "13812341234");
  assert.equal(c.open(LEGACY.email, LEGACY.place("email")), "zhang.san@example.cn");
  assert.equal(c.blindIndex("phone", "13812341234"), LEGACY.phoneIndex);
  assert.throws(() => c.open(LEGACY.phone, LEGACY.place("email")), IntegrityError, "still bound to its place");
  const bytes = Buffer.from(LEGACY.phone.slice(3), "base64url");
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  assert.throws(() => c.open(`v1.${bytes.toString("base64url")}`, LEGACY.place("phone")), IntegrityError, "altered");
});

test("the intl profile: AES-256-GCM fields and an HMAC-SHA256 index; gm values are refused by name", () => {
  const gm = createFieldCipher(kek);
  const intl = createFieldCipher(kek, intlProfile);
  const sealed = intl.seal("13812341234", "users.phone:u1");
  assert.equal(Buffer.from(sealed.slice(3), "base64url")[0], SEAL_TAGS.intl);
  assert.equal(intl.open(sealed, "users.phone:u1"), "13812341234");
  assert.throws(() => intl.open(sealed, "users.phone:u2"), IntegrityError);
  assert.notEqual(intl.blindIndex("phone", "13812341234"), gm.blindIndex("phone", "13812341234"));
  assert.throws(() => gm.open(sealed, "users.phone:u1"), CryptoProfileMismatchError, "intl value under gm");
  assert.throws(
    () => intl.open(gm.seal("13812341234", "users.phone:u1"), "users.phone:u1"),
    CryptoProfileMismatchError,
    "gm value under intl",
  );
  assert.throws(
    () => createFieldCipher(LEGACY_KEK, intlProfile).open(LEGACY.phone, LEGACY.place("phone")),
    CryptoProfileMismatchError,
    "a legacy (gm) value under intl",
  );
});

test("the blind index is deterministic per key and kind", () => {
  const c = createFieldCipher(kek);
  assert.equal(c.blindIndex("phone", "13812341234"), c.blindIndex("phone", "13812341234"));
  assert.notEqual(c.blindIndex("phone", "13812341234"), c.blindIndex("email", "13812341234"));
  assert.notEqual(
    c.blindIndex("phone", "13812341234"),
    createFieldCipher(crypto.randomBytes(32)).blindIndex("phone", "13812341234"),
  );
});

test("masking", () => {
  assert.equal(maskPhone("13812341234"), "138****1234");
  assert.equal(maskPhone("123"), "**3");
  assert.equal(maskEmail("zhang.san@example.cn"), "z***@example.cn");
});

/** Fixed data keys (no database): version → random key, `active` the one that seals. */
function dataKeys(versions: number[], active: number, profile = gmProfile) {
  return versions.map((version) => ({
    version,
    purpose: "fields" as const,
    state: version === active ? ("active" as const) : ("retiring" as const),
    sealing: profile.sealingKey(crypto.randomBytes(32), "fields"),
  }));
}

test("with data keys: v3.<version>. values, v1/v2 still open, reseal moves values to the active key", () => {
  const keys = dataKeys([1, 2], 1);
  const v1Only = createFieldCipher(kek, gmProfile, dataKeyRing(keys.slice(0, 1)));
  const both = createFieldCipher(
    kek,
    gmProfile,
    dataKeyRing(keys.map((k) => ({ ...k, state: k.version === 2 ? ("active" as const) : ("retiring" as const) }))),
  );
  const old = v1Only.seal("13812341234", "users.phone:u1");
  assert.match(old, /^v3\.1\.[A-Za-z0-9_-]+$/);
  assert.equal(both.open(old, "users.phone:u1"), "13812341234", "the retiring key still opens");
  assert.throws(() => both.open(old, "users.phone:u2"), IntegrityError, "still bound to its place");
  // The version in the prefix picks the key: pointing it at another key fails the integrity check.
  assert.throws(() => both.open(old.replace(/^v3\.1\./, "v3.2."), "users.phone:u1"), IntegrityError);
  assert.throws(() => v1Only.open(both.seal("x", "p"), "p"), /data key version 2, which is not loaded/);

  const moved = both.reseal(old, "users.phone:u1");
  assert.match(moved ?? "", /^v3\.2\./);
  assert.equal(both.open(moved as string, "users.phone:u1"), "13812341234");
  assert.equal(both.reseal(moved as string, "users.phone:u1"), null, "already under the active key");
  // Pre-data-key values open and are resealed too.
  const v2 = createFieldCipher(kek).seal("a@b.cn", "users.email:u1");
  assert.match(both.reseal(v2, "users.email:u1") ?? "", /^v3\.2\./);
  // The blind index does not depend on the data keys.
  assert.equal(both.blindIndex("phone", "1"), createFieldCipher(kek).blindIndex("phone", "1"));
});
