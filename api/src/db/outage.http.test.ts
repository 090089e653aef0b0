import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app";

let app: TestApp;
before(async () => {
  app = await startTestApp({}, { proxy: true });
});
after(() => app?.close());

test("database lost while running: readyz 503, requests fail fast with 503; both recover when it returns", async () => {
  const agent = await app.signIn("auditadmin");
  assert.equal((await agent.get("/api/v1/audit/events")).status, 200);
  const proxy = app.database.proxy;
  assert.ok(proxy);

  proxy.cut();
  const ready = await app.http.get("/readyz");
  assert.equal(ready.status, 503);
  assert.equal(ready.body.code, "DATABASE_UNAVAILABLE");
  assert.equal((await app.http.get("/healthz")).status, 200, "liveness does not depend on the database");
  const started = Date.now();
  const res = await agent.get("/api/v1/audit/events");
  const elapsed = Date.now() - started;
  assert.equal(res.status, 503);
  assert.equal(res.body.code, "DATABASE_UNAVAILABLE");
  assert.match(res.headers["content-type"] ?? "", /problem\+json/);
  assert.ok(!JSON.stringify(res.body).includes("ECONNREFUSED"), "no driver internals leak to the client");
  assert.ok(elapsed < 5_000, `failed fast (${elapsed} ms)`);
  const login = await app.http.post("/api/v1/auth/login").send({ username: "sysadmin", password: "whatever-whatever" });
  assert.equal(login.status, 503);

  proxy.restore();
  let recovered = 0;
  for (let i = 0; i < 50 && recovered !== 200; i++) {
    recovered = (await app.http.get("/readyz")).status;
    if (recovered !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(recovered, 200);
  assert.equal((await agent.get("/api/v1/audit/events")).status, 200, "the same session works again");
});
