import assert from "node:assert/strict";
import { test } from "node:test";
import { readCookie } from "./cookies";
import { listQuery, MAX_PAGE_SIZE, pageOf } from "./list";

const Q = listQuery(["seq", "name"] as const, "seq");

test("list query: defaults, cap at 200, lower-case order", () => {
  assert.deepEqual(pageOf(Q.parse({})), { offset: 0, limit: 20, sort: "seq", order: "desc" });
  assert.deepEqual(pageOf(Q.parse({ _start: "40", _end: "60", _sort: "name", _order: "ASC" })), {
    offset: 40,
    limit: 20,
    sort: "name",
    order: "asc",
  });
  assert.equal(pageOf(Q.parse({ _start: "0", _end: "100000" })).limit, MAX_PAGE_SIZE);
});

test("list query: refuses bad offsets, unknown sort fields and unknown parameters", () => {
  for (const bad of [
    { _start: "-1" },
    { _start: "5", _end: "5" },
    { _sort: "password" },
    { _order: "up" },
    { x: "1" },
  ]) {
    assert.equal(Q.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

test("cookie reader finds the named cookie only", () => {
  assert.equal(readCookie("a=1; tianshu_sid=abc; b=2", "tianshu_sid"), "abc");
  assert.equal(readCookie("xtianshu_sid=abc", "tianshu_sid"), undefined);
  assert.equal(readCookie(undefined, "tianshu_sid"), undefined);
});
