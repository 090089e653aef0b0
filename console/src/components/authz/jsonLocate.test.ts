import assert from "node:assert/strict";
import { test } from "node:test";
import { locateJsonPath } from "./jsonLocate";

const doc = `{
  "rules": [
    {
      "effect": "allow",
      "actions": ["read", "download"],
      "conditions": [{ "attribute": "environment.ip", "operator": "inCidr", "value": ["10.0.0.0/8", "bad"] }]
    }
  ]
}`;

test("a key's path points at the key, an array item's at the item", () => {
  assert.deepEqual(locateJsonPath(doc, ["rules", 0, "effect"]), {
    offset: doc.indexOf('"effect"'),
    line: 4,
    column: 7,
  });
  const item = locateJsonPath(doc, ["rules", 0, "actions", 1]);
  assert.equal(item?.offset, doc.indexOf('"download"'));
  const cidr = locateJsonPath(doc, ["rules", 0, "conditions", 0, "value", 1]);
  assert.equal(cidr?.offset, doc.indexOf('"bad"'));
  assert.equal(cidr?.line, 6);
});

test("the root and a path that does not exist", () => {
  assert.equal(locateJsonPath(doc, [])?.offset, 0);
  assert.equal(locateJsonPath(doc, ["rules", 3]), undefined);
  assert.equal(locateJsonPath(doc, ["nope"]), undefined);
});

test("text with a syntax error still locates what comes before it", () => {
  const broken = '{ "rules": [ { "effect": "allow", } ] }';
  assert.equal(locateJsonPath(broken, ["rules", 0, "effect"])?.offset, broken.indexOf('"effect"'));
  assert.equal(locateJsonPath("", ["rules"]), undefined);
});

test("escaped quotes inside strings do not end them", () => {
  const text = '{"a": "x\\"y", "b": 1}';
  assert.equal(locateJsonPath(text, ["b"])?.offset, text.indexOf('"b"'));
});
