import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestApp, type TestApp } from "../../../test/support/app";
import { apiClientScopeOf } from "./route";

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app?.close());

test("every route declares its access: public, authenticated (self-service) or an ability", () => {
  assert.ok(app.routes.routes.length >= 8);
  for (const r of app.routes.routes) {
    const kinds = ["public", "authenticated", "ability", "apiClient"].filter((k) => k in r.access);
    assert.equal(kinds.length, 1, `${r.method} ${r.path} declares ${kinds.join("+") || "nothing"}`);
  }
  const publicRoutes = app.routes.routes.filter((r) => "public" in r.access).map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(publicRoutes.sort(), [
    "get /api/openapi.json",
    // Push heartbeats: token-checked by the route itself (monitors/push-routes.ts).
    "get /api/v1/push/:monitorId",
    "get /healthz",
    "get /metrics",
    "get /readyz",
    "post /api/v1/auth/login",
    "post /api/v1/push/:monitorId",
  ]);
});

test("API clients reach only the decision point, the org change feed, watermarks, content checks and business signals, and need credentials", async () => {
  const clientRoutes = app.routes.routes.flatMap((r) => {
    const scope = apiClientScopeOf(r.access);
    return scope ? [`${r.method} ${r.path} ${scope}`] : [];
  });
  assert.deepEqual(clientRoutes.sort(), [
    "get /api/v1/org-changes org:read",
    "get /api/v1/watermarks/effective watermark:read",
    "post /api/v1/authz/check authz:check",
    "post /api/v1/content/check content:check",
    "post /api/v1/content/check/batch content:check",
    "post /api/v1/signals signals:write",
    "post /api/v1/watermarks/mark watermark:read",
  ]);
  const bad = await app.http.post("/api/v1/authz/check").set("authorization", "Bearer not-a-credential").send({});
  assert.equal(bad.status, 401);
  assert.equal(bad.body.code, "INVALID_CLIENT_CREDENTIALS");
});

test("every non-public route refuses an anonymous caller with 401", async () => {
  for (const r of app.routes.routes.filter((x) => !("public" in x.access))) {
    const res = await app.http[r.method](r.path.replace(/:[A-Za-z]+/g, "00000000-0000-0000-0000-000000000000"));
    assert.equal(res.status, 401, `${r.method} ${r.path}`);
  }
});

test("the OpenAPI 3.1 document lists every route with its operationId and schemas", async () => {
  const res = await app.http.get("/api/openapi.json");
  assert.equal(res.status, 200);
  const doc = res.body;
  assert.equal(doc.openapi, "3.1.0");
  const ops = new Map<string, { operationId: string }>();
  for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>)) {
    for (const [method, op] of Object.entries(item)) ops.set(`${method} ${p}`, op);
  }
  for (const r of app.routes.routes) {
    const op = ops.get(`${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`);
    assert.ok(op, `${r.method} ${r.path} is documented`);
    assert.equal(op.operationId, r.operationId);
  }
  assert.ok(doc.components.schemas.Problem, "problem+json is documented");
  assert.ok(doc.components.schemas.LoginRequest.properties.username);
  assert.equal(doc.components.schemas.LoginRequest.additionalProperties, false, "unknown fields are refused");
  assert.deepEqual(doc.paths["/api/v1/audit/events"].get["x-required-ability"], {
    action: "read",
    subject: "AuditEvent",
  });
});

test("healthz, readyz and metrics answer", async () => {
  assert.deepEqual((await app.http.get("/healthz")).body, { status: "ok" });
  const ready = await app.http.get("/readyz");
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { status: "ready", database: "up", pendingMigrations: [] });
  await app.http.get("/api/v1/auth/me");
  const metrics = await app.http.get("/metrics");
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /tianshu_process_cpu_user_seconds_total/);
  assert.match(
    metrics.text,
    /tianshu_http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/auth\/me"[^}]*status="401"/,
  );
});
