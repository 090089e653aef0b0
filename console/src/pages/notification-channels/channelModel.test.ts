import assert from "node:assert/strict";
import { test } from "node:test";
import * as server from "../../../../api/src/notifications/schemas";
import { CHANNEL_TYPES, type ChannelType, MASK, RECIPIENT_ROLES } from "./channelApi";
import { type ChannelFormConfig, configForType, defaultConfig, secretOk, targetOf } from "./channelModel";

test("the console's channel vocabulary is the server's", () => {
  assert.deepEqual(CHANNEL_TYPES, server.CHANNEL_TYPES);
  assert.deepEqual(RECIPIENT_ROLES, server.RECIPIENT_ROLES);
  assert.equal(MASK, server.MASK);
});

test("what the form sends for each type is what the server accepts", () => {
  const filled: Record<ChannelType, ChannelFormConfig> = {
    webhook: { url: " https://hooks.example/x ", secret: "s".repeat(16) },
    sms: { url: "https://sms.example/send", secret: MASK, phoneNumbers: [" 13800138000 "] },
    email: {
      host: "smtp.example",
      port: 587,
      security: "starttls",
      user: "",
      password: "p",
      from: "a@b.cn",
      to: ["c@d.cn"],
    },
    console: defaultConfig("console"),
  };
  for (const type of CHANNEL_TYPES) {
    const body = { name: "n", type, config: configForType(type, { ...defaultConfig(type), ...filled[type] }) };
    const parsed = server.ChannelBody.safeParse(body);
    assert.ok(parsed.success, `${type}: ${JSON.stringify(parsed.error?.issues)}`);
  }
  // No user: the password is dropped rather than refused.
  assert.equal(configForType("email", { ...filled.email }).password, undefined);
  assert.equal(configForType("email", { ...filled.email, user: "u" }).password, "p");
});

test("a secret is the mask of a stored one, or 16 to 256 characters", () => {
  assert.equal(secretOk(MASK, true), true);
  assert.equal(secretOk(MASK, false), false);
  assert.equal(secretOk("short", false), false);
  assert.equal(secretOk("x".repeat(16), false), true);
  assert.equal(secretOk("x".repeat(257), false), false);
});

test("the list shows where a channel sends", () => {
  assert.equal(targetOf("webhook", { url: "https://hooks.example:8443/a?b", secret: MASK }), "hooks.example:8443");
  assert.equal(targetOf("sms", { url: "https://sms.example/", phoneNumbers: ["1", "2"] }), "sms.example · 2");
  assert.equal(targetOf("email", { to: ["a@b.cn", "c@d.cn"] }), "a@b.cn, c@d.cn");
  assert.equal(targetOf("console", { roles: ["sysadmin"], userIds: [] }), "sysadmin");
});
