import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compareJsonValue, evaluateJsonPath, parseJsonPath } from "./json-path";

const segments = (path: string) => {
  const parsed = parseJsonPath(path);
  if ("error" in parsed) throw new Error(parsed.error);
  return parsed.segments;
};

describe("json path", () => {
  test("dotted, bracketed, quoted and $-prefixed paths parse to the same segments", () => {
    assert.deepEqual(segments("a.b[0].c"), ["a", "b", 0, "c"]);
    assert.deepEqual(segments("$.a.b[0].c"), ["a", "b", 0, "c"]);
    assert.deepEqual(segments('$["key.with.dots"][2]'), ["key.with.dots", 2]);
    assert.deepEqual(segments("items[1]['x']"), ["items", 1, "x"]);
    assert.deepEqual(segments("$"), []);
  });

  test("malformed paths are refused with a reason", () => {
    for (const bad of ["a..b", "a.", ".a.", "a[x]", "a[0", "a[0]b", "a[-1]"]) {
      assert.ok("error" in parseJsonPath(bad), bad);
    }
  });

  test("evaluation finds values and reports missing steps, never prototype keys", () => {
    const doc = { a: { b: [{ c: 7 }, null] }, n: 0 };
    assert.deepEqual(evaluateJsonPath(doc, segments("a.b[0].c")), { found: true, value: 7 });
    assert.deepEqual(evaluateJsonPath(doc, segments("a.b[1]")), { found: true, value: null });
    assert.deepEqual(evaluateJsonPath(doc, segments("n")), { found: true, value: 0 });
    assert.equal(evaluateJsonPath(doc, segments("a.b[2]")).found, false);
    assert.equal(evaluateJsonPath(doc, segments("a.x.y")).found, false);
    assert.equal(evaluateJsonPath(doc, segments("a.b.c")).found, false);
    assert.equal(evaluateJsonPath(doc, segments("a.constructor")).found, false);
    assert.equal(evaluateJsonPath(doc, segments("__proto__")).found, false);
  });

  test("operators: text-tolerant equality, numeric ordering, contains on strings and arrays", () => {
    assert.ok(compareJsonValue("200", "==", 200));
    assert.ok(compareJsonValue(true, "==", "true"));
    assert.ok(!compareJsonValue(null, "==", "null"));
    assert.ok(compareJsonValue(null, "==", null));
    assert.ok(compareJsonValue({ a: 1 }, "!=", "x"));
    assert.ok(compareJsonValue(5, ">", 4) && compareJsonValue("5", ">=", 5) && compareJsonValue(3, "<", "3.5"));
    assert.ok(!compareJsonValue("abc", "<", 4), "non-numeric never orders");
    assert.ok(!compareJsonValue("", "<", 4), "empty string is not zero");
    assert.ok(!compareJsonValue(null, "<", 4), "null is not zero");
    assert.ok(!compareJsonValue(true, ">", 0), "booleans do not order");
    assert.ok(compareJsonValue("all systems go", "contains", "systems"));
    assert.ok(compareJsonValue([1, "2", 3], "contains", 2));
    assert.ok(!compareJsonValue({ systems: 1 }, "contains", "systems"));
  });
});
