import assert from "node:assert/strict";
import { test } from "node:test";
import { assertVersion, parseIfMatch, requireIfMatch } from "./concurrency";
import { Conflict, Invalid, PreconditionRequired } from "./errors";

test("If-Match: strong, weak and bare versions; absent is undefined; garbage is 400", () => {
  assert.equal(parseIfMatch('"3"'), 3);
  assert.equal(parseIfMatch('W/"12"'), 12);
  assert.equal(parseIfMatch("7"), 7);
  assert.equal(parseIfMatch(undefined), undefined);
  assert.equal(parseIfMatch("  "), undefined);
  assert.throws(() => parseIfMatch('"3", "4"'), Invalid);
  assert.throws(() => parseIfMatch("*"), Invalid);
});

test("a required If-Match that is missing is 428; a stale version is 409", () => {
  assert.throws(() => requireIfMatch(undefined), PreconditionRequired);
  assert.equal(requireIfMatch('"5"'), 5);
  assert.throws(() => assertVersion("department", 6, 5), Conflict);
  assert.doesNotThrow(() => assertVersion("department", 5, 5));
  assert.doesNotThrow(() => assertVersion("department", 5, undefined));
});
