import assert from "node:assert/strict";
import { test } from "node:test";
import { pageQuery } from "./paging";

test("a 1-based page becomes _start/_end; a sort and non-empty filters are added", () => {
  assert.equal(pageQuery(3, 20).toString(), "_start=40&_end=60");
  assert.equal(
    pageQuery(1, 50, {
      sort: "name",
      order: "desc",
      filters: { q: "门户", state: "", grade: undefined, app: null, n: 0 },
    }).toString(),
    "_start=0&_end=50&_sort=name&_order=desc&q=%E9%97%A8%E6%88%B7&n=0",
  );
  assert.equal(pageQuery(1, 10, { sort: "at" }).get("_order"), "asc");
});
