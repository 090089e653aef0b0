import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, test } from "node:test";
import { auditCount, startTestApp, type TestApp, TEST_KEK } from "../../../test/support/app";
import { cryptoProfile } from "../crypto/profile";
import { parseKek } from "../crypto/keys";
import { rewrapKek } from "../keys/rewrap";
import { username } from "../users/test-fixtures";
import { traceMinute } from "./effective";
import { type Agent, clearPolicies, createPolicy } from "./test-fixtures";

/**
 * The invisible trace through the API on a real database: text marked for a user survives what a
 * messenger does to it and decodes back to the user and minute; a tile's code decodes too; tracing
 * is audited; and traces made before a KEK re-wrap still decode after it.
 */
let app: TestApp;
let sec: Agent;
let sys: Agent;
let carol: string;
const carolName = username("wm");
const notice =
  "关于二〇二六年第四季度预算调整的通知：\n各部门请于十二月五日前提交调整方案，逾期不再受理。\n联系人：财务处 王老师。";

before(async () => {
  app = await startTestApp();
  sec = await app.signIn("secadmin");
  sys = await app.signIn("sysadmin");
  const res = await sys.post("/api/v1/users").send({ username: carolName, displayName: "卡萝尔" });
  assert.equal(res.status, 201, res.text);
  carol = res.body.user.id;
});
after(() => app?.close());

const trace = (body: Record<string, string>, agent: Agent = sec) => agent.post("/api/v1/watermarks/trace").send(body);

test("marked text decodes back to the user and minute after messenger-like normalisation", async () => {
  const start = Math.floor(Date.now() / 60_000);
  const marked = await sec.post("/api/v1/watermarks/mark").send({ userId: carol, text: notice });
  assert.equal(marked.status, 200, marked.text);
  const text = marked.body.text as string;
  assert.equal(text.replace(/(?:\u200c|\u200d|\u2060)/g, ""), notice, "the visible text is unchanged");
  const normalisations: [string, (s: string) => string][] = [
    ["NFC", (s) => s.normalize("NFC")],
    ["trimmed, whitespace collapsed", (s) => `  ${s}\n`.trim().replace(/[ \t]+/g, " ")],
    ["CRLF line endings", (s) => s.replace(/\n/g, "\r\n")],
    ["line endings stripped", (s) => s.replace(/\r?\n/g, "")],
    ["inside a longer message", (s) => `【转发】请看这个：${s}\n——以上，请勿外传`],
    ["a fragment from the middle", (s) => s.slice(s.indexOf("季度"), s.indexOf("联系人"))],
  ];
  for (const [name, normalise] of normalisations) {
    const res = await trace({ text: normalise(text) });
    assert.equal(res.status, 200, `${name}: ${res.text}`);
    assert.equal(res.body.traces.length, 1, name);
    const [found] = res.body.traces;
    assert.equal(found.userId, carol, name);
    assert.equal(found.displayName, "卡萝尔", name);
    assert.equal(found.source, "text", name);
    const minute = Date.parse(found.time) / 60_000;
    assert.ok(minute >= start && minute <= start + 1, `${name}: the minute it was marked`);
  }
  const clean = await trace({ text: notice });
  assert.deepEqual(clean.body.traces, [], "no mark, no trace");
  const cut = await trace({ text: text.replace(/\u2060/g, "") });
  assert.deepEqual(cut.body.traces, [], "frames without their end marks are not guessed at");
});

test("the tile's trace code and text mark decode to the user and the tile's period", async () => {
  await clearPolicies(sec);
  await createPolicy(sec, { template: "{name} {date}" });
  const tile = await sec.get("/api/v1/watermarks/effective").query({ userId: carol });
  assert.equal(tile.status, 200, tile.text);
  const expected = new Date(traceMinute("{name} {date}", new Date()) * 60_000).toISOString();
  const code = tile.body.traceCode as string;
  // As read off a screenshot: lower case, grouped, 0 read as O.
  const typed = `${code.slice(0, 10)} ${code.slice(10)}`.toLowerCase().replace(/0/g, "o");
  const byCode = await trace({ code: typed });
  assert.deepEqual(byCode.body.traces, [
    { source: "code", time: expected, userId: carol, username: carolName, displayName: "卡萝尔" },
  ]);
  assert.ok(expected.endsWith("T16:00:00.000Z"), "without {time}: the start of the day in Asia/Shanghai");
  const byMark = await trace({ text: `复制的内容${tile.body.textMark as string}` });
  assert.equal(byMark.body.traces[0].userId, carol);
  assert.equal(byMark.body.traces[0].time, expected);
  const wrong = await trace({ code: "ZZZZZZZZZZZZZZZZZZZZ" });
  assert.deepEqual(wrong.body.traces, []);
  assert.equal((await trace({})).status, 400);
});

test("tracing is an investigation: audited with what was found, never the text", async () => {
  const marked = await sec.post("/api/v1/watermarks/mark").send({ userId: carol, text: notice });
  const before = await auditCount(app, { action: "watermark.trace" });
  await trace({ text: marked.body.text });
  assert.equal(await auditCount(app, { action: "watermark.trace" }), before + 1);
  const event = await app.database.db
    .selectFrom("audit_events")
    .select(["actor_role", "result", "detail"])
    .where("action", "=", "watermark.trace")
    .orderBy("seq", "desc")
    .executeTakeFirstOrThrow();
  assert.equal(event.actor_role, "secadmin");
  assert.equal(event.result, "success");
  const detail = event.detail as { found: { userId: string }[]; textLength: number };
  assert.deepEqual(
    detail.found.map((f) => f.userId),
    [carol],
  );
  assert.equal(detail.textLength, (marked.body.text as string).length);
  assert.doesNotMatch(JSON.stringify(detail), /预算/);
});

test("traces made before a KEK re-wrap still decode after it (the trace key is carried)", async () => {
  const marked = await sec.post("/api/v1/watermarks/mark").send({ userId: carol, text: notice });
  const codeBefore = (await sec.get("/api/v1/watermarks/effective").query({ userId: carol })).body.traceCode;
  const NEW_KEK = crypto.randomBytes(32).toString("hex");
  const result = await rewrapKek({
    db: app.database.db,
    profile: cryptoProfile(app.config.cryptoProfile),
    oldKek: parseKek(TEST_KEK),
    newKek: parseKek(NEW_KEK),
    oldSource: "TIANSHU_KEK",
    actorName: "test",
  });
  assert.ok(result.carried.includes("watermark:trace"));
  const restarted = await startTestApp({}, { database: app.database, kek: NEW_KEK });
  const sec2 = await restarted.signIn("secadmin");
  const res = await trace({ text: marked.body.text }, sec2);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.traces[0]?.userId, carol, "the old leak is still traceable");
  const codeAfter = (await sec2.get("/api/v1/watermarks/effective").query({ userId: carol })).body.traceCode;
  assert.equal(codeAfter, codeBefore, "the same key: the same code for the same user and day");
});
