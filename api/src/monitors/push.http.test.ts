import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { judgeSilentPushMonitors, pushSilenceJob } from "../../../monitors/push";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { silentLogger } from "../../../test/support/db";

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app?.close();
});

const results = async (id: string) =>
  (
    await sql<{ state: string; reason: string; message: string; at: Date }>`
      SELECT state, reason, message, at FROM monitor_results WHERE monitor_id = ${id} ORDER BY at`.execute(
      app.database.db,
    )
  ).rows;
const status = async (id: string) =>
  app.database.db.selectFrom("monitor_status").selectAll().where("monitor_id", "=", id).executeTakeFirst();
/** Moves a monitor's history back by `ms`: its last change, results, transitions and status. */
async function backdate(id: string, ms: number) {
  const db = app.database.db;
  const by = sql`make_interval(secs => ${ms / 1000})`;
  await sql`UPDATE monitors SET updated_at = updated_at - ${by}, created_at = created_at - ${by} WHERE id = ${id}`.execute(
    db,
  );
  await sql`UPDATE monitor_results SET at = at - ${by} WHERE monitor_id = ${id}`.execute(db);
  await sql`UPDATE monitor_transitions SET at = at - ${by} WHERE monitor_id = ${id}`.execute(db);
  await sql`UPDATE monitor_status SET last_result_at = last_result_at - ${by}, since = since - ${by} WHERE monitor_id = ${id}`.execute(
    db,
  );
}

describe("push monitors", () => {
  let id: string;
  let token: string;

  test("creating a push monitor shows its token once; only its SM3 digest is stored", async () => {
    const sys = await app.signIn("sysadmin");
    const res = await sys
      .post("/api/v1/monitors")
      .send({ type: "push", name: "Nightly export", intervalSeconds: 10, graceSeconds: 0 });
    assert.equal(res.status, 201, res.text);
    id = res.body.id;
    token = res.body.pushToken;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.body.definition.pushTokenHash, undefined, "the digest is not shown");
    const got = await sys.get(`/api/v1/monitors/${id}`);
    assert.equal(got.body.pushToken, undefined, "shown once");
    const row = await sql<{ text: string }>`SELECT definition::text AS text FROM monitors WHERE id = ${id}`.execute(
      app.database.db,
    );
    assert.ok(!row.rows[0]?.text.includes(token), "the token is not stored");
    assert.match(row.rows[0]?.text ?? "", /"pushTokenHash": "[0-9a-f]{64}"/);
  });

  test("a heartbeat records an up result, by query token or header", async () => {
    const res = await app.http.get(`/api/v1/push/${id}?token=${token}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.state, "up");
    const byHeader = await app.http.post(`/api/v1/push/${id}?latency=12`).set("X-Tianshu-Push-Token", token);
    assert.equal(byHeader.status, 200, byHeader.text);
    const rows = await results(id);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.state === "up" && r.reason === "ok"));
    assert.equal((await status(id))?.state, "up");
  });

  test("a bad token, an unknown or paused monitor: the same 404, no result; no token: 401", async () => {
    const before = (await results(id)).length;
    const bad = await app.http.get(`/api/v1/push/${id}?token=${token.slice(0, -2)}xx`);
    assert.equal(bad.status, 404);
    assert.equal(bad.body.code, "PUSH_NOT_FOUND");
    assert.ok(bad.body.zh.length > 0);
    assert.match(bad.headers["content-type"] ?? "", /problem\+json/);
    const unknown = await app.http.get(`/api/v1/push/00000000-0000-4000-8000-000000000000?token=${token}`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(
      { code: unknown.body.code, detail: unknown.body.detail },
      { code: bad.body.code, detail: bad.body.detail },
      "unknown and wrong token are indistinguishable",
    );
    const none = await app.http.post(`/api/v1/push/${id}`);
    assert.equal(none.status, 401);
    assert.equal(none.body.code, "PUSH_TOKEN_REQUIRED");
    const bearer = await app.http.post(`/api/v1/push/${id}`).set("Authorization", `Bearer ${token}`);
    assert.equal(bearer.status, 401, "Bearer means API client credentials here");

    const sys = await app.signIn("sysadmin");
    assert.equal((await sys.post(`/api/v1/monitors/${id}/pause`)).status, 200);
    const paused = await app.http.get(`/api/v1/push/${id}?token=${token}`);
    assert.equal(paused.status, 404);
    assert.equal(paused.body.detail, bad.body.detail);
    assert.equal((await sys.post(`/api/v1/monitors/${id}/resume`)).status, 200);
    assert.equal((await results(id)).length, before, "nothing recorded");
  });

  test("status=down records push-reported-down with the app's message", async () => {
    const res = await app.http.get(
      `/api/v1/push/${id}?token=${token}&status=down&msg=${encodeURIComponent("备份失败 disk full")}`,
    );
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.state, "down");
    const last = (await results(id)).at(-1);
    assert.equal(last?.state, "down");
    assert.equal(last?.reason, "push-reported-down");
    assert.equal(last?.message, "备份失败 disk full");
    const s = await status(id);
    assert.equal(s?.state, "down");
    assert.equal(s?.last_reason, "push-reported-down");
    assert.equal((await app.http.get(`/api/v1/push/${id}?token=${token}&status=maybe`)).status, 400);
    // The same as a JSON body of a POST; the token stays in the query or header.
    const json = await app.http
      .post(`/api/v1/push/${id}`)
      .set("X-Tianshu-Push-Token", token)
      .send({ status: "down", msg: "job 42 failed", latency: 7 });
    assert.equal(json.status, 200, json.text);
    assert.equal(json.body.state, "down");
    assert.equal((await results(id)).at(-1)?.message, "job 42 failed");
    const badBody = await app.http.post(`/api/v1/push/${id}?token=${token}`).send({ status: "maybe" });
    assert.equal(badBody.status, 400);
    assert.equal(badBody.body.errors[0].path, "body.status");
  });

  test("silence past interval + grace is down once; the next heartbeat brings it up", async () => {
    assert.equal((await app.http.get(`/api/v1/push/${id}?token=${token}`)).status, 200);
    assert.equal(await judgeSilentPushMonitors(app.database.db), 0, "in time: nothing to judge");
    await backdate(id, 60_000);
    const lastHeartbeat = (await status(id))?.last_result_at as Date;
    // The leader job, several rounds: one down result for this silence, not one per round.
    const job = pushSilenceJob(50).start({ db: app.database.db, logger: silentLogger, isLeader: () => true });
    const deadline = Date.now() + 10_000;
    while ((await status(id))?.last_reason !== "push-silent" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 400));
    await job.stop();
    const silent = (await results(id)).filter((r) => r.reason === "push-silent");
    assert.equal(silent.length, 1, "exactly once");
    assert.equal(silent[0]?.state, "down");
    assert.equal(
      silent[0]?.at.getTime(),
      lastHeartbeat.getTime() + 10_001,
      "dated when the allowance ran out, not when noticed",
    );
    assert.equal((await status(id))?.state, "down");
    assert.equal(await judgeSilentPushMonitors(app.database.db), 0, "still the same silence");

    assert.equal((await app.http.get(`/api/v1/push/${id}?token=${token}`)).status, 200);
    assert.equal((await status(id))?.state, "up");
    const transitions = await app.database.db
      .selectFrom("monitor_transitions")
      .select(["state", "reason"])
      .where("monitor_id", "=", id)
      .orderBy("at")
      .execute();
    // up, paused, reported down, up, silent, up: the silence is an outage, not an unknown gap.
    assert.deepEqual(
      transitions.map((t) => `${t.state}:${t.reason}`),
      ["up:ok", "unknown:paused", "down:push-reported-down", "up:ok", "down:push-silent", "up:ok"],
    );
  });

  test("a job that is not the leader writes nothing", async () => {
    await backdate(id, 60_000);
    assert.equal(await judgeSilentPushMonitors(app.database.db, Date.now(), () => false), 0);
    assert.equal((await status(id))?.state, "up");
    assert.equal(await judgeSilentPushMonitors(app.database.db), 1);
  });

  test("rotating the token: the old one stops working, audited; only sysadmin", async () => {
    const secadmin = await app.signIn("secadmin");
    assert.equal((await secadmin.post(`/api/v1/monitors/${id}/push-token`)).status, 403);
    const sys = await app.signIn("sysadmin");
    const audited = await auditCount(app, { action: "monitor.pushToken.rotate" });
    const res = await sys.post(`/api/v1/monitors/${id}/push-token`);
    assert.equal(res.status, 200, res.text);
    assert.notEqual(res.body.token, token);
    assert.equal(res.body.path, `/api/v1/push/${id}`);
    assert.equal(await auditCount(app, { action: "monitor.pushToken.rotate" }), audited + 1);
    assert.equal((await app.http.get(`/api/v1/push/${id}?token=${token}`)).status, 404);
    assert.equal((await app.http.get(`/api/v1/push/${id}?token=${res.body.token}`)).status, 200);
    token = res.body.token;
    // Editing the monitor keeps the token.
    const got = await sys.get(`/api/v1/monitors/${id}`);
    const put = await sys
      .put(`/api/v1/monitors/${id}`)
      .set("If-Match", got.headers.etag as string)
      .send({ ...got.body.definition, graceSeconds: 30 });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.pushToken, undefined);
    assert.equal((await app.http.get(`/api/v1/push/${id}?token=${token}`)).status, 200);
    // Not a push monitor: 404.
    const tcp = await sys
      .post("/api/v1/monitors")
      .send({ type: "tcp", name: "db", host: "127.0.0.1", port: 5432, intervalSeconds: 60 });
    assert.equal((await sys.post(`/api/v1/monitors/${tcp.body.id}/push-token`)).status, 404);
    assert.equal((await app.http.get(`/api/v1/push/${tcp.body.id}?token=${token}`)).status, 404);
  });

  test("failed calls are rate-limited per address; heartbeats are not counted", async () => {
    for (let i = 0; i < 70; i++) assert.equal((await app.http.get(`/api/v1/push/${id}?token=${token}`)).status, 200);
    // The window is a fixed minute and earlier tests failed a few calls in it: the limit comes at the
    // 61st failure of a window at the latest (two windows if the minute turns during the loop).
    let firstLimited = -1;
    for (let i = 0; i < 125 && firstLimited < 0; i++) {
      const r = await app.http.get(`/api/v1/push/${id}?token=wrong${i}`);
      if (r.status === 429) {
        firstLimited = i;
        assert.equal(r.body.code, "RATE_LIMITED");
        assert.ok(r.body.zh.length > 0);
      } else assert.equal(r.status, 404);
    }
    assert.ok(firstLimited >= 0 && firstLimited <= 121, `limited at ${firstLimited}`);
  });
});
