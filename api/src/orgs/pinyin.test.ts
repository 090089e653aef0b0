import assert from "node:assert/strict";
import { test } from "node:test";
import { containsPattern, nameSearchKeys } from "./pinyin";

test("Chinese names give toneless pinyin and initials, lower case without spaces", () => {
  assert.deepEqual(nameSearchKeys("财务处"), { pinyin: "caiwuchu", initials: "cwc" });
  assert.deepEqual(nameSearchKeys("IT 部"), { pinyin: "itbu", initials: "itb" });
});

test("LIKE wildcards in a query are literal", () => {
  assert.equal(containsPattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
});
