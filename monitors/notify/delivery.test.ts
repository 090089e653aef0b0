import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { ChannelConfig } from "./channels";
import { type TestDatabase, testDatabase } from "../../test/support/db";
import { insertTenant } from "../testing-db";
import { type DeliveryDeps, deliverDue, pruneNotifications, startDeliveryJob } from "./delivery";
import { enqueueNotification } from "./outbox";
import { closedPort, readMime, receiver, smtpServer } from "./testing";

const SECRET = "a-channel-secret-of-some-length";
let database: TestDatabase;
let tenantId: string;
let deps: DeliveryDeps;
const logLines: string[] = [];
const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });

before(async () => {
  database = await testDatabase();
  tenantId = await insertTenant(database.db);
  deps = { db: database.db, logger, isLeader: () => true, retryDelayMs: () => 0, timeoutMs: 2_000 };
});
after(() => database?.close());

async function channel(c: ChannelConfig): Promise<string> {
  const row = await database.db
    .insertInto("notification_channels")
    .values({
      tenant_id: tenantId,
      name: `${c.type}-${randomUUID()}`,
      type: c.type,
      config: JSON.stringify(c.config),
      created_by: null,
      updated_by: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function notify(channelIds: string[], severity: "critical" | "warning" | "info" = "critical") {
  const id = randomUUID();
  await enqueueNotification(database.db, {
    tenantId,
    source: { kind: "alert", id },
    channelIds,
    severity,
    title: { zh: "订单服务不可用 <b>", en: "Orders down <b>" },
    text: { zh: "连续 3 次检查失败。\n请处理 & 确认", en: "3 checks failed in a row.\nPlease act & confirm" },
    link: "https://console.example.cn/alerts/1",
    data: { monitorId: "m-1" },
  });
  return id;
}

const deliveriesOf = (sourceId: string) =>
  database.db.selectFrom("notification_deliveries").selectAll().where("source_id", "=", sourceId).execute();

/** Runs rounds until nothing due is left (retries have no delay here). */
async function drain(max = 20): Promise<void> {
  for (let i = 0; i < max; i++) if ((await deliverDue(deps)) === 0) return;
}

describe("delivery job", () => {
  test("webhook: delivered once, signed with HMAC-SM3, the body carries both languages", async () => {
    const r = await receiver(SECRET);
    try {
      const ch = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      const src = await notify([ch]);
      await drain();
      assert.equal(r.received.length, 1);
      const got = r.received[0]!;
      assert.equal(got.signed, true, "the signature verifies under the channel secret");
      const body = got.json as Record<string, unknown>;
      assert.deepEqual(body.title, { zh: "订单服务不可用 <b>", en: "Orders down <b>" });
      assert.deepEqual(body.source, { kind: "alert", id: src });
      assert.equal(body.severity, "critical");
      assert.deepEqual(body.data, { monitorId: "m-1" });
      const [d] = await deliveriesOf(src);
      assert.equal(got.headers["x-tianshu-delivery"], d!.id);
      assert.equal(d!.state, "delivered");
      assert.equal(d!.attempts, 1);
      assert.equal(d!.last_status, 200);
      assert.ok(d!.delivered_at);
    } finally {
      await r.close();
    }
  });

  test("a signature under another secret does not verify (the receiver really checks)", async () => {
    const r = await receiver("another-secret-entirely");
    try {
      const ch = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      await notify([ch]);
      await drain();
      assert.equal(r.received.length, 1);
      assert.equal(r.received[0]!.signed, false);
    } finally {
      await r.close();
    }
  });

  test("SMS gateway: signed, numbers and a short text, Chinese first", async () => {
    const r = await receiver(SECRET);
    try {
      const ch = await channel({
        type: "sms",
        config: { url: r.url, secret: SECRET, phoneNumbers: ["13800138000", "+8613900139000"] },
      });
      const src = await notify([ch], "warning");
      await drain();
      assert.equal(r.received.length, 1);
      assert.equal(r.received[0]!.signed, true);
      const body = r.received[0]!.json as { phoneNumbers: string[]; text: string };
      assert.deepEqual(body.phoneNumbers, ["13800138000", "+8613900139000"]);
      assert.ok(body.text.startsWith("【天枢】[警告] 订单服务不可用"), body.text);
      assert.ok(body.text.indexOf("Orders down") > body.text.indexOf("订单服务不可用"));
      assert.ok(Array.from(body.text).length <= 140);
      assert.equal((await deliveriesOf(src))[0]!.state, "delivered");
    } finally {
      await r.close();
    }
  });

  test("e-mail: received by a real SMTP server with authentication; zh then en, text and escaped HTML", async () => {
    const smtp = await smtpServer("notifier", "smtp-pass-123");
    try {
      const ch = await channel({
        type: "email",
        config: {
          host: "127.0.0.1",
          port: smtp.port,
          security: "none",
          user: "notifier",
          password: "smtp-pass-123",
          from: "tianshu@example.cn",
          to: ["ops@example.cn", "oncall@example.cn"],
        },
      });
      const src = await notify([ch]);
      await drain();
      assert.equal(smtp.mails.length, 1);
      const mail = smtp.mails[0]!;
      assert.equal(mail.user, "notifier");
      assert.equal(mail.from, "tianshu@example.cn");
      assert.deepEqual(mail.to, ["ops@example.cn", "oncall@example.cn"]);
      const { subject, text, html } = readMime(mail.raw);
      assert.equal(subject, "[天枢][严重] 订单服务不可用 <b> / [Critical] Orders down <b>");
      assert.ok(text.indexOf("连续 3 次检查失败") >= 0 && text.indexOf("3 checks failed") > text.indexOf("连续 3 次"));
      assert.ok(text.includes("https://console.example.cn/alerts/1"));
      assert.ok(html.includes("订单服务不可用 &lt;b&gt;"), "escaped in the HTML");
      assert.ok(!html.includes("<b>"), "no raw markup from the message");
      assert.ok(html.includes("请处理 &amp; 确认"));
      assert.ok(html.indexOf("订单服务不可用") < html.indexOf("Orders down"));
      assert.ok(html.includes('<a href="https://console.example.cn/alerts/1">'));
      assert.equal((await deliveriesOf(src))[0]!.state, "delivered");
    } finally {
      await smtp.close();
    }
  });

  test("e-mail with a wrong password fails at once (5xx), and the password is nowhere in the log", async () => {
    const smtp = await smtpServer("notifier", "right-password");
    try {
      const ch = await channel({
        type: "email",
        config: {
          host: "127.0.0.1",
          port: smtp.port,
          security: "none",
          user: "notifier",
          password: "wrong-password-xyz",
          from: "tianshu@example.cn",
          to: ["ops@example.cn"],
        },
      });
      const src = await notify([ch]);
      await drain();
      const [d] = await deliveriesOf(src);
      assert.equal(d!.state, "failed");
      assert.equal(d!.attempts, 1);
      assert.match(d!.last_error ?? "", /SMTP 535/);
      assert.equal(smtp.mails.length, 0);
      assert.ok(!JSON.stringify(d).includes("wrong-password-xyz"));
      assert.ok(!logLines.join("\n").includes("wrong-password-xyz"));
    } finally {
      await smtp.close();
    }
  });

  test("500 then 200: retried and delivered on the second attempt", async () => {
    const r = await receiver(SECRET, [500, 200]);
    try {
      const ch = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      const src = await notify([ch]);
      assert.equal(await deliverDue(deps), 1);
      let [d] = await deliveriesOf(src);
      assert.equal(d!.state, "pending");
      assert.equal(d!.attempts, 1);
      assert.equal(d!.last_error, "HTTP 500");
      await drain();
      [d] = await deliveriesOf(src);
      assert.equal(d!.state, "delivered");
      assert.equal(d!.attempts, 2);
      assert.equal(d!.last_error, null);
      assert.equal(r.received.length, 2);
    } finally {
      await r.close();
    }
  });

  test("a retry waits retryDelay: not due before its time", async () => {
    const r = await receiver(SECRET, [503, 200]);
    try {
      const ch = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      const src = await notify([ch]);
      await deliverDue({ ...deps, retryDelayMs: () => 60_000 });
      assert.equal(await deliverDue(deps), 0, "nothing due");
      const [d] = await deliveriesOf(src);
      const wait = d!.next_attempt_at.getTime() - d!.last_attempt_at!.getTime();
      assert.ok(wait >= 59_000 && wait <= 61_000, `waits about a minute (${wait} ms)`);
      assert.equal(r.received.length, 1);
    } finally {
      await r.close();
    }
  });

  test("400 fails at once: no retry", async () => {
    const r = await receiver(SECRET, [400]);
    try {
      const ch = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      const src = await notify([ch]);
      await drain();
      const [d] = await deliveriesOf(src);
      assert.equal(d!.state, "failed");
      assert.equal(d!.attempts, 1);
      assert.equal(d!.last_status, 400);
      assert.equal(r.received.length, 1);
    } finally {
      await r.close();
    }
  });

  test("unreachable: retried up to max_attempts, then failed", async () => {
    const port = await closedPort();
    const ch = await channel({ type: "webhook", config: { url: `http://127.0.0.1:${port}/x`, secret: SECRET } });
    const src = await notify([ch]);
    await drain(30);
    const [d] = await deliveriesOf(src);
    assert.equal(d!.state, "failed");
    assert.equal(d!.attempts, d!.max_attempts);
    assert.equal(d!.attempts, 8);
    assert.equal(d!.last_status, null);
    assert.match(d!.last_error ?? "", /ECONNREFUSED/);
  });

  test("console: one message per role and per user, written with the delivery", async () => {
    const userId = randomUUID();
    const ch = await channel({ type: "console", config: { roles: ["sysadmin", "secadmin"], userIds: [userId] } });
    const src = await notify([ch]);
    await drain();
    const [d] = await deliveriesOf(src);
    assert.equal(d!.state, "delivered");
    const msgs = await database.db
      .selectFrom("notification_messages")
      .selectAll()
      .where("delivery_id", "=", d!.id)
      .orderBy("recipient_role")
      .execute();
    assert.deepEqual(
      msgs.map((m) => [m.recipient_role, m.recipient_user_id]),
      [
        ["secadmin", null],
        ["sysadmin", null],
        [null, userId],
      ],
    );
    assert.equal(msgs[0]!.title_zh, "订单服务不可用 <b>");
    assert.equal(msgs[0]!.source_id, src);
  });

  test("a disabled or deleted channel: the delivery fails with the reason", async () => {
    const r = await receiver(SECRET);
    try {
      const ch = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      const src = await notify([ch]);
      await database.db.updateTable("notification_channels").set({ enabled: false }).where("id", "=", ch).execute();
      await drain();
      assert.equal((await deliveriesOf(src))[0]!.last_error, "channel disabled");
      const ch2 = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      const src2 = await notify([ch2]);
      await database.db.deleteFrom("notification_channels").where("id", "=", ch2).execute();
      await drain();
      const [d] = await deliveriesOf(src2);
      assert.equal(d!.state, "failed");
      assert.equal(d!.last_error, "channel deleted");
      assert.equal(d!.channel_name.startsWith("webhook-"), true, "the log keeps the channel's name");
      assert.equal(r.received.length, 0);
    } finally {
      await r.close();
    }
  });

  test("not the leader: nothing is claimed", async () => {
    const r = await receiver(SECRET);
    try {
      const ch = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      const src = await notify([ch]);
      assert.equal(await deliverDue({ ...deps, isLeader: () => false }), 0);
      assert.equal((await deliveriesOf(src))[0]!.attempts, 0);
      await drain();
    } finally {
      await r.close();
    }
  });

  test("two rounds at once never send one delivery twice (SKIP LOCKED and the lease)", async () => {
    const r = await receiver(SECRET);
    try {
      const ch = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      const sources = await Promise.all(Array.from({ length: 6 }, () => notify([ch])));
      await Promise.all([deliverDue({ ...deps, batch: 4 }), deliverDue({ ...deps, batch: 4 })]);
      await drain();
      assert.equal(r.received.length, 6);
      const ids = new Set(r.received.map((x) => (x.json as { id: string }).id));
      assert.equal(ids.size, 6);
      for (const s of sources) assert.equal((await deliveriesOf(s))[0]!.attempts, 1);
    } finally {
      await r.close();
    }
  });

  test("retention: finished deliveries and messages older than the limit go; pending ones stay", async () => {
    const ch = await channel({ type: "console", config: { roles: ["sysadmin"], userIds: [] } });
    const oldDone = await notify([ch]);
    await drain();
    const oldPending = await notify([ch]);
    const recent = await notify([ch]);
    await drain();
    const longAgo = new Date(Date.now() - 200 * 86_400_000);
    await database.db
      .updateTable("notification_deliveries")
      .set({ created_at: longAgo })
      .where("source_id", "in", [oldDone, oldPending])
      .execute();
    await database.db
      .updateTable("notification_deliveries")
      .set({ state: "pending", next_attempt_at: new Date(Date.now() + 3_600_000) })
      .where("source_id", "=", oldPending)
      .execute();
    await database.db
      .updateTable("notification_messages")
      .set({ created_at: longAgo })
      .where("source_id", "=", oldDone)
      .execute();
    const before = await database.db.selectFrom("notification_deliveries").select("id").execute();
    const pruned = await pruneNotifications(database.db, 180);
    assert.deepEqual(pruned, { deliveries: 1, messages: 1 });
    assert.equal((await deliveriesOf(oldDone)).length, 0);
    assert.equal((await deliveriesOf(oldPending)).length, 1, "pending is never pruned");
    assert.equal((await deliveriesOf(recent)).length, 1);
    assert.equal(
      (await database.db.selectFrom("notification_deliveries").select("id").execute()).length,
      before.length - 1,
    );
    const left = await database.db.selectFrom("notification_messages").select("source_id").execute();
    assert.ok(left.some((m) => m.source_id === recent) && !left.some((m) => m.source_id === oldDone));
    await database.db.deleteFrom("notification_deliveries").where("source_id", "=", oldPending).execute();
  });

  test("the job polls by itself and stop() waits for its round", async () => {
    const r = await receiver(SECRET);
    try {
      const ch = await channel({ type: "webhook", config: { url: r.url, secret: SECRET } });
      const src = await notify([ch]);
      const job = startDeliveryJob({ db: database.db, logger, isLeader: () => true }, { pollMs: 50 });
      const deadline = Date.now() + 10_000;
      while ((await deliveriesOf(src))[0]!.state !== "delivered" && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 50));
      }
      await job.stop();
      assert.equal((await deliveriesOf(src))[0]!.state, "delivered");
      assert.ok(!logLines.join("\n").includes(SECRET), "the channel secret is never logged");
    } finally {
      await r.close();
    }
  });
});
