import assert from "node:assert/strict";
import { test } from "node:test";
import { consolePath } from "./messagesApi";

test("a message link is followed only when it is a path of the console", () => {
  assert.equal(consolePath("/system/incidents?id=1"), "/system/incidents?id=1");
  assert.equal(consolePath("//evil.example/x"), null);
  assert.equal(consolePath("/\\evil.example"), null);
  assert.equal(consolePath("https://evil.example/"), null);
  assert.equal(consolePath("javascript:alert(1)"), null);
  assert.equal(consolePath(null), null);
  assert.equal(consolePath(""), null);
});
