import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type supertest from "supertest";
import { setTimeout } from "node:timers/promises";
import { alertEvaluatorJob, createAlertEvaluator } from "../../../monitors/alerting/evaluator";
import { LEADER_JOBS } from "../../../monitors/jobs";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { silentLogger } from "../../../test/support/db";

let app: TestApp;
let sys: ReturnType<typeof supertest.agent>;
let channelId: string;
before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
  const channel = await app.database.db
    .insertInto("notification_channels")
    .values({ tenant_id: app.platformTenantId, name: "值班群 on-call", type: "console", config: JSON.stringify({}) })
    .returning("id")
    .executeTakeFirstOrThrow();
  channelId = channel.id;
});
after(async () => {
  await app?.close();
});

const MIN = 60_000;
const db = () => app.database.db;
const evaluator = () =>
  createAlertEvaluator({ db: db(), logger: silentLogger, noThrottle: true, readCertificates: false });

/** A monitor (a tcp definition unless given), with its current state when `state` is set. */
async function monitor(
  name: string,
  opts: { state?: "up" | "down"; since?: Date; tags?: string[]; url?: string } = {},
): Promise<string> {
  const definition = opts.url
    ? { type: "http", name, url: opts.url, intervalSeconds: 60, tags: opts.tags ?? [] }
    : { type: "tcp", name, host: "127.0.0.1", port: 1, intervalSeconds: 60, tags: opts.tags ?? [] };
  const { id } = await db()
    .insertInto("monitors")
    .values({
      tenant_id: app.platformTenantId,
      name,
      type: definition.type as "tcp",
      definition: JSON.stringify(definition),
      created_by: null,
      updated_by: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (opts.state) await setState(id, opts.state, opts.since ?? new Date(Date.now() - 10 * MIN));
  return id;
}

async function setState(id: string, state: "up" | "down", since: Date): Promise<void> {
  const values = {
    state,
    since,
    last_result_at: since,
    last_latency_ms: 5,
    last_reason: state === "up" ? "ok" : "timeout",
  };
  await db()
    .insertInto("monitor_status")
    .values({ monitor_id: id, ...values })
    .onConflict((oc) => oc.column("monitor_id").doUpdateSet(values))
    .execute();
}

async function results(id: string, rows: { at: Date; state?: "up" | "down" | "degraded"; latencyMs?: number }[]) {
  await db()
    .insertInto("monitor_results")
    .values(
      rows.map((r) => ({
        monitor_id: id,
        at: r.at,
        state: r.state ?? "up",
        latency_ms: r.latencyMs ?? 10,
        reason: r.state === "down" ? "timeout" : "ok",
      })),
    )
    .execute();
}

async function createRule(body: Record<string, unknown>): Promise<string> {
  const res = await sys.post("/api/v1/alert-rules").send({ severity: "critical", ...body });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

const alertsOf = (ruleId: string) =>
  db().selectFrom("alerts").selectAll().where("rule_id", "=", ruleId).orderBy("first_seen").execute();
const deliveriesOf = async (alertId: string) =>
  Number(
    (
      await db()
        .selectFrom("notification_deliveries")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("source_id", "=", alertId)
        .executeTakeFirstOrThrow()
    ).n,
  );
function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Rules end with their test, so a later round (at another time) does not judge them. */
const dropRules = (...ids: string[]) => db().deleteFrom("alert_rules").where("id", "in", ids).execute();

describe("warning rules API", () => {
  test("only the system admin manages rules, alerts and silences (三员分立); denials audited", async () => {
    for (const role of ["secadmin", "auditadmin"] as const) {
      const agent = await app.signIn(role);
      const denied = await auditCount(app, { action: "authz.denied" });
      assert.equal((await agent.get("/api/v1/alert-rules")).status, 403, role);
      assert.equal((await agent.post("/api/v1/alert-rules").send({})).status, 403, role);
      assert.equal((await agent.get("/api/v1/alerts")).status, 403, role);
      assert.equal((await agent.post("/api/v1/alert-silences").send({})).status, 403, role);
      assert.equal((await agent.post("/api/v1/signals").send({ signals: [] })).status, 403, role);
      assert.equal(await auditCount(app, { action: "authz.denied" }), denied + 5);
    }
  });

  test("the OpenAPI document lists the routes, rule bodies per category and the signals scope", async () => {
    const res = await app.http.get("/api/openapi.json");
    assert.equal(res.status, 200);
    const doc = res.body;
    for (const path of [
      "/api/v1/alert-rules",
      "/api/v1/alerts/{id}/acknowledge",
      "/api/v1/alert-silences",
      "/api/v1/signals",
    ]) {
      assert.ok(doc.paths[path], path);
    }
    const signals = doc.paths["/api/v1/signals"].post;
    assert.deepEqual(signals.security, [{ session: [] }, { apiClient: [] }]);
    assert.equal(signals["x-api-client-scope"], "signals:write");
    assert.deepEqual(signals["x-required-ability"], { action: "create", subject: "Alert" });
    const input = JSON.stringify(doc.components.schemas.AlertRuleInput);
    for (const category of ["monitor_state", "latency", "burn_rate", "cert_expiry", "signal"]) {
      assert.ok(input.includes(category), category);
    }
  });

  test("a rule's parameters are checked per category, in English and Chinese", async () => {
    const res = await sys
      .post("/api/v1/alert-rules")
      .send({ name: "慢", category: "latency", severity: "warning", params: { percentile: 90, windowMinutes: 0 } });
    assert.equal(res.status, 400);
    assert.equal(res.headers["content-type"]?.split(";")[0], "application/problem+json");
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ["body.params.percentile", "body.params.thresholdMs", "body.params.windowMinutes"]);
    assert.ok(res.body.errors.every((e: { zh: string }) => e.zh.length > 0));

    const unknownChannel = await sys.post("/api/v1/alert-rules").send({
      name: "x",
      category: "monitor_state",
      severity: "critical",
      params: {},
      channelIds: ["00000000-0000-4000-8000-000000000000"],
    });
    assert.equal(unknownChannel.status, 400);
    assert.equal(unknownChannel.body.code, "ALERT_RULE_CHANNEL_UNKNOWN");
    assert.equal(unknownChannel.body.errors[0].path, "body.channelIds.0");
    assert.equal(unknownChannel.body.errors[0].zh, "通知渠道不存在。");

    const burn = await sys
      .post("/api/v1/alert-rules")
      .send({ name: "预算", category: "burn_rate", severity: "warning" });
    assert.equal(burn.status, 201, burn.text);
    assert.deepEqual(burn.body.params.windows, [
      { burnRate: 14.4, longMinutes: 60, shortMinutes: 5 },
      { burnRate: 6, longMinutes: 360, shortMinutes: 30 },
      { burnRate: 1, longMinutes: 4320, shortMinutes: 360 },
    ]);
    assert.equal(burn.body.params.target, 0.999);
    await dropRules(burn.body.id);
  });

  test("create, read, list, update with If-Match, delete; audited", async () => {
    const created = await auditCount(app, { action: "alert_rule.create" });
    const res = await sys.post("/api/v1/alert-rules").send({
      name: "证书到期",
      category: "cert_expiry",
      severity: "warning",
      params: { daysLeft: 21, selector: { tags: ["prod"] } },
      channelIds: [channelId],
      incidentGrade: "IV",
      enabled: false,
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers.etag, '"1"');
    const id = res.body.id as string;
    assert.deepEqual(res.body.channelIds, [channelId]);
    assert.equal(await auditCount(app, { action: "alert_rule.create" }), created + 1);
    const other = await createRule({ name: "登录失败", category: "monitor_state", params: {}, enabled: false });

    assert.equal((await sys.get(`/api/v1/alert-rules/${id}`)).body.params.daysLeft, 21);
    const list = await sys.get("/api/v1/alert-rules?category=cert_expiry");
    assert.equal(list.headers["x-total-count"], "1");
    assert.equal(list.body[0].id, id);
    assert.equal((await sys.get("/api/v1/alert-rules?_start=0&_end=1")).body.length, 1);
    assert.equal((await sys.get("/api/v1/alert-rules?q=证书")).headers["x-total-count"], "1");

    const dup = await sys
      .post("/api/v1/alert-rules")
      .send({ name: "证书到期", category: "cert_expiry", severity: "info" });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, "ALERT_RULE_NAME_TAKEN");

    const body = { name: "证书到期", category: "cert_expiry", severity: "critical", params: { daysLeft: 7 } };
    assert.equal((await sys.put(`/api/v1/alert-rules/${id}`).send(body)).status, 428);
    assert.equal((await sys.put(`/api/v1/alert-rules/${id}`).set("if-match", '"5"').send(body)).status, 409);
    const saved = await sys.put(`/api/v1/alert-rules/${id}`).set("if-match", '"1"').send(body);
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.headers.etag, '"2"');
    assert.equal(saved.body.severity, "critical");
    const event = await db()
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "alert_rule.update")
      .where("target_id", "=", id)
      .executeTakeFirstOrThrow();
    assert.deepEqual((event.detail as { changed: string[] }).changed.sort(), [
      "channelIds",
      "enabled",
      "incidentGrade",
      "params",
      "severity",
    ]);

    assert.equal((await sys.delete(`/api/v1/alert-rules/${id}`)).status, 428);
    assert.equal((await sys.delete(`/api/v1/alert-rules/${id}`).set("if-match", '"2"')).status, 204);
    assert.equal((await sys.get(`/api/v1/alert-rules/${id}`)).status, 404);
    assert.equal(await auditCount(app, { action: "alert_rule.delete" }), 1);
    await dropRules(other);
  });

  test("a silence needs a selecting matcher, a valid expression and an end after its start", async () => {
    const end = new Date(Date.now() + 60 * MIN).toISOString();
    const negOnly = await sys
      .post("/api/v1/alert-silences")
      .send({ matchers: [{ label: "severity", value: "info", negate: true }], endsAt: end });
    assert.equal(negOnly.status, 400);
    assert.equal(negOnly.body.code, "SILENCE_INVALID");
    assert.equal(negOnly.body.errors[0].zh, "至少需要一个非取反的匹配条件。");
    const badRegex = await sys
      .post("/api/v1/alert-silences")
      .send({ matchers: [{ label: "monitor_name", value: "(", regex: true }], endsAt: end });
    assert.equal(badRegex.status, 400);
    const past = await sys
      .post("/api/v1/alert-silences")
      .send({ matchers: [{ label: "rule", value: "x" }], endsAt: new Date(Date.now() - MIN).toISOString() });
    assert.equal(past.status, 400);
    assert.equal(past.body.errors[0].path, "body.endsAt");

    const ok = await sys
      .post("/api/v1/alert-silences")
      .send({ matchers: [{ label: "rule", value: "nothing-matches-this" }], endsAt: end, comment: "升级" });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.active, true);
    assert.equal((await sys.get("/api/v1/alert-silences?active=true")).headers["x-total-count"], "1");
    const moved = await sys
      .put(`/api/v1/alert-silences/${ok.body.id}`)
      .set("if-match", '"1"')
      .send({
        matchers: [{ label: "rule", value: "nothing-matches-this" }],
        endsAt: new Date(Date.now() + MIN).toISOString(),
      });
    assert.equal(moved.status, 200);
    assert.equal(moved.headers.etag, '"2"');
    assert.equal((await sys.delete(`/api/v1/alert-silences/${ok.body.id}`).set("if-match", '"2"')).status, 204);
    for (const action of ["alert_silence.create", "alert_silence.update", "alert_silence.delete"]) {
      assert.equal(await auditCount(app, { action }), 1, action);
    }
  });
});

describe("evaluation", () => {
  test("monitor_state: fires once per fingerprint, notifies, opens an incident, resolves", async () => {
    const now = new Date();
    const a = await monitor("Payments", { state: "down", since: new Date(now.getTime() - 5 * MIN) });
    const b = await monitor("Payments (one check)", { state: "down", since: new Date(now.getTime() - 1 * MIN) });
    await results(
      a,
      [1, 2, 3].map((i) => ({ at: new Date(now.getTime() - (6 - i) * MIN), state: "down" as const })),
    );
    await results(b, [{ at: new Date(now.getTime() - 1 * MIN), state: "down" }]);
    const rule = await createRule({
      name: "支付中断",
      category: "monitor_state",
      params: { selector: { monitorIds: [a, b] }, forChecks: 2 },
      channelIds: [channelId],
      incidentGrade: "II",
    });
    const ev = evaluator();
    const fired = await auditCount(app, { action: "alert.fire" });
    assert.equal((await ev.round(now)).fired, 1);
    let alerts = await alertsOf(rule);
    assert.equal(alerts.length, 1, "b has one check only: not yet");
    const alert = alerts[0] as (typeof alerts)[0];
    assert.equal(alert.state, "firing");
    assert.equal(alert.root_monitor_id, a);
    assert.equal(alert.labels.monitor_name, "Payments");
    assert.match(alert.summary_zh, /Payments 不可用/);
    assert.equal(await deliveriesOf(alert.id), 1);
    const incident = await db().selectFrom("incidents").selectAll().where("alert_id", "=", alert.id).executeTakeFirst();
    assert.equal(incident?.grade, "II");
    assert.equal(alert.incident_id, incident?.id);
    assert.equal(await auditCount(app, { action: "alert.fire" }), fired + 1);

    // Reported again: the same alert, counted; a second evaluator (a new leader) adds no alert either.
    await ev.round(new Date(now.getTime() + 5_000));
    await evaluator().round(new Date(now.getTime() + 10_000));
    alerts = await alertsOf(rule);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.count, 3);
    assert.equal(await deliveriesOf(alert.id), 1, "notified once");
    assert.equal(
      await db()
        .selectFrom("incidents")
        .select("id")
        .where("alert_id", "=", alert.id)
        .execute()
        .then((r) => r.length),
      1,
    );

    await setState(a, "up", new Date(now.getTime() + 12_000));
    await setState(b, "up", new Date(now.getTime() + 12_000));
    assert.equal((await ev.round(new Date(now.getTime() + 15_000))).resolved, 1);
    alerts = await alertsOf(rule);
    assert.equal(alerts[0]?.state, "resolved");
    assert.equal(alerts[0]?.resolved_reason, "cleared");
    assert.equal(await deliveriesOf(alert.id), 2, "the recovery is notified");
    const http = await sys.get(`/api/v1/alerts?ruleId=${rule}`);
    assert.equal(http.headers["x-total-count"], "1");
    assert.equal(http.body[0].state, "resolved");
    await dropRules(rule);
  });

  test("two evaluators at once (a leader change mid-round) open one alert and notify once", async () => {
    const m = await monitor("并发", { state: "down", since: new Date(Date.now() - 3 * MIN) });
    const rule = await createRule({
      name: "并发测试",
      category: "monitor_state",
      params: { selector: { monitorIds: [m] } },
      channelIds: [channelId],
    });
    const now = new Date();
    const [one, two] = await Promise.all([evaluator().round(now), evaluator().round(now)]);
    const alerts = await alertsOf(rule);
    assert.equal(alerts.length, 1);
    assert.equal(one.fired + two.fired, 1);
    assert.equal(await deliveriesOf(alerts[0]?.id as string), 1);
    // The database itself refuses a second open alert with the same fingerprint.
    const { id: _id, ...copy } = alerts[0] as (typeof alerts)[0];
    await assert.rejects(
      db()
        .insertInto("alerts")
        .values({ ...copy, labels: JSON.stringify(copy.labels) })
        .execute(),
      /duplicate key|unique/i,
    );
    await dropRules(rule);
  });

  test("root cause: with the identity service down, its dependents' failures are one alert for it", async () => {
    const now = new Date();
    const down = { state: "down" as const, since: new Date(now.getTime() - 3 * MIN) };
    const identity = await monitor("统一身份认证", down);
    const hr = await monitor("人事系统", down);
    const oa = await monitor("办公系统", down);
    const alone = await monitor("档案系统", down);
    await db()
      .insertInto("monitor_dependencies")
      .values([
        { monitor_id: hr, depends_on: identity },
        { monitor_id: oa, depends_on: identity },
      ])
      .execute();
    const rule = await createRule({
      name: "业务系统中断",
      category: "monitor_state",
      params: { selector: { monitorIds: [hr, oa, alone] } },
    });
    await evaluator().round(now);
    const alerts = await alertsOf(rule);
    assert.equal(alerts.length, 2);
    const grouped = alerts.find((x) => x.root_monitor_id === identity);
    assert.ok(grouped, "one alert for the identity service");
    assert.deepEqual([...(grouped?.dependents ?? [])].sort(), [hr, oa].sort());
    assert.match(grouped?.summary ?? "", /2 dependents fail with it/);
    assert.ok(alerts.some((x) => x.root_monitor_id === alone && x.dependents.length === 0));
    const byDependent = await sys.get(`/api/v1/alerts?monitorId=${oa}&state=open`);
    assert.equal(byDependent.headers["x-total-count"], "1");
    assert.equal(byDependent.body[0].rootMonitorId, identity);
    await dropRules(rule);
  });

  test("maintenance: a monitor in a window raises nothing, nor do failures caused by one", async () => {
    const now = new Date();
    const down = { state: "down" as const, since: new Date(now.getTime() - 3 * MIN) };
    const db1 = await monitor("数据库（维护中）", down);
    const app1 = await monitor("依赖数据库的应用", down);
    const other = await monitor("其他应用", down);
    await db().insertInto("monitor_dependencies").values({ monitor_id: app1, depends_on: db1 }).execute();
    const start = new Date(now.getTime() - 30 * MIN).toISOString();
    const end = new Date(now.getTime() + 30 * MIN).toISOString();
    await db()
      .insertInto("maintenance_windows")
      .values({
        tenant_id: app.platformTenantId,
        name: "数据库升级",
        definition: JSON.stringify({ kind: "once", start, end }),
        monitor_ids: [db1],
        not_before: new Date(start),
        not_after: new Date(end),
        created_by: null,
        updated_by: null,
      })
      .execute();
    const rule = await createRule({
      name: "维护测试",
      category: "monitor_state",
      params: { selector: { monitorIds: [db1, app1, other] } },
    });
    await evaluator().round(now);
    const alerts = await alertsOf(rule);
    assert.deepEqual(
      alerts.map((x) => x.root_monitor_id),
      [other],
    );
    await dropRules(rule);
  });

  test("a silence suppresses the notification (and the incident); the alert is kept, marked silenced", async () => {
    const now = new Date();
    const m = await monitor("短信网关", { state: "down", since: new Date(now.getTime() - 3 * MIN) });
    const silence = await sys.post("/api/v1/alert-silences").send({
      matchers: [
        { label: "monitor_name", value: "短信.*", regex: true },
        { label: "severity", value: "info", negate: true },
      ],
      startsAt: new Date(now.getTime() - MIN).toISOString(),
      endsAt: new Date(now.getTime() + 60 * MIN).toISOString(),
    });
    assert.equal(silence.status, 201, silence.text);
    const rule = await createRule({
      name: "短信中断",
      category: "monitor_state",
      params: { selector: { monitorIds: [m] } },
      channelIds: [channelId],
      incidentGrade: "III",
    });
    await evaluator().round(now);
    const [alert] = await alertsOf(rule);
    assert.equal(alert?.silenced, true);
    assert.equal(await deliveriesOf(alert?.id as string), 0);
    assert.equal(alert?.incident_id, null);
    await setState(m, "up", new Date(now.getTime() + 1_000));
    await evaluator().round(new Date(now.getTime() + 2_000));
    assert.equal(await deliveriesOf(alert?.id as string), 0, "nor its recovery");
    await sys.delete(`/api/v1/alert-silences/${silence.body.id}`).set("if-match", '"1"');
    await dropRules(rule);
  });

  test("acknowledge and resolve by hand; a condition resolved by hand is not reported again until it clears", async () => {
    const now = new Date();
    const m = await monitor("门户", { state: "down", since: new Date(now.getTime() - 3 * MIN) });
    const rule = await createRule({
      name: "门户中断",
      category: "monitor_state",
      params: { selector: { monitorIds: [m] } },
    });
    const ev = evaluator();
    await ev.round(now);
    const [alert] = await alertsOf(rule);
    const id = alert?.id as string;
    const ack = await sys.post(`/api/v1/alerts/${id}/acknowledge`);
    assert.equal(ack.status, 200);
    assert.equal(ack.body.state, "acknowledged");
    assert.ok(ack.body.acknowledgedBy);
    const again = await sys.post(`/api/v1/alerts/${id}/acknowledge`);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, "ALERT_STATE");
    assert.match(again.body.zh, /已确认/);
    const resolved = await sys.post(`/api/v1/alerts/${id}/resolve`);
    assert.equal(resolved.status, 200);
    assert.equal(resolved.body.resolvedReason, "manual");
    assert.equal(await auditCount(app, { action: "alert.acknowledge" }), 1);

    await ev.round(new Date(now.getTime() + 5_000));
    assert.equal((await alertsOf(rule)).length, 1, "still down, resolved by hand: not reopened");
    await setState(m, "up", new Date(now.getTime() + 6_000));
    await ev.round(new Date(now.getTime() + 10_000));
    await setState(m, "down", new Date(now.getTime() + 11_000));
    await ev.round(new Date(now.getTime() + 15_000));
    const all = await alertsOf(rule);
    assert.equal(all.length, 2, "a recurrence is a new alert");
    assert.equal(all[1]?.state, "firing");
    assert.equal((await sys.get(`/api/v1/alerts/00000000-0000-4000-8000-000000000000`)).status, 404);
    await dropRules(rule);
  });

  test("disabling a rule ends its alerts quietly; deleting one resolves them in the same transaction", async () => {
    const now = new Date();
    const m = await monitor("停用测试", { state: "down", since: new Date(now.getTime() - 3 * MIN) });
    const body = {
      name: "停用测试",
      category: "monitor_state",
      severity: "warning",
      params: { selector: { monitorIds: [m] } },
      channelIds: [channelId],
    };
    const disabled = await createRule(body);
    const deleted = await createRule({ ...body, name: "删除测试" });
    const ev = evaluator();
    await ev.round(now);
    const [first] = await alertsOf(disabled);
    const [second] = await alertsOf(deleted);
    assert.ok(first && second);

    const off = await sys
      .put(`/api/v1/alert-rules/${disabled}`)
      .set("if-match", '"1"')
      .send({ ...body, enabled: false });
    assert.equal(off.status, 200, off.text);
    assert.equal((await sys.delete(`/api/v1/alert-rules/${deleted}`).set("if-match", '"1"')).status, 204);
    const gone = await db().selectFrom("alerts").selectAll().where("id", "=", second.id).executeTakeFirstOrThrow();
    assert.equal(gone.state, "resolved");
    assert.equal(gone.resolved_reason, "rule-deleted");
    assert.equal(gone.rule_id, null);
    assert.equal(gone.rule_name, "删除测试", "the history keeps the rule's name");

    await ev.round(new Date(now.getTime() + 5_000));
    const [ended] = await alertsOf(disabled);
    assert.equal(ended?.state, "resolved");
    assert.equal(ended?.resolved_reason, "rule-disabled");
    assert.equal(await deliveriesOf(first.id), 1, "no recovery notice for a rule switched off");
    await dropRules(disabled);
  });

  test("latency: the percentile over the window above the threshold", async () => {
    const now = new Date();
    const slow = await monitor("慢服务", { state: "up" });
    const fast = await monitor("快服务", { state: "up" });
    const at = (min: number) => new Date(now.getTime() - min * MIN);
    await results(
      slow,
      [100, 200, 3000, 4000, 5000].map((latencyMs, i) => ({ at: at(i + 0.5), latencyMs })),
    );
    await results(
      fast,
      [100, 120, 90, 80, 70].map((latencyMs, i) => ({ at: at(i + 0.5), latencyMs })),
    );
    // Old slow answers outside the window count for nothing.
    await results(fast, [{ at: at(30), latencyMs: 90_000 }]);
    const rule = await createRule({
      name: "响应慢",
      category: "latency",
      params: { selector: { monitorIds: [slow, fast] }, percentile: 95, windowMinutes: 10, thresholdMs: 1000 },
    });
    await evaluator().round(now);
    const alerts = await alertsOf(rule);
    assert.deepEqual(
      alerts.map((x) => x.root_monitor_id),
      [slow],
    );
    assert.ok((alerts[0]?.value ?? 0) > 4000);
    // Ten minutes later the slow answers have left the window.
    await evaluator().round(new Date(now.getTime() + 10 * MIN));
    assert.equal((await alertsOf(rule))[0]?.state, "resolved");
    await dropRules(rule);
  });

  test("burn_rate: the default pairs fire on a fast burn and resolve when the short windows recover", async () => {
    const now = new Date();
    const m = await monitor("预算服务", { state: "down", since: new Date(now.getTime() - 10 * MIN) });
    await db()
      .insertInto("monitor_transitions")
      .values([
        { monitor_id: m, at: new Date(now.getTime() - 120 * MIN), state: "up" },
        { monitor_id: m, at: new Date(now.getTime() - 10 * MIN), state: "down" },
        { monitor_id: m, at: new Date(now.getTime() - 1 * MIN), state: "up" },
      ])
      .execute();
    const rule = await createRule({
      name: "错误预算",
      category: "burn_rate",
      params: { selector: { monitorIds: [m] } },
    });
    await evaluator().round(now);
    const [alert] = await alertsOf(rule);
    assert.equal(alert?.state, "firing");
    assert.match(alert?.summary ?? "", /14\.4×/);
    // Seven hours on, every short window is clean (only the 3-day window still remembers).
    await evaluator().round(new Date(now.getTime() + 7 * 60 * MIN));
    assert.equal((await alertsOf(rule))[0]?.state, "resolved");
    await dropRules(rule);
  });

  test("cert_expiry: days left at or under the threshold", async () => {
    const now = new Date();
    const m = await monitor("HTTPS 门户", { state: "up", url: "https://portal.example.invalid/health" });
    const plain = await monitor("HTTP 内网", { state: "up", url: "http://intranet.example.invalid/" });
    const certs = [m, plain].map((id) => ({
      monitor_id: id,
      valid_to: new Date(now.getTime() + 5 * 86_400_000 + MIN),
      subject: "portal",
      checked_at: now,
      error: null,
    }));
    await db().insertInto("monitor_certificates").values(certs).execute();
    const rule = await createRule({
      name: "证书将过期",
      category: "cert_expiry",
      params: { selector: { monitorIds: [m, plain] }, daysLeft: 14 },
    });
    await evaluator().round(now);
    const alerts = await alertsOf(rule);
    assert.equal(alerts.length, 1, "only https monitors");
    assert.equal(alerts[0]?.value, 5);
    assert.match(alerts[0]?.summary_zh ?? "", /5 天后过期/);
    await db()
      .updateTable("monitor_certificates")
      .set({ valid_to: new Date(now.getTime() + 90 * 86_400_000) })
      .where("monitor_id", "=", m)
      .execute();
    await evaluator().round(new Date(now.getTime() + 1_000));
    assert.equal((await alertsOf(rule))[0]?.state, "resolved");
    await dropRules(rule);
  });
});

describe("leadership and certificates", () => {
  test("an evaluator that is not the leader writes nothing", async () => {
    const m = await monitor("跟随者", { state: "down", since: new Date(Date.now() - 3 * MIN) });
    const rule = await createRule({
      name: "跟随者测试",
      category: "monitor_state",
      params: { selector: { monitorIds: [m] } },
    });
    const follower = createAlertEvaluator({
      db: db(),
      logger: silentLogger,
      isLeader: () => false,
      readCertificates: false,
    });
    const stats = await follower.round(new Date());
    assert.equal(stats.fired, 0);
    assert.equal((await alertsOf(rule)).length, 0);
    await dropRules(rule);
  });

  test("the leader job (in LEADER_JOBS) judges the rules every few seconds and stops cleanly", async () => {
    assert.ok(LEADER_JOBS.includes(alertEvaluatorJob));
    const m = await monitor("任务测试", { state: "down", since: new Date(Date.now() - 3 * MIN) });
    const rule = await createRule({
      name: "任务测试",
      category: "monitor_state",
      params: { selector: { monitorIds: [m] } },
    });
    const running = alertEvaluatorJob.start({ db: db(), logger: silentLogger, isLeader: () => true });
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && (await alertsOf(rule)).length === 0) await setTimeout(200);
    await running.stop();
    assert.equal((await alertsOf(rule)).length, 1);
    await dropRules(rule);
  });

  test(
    "cert_expiry reads the certificate of the watched HTTPS monitor itself",
    { skip: hasOpenssl() ? false : "no openssl" },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-alerts-tls-"));
      execFileSync(
        "openssl",
        [
          ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3"],
          ...["-subj", "/CN=localhost", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")],
        ],
        { stdio: "ignore" },
      );
      const server = https.createServer(
        { key: fs.readFileSync(path.join(dir, "key.pem")), cert: fs.readFileSync(path.join(dir, "cert.pem")) },
        (_req, res) => res.end("ok"),
      );
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      try {
        const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
        const m = await monitor("三天证书", { state: "up", url });
        const rule = await createRule({
          name: "证书实测",
          category: "cert_expiry",
          params: { selector: { monitorIds: [m] }, daysLeft: 10 },
        });
        await createAlertEvaluator({ db: db(), logger: silentLogger, noThrottle: true }).round(new Date());
        const cert = await db()
          .selectFrom("monitor_certificates")
          .selectAll()
          .where("monitor_id", "=", m)
          .executeTakeFirst();
        assert.equal(cert?.subject, "localhost");
        const alerts = await alertsOf(rule);
        assert.equal(alerts.length, 1);
        assert.ok(alerts[0]?.value === 2 || alerts[0]?.value === 3, `days left ${alerts[0]?.value}`);
        await dropRules(rule);
      } finally {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("signals", () => {
  let bearer: string;
  before(async () => {
    const sec = await app.signIn("secadmin");
    const client = await sec.post("/api/v1/api-clients").send({ name: "审批系统", scopes: ["signals:write"] });
    assert.equal(client.status, 201, client.text);
    bearer = `Bearer ${client.body.secret}`;
  });

  test("apps push with the signals:write scope; others are refused; bodies are checked", async () => {
    const push = (auth: string | null, body: unknown) => {
      const req = app.http.post("/api/v1/signals");
      return (auth ? req.set("authorization", auth) : req).send(body as object);
    };
    const one = { signals: [{ name: "permit.submitted", key: "probe" }] };
    assert.equal((await push(null, one)).status, 401);
    const sec = await app.signIn("secadmin");
    const reader = await sec.post("/api/v1/api-clients").send({ name: "只读", scopes: ["org:read"] });
    const wrongScope = await push(`Bearer ${reader.body.secret}`, one);
    assert.equal(wrongScope.status, 403);

    const ok = await push(bearer, {
      signals: [
        { name: "permit.submitted", key: "probe" },
        { name: "permit.submitted", key: "probe", at: new Date(Date.now() - 2 * 86_400_000).toISOString() },
      ],
    });
    assert.equal(ok.status, 202, ok.text);
    assert.deepEqual(ok.body, { accepted: 1, ignored: 1 });

    const empty = await push(bearer, { signals: [] });
    assert.equal(empty.status, 400);
    assert.equal(empty.headers["content-type"]?.split(";")[0], "application/problem+json");
    assert.ok(empty.body.zh, "a Chinese message");
    const badName = await push(bearer, { signals: [{ name: "有 空格", key: "k", value: 0 }] });
    assert.equal(badName.status, 400);
    assert.deepEqual(badName.body.errors.map((e: { path: string }) => e.path).sort(), [
      "body.signals.0.name",
      "body.signals.0.value",
    ]);
    assert.ok(badName.body.errors.every((e: { zh: string }) => e.zh.length > 0));
    const tooMany = await push(bearer, {
      signals: Array.from({ length: 1001 }, (_, i) => ({ name: "n", key: String(i) })),
    });
    assert.equal(tooMany.status, 400);
    // sysadmin may push too (testing a rule from the console).
    assert.equal((await sys.post("/api/v1/signals").send(one)).status, 202);
  });

  test("a signal rule fires for a key over N in T, once per key, and resolves when the window passes", async () => {
    const rule = await createRule({
      name: "同一申请人频繁提交",
      category: "signal",
      severity: "warning",
      params: { signal: "permit.applied", threshold: 5, windowMinutes: 10 },
      channelIds: [channelId],
    });
    const ev = evaluator();
    await ev.round(new Date()); // cursor at the start, as on a running leader
    const signals = [
      ...Array.from({ length: 6 }, () => ({ name: "permit.applied", key: "申请人-1" })),
      ...Array.from({ length: 3 }, () => ({ name: "permit.applied", key: "申请人-2" })),
      ...Array.from({ length: 9 }, () => ({ name: "other.signal", key: "申请人-3" })),
    ];
    const res = await app.http.post("/api/v1/signals").set("authorization", bearer).send({ signals });
    assert.equal(res.status, 202);
    const later = new Date(Date.now() + 3_000); // past the settling delay
    await ev.round(later);
    let alerts = await alertsOf(rule);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.labels.key, "申请人-1");
    assert.equal(alerts[0]?.value, 6);
    assert.equal(await deliveriesOf(alerts[0]?.id as string), 1);
    // A new leader rebuilds its windows from the table: the same alert, not a second one.
    await evaluator().round(new Date(later.getTime() + 1_000));
    alerts = await alertsOf(rule);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.count, 2);
    // Eleven minutes later the signals have left the window.
    await ev.round(new Date(later.getTime() + 11 * MIN));
    alerts = await alertsOf(rule);
    assert.equal(alerts[0]?.state, "resolved");
    await dropRules(rule);
  });

  test("signals older than the longest window are deleted by the leader, with or without signal rules", async () => {
    const old = new Date(Date.now() - 3 * 3600_000);
    await db()
      .insertInto("alert_signals")
      .values([
        { tenant_id: app.platformTenantId, name: "old.one", key: "k", at: old },
        { tenant_id: app.platformTenantId, name: "recent.one", key: "k", at: new Date(Date.now() - 30 * MIN) },
      ])
      .execute();
    assert.equal((await db().selectFrom("alert_rules").select("id").where("enabled", "=", true).execute()).length, 0);
    await evaluator().round(new Date(Date.now() + 3_000));
    const left = await sql<{
      name: string;
    }>`SELECT name FROM alert_signals WHERE name IN ('old.one', 'recent.one')`.execute(db());
    assert.deepEqual(
      left.rows.map((r) => r.name),
      ["recent.one"],
    );
  });

  test("the leader's clean-up keeps up with a busy ingest: every expired signal goes in one round, not a fixed share", async () => {
    // 60,000 expired signals (more than one delete batch, and far more than the former 10,000 a minute).
    await sql`INSERT INTO alert_signals (tenant_id, name, key, at)
      SELECT ${app.platformTenantId}, 'flood.one', 'k' || g, now() - interval '3 hours'
      FROM generate_series(1, 60000) g`.execute(db());
    await evaluator().round(new Date(Date.now() + 3_000));
    const left = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM alert_signals WHERE name = 'flood.one'`.execute(db());
    assert.equal(left.rows[0]?.n, 0);
  });
});
