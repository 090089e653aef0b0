import assert from "node:assert/strict";
import { test } from "node:test";
import { SEALED_TABLES } from "./rotation";
import { SEALED_COLUMNS } from "./sealed-columns";

// Destroying a data key and the re-wrap's check for v1./v2. values look at SEALED_COLUMNS; the
// rotation re-encrypts SEALED_TABLES. A table added to one list and not the other fails here.
test("the sealed columns cover exactly the tables a key rotation re-encrypts", () => {
  assert.deepEqual([...new Set(SEALED_COLUMNS.map((c) => c.table))].sort(), SEALED_TABLES.map((t) => t.name).sort());
});
