import assert from "node:assert/strict";
import { test } from "node:test";
import { nameSearchKeys } from "./pinyin";

test("Chinese names give toneless pinyin and initials, lower case without spaces", () => {
  assert.deepEqual(nameSearchKeys("财务处"), { pinyin: "caiwuchu", initials: "cwc" });
  assert.deepEqual(nameSearchKeys("IT 部"), { pinyin: "itbu", initials: "itb" });
});
