import assert from "node:assert/strict";
import { test } from "node:test";
import { likeContains, likePrefix } from "./like";

test("a user's wildcards and backslash match literally", () => {
  assert.equal(likePrefix("a%b_c\\"), "a\\%b\\_c\\\\%");
  assert.equal(likeContains("a%b_c\\"), "%a\\%b\\_c\\\\%");
  assert.equal(likeContains("50%"), "%50\\%%");
  assert.equal(likeContains("监控"), "%监控%");
});
