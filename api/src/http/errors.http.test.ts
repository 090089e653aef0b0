import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { auditCount, INIT_PASSWORDS, startTestApp, type TestApp } from "../../../test/support/app";

let app: TestApp;
before(async () => {
  app = await startTestApp({ TIANSHU_BODY_LIMIT_KB: "4" });
});
after(() => app?.close());

/** Every bad request must be a 4xx problem+json with both languages, and write nothing. */
async function expectProblem(
  res: { status: number; headers: Record<string, string>; body: Record<string, unknown> },
  status: number,
  code: string,
) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers["content-type"] ?? "", /^application\/problem\+json/);
  assert.equal(res.body.code, code);
  assert.equal(res.body.status, status);
  for (const key of ["type", "title", "detail", "zh"]) assert.equal(typeof res.body[key], "string", key);
  assert.match(String(res.body.zh), /[\u4e00-\u9fff]/, "zh carries a Chinese message");
}

test("bad input to login answers 4xx problem+json and writes nothing", async () => {
  const audits = await auditCount(app);
  const sessions = async () => (await app.database.db.selectFrom("sessions").select("id").execute()).length;
  const before = await sessions();
  const post = () => app.http.post("/api/v1/auth/login");
  await expectProblem(
    await post().set("content-type", "application/json").send('{"username": '),
    400,
    "MALFORMED_JSON",
  );
  await expectProblem(
    await post().send({ username: "sysadmin", password: INIT_PASSWORDS.sysadmin, admin: true }),
    400,
    "VALIDATION_FAILED",
  );
  await expectProblem(await post().send({ username: 42, password: ["x"] }), 400, "VALIDATION_FAILED");
  await expectProblem(await post().send({}), 400, "VALIDATION_FAILED");
  await expectProblem(await post().send({ username: "a".repeat(65), password: "x" }), 400, "VALIDATION_FAILED");
  await expectProblem(
    await post().set("content-type", "text/plain").send(`username=sysadmin&password=${INIT_PASSWORDS.sysadmin}`),
    415,
    "NOT_JSON",
  );
  await expectProblem(
    await post().send({ username: "sysadmin", password: INIT_PASSWORDS.sysadmin, pad: "x".repeat(8_000) }),
    413,
    "BODY_TOO_LARGE",
  );
  assert.equal(await sessions(), before, "no session was created");
  assert.equal(await auditCount(app), audits, "nothing was written to the audit log");
});

test("validation errors name the field in both languages", async () => {
  const res = await app.http.post("/api/v1/auth/login").send({ username: "sysadmin", password: "x", role: "secadmin" });
  assert.equal(res.status, 400);
  assert.deepEqual(res.body.errors, [{ path: "body", message: 'Unrecognized key: "role"', zh: "不允许的字段：role" }]);
});

test("unknown API routes are 404 problem+json, not the console page", async () => {
  await expectProblem(await app.http.get("/api/v1/nothing-here"), 404, "ROUTE_NOT_FOUND");
  await expectProblem(await app.http.delete("/api/v1/auth/me"), 404, "ROUTE_NOT_FOUND");
});

test("bad list parameters are refused, and the page size is capped at 200", async () => {
  const agent = await app.signIn("auditadmin");
  await expectProblem(await agent.get("/api/v1/audit/events?_start=-1"), 400, "VALIDATION_FAILED");
  await expectProblem(await agent.get("/api/v1/audit/events?_start=10&_end=5"), 400, "VALIDATION_FAILED");
  await expectProblem(await agent.get("/api/v1/audit/events?_sort=password_hash"), 400, "VALIDATION_FAILED");
  await expectProblem(await agent.get("/api/v1/audit/events?_sort=seq;drop table users"), 400, "VALIDATION_FAILED");
  await expectProblem(await agent.get("/api/v1/audit/events?_start=abc"), 400, "VALIDATION_FAILED");
  await expectProblem(await agent.get("/api/v1/audit/events?unknown=1"), 400, "VALIDATION_FAILED");
  // 250 events so a request for 1,000 rows can prove the cap.
  await app.database.db
    .insertInto("audit_events")
    .values(
      Array.from({ length: 250 }, (_, i) => ({
        action: `test.fill.${i}`,
        result: "success" as const,
        detail: "{}",
        tenant_id: app.platformTenantId,
      })),
    )
    .execute();
  const res = await agent.get("/api/v1/audit/events?_start=0&_end=1000");
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 200);
  assert.ok(Number(res.headers["x-total-count"]) >= 250);
});

test("responses carry security headers and a request id; a well-formed incoming id is kept", async () => {
  const res = await app.http.get("/healthz").set("x-request-id", "lb-req-12345678");
  assert.equal(res.headers["x-request-id"], "lb-req-12345678");
  assert.equal(res.headers["x-content-type-options"], "nosniff");
  assert.ok(res.headers["content-security-policy"]);
  assert.equal(res.headers["x-powered-by"], undefined);
  const odd = await app.http.get("/healthz").set("x-request-id", "bad id with spaces");
  assert.match(odd.headers["x-request-id"] ?? "", /^[0-9a-f-]{36}$/);
});
