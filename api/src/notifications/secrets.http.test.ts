import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import pino from "pino";
import { startMonitoring } from "../../../monitors/leader";
import { type DeliveryDeps, deliverDue, deliveryJob } from "../../../monitors/notify/delivery";
import { enqueueNotification } from "../../../monitors/notify/outbox";
import { receiver, smtpServer } from "../../../monitors/notify/testing";
import { startTestApp, TEST_KEK, type TestApp } from "../../../test/support/app";
import { loadDataKeys } from "../crypto/data-keys";
import { createFieldCipher } from "../crypto/fields";
import { parseKek } from "../crypto/keys";
import { gmProfile } from "../crypto/profile";
import { createRotationWorker } from "../keys/rotation-worker";
import { valuesUnderVersion } from "../keys/sealed-columns";
import type { SecretCipher } from "../monitors/secrets";
import { silentLogger } from "../../../test/support/db";
import { openChannelConfig, SECRET_DOES_NOT_OPEN, sealClearChannelSecrets } from "./secrets";

const SECRET = "hook-secret-0123456789-abc";
const SMS_SECRET = "sms-gateway-secret-98765-xyz";
const SMTP_PASSWORD = "smtp-pass-Sealed-42";
const OTHER_SECRET = "another-secret-for-a-copy-0001";
const logLines: string[] = [];
const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });

let app: TestApp;
let hook: Awaited<ReturnType<typeof receiver>>;
let gateway: Awaited<ReturnType<typeof receiver>>;
let smtp: Awaited<ReturnType<typeof smtpServer>>;
before(async () => {
  app = await startTestApp({}, { logger });
  hook = await receiver(SECRET);
  gateway = await receiver(SMS_SECRET);
  smtp = await smtpServer("notifier", SMTP_PASSWORD);
});
after(async () => {
  await hook?.close();
  await gateway?.close();
  await smtp?.close();
  await app?.close();
});

const storedText = async (id: string) =>
  (
    await sql<{ t: string }>`SELECT config::text AS t FROM notification_channels WHERE id = ${id}`.execute(
      app.database.db,
    )
  ).rows[0]?.t ?? "";
const storedVersion = async (id: string) =>
  (
    await app.database.db
      .selectFrom("notification_channels")
      .select("version")
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
  ).version;

/** The leader's delivery job as server.ts runs it: secrets opened with `cipher` (default: the app's). */
function deps(cipher: SecretCipher | null = app.services.fields): DeliveryDeps {
  return {
    db: app.database.db,
    logger,
    isLeader: () => true,
    retryDelayMs: () => 0,
    timeoutMs: 2_000,
    ...(cipher ? { secrets: { cipher } } : {}),
  };
}
async function drain(d: DeliveryDeps = deps()): Promise<void> {
  for (let i = 0; i < 20; i++) if ((await deliverDue(d)) === 0) return;
}
async function notify(channelIds: string[]): Promise<string> {
  const id = randomUUID();
  await enqueueNotification(app.database.db, {
    tenantId: app.platformTenantId,
    source: { kind: "alert", id },
    channelIds,
    severity: "critical",
    title: { zh: "订单服务不可用", en: "Orders down" },
    text: { zh: "连续 3 次检查失败。", en: "3 checks failed in a row." },
  });
  return id;
}
const deliveriesOf = (sourceId: string) =>
  app.database.db
    .selectFrom("notification_deliveries")
    .selectAll()
    .where("source_id", "=", sourceId)
    .orderBy("channel_name")
    .execute();

describe("notification channel secrets encrypted at rest", () => {
  let sys: Awaited<ReturnType<TestApp["signIn"]>>;
  let hookId: string;
  let smsId: string;
  let mailId: string;
  const secretsOf = () => [
    [hookId, SECRET],
    [smsId, SMS_SECRET],
    [mailId, SMTP_PASSWORD],
  ];

  before(async () => {
    sys = await app.signIn("sysadmin");
  });

  test("the stored settings hold no secret in clear, only sealed values; the API masks them", async () => {
    const created = await Promise.all([
      sys.post("/api/v1/notification-channels").send({
        name: "A hook",
        type: "webhook",
        config: { url: hook.url, secret: SECRET },
      }),
      sys.post("/api/v1/notification-channels").send({
        name: "B sms",
        type: "sms",
        config: { url: gateway.url, secret: SMS_SECRET, phoneNumbers: ["+8613800000000"] },
      }),
      sys.post("/api/v1/notification-channels").send({
        name: "C mail",
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
      }),
    ]);
    for (const res of created) assert.equal(res.status, 201, res.text);
    [hookId, smsId, mailId] = created.map((r) => r.body.id as string) as [string, string, string];
    for (const [id, secret] of secretsOf()) {
      const text = await storedText(id!);
      assert.ok(!text.includes(secret!), `no clear secret in ${text}`);
      assert.match(text, /"sealed": \{"(secret|password)": "v3\.1\./, "sealed under data key 1");
      // Whoever reads the table finds it nowhere, not in any column.
      const found = await sql<{ n: string }>`
        SELECT count(*) AS n FROM notification_channels c WHERE c::text LIKE ${`%${secret}%`}`.execute(app.database.db);
      assert.equal(Number(found.rows[0]?.n), 0);
    }
    const list = await sys.get("/api/v1/notification-channels");
    const shown = JSON.stringify(list.body);
    assert.ok(![SECRET, SMS_SECRET, SMTP_PASSWORD].some((s) => shown.includes(s)));
    assert.ok(!shown.includes("sealed") && !shown.includes("v3."), "the sealed values are not shown either");
    const one = await sys.get(`/api/v1/notification-channels/${mailId}`);
    assert.deepEqual(Object.keys(one.body.config).sort(), [
      "from",
      "host",
      "password",
      "port",
      "security",
      "to",
      "user",
    ]);
    assert.equal(one.body.config.password, "******");
  });

  test("the delivery job opens them: webhook and SMS signed with the real secret, SMTP login works", async () => {
    const src = await notify([hookId, smsId, mailId]);
    await drain();
    const rows = await deliveriesOf(src);
    assert.deepEqual(
      rows.map((r) => [r.channel_name, r.state]),
      [
        ["A hook", "delivered"],
        ["B sms", "delivered"],
        ["C mail", "delivered"],
      ],
    );
    assert.equal(hook.received.at(-1)?.signed, true, "HMAC under the channel's real secret");
    assert.equal(gateway.received.at(-1)?.signed, true);
    assert.equal(smtp.mails.length, 1);
    assert.equal(smtp.mails[0]?.user, "notifier", "signed in to the SMTP server with the real password");
    assert.equal(smtp.authFailures, 0);
  });

  test("the leader's delivery job, started by startMonitoring with the cipher, opens them", async () => {
    const received = gateway.received.length;
    const src = await notify([smsId]);
    const monitoring = startMonitoring({
      db: app.database.db,
      logger,
      connectionString: null,
      jobs: [deliveryJob],
      secrets: { cipher: app.services.fields },
    });
    try {
      for (let i = 0; i < 100 && (await deliveriesOf(src))[0]?.state === "pending"; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await monitoring.stop();
    }
    assert.equal((await deliveriesOf(src))[0]?.state, "delivered");
    assert.equal(gateway.received.length, received + 1);
    assert.equal(gateway.received.at(-1)?.signed, true);
  });

  test("edits: the mask keeps the stored secret, a new one replaces it; test-now opens it", async () => {
    const put = async (secret: string) => {
      const { headers } = await sys.get(`/api/v1/notification-channels/${hookId}`);
      const res = await sys
        .put(`/api/v1/notification-channels/${hookId}`)
        .set("If-Match", headers.etag!)
        .send({ name: "A hook", type: "webhook", config: { url: hook.url, secret } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.config.secret, "******");
    };
    const sealedOf = async () => (JSON.parse(await storedText(hookId)) as { sealed: { secret: string } }).sealed.secret;
    const before = await sealedOf();
    await put("******");
    const kept = await storedText(hookId);
    assert.ok(!kept.includes(SECRET));
    assert.notEqual(await sealedOf(), before, "sealed afresh");
    let res = await sys.post(`/api/v1/notification-channels/${hookId}/test`);
    assert.equal(res.body.ok, true, res.text);
    assert.equal(hook.received.at(-1)?.signed, true, "the kept secret signs");

    await put(OTHER_SECRET);
    assert.ok(!(await storedText(hookId)).includes(OTHER_SECRET));
    res = await sys.post(`/api/v1/notification-channels/${hookId}/test`);
    assert.equal(res.body.ok, true);
    assert.equal(hook.received.at(-1)?.signed, false, "signed with the new secret, which the receiver does not hold");
    await put(SECRET);
    res = await sys.post(`/api/v1/notification-channels/${hookId}/test`);
    assert.equal(res.body.ok, true);
    assert.equal(hook.received.at(-1)?.signed, true);
    const audit = await app.database.db
      .selectFrom("audit_events")
      .select("detail")
      .where("action", "=", "notification-channel.update")
      .where("target_id", "=", hookId)
      .execute();
    const text = JSON.stringify(audit);
    assert.ok(text.includes("config.secret"), "the change of secret is audited by name");
    assert.ok(!text.includes(SECRET) && !text.includes(OTHER_SECRET) && !text.includes("v3."));
  });

  test("a sealed value copied to another channel does not open: the send fails, retryable, nothing leaked", async () => {
    const copy = await sys.post("/api/v1/notification-channels").send({
      name: "D copy",
      type: "webhook",
      config: { url: hook.url, secret: OTHER_SECRET },
    });
    assert.equal(copy.status, 201);
    const copyId = copy.body.id as string;
    try {
      // Someone with write access to the table moves the hook's sealed secret onto this channel.
      await sql`UPDATE notification_channels SET config = jsonb_set(config, '{sealed}',
          (SELECT config -> 'sealed' FROM notification_channels WHERE id = ${hookId}))
        WHERE id = ${copyId}`.execute(app.database.db);
      const received = hook.received.length;
      const src = await notify([copyId]);
      logLines.length = 0;
      await deliverDue(deps());
      const [d] = await deliveriesOf(src);
      assert.equal(d?.state, "pending", "tried again later (a data key may not be loaded yet)");
      assert.equal(d?.last_error, SECRET_DOES_NOT_OPEN);
      assert.equal(hook.received.length, received, "nothing was sent");
      assert.ok(logLines.some((l) => l.includes("a channel secret does not open") && l.includes(copyId)));
      assert.ok(!logLines.join("").includes(SECRET) && !logLines.join("").includes(OTHER_SECRET));
      const res = await sys.post(`/api/v1/notification-channels/${copyId}/test`);
      assert.equal(res.status, 200);
      assert.equal(res.body.ok, false);
      assert.equal(res.body.error, SECRET_DOES_NOT_OPEN);

      // A job given no cipher opens no sealed secret either (and sends nothing unsigned).
      const plain = await notify([hookId]);
      await deliverDue(deps(null));
      const [p] = await deliveriesOf(plain);
      assert.equal(p?.state, "pending");
      assert.equal(p?.last_error, SECRET_DOES_NOT_OPEN);
      assert.equal(hook.received.length, received);
      await drain();
      assert.equal((await deliveriesOf(plain))[0]?.state, "delivered", "delivered once the cipher is there");
      assert.equal(hook.received.at(-1)?.signed, true);
    } finally {
      // The copy would stop the key rotation below (it does not open): it goes.
      await app.database.db.deleteFrom("notification_channels").where("id", "=", copyId).execute();
    }
  });

  test("channels stored in clear before this are sealed once at start; only their storage changes", async () => {
    const legacy = await app.database.db
      .insertInto("notification_channels")
      .values({
        tenant_id: app.platformTenantId,
        name: "E legacy",
        type: "webhook",
        config: JSON.stringify({ url: hook.url, secret: SECRET }),
        created_by: null,
        updated_by: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const consoleChannel = await app.database.db
      .insertInto("notification_channels")
      .values({
        tenant_id: app.platformTenantId,
        name: "F console",
        type: "console",
        config: JSON.stringify({ roles: ["sysadmin"], userIds: [] }),
        created_by: null,
        updated_by: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    assert.ok((await storedText(legacy.id)).includes(SECRET), "clear, as written before");
    // Still deliverable as it is (values in place).
    let src = await notify([legacy.id]);
    await drain();
    assert.equal((await deliveriesOf(src))[0]?.state, "delivered");
    assert.equal(hook.received.at(-1)?.signed, true);

    const version = await storedVersion(legacy.id);
    assert.equal(await sealClearChannelSecrets(app.database.db, app.services.fields), 1);
    assert.equal(await sealClearChannelSecrets(app.database.db, app.services.fields), 0, "once");
    const text = await storedText(legacy.id);
    assert.ok(!text.includes(SECRET));
    assert.match(text, /"secret": "\*\*\*\*\*\*"/);
    assert.equal(await storedVersion(legacy.id), version, "the settings did not change, their storage did");
    assert.ok(!(await storedText(consoleChannel.id)).includes("sealed"), "nothing to seal in a console channel");
    const opened = openChannelConfig(JSON.parse(text) as Record<string, unknown>, legacy.id, app.services.fields);
    assert.equal(opened.secret, SECRET);
    src = await notify([legacy.id]);
    await drain();
    assert.equal((await deliveriesOf(src))[0]?.state, "delivered");
    assert.equal(hook.received.at(-1)?.signed, true);
  });

  test("a rotation re-seals them under the new key; after destroying the old one they still deliver", async () => {
    const sec = await app.signIn("secadmin");
    const underOne = (await valuesUnderVersion(app.database.db, 1))["notification_channels.config"] ?? 0;
    assert.ok(underOne >= 4, `the count that guards destroying key 1 sees the channels (${underOne})`);
    const started = await sec.post("/api/v1/crypto/key-rotations").send({});
    assert.equal(started.status, 202, started.text);
    // Sealed under key 1, still delivered while the rotation runs.
    let src = await notify([hookId]);
    await drain();
    assert.equal((await deliveriesOf(src))[0]?.state, "delivered");

    const ring = await loadDataKeys({
      db: app.database.db,
      kek: parseKek(TEST_KEK),
      profile: gmProfile,
      kekSource: "TIANSHU_KEK",
    });
    const worker = createRotationWorker({
      db: app.database.db,
      ring,
      fields: createFieldCipher(parseKek(TEST_KEK), gmProfile, ring),
      logger: silentLogger,
    });
    let outcome = await worker.runBatch();
    for (let i = 0; outcome === "progress" && i < 50; i++) outcome = await worker.runBatch();
    assert.equal(outcome, "finished");
    for (const [id, secret] of secretsOf()) {
      const text = await storedText(id!);
      assert.ok(!/"v3\.1\./.test(text), "nothing left under key 1");
      assert.match(text, /"v3\.2\./);
      assert.ok(!text.includes(secret!));
    }
    assert.deepEqual(await valuesUnderVersion(app.database.db, 1), {});
    assert.equal((await sec.delete("/api/v1/crypto/data-keys/1")).status, 204);

    // A process that loads the keys now (key 1 gone) opens and sends them all.
    const fresh = await loadDataKeys({
      db: app.database.db,
      kek: parseKek(TEST_KEK),
      profile: gmProfile,
      kekSource: "TIANSHU_KEK",
    });
    assert.equal(fresh.get(1), undefined, "key 1 is destroyed");
    const mails = smtp.mails.length;
    src = await notify([hookId, smsId, mailId]);
    await drain(deps(createFieldCipher(parseKek(TEST_KEK), gmProfile, fresh)));
    assert.deepEqual(
      (await deliveriesOf(src)).map((r) => r.state),
      ["delivered", "delivered", "delivered"],
    );
    assert.equal(hook.received.at(-1)?.signed, true);
    assert.equal(gateway.received.at(-1)?.signed, true);
    assert.equal(smtp.mails.length, mails + 1);
    assert.equal(smtp.authFailures, 0);
  });
});
