import assert from "node:assert/strict";
import { test } from "node:test";
import {
  emailBodies,
  emailSubject,
  type OutgoingMessage,
  SMS_MAX_CHARS,
  smsBody,
  smsText,
  webhookBody,
} from "./render";

const m = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id: "d-1",
  source: { kind: "alert", id: "a-1" },
  severity: "critical",
  title: { zh: "订单<服务>不可用", en: "Orders <down>" },
  text: { zh: '第一行\n第二行 & "引号"', en: "line one\nline 'two'" },
  link: "https://console.example.cn/a?x=1&y=2",
  data: { k: 1 },
  createdAt: new Date("2026-11-26T01:02:03Z"),
  ...over,
});

test("e-mail HTML escapes every value and puts Chinese first", () => {
  const { html, text } = emailBodies(m());
  assert.ok(html.includes("订单&lt;服务&gt;不可用"));
  assert.ok(html.includes("Orders &lt;down&gt;"));
  assert.ok(html.includes("第一行<br>第二行 &amp; &quot;引号&quot;"));
  assert.ok(html.includes("line &#39;two&#39;"));
  assert.ok(html.includes('href="https://console.example.cn/a?x=1&amp;y=2"'));
  assert.ok(!/<(?!\/?(?:html|head|meta|title|body|section|h2|p|br|hr|a)\b)[a-z]/i.test(html), "only our tags");
  assert.ok(html.indexOf('lang="zh-CN"') < html.indexOf('lang="en"'));
  assert.ok(text.indexOf("第一行") < text.indexOf("line one"));
  assert.ok(text.includes("订单<服务>不可用"), "plain text is not escaped");
});

test("a javascript: link is shown as text, never as a link; a path is a link", () => {
  const bad = emailBodies(m({ link: "javascript:alert(1)" })).html;
  assert.ok(!bad.includes("href="));
  assert.ok(bad.includes("javascript:alert(1)"));
  assert.ok(emailBodies(m({ link: "/incidents?id=1" })).html.includes('href="/incidents?id=1"'));
  assert.ok(!emailBodies(m({ link: "//evil.example/x" })).html.includes("href="));
  assert.ok(!emailBodies(m({ link: null })).html.includes("链接"));
});

test("the subject is one line, Chinese first", () => {
  const s = emailSubject(m({ title: { zh: "甲\r\nBcc: x@y", en: "A\nB" } }));
  assert.ok(!/[\r\n]/.test(s));
  assert.equal(s, "[天枢][严重] 甲 Bcc: x@y / [Critical] A B");
});

test("SMS text: short, Chinese first; the body carries the numbers", () => {
  assert.equal(smsText(m({ severity: "warning" })), "【天枢】[警告] 订单<服务>不可用｜[Warning] Orders <down>");
  const long = smsText(m({ title: { zh: "长".repeat(300), en: "x" } }));
  assert.equal(Array.from(long).length, SMS_MAX_CHARS);
  assert.ok(long.endsWith("…"));
  const body = JSON.parse(smsBody(m(), ["13800138000"]));
  assert.deepEqual(body.phoneNumbers, ["13800138000"]);
  assert.equal(body.id, "d-1");
});

test("webhook body: both languages, source, link and data", () => {
  const body = JSON.parse(webhookBody(m()));
  assert.deepEqual(body, {
    id: "d-1",
    source: { kind: "alert", id: "a-1" },
    severity: "critical",
    title: { zh: "订单<服务>不可用", en: "Orders <down>" },
    text: { zh: '第一行\n第二行 & "引号"', en: "line one\nline 'two'" },
    link: "https://console.example.cn/a?x=1&y=2",
    data: { k: 1 },
    createdAt: "2026-11-26T01:02:03.000Z",
  });
});
