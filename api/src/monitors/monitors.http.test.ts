import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import ExcelJS from "exceljs";
import { writeResults } from "../../../monitors/store";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { openDefinition } from "./secrets";

let app: TestApp;
let target: http.Server;
let targetUrl: string;
before(async () => {
  app = await startTestApp();
  target = http.createServer((_req, res) => res.end("healthy"));
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/health`;
});
after(async () => {
  await new Promise<void>((r) => target?.close(() => r()));
  await app?.close();
});

const MIN = 60_000;
const T0 = Date.UTC(2026, 9, 1, 0, 0, 0);
/** GET a file as bytes. */
const download = (agent: Awaited<ReturnType<TestApp["signIn"]>>, url: string) =>
  agent
    .get(url)
    .buffer(true)
    .parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on("data", (c: Buffer) => chunks.push(c));
      r.on("end", () => done(null, Buffer.concat(chunks)));
    });

describe("monitors API", () => {
  let id: string;

  test("only the system admin manages monitors (三员分立); denials audited", async () => {
    for (const role of ["secadmin", "auditadmin"] as const) {
      const agent = await app.signIn(role);
      const denied = await auditCount(app, { action: "authz.denied" });
      assert.equal((await agent.get("/api/v1/monitors")).status, 403, role);
      assert.equal((await agent.post("/api/v1/monitors").send({ type: "tcp" })).status, 403, role);
      assert.equal(await auditCount(app, { action: "authz.denied" }), denied + 2);
    }
  });

  test("an invalid definition is refused field by field, in English and Chinese", async () => {
    const sys = await app.signIn("sysadmin");
    const res = await sys
      .post("/api/v1/monitors")
      .send({ type: "http", name: "x", url: "ftp://a", intervalSeconds: 5 });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, "MONITOR_INVALID");
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ["body.intervalSeconds", "body.timeoutMs", "body.url"]);
    assert.ok(res.body.errors.every((e: { zh: string }) => e.zh.length > 0));
    assert.equal((await sys.get("/api/v1/monitors")).headers["x-total-count"], "0");
  });

  test("create, read, list with filters; audited in the same transaction", async () => {
    const sys = await app.signIn("sysadmin");
    const audited = await auditCount(app, { action: "monitor.create" });
    const created = await sys
      .post("/api/v1/monitors")
      .send({ type: "http", name: "Portal health", url: targetUrl, intervalSeconds: 30, tags: ["prod", "web"] });
    assert.equal(created.status, 201);
    assert.equal(created.headers.etag, '"1"');
    id = created.body.id;
    assert.equal(created.body.definition.method, "GET", "defaults filled in");
    assert.equal(created.body.status, null, "never checked");
    assert.equal(await auditCount(app, { action: "monitor.create" }), audited + 1);
    const other = await sys
      .post("/api/v1/monitors")
      .send({ type: "tcp", name: "Database", host: "127.0.0.1", port: 5432, intervalSeconds: 60 });
    assert.equal(other.status, 201);

    assert.equal((await sys.get(`/api/v1/monitors/${id}`)).body.name, "Portal health");
    const all = await sys.get("/api/v1/monitors?_sort=name&_order=asc");
    assert.equal(all.headers["x-total-count"], "2");
    assert.deepEqual(
      all.body.map((m: { name: string }) => m.name),
      ["Database", "Portal health"],
    );
    const byTag = await sys.get("/api/v1/monitors?tag=web");
    assert.deepEqual(
      byTag.body.map((m: { id: string }) => m.id),
      [id],
    );
    assert.equal((await sys.get("/api/v1/monitors?type=tcp")).body[0].name, "Database");
    assert.equal((await sys.get("/api/v1/monitors?q=portal")).headers["x-total-count"], "1");
    assert.equal((await sys.get("/api/v1/monitors?_start=1&_end=2")).body.length, 1);
    assert.equal((await sys.get(`/api/v1/monitors/00000000-0000-4000-8000-000000000000`)).status, 404);
  });

  test("update needs If-Match; a stale version is a conflict", async () => {
    const sys = await app.signIn("sysadmin");
    const def = { type: "http", name: "Portal", url: targetUrl, intervalSeconds: 20 };
    assert.equal((await sys.put(`/api/v1/monitors/${id}`).send(def)).status, 428);
    assert.equal((await sys.put(`/api/v1/monitors/${id}`).set("if-match", '"7"').send(def)).status, 409);
    const ok = await sys.put(`/api/v1/monitors/${id}`).set("if-match", '"1"').send(def);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.etag, '"2"');
    assert.equal(ok.body.definition.intervalSeconds, 20);
    const event = await app.database.db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "monitor.update")
      .where("target_id", "=", id)
      .executeTakeFirstOrThrow();
    assert.deepEqual((event.detail as { changed: string[] }).changed.sort(), ["intervalSeconds", "name", "tags"]);
  });

  test("test now probes the target once and stores nothing", async () => {
    const sys = await app.signIn("sysadmin");
    const res = await sys.post(`/api/v1/monitors/${id}/test`);
    assert.equal(res.status, 200);
    assert.equal(res.body.state, "up");
    assert.equal(res.body.reason, "ok");
    const stored = await app.database.db
      .selectFrom("monitor_results")
      .select("at")
      .where("monitor_id", "=", id)
      .execute();
    assert.equal(stored.length, 0);
    const push = await sys.post("/api/v1/monitors").send({ type: "push", name: "Nightly job", intervalSeconds: 86400 });
    assert.equal((await sys.post(`/api/v1/monitors/${push.body.id}/test`)).body.code, "MONITOR_NOT_PROBED");
  });

  test("results for a range: paginated, exported as CSV and XLSX (audited), and the SLA", async () => {
    const sys = await app.signIn("sysadmin");
    const states = ["up", "up", "down", "down", "up", "degraded"] as const;
    await writeResults(
      app.database.db,
      states.map((state, i) => ({
        monitorId: id,
        at: T0 + i * MIN,
        state,
        latencyMs: 10 + i,
        reason: state === "down" ? "timeout" : "ok",
        message: i === 2 ? "=cmd|' /C calc'!A0" : "",
      })),
      new Map([[id, MIN]]),
    );
    const range = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 10 * MIN).toISOString()}`;
    const page = await sys.get(`/api/v1/monitors/${id}/results?${range}&_start=0&_end=4&_order=asc`);
    assert.equal(page.status, 200);
    assert.equal(page.headers["x-total-count"], "6");
    assert.deepEqual(
      page.body.map((r: { state: string }) => r.state),
      ["up", "up", "down", "down"],
    );
    assert.equal(
      (
        await sys.get(
          `/api/v1/monitors/${id}/results?from=${new Date(T0).toISOString()}&to=${new Date(T0).toISOString()}`,
        )
      ).status,
      400,
    );

    const exports = await auditCount(app, { action: "monitor.results.export" });
    const csv = await download(sys, `/api/v1/monitors/${id}/results/export?${range}&format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers["content-type"] ?? "", /text\/csv/);
    const lines = (csv.body as Buffer)
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    assert.equal(lines[0], "at,state,latencyMs,reason,message");
    assert.equal(lines.length, 7);
    assert.match(lines[3] ?? "", /,down,12,timeout,'=cmd/, "a formula is defused");
    const xlsx = await download(sys, `/api/v1/monitors/${id}/results/export?${range}&format=xlsx`);
    assert.equal(xlsx.status, 200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.body as Buffer as unknown as ArrayBuffer);
    const sheet = book.getWorksheet("results");
    assert.equal(sheet?.rowCount, 7);
    assert.equal(sheet?.getRow(4).getCell(2).value, "down");
    assert.equal(await auditCount(app, { action: "monitor.results.export" }), exports + 2);

    const sla = await sys.get(
      `/api/v1/monitors/${id}/sla?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 6 * MIN).toISOString()}`,
    );
    assert.equal(sla.status, 200);
    assert.equal(sla.body.downMinutes, 2);
    assert.equal(sla.body.upMinutes, 4);
    assert.equal(sla.body.degradedMinutes, 1);
    assert.equal(sla.body.outages.length, 1);
    assert.equal(sla.body.outages[0].start, new Date(T0 + 2 * MIN).toISOString());
  });

  test("pause and resume: paused time is unknown; each audited", async () => {
    const sys = await app.signIn("sysadmin");
    const paused = await sys.post(`/api/v1/monitors/${id}/pause`).set("if-match", '"2"');
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    assert.equal(paused.body.status.state, "unknown");
    assert.equal((await sys.get("/api/v1/monitors?paused=true")).body[0].id, id);
    assert.equal((await sys.post(`/api/v1/monitors/${id}/resume`).set("if-match", '"2"')).status, 409);
    const resumed = await sys.post(`/api/v1/monitors/${id}/resume`);
    assert.equal(resumed.body.paused, false);
    assert.equal(resumed.headers.etag, '"4"');
    assert.equal(await auditCount(app, { action: "monitor.pause" }), 1);
    assert.equal(await auditCount(app, { action: "monitor.resume" }), 1);
  });

  test("delete needs the current version; the results stay", async () => {
    const sys = await app.signIn("sysadmin");
    assert.equal((await sys.delete(`/api/v1/monitors/${id}`)).status, 428);
    assert.equal((await sys.delete(`/api/v1/monitors/${id}`).set("if-match", '"4"')).status, 204);
    assert.equal((await sys.get(`/api/v1/monitors/${id}`)).status, 404);
    assert.equal(await auditCount(app, { action: "monitor.delete" }), 1);
    const kept = await app.database.db
      .selectFrom("monitor_results")
      .select("at")
      .where("monitor_id", "=", id)
      .execute();
    assert.equal(kept.length, 6);
  });
});

test("the OpenAPI document describes the monitor routes", async () => {
  const doc = (await app.http.get("/api/openapi.json")).body;
  assert.equal(doc.paths["/api/v1/monitors"].post.operationId, "createMonitor");
  assert.equal(doc.paths["/api/v1/monitors/{id}/results/export"].get.operationId, "exportMonitorResults");
  assert.ok(doc.components.schemas.MonitorDefinition, "the definition schema is published");
});

describe("credentials in definitions are write-only", () => {
  test("GET shows them masked; a definition sent back masked keeps them; a new value replaces them", async () => {
    const sys = await app.signIn("sysadmin");
    const created = await sys.post("/api/v1/monitors").send({
      type: "http",
      name: "带凭据的接口",
      url: targetUrl,
      intervalSeconds: 60,
      headers: { Authorization: "Bearer s3cret-token", "X-Api-Key": "k-123", Accept: "text/plain" },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.definition.headers, {
      Authorization: "******",
      "X-Api-Key": "******",
      Accept: "text/plain",
    });
    const pgMonitor = await sys.post("/api/v1/monitors").send({
      type: "postgres",
      name: "业务库",
      connectionString: "postgresql://app:pa55word@db.internal:5432/app",
      intervalSeconds: 60,
    });
    assert.equal(pgMonitor.status, 201, pgMonitor.text);
    assert.equal(pgMonitor.body.definition.connectionString, "postgresql://app:******@db.internal:5432/app");
    const listed = await sys.get("/api/v1/monitors");
    assert.ok(
      !JSON.stringify(listed.body).includes("s3cret-token") && !JSON.stringify(listed.body).includes("pa55word"),
    );

    // Stored sealed (secrets.ts): what the prober gets once opened with the field cipher.
    const stored = async (id: string) =>
      openDefinition(
        (
          await app.database.db
            .selectFrom("monitors")
            .select("definition")
            .where("id", "=", id)
            .executeTakeFirstOrThrow()
        ).definition,
        id,
        app.services.fields,
      ) as { headers?: Record<string, string>; connectionString?: string };

    // The console edits the name and sends the rest back as it got it: the secrets stay.
    const got = (await sys.get(`/api/v1/monitors/${created.body.id}`)).body;
    const renamed = await sys
      .put(`/api/v1/monitors/${created.body.id}`)
      .set("If-Match", `"${got.version}"`)
      .send({ ...got.definition, name: "带凭据的接口（改名）" });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual((await stored(created.body.id)).headers, {
      Authorization: "Bearer s3cret-token",
      "X-Api-Key": "k-123",
      Accept: "text/plain",
    });
    const pgGot = (await sys.get(`/api/v1/monitors/${pgMonitor.body.id}`)).body;
    const pgKept = await sys
      .put(`/api/v1/monitors/${pgMonitor.body.id}`)
      .set("If-Match", `"${pgGot.version}"`)
      .send({ ...pgGot.definition, intervalSeconds: 120 });
    assert.equal(pgKept.status, 200, pgKept.text);
    assert.equal((await stored(pgMonitor.body.id)).connectionString, "postgresql://app:pa55word@db.internal:5432/app");

    // A new value replaces the secret; a mask where nothing is stored is refused.
    const replaced = await sys
      .put(`/api/v1/monitors/${created.body.id}`)
      .set("If-Match", `"${renamed.body.version}"`)
      .send({ ...renamed.body.definition, headers: { Authorization: "Bearer new-token", Cookie: "******" } });
    assert.equal(replaced.status, 400);
    assert.equal(replaced.body.errors[0].path, "body.headers.Cookie");
    const replacedOk = await sys
      .put(`/api/v1/monitors/${created.body.id}`)
      .set("If-Match", `"${renamed.body.version}"`)
      .send({ ...renamed.body.definition, headers: { Authorization: "Bearer new-token" } });
    assert.equal(replacedOk.status, 200, replacedOk.text);
    assert.deepEqual((await stored(created.body.id)).headers, { Authorization: "Bearer new-token" });
    const maskedNew = await sys.post("/api/v1/monitors").send({
      type: "postgres",
      name: "掩码新建",
      connectionString: "postgresql://app:******@db.internal/app",
      intervalSeconds: 60,
    });
    assert.equal(maskedNew.status, 400);
    assert.equal(maskedNew.body.errors[0].path, "body.connectionString");
  });
});

describe("metrics", () => {
  test("/metrics shows each monitor up or down with its app, and the count per state", async () => {
    const sys = await app.signIn("sysadmin");
    const mk = async (name: string, appId?: string) =>
      (
        await sys
          .post("/api/v1/monitors")
          .send({ type: "tcp", name, host: "127.0.0.1", port: 9, intervalSeconds: 60, ...(appId ? { appId } : {}) })
      ).body.id as string;
    // A monitor's appId must name a registered app (apps.ts).
    const app1 = (await sys.post("/api/v1/monitor-apps").send({ name: "指标应用" })).body.id as string;
    const healthy = await mk("指标-正常", app1);
    const broken = await mk("指标-故障", app1);
    await writeResults(
      app.database.db,
      [
        { monitorId: healthy, at: T0, state: "up", latencyMs: 3, reason: "ok", message: "" },
        { monitorId: broken, at: T0, state: "down", latencyMs: 3, reason: "connection-refused", message: "" },
      ],
      new Map([
        [healthy, MIN],
        [broken, MIN],
      ]),
    );
    const text = (await app.http.get("/metrics")).text;
    assert.ok(text.includes(`tianshu_monitor_up{monitor="指标-正常",app="${app1}"} 1`), text.slice(0, 2000));
    assert.ok(text.includes(`tianshu_monitor_up{monitor="指标-故障",app="${app1}"} 0`));
    const down = /tianshu_monitors\{state="down"\} (\d+)/.exec(text);
    assert.ok(down && Number(down[1]) >= 1, "counted per state");
  });
});
