import assert from "node:assert/strict";
import { test } from "node:test";
import { createMongoAbility } from "@casl/ability";
import type { AppAbility } from "./ability";
import { scopedAdminRules } from "./scoped";

const dept = (path: string[]) => ({ __caslSubjectType__: "OrgUnit" as const, path });
const user = (departmentPaths: string[]) => ({ __caslSubjectType__: "User" as const, departmentPaths });

test("a view-only scoped admin reads inside its subtree and nothing outside", () => {
  const a = createMongoAbility<AppAbility>(
    scopedAdminRules([{ id: "g", dimensionId: "dim", departmentId: "B", actions: ["view"] }]),
  );
  assert.equal(a.can("read", dept(["A", "B", "C"])), true);
  assert.equal(a.can("read", dept(["A"])), false, "the parent is outside");
  assert.equal(a.can("read", dept(["A", "X"])), false, "a sibling is outside");
  assert.equal(a.can("read", user(["A", "B"])), true);
  assert.equal(a.can("read", user(["A", "X"])), false);
  assert.equal(a.can("update", user(["A", "B"])), false);
  assert.equal(a.can("create", dept(["A", "B", "N"])), false);
  assert.equal(a.can("create", "Grant"), false);
});

test("manage actions stay inside the subtree; delegation only below the root", () => {
  const a = createMongoAbility<AppAbility>(
    scopedAdminRules([
      { id: "g", dimensionId: "dim", departmentId: "B", actions: ["users.manage", "departments.manage", "delegate"] },
    ]),
  );
  assert.equal(a.can("update", user(["A", "B", "C"])), true);
  assert.equal(a.can("delete", user(["A", "Y"])), false);
  assert.equal(a.can("create", dept(["A", "B", "N"])), true);
  assert.equal(a.can("update", dept(["A"])), false);
  assert.equal(a.can("create", { __caslSubjectType__: "Grant", path: ["A", "B", "C"] } as never), true);
  assert.equal(a.can("create", { __caslSubjectType__: "Grant", path: ["A"] } as never), false);
  assert.equal(a.can("read", "Dimension"), true);
  assert.equal(a.can("read", "Policy"), false);
});

test("no grants, no rules", () => {
  assert.deepEqual(scopedAdminRules([]), []);
});
