import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";
import { createFieldCipher, maskEmail, maskPhone } from "./fields";
import { IntegrityError, sm3 } from "./sm";

const kek = crypto.randomBytes(32);

test("SM3 matches the GB/T 32905 example (abc)", () => {
  assert.equal(sm3("abc").toString("hex"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
});

test("sealed fields round-trip and are bound to their place", () => {
  const c = createFieldCipher(kek);
  const sealed = c.seal("13812341234", "users.phone:u1");
  assert.notEqual(sealed, c.seal("13812341234", "users.phone:u1"), "a fresh IV each time");
  assert.equal(c.open(sealed, "users.phone:u1"), "13812341234");
  assert.throws(() => c.open(sealed, "users.phone:u2"), IntegrityError, "moved to another row");
  const bytes = Buffer.from(sealed.slice(3), "base64url");
  bytes[20] = (bytes[20] ?? 0) ^ 1;
  assert.throws(() => c.open(`v1.${bytes.toString("base64url")}`, "users.phone:u1"), IntegrityError, "altered");
  assert.throws(() => createFieldCipher(crypto.randomBytes(32)).open(sealed, "users.phone:u1"), IntegrityError);
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
