import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { fieldErrors } from "./zod-messages";

const schema = z.object({ name: z.string(), size: z.number() });

test("a missing field and a field of the wrong type get different Chinese messages", () => {
  const parsed = schema.safeParse({ size: "big" });
  assert.ok(!parsed.success);
  const byPath = Object.fromEntries(fieldErrors(parsed.error, "body").map((e) => [e.path, e.zh]));
  assert.equal(byPath["body.name"], "必填字段缺失");
  assert.equal(byPath["body.size"], "类型错误，应为 number");
});

test("null is a wrong type, not a missing field, with or without reportInput", () => {
  for (const options of [undefined, { reportInput: true }]) {
    const parsed = schema.safeParse({ name: null, size: 1 }, options);
    assert.ok(!parsed.success);
    assert.deepEqual(
      fieldErrors(parsed.error, "body").map((e) => e.zh),
      ["类型错误，应为 string"],
    );
  }
});
