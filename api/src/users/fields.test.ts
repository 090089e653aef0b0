import assert from "node:assert/strict";
import { test } from "node:test";
import { checkPersonal, nameKeys, normaliseEmail, normalisePhone, pinyinQuery } from "./fields";

test("mainland mobile numbers: the spellings people type, and what is refused", () => {
  for (const input of [
    "13812345678",
    "+8613812345678",
    "+86 138 1234 5678",
    "0086-138-1234-5678",
    "8613812345678",
    " 138-1234-5678 ",
  ]) {
    assert.equal(normalisePhone(input), "13812345678", input);
  }
  for (const input of [
    "12812345678",
    "1381234567",
    "138123456789",
    "+85213812345678",
    "abc",
    "",
    "1381234567x",
    "+1 13812345678",
  ]) {
    assert.equal(normalisePhone(input), null, input);
  }
  assert.equal(normalisePhone("19912345678"), "19912345678");
});

test("e-mail: lower-cased for the blind index, plain shapes only", () => {
  assert.equal(normaliseEmail(" Zhang.San@Example.CN "), "zhang.san@example.cn");
  for (const bad of [
    "no-at",
    "a@b",
    "a@@b.cn",
    "a b@c.cn",
    "@c.cn",
    "a@-c.cn",
    `${"a".repeat(65)}@c.cn`,
    `a@${"b".repeat(250)}.cn`,
  ]) {
    assert.equal(normaliseEmail(bad), null, bad);
  }
});

test("checkPersonal: null and empty clear a field; bad values give bilingual errors on their path", () => {
  assert.deepEqual(checkPersonal({ phone: null, email: "" }, "body."), {
    value: { phone: null, email: null },
    errors: [],
  });
  assert.deepEqual(checkPersonal({}, "body."), { value: {}, errors: [] });
  const { errors } = checkPersonal({ phone: "123", email: "x" }, "body.");
  assert.deepEqual(
    errors.map((e) => e.path),
    ["body.phone", "body.email"],
  );
  assert.ok(errors.every((e) => /[\u4e00-\u9fff]/.test(e.zh)));
});

test("name keys: full pinyin and initials, surnames read as surnames, Latin names by word", () => {
  assert.deepEqual(nameKeys("张三丰"), { pinyin: "zhangsanfeng", initials: "zsf" });
  assert.deepEqual(nameKeys("单田芳"), { pinyin: "shantianfang", initials: "stf" }, "单 as a surname is shan");
  assert.deepEqual(nameKeys("欧阳娜娜"), { pinyin: "ouyangnana", initials: "oynn" });
  assert.deepEqual(nameKeys("Alice Wang"), { pinyin: "alicewang", initials: "aw" });
  assert.deepEqual(nameKeys("吕布"), { pinyin: "lvbu", initials: "lb" }, "ü as v, as pinyin keyboards type it");
  assert.equal(pinyinQuery(" Zhang San "), "zhangsan");
});
