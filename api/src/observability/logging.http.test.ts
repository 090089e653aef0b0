import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { INIT_PASSWORDS, startTestApp, type TestApp } from "../../../test/support/app";

let app: TestApp;
let lines = "";
before(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines += chunk;
      done();
    },
  });
  app = await startTestApp({}, { logger: pino({ level: "info" }, sink) });
});
after(() => app?.close());

test("request logs carry id, method, path and status, and never passwords, cookies or query strings", async () => {
  const login = await app.http
    .post("/api/v1/auth/login?tenant-hint=secret-query")
    .set("user-agent", "agent-with-personal-data")
    .send({ username: "sysadmin", password: INIT_PASSWORDS.sysadmin });
  const token = String(login.headers["set-cookie"]).split(";")[0]?.split("=")[1] ?? "";
  assert.ok(token.length > 20);
  await app.http.get("/api/v1/auth/me").set("cookie", `tianshu_sid=${token}`);
  await new Promise((r) => setImmediate(r));
  const entries = lines
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { req?: { id: string; method: string; path: string }; res?: { statusCode: number } });
  const me = entries.find((e) => e.req?.path === "/api/v1/auth/me");
  assert.equal(me?.res?.statusCode, 200);
  assert.ok(me?.req?.id, "request id logged");
  for (const secret of [INIT_PASSWORDS.sysadmin, token, "secret-query", "agent-with-personal-data", "127.0.0.1"]) {
    assert.ok(!lines.includes(secret), `log must not contain ${secret}`);
  }
});
