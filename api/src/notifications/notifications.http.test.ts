import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { deliverDue } from "../../../monitors/notify/delivery";
import { enqueueNotification } from "../../../monitors/notify/outbox";
import { closedPort, readMime, receiver, smtpServer } from "../../../monitors/notify/testing";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { openChannelConfig } from "./secrets";

const SECRET = "webhook-secret-0123456789";
const SMTP_PASSWORD = "smtp-secret-pass-987";
const logLines: string[] = [];
const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });

let app: TestApp;
let hook: Awaited<ReturnType<typeof receiver>>;
before(async () => {
  app = await startTestApp({}, { logger });
  hook = await receiver(SECRET);
});
after(async () => {
  await hook?.close();
  await app?.close();
});

type Agent = Awaited<ReturnType<TestApp["signIn"]>>;
// As the leader runs it (server.ts): the channels' secrets are sealed at rest and opened with the field cipher.
const deliver = () =>
  deliverDue({
    db: app.database.db,
    logger,
    isLeader: () => true,
    retryDelayMs: () => 0,
    timeoutMs: 2_000,
    secrets: { cipher: app.services.fields },
  });
const userIdOf = async (username: string) =>
  (await app.database.db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirstOrThrow())
    .id;

async function auditDetails(action: string): Promise<string> {
  const rows = await app.database.db
    .selectFrom("audit_events")
    .select(["detail"])
    .where("action", "=", action)
    .execute();
  return JSON.stringify(rows);
}

describe("notification channels API", () => {
  let sys: Agent;
  let webhookId: string;
  before(async () => {
    sys = await app.signIn("sysadmin");
  });

  test("only the system admin manages channels and the delivery log; denials audited", async () => {
    for (const role of ["secadmin", "auditadmin"] as const) {
      const agent = await app.signIn(role);
      const denied = await auditCount(app, { action: "authz.denied" });
      assert.equal((await agent.get("/api/v1/notification-channels")).status, 403, role);
      assert.equal(
        (await agent.post("/api/v1/notification-channels").send({ name: "x", type: "console", config: {} })).status,
        403,
      );
      assert.equal((await agent.get("/api/v1/notification-deliveries")).status, 403, role);
      assert.equal((await agent.post(`/api/v1/notification-deliveries/${randomUUID()}/retry`)).status, 403, role);
      assert.equal(await auditCount(app, { action: "authz.denied" }), denied + 4);
    }
    assert.equal((await app.http.get("/api/v1/notification-channels")).status, 401);
    assert.equal((await app.http.get("/api/v1/messages")).status, 401);
  });

  test("invalid settings refused field by field, in English and Chinese", async () => {
    const res = await sys.post("/api/v1/notification-channels").send({
      name: "bad",
      type: "webhook",
      config: { url: "ftp://x/y", secret: "short" },
    });
    assert.equal(res.status, 400);
    const paths = res.body.errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ["body.config.secret", "body.config.url"]);
    assert.ok(res.body.errors.every((e: { zh: string }) => e.zh.length > 0));
    const email = await sys.post("/api/v1/notification-channels").send({
      name: "bad mail",
      type: "email",
      config: { host: "smtp.example.cn", port: 70000, security: "tls", from: "not-an-address", to: [] },
    });
    assert.equal(email.status, 400);
    const unknownUser = await sys.post("/api/v1/notification-channels").send({
      name: "bad console",
      type: "console",
      config: { userIds: [randomUUID()] },
    });
    assert.equal(unknownUser.status, 400);
    const masked = await sys
      .post("/api/v1/notification-channels")
      .send({ name: "masked", type: "webhook", config: { url: hook.url, secret: "******" } });
    assert.equal(masked.status, 400, "a mask where nothing is stored is refused");
    assert.equal((await sys.get("/api/v1/notification-channels")).headers["x-total-count"], "0");
  });

  test("create, read, list; the secret is write-only; audited without secrets", async () => {
    const audited = await auditCount(app, { action: "notification-channel.create" });
    const created = await sys.post("/api/v1/notification-channels").send({
      name: "运维 Webhook",
      type: "webhook",
      config: { url: `${hook.url}?token=in-the-query`, secret: SECRET },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.headers.etag, '"1"');
    webhookId = created.body.id;
    assert.equal(created.body.config.secret, "******");
    assert.equal(created.body.enabled, true);
    assert.equal((await sys.get(`/api/v1/notification-channels/${webhookId}`)).body.config.secret, "******");
    assert.equal(await auditCount(app, { action: "notification-channel.create" }), audited + 1);
    const details = await auditDetails("notification-channel.create");
    assert.ok(!details.includes(SECRET) && !details.includes("in-the-query"), details);

    const dup = await sys
      .post("/api/v1/notification-channels")
      .send({ name: "运维 Webhook", type: "console", config: { roles: ["sysadmin"] } });
    assert.equal(dup.status, 409);

    const mail = await sys.post("/api/v1/notification-channels").send({
      name: "Mail",
      type: "email",
      config: {
        host: "127.0.0.1",
        port: 2525,
        security: "none",
        user: "u",
        password: SMTP_PASSWORD,
        from: "a@example.cn",
        to: ["b@example.cn"],
      },
    });
    assert.equal(mail.status, 201, mail.text);
    assert.equal(mail.body.config.password, "******");
    const list = await sys.get("/api/v1/notification-channels?type=email");
    assert.equal(list.headers["x-total-count"], "1");
    assert.equal(list.body[0].config.password, "******");
    const page = await sys.get("/api/v1/notification-channels?_start=0&_end=1&_sort=name&_order=asc");
    assert.equal(page.headers["x-total-count"], "2");
    assert.equal(page.body.length, 1);
    assert.ok(!JSON.stringify((await sys.get("/api/v1/notification-channels")).body).includes(SMTP_PASSWORD));
  });

  test("update with If-Match: the mask keeps the stored secret; stale versions refused", async () => {
    const put = (version: string | null, body: object) => {
      const req = sys.put(`/api/v1/notification-channels/${webhookId}`);
      return (version ? req.set("If-Match", version) : req).send(body);
    };
    const body = { name: "运维 Webhook", type: "webhook", config: { url: hook.url, secret: "******" } };
    assert.equal((await put(null, body)).status, 428);
    const ok = await put('"1"', body);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers.etag, '"2"');
    assert.equal((await put('"1"', body)).status, 409);
    const stored = await app.database.db
      .selectFrom("notification_channels")
      .select("config")
      .where("id", "=", webhookId)
      .executeTakeFirstOrThrow();
    // Stored sealed (secrets.ts): MASK in place, the value bound to this channel; it opens to the same secret.
    assert.equal(stored.config.secret, "******");
    assert.ok(!JSON.stringify(stored.config).includes(SECRET));
    assert.equal(openChannelConfig(stored.config, webhookId, app.services.fields).secret, SECRET, "the secret is kept");
    const details = await auditDetails("notification-channel.update");
    assert.ok(details.includes("config.url") && !details.includes(SECRET));
  });

  test("test now: a signed webhook reaches the receiver; outcome returned, logged and audited", async () => {
    const before = hook.received.length;
    const res = await sys.post(`/api/v1/notification-channels/${webhookId}/test`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.ok, true);
    assert.equal(res.body.status, 200);
    assert.equal(hook.received.length, before + 1);
    const got = hook.received.at(-1)!;
    assert.equal(got.signed, true);
    assert.match((got.json as { title: { zh: string } }).title.zh, /测试/);
    const log = await sys.get(`/api/v1/notification-deliveries?sourceKind=test&channelId=${webhookId}`);
    assert.equal(log.headers["x-total-count"], "1");
    assert.equal(log.body[0].id, res.body.deliveryId);
    assert.equal(log.body[0].state, "delivered");
    assert.equal(await auditCount(app, { action: "notification-channel.test" }), 1);
    assert.equal(await deliver(), 0, "the job does not send a test again");
  });

  test("test of an e-mail channel reaches a real SMTP server", async () => {
    const smtp = await smtpServer("notifier", SMTP_PASSWORD);
    try {
      const created = await sys.post("/api/v1/notification-channels").send({
        name: "SMTP real",
        type: "email",
        config: {
          host: "127.0.0.1",
          port: smtp.port,
          security: "none",
          user: "notifier",
          password: SMTP_PASSWORD,
          from: "tianshu@example.cn",
          to: ["ops@example.cn"],
        },
      });
      assert.equal(created.status, 201);
      const res = await sys.post(`/api/v1/notification-channels/${created.body.id}/test`);
      assert.equal(res.body.ok, true, res.text);
      assert.equal(smtp.mails.length, 1);
      const { subject, text } = readMime(smtp.mails[0]!.raw);
      assert.ok(subject.startsWith("[天枢][通知] 天枢通知渠道测试"), subject);
      assert.ok(text.indexOf("测试消息") < text.indexOf("A test message"));
    } finally {
      await smtp.close();
    }
  });

  test("delivery log: a failed delivery is visible, filtered, and can be retried (audited)", async () => {
    const port = await closedPort();
    const dead = await sys.post("/api/v1/notification-channels").send({
      name: "Dead hook",
      type: "webhook",
      config: { url: `http://127.0.0.1:${port}/x`, secret: SECRET },
    });
    const alertId = randomUUID();
    await enqueueNotification(app.database.db, {
      tenantId: app.platformTenantId,
      source: { kind: "alert", id: alertId },
      channelIds: [dead.body.id, webhookId],
      severity: "critical",
      title: { zh: "磁盘将满", en: "Disk nearly full" },
      text: { zh: "剩余 3%", en: "3% left" },
    });
    for (let i = 0; i < 20 && (await deliver()) > 0; i++);
    const failed = await sys.get(`/api/v1/notification-deliveries?state=failed&sourceId=${alertId}`);
    assert.equal(failed.headers["x-total-count"], "1");
    const d = failed.body[0];
    assert.equal(d.channelName, "Dead hook");
    assert.equal(d.attempts, 8);
    assert.match(d.lastError, /ECONNREFUSED/);
    const delivered = await sys.get(
      `/api/v1/notification-deliveries?state=delivered&sourceKind=alert&sourceId=${alertId}`,
    );
    assert.equal(delivered.headers["x-total-count"], "1");
    const none = await sys.get(
      `/api/v1/notification-deliveries?sourceId=${alertId}&from=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    assert.equal(none.headers["x-total-count"], "0");

    const retried = await sys.post(`/api/v1/notification-deliveries/${d.id}/retry`);
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.body.state, "pending");
    assert.equal(retried.body.attempts, 0);
    assert.equal(await auditCount(app, { action: "notification-delivery.retry" }), 1);
    assert.equal((await sys.post(`/api/v1/notification-deliveries/${d.id}/retry`)).status, 409, "not failed now");
    assert.equal(
      (await sys.post(`/api/v1/notification-deliveries/${delivered.body[0].id}/retry`)).status,
      409,
      "a delivered one is not retried",
    );
    assert.equal((await sys.post(`/api/v1/notification-deliveries/${randomUUID()}/retry`)).status, 404);
  });

  test("delete with If-Match: deliveries stay in the log with the channel's name", async () => {
    const got = await sys.get(`/api/v1/notification-channels/${webhookId}`);
    assert.equal((await sys.delete(`/api/v1/notification-channels/${webhookId}`)).status, 428);
    const del = await sys.delete(`/api/v1/notification-channels/${webhookId}`).set("If-Match", got.headers.etag!);
    assert.equal(del.status, 204);
    assert.equal((await sys.get(`/api/v1/notification-channels/${webhookId}`)).status, 404);
    const log = await sys.get("/api/v1/notification-deliveries?sourceKind=test");
    const row = log.body.find((x: { channelName: string }) => x.channelName === "运维 Webhook");
    assert.ok(row);
    assert.equal(row.channelId, null);
    assert.equal(await auditCount(app, { action: "notification-channel.delete" }), 1);
  });

  test("secrets never in the log output or the audit trail", async () => {
    const all = logLines.join("\n");
    assert.ok(!all.includes(SECRET) && !all.includes(SMTP_PASSWORD));
    const audit = JSON.stringify(await app.database.db.selectFrom("audit_events").select("detail").execute());
    assert.ok(!audit.includes(SECRET) && !audit.includes(SMTP_PASSWORD));
  });
});

test("the OpenAPI document describes the routes and the channel types", async () => {
  const doc = await app.http.get("/api/openapi.json");
  assert.equal(doc.status, 200);
  const paths = Object.keys(doc.body.paths);
  for (const p of [
    "/api/v1/notification-channels",
    "/api/v1/notification-channels/{id}/test",
    "/api/v1/notification-deliveries/{id}/retry",
    "/api/v1/messages/unread-count",
  ]) {
    assert.ok(paths.includes(p), p);
  }
  const schemas = Object.keys(doc.body.components.schemas);
  for (const s of ["WebhookChannelConfig", "SmsChannelConfig", "EmailChannelConfig", "ConsoleChannelConfig"]) {
    assert.ok(schemas.includes(s), s);
  }
});

describe("message centre", () => {
  test("each account sees only what is addressed to it or its role; reads are per account", async () => {
    const sys = await app.signIn("sysadmin");
    const sec = await app.signIn("secadmin");
    const audit = await app.signIn("auditadmin");
    const secId = await userIdOf("secadmin");
    const toRole = await sys
      .post("/api/v1/notification-channels")
      .send({ name: "Console sysadmin+secadmin", type: "console", config: { roles: ["sysadmin", "secadmin"] } });
    const toUser = await sys
      .post("/api/v1/notification-channels")
      .send({ name: "Console secadmin user", type: "console", config: { userIds: [secId] } });
    assert.equal(toRole.status, 201, toRole.text);
    assert.equal(toUser.status, 201, toUser.text);
    const incidentId = randomUUID();
    await enqueueNotification(app.database.db, {
      tenantId: app.platformTenantId,
      source: { kind: "incident", id: incidentId },
      channelIds: [toRole.body.id],
      severity: "warning",
      title: { zh: "二级事件", en: "Grade II incident" },
      text: { zh: "支付延迟", en: "Payments slow" },
      link: "/incidents/x",
    });
    await enqueueNotification(app.database.db, {
      tenantId: app.platformTenantId,
      source: { kind: "alert", id: randomUUID() },
      channelIds: [toUser.body.id],
      severity: "info",
      title: { zh: "仅安全管理员", en: "Security admin only" },
      text: { zh: "私信", en: "Direct" },
    });
    await deliver();

    const sysMsgs = await sys.get("/api/v1/messages");
    assert.equal(sysMsgs.status, 200);
    assert.equal(sysMsgs.headers["x-total-count"], "1");
    assert.equal(sysMsgs.body[0].title.zh, "二级事件");
    assert.equal(sysMsgs.body[0].to, "role");
    assert.deepEqual(sysMsgs.body[0].source, { kind: "incident", id: incidentId });
    const secMsgs = await sec.get("/api/v1/messages?_sort=createdAt&_order=asc");
    assert.equal(secMsgs.headers["x-total-count"], "2");
    assert.deepEqual(secMsgs.body.map((m: { to: string }) => m.to).sort(), ["me", "role"]);
    assert.equal((await audit.get("/api/v1/messages")).headers["x-total-count"], "0", "auditadmin sees none");

    // Another account's message: not found, not readable.
    const direct = secMsgs.body.find((m: { to: string }) => m.to === "me");
    assert.equal((await sys.post(`/api/v1/messages/${direct.id}/read`)).status, 404);
    assert.equal((await audit.post(`/api/v1/messages/${sysMsgs.body[0].id}/read`)).status, 404);

    assert.equal((await sys.get("/api/v1/messages/unread-count")).body.count, 1);
    assert.equal((await sec.get("/api/v1/messages/unread-count")).body.count, 2);
    assert.equal((await sys.post(`/api/v1/messages/${sysMsgs.body[0].id}/read`)).status, 204);
    assert.equal((await sys.post(`/api/v1/messages/${sysMsgs.body[0].id}/read`)).status, 204, "idempotent");
    assert.equal((await sys.get("/api/v1/messages/unread-count")).body.count, 0);
    // The role message read by sysadmin is still unread for secadmin.
    assert.equal((await sec.get("/api/v1/messages/unread-count")).body.count, 2);
    const unread = await sec.get("/api/v1/messages?unread=true");
    assert.equal(unread.headers["x-total-count"], "2");
    const all = await sec.post("/api/v1/messages/read-all");
    assert.deepEqual(all.body, { marked: 2 });
    assert.equal((await sec.get("/api/v1/messages/unread-count")).body.count, 0);
    assert.equal((await sec.get("/api/v1/messages?unread=true")).headers["x-total-count"], "0");
    const read = await sec.get("/api/v1/messages");
    assert.ok(read.body.every((m: { read: boolean; readAt: string | null }) => m.read && m.readAt));
    assert.deepEqual((await sec.post("/api/v1/messages/read-all")).body, { marked: 0 });

    // Testing a console channel writes the test message for its recipients at once.
    const tested = await sys.post(`/api/v1/notification-channels/${toRole.body.id}/test`);
    assert.equal(tested.body.ok, true);
    const unreadNow = await sec.get("/api/v1/messages?unread=true");
    assert.equal(unreadNow.headers["x-total-count"], "1");
    assert.deepEqual(unreadNow.body[0].source, { kind: "test", id: null });
    assert.equal((await audit.get("/api/v1/messages/unread-count")).body.count, 0);
  });
});
