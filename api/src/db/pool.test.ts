import assert from "node:assert/strict";
import fs from "node:fs/promises";
import net from "node:net";
import { test } from "node:test";
import { isConnectionError } from "./pool";

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail("expected an error"),
    (e: unknown) => e,
  );

test("a missing unix socket is the database being unreachable", async () => {
  const err = await new Promise<unknown>((resolve) => {
    net.connect("/nonexistent/tianshu/.s.PGSQL.5432").on("error", resolve);
  });
  assert.equal(isConnectionError(err), true);
});

test("a missing file is not a database outage (the console's index.html during a rebuild)", async () => {
  const err = await errorOf(fs.stat("/nonexistent/tianshu/index.html"));
  assert.equal((err as { code?: string }).code, "ENOENT");
  assert.equal(isConnectionError(err), false);
});

test("query errors are not connection errors; PostgreSQL shutdown codes are", () => {
  assert.equal(isConnectionError(Object.assign(new Error("syntax error"), { code: "42601" })), false);
  assert.equal(isConnectionError(Object.assign(new Error("terminating"), { code: "57P01" })), true);
  assert.equal(isConnectionError("not an error"), false);
});
