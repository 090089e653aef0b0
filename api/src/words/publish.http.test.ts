import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import type supertest from "supertest";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";
import { serverUrl } from "../../../test/support/db";
import { untilListening } from "../db/bus";

/** Publishing, rollback, the check API and its statistics over HTTP (docs/words.md). */
let app: TestApp;
let sec: ReturnType<typeof supertest.agent>;
let bearer: string;
before(async () => {
  app = await startTestApp();
  sec = await app.signIn("secadmin");
  const client = await sec.post("/api/v1/api-clients").send({ name: "消息服务", scopes: ["content:check"] });
  assert.equal(client.status, 201, client.text);
  bearer = `Bearer ${client.body.secret}`;
});
after(async () => {
  await app?.services.words.close();
  await app?.close();
});

const check = (text: string, appId?: string, target: TestApp = app) =>
  target.http
    .post("/api/v1/content/check")
    .set("authorization", bearer)
    .send({ text, ...(appId ? { appId } : {}) });
const publish = async (note = "") => {
  const res = await sec.post("/api/v1/words/publish").send({ note });
  assert.equal(res.status, 201, res.text);
  return res.body as { version: number; wordCount: number; active: boolean };
};
const dictionary = async (name: string, category: string) =>
  (await sec.post("/api/v1/words/dictionaries").send({ name, category })).body.id as string;
const addWord = async (dictionaryId: string, word: string, level: number, action: string) => {
  const res = await sec.post("/api/v1/words").send({ dictionaryId, word, level, action });
  assert.equal(res.status, 201, res.text);
  return res.body.id as string;
};

let custom: string;
test("nothing published: every text passes, version 0", async () => {
  const res = await check("随便说点什么");
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { verdict: "pass", hits: [], text: "随便说点什么", version: 0 });
});

test("publish then check sees the new word; edits before the next publish do not", async () => {
  custom = await dictionary("自定义", "custom");
  await addWord(custom, "代开发票", 3, "replace");
  const v1 = await publish("首版");
  assert.equal(v1.version, 1);
  assert.equal(v1.wordCount, 1);
  assert.equal(v1.active, true);
  const hit = await check("可以代开 發票吗");
  assert.equal(hit.body.verdict, "replace");
  assert.equal(hit.body.text, "可以*****吗");
  assert.deepEqual(hit.body.hits, [
    { word: "代开发票", category: "custom", level: 3, action: "replace", start: 2, end: 7, via: "text" },
  ]);
  assert.equal(hit.body.version, 1);

  await addWord(custom, "刷单", 4, "block");
  assert.equal((await check("兼职刷单")).body.verdict, "pass", "the draft is not served");
  const v2 = await publish();
  assert.equal(v2.version, 2);
  assert.equal((await check("兼职刷单")).body.verdict, "block");
  assert.equal(await auditCount(app, { action: "words.publish", result: "success" }), 2);
});

test("rollback serves an earlier version again, as a new publication; the list marks the active one", async () => {
  const rolled = await sec.post("/api/v1/words/publications/1/rollback").send({ note: "误发" });
  assert.equal(rolled.status, 201, rolled.text);
  assert.equal(rolled.body.version, 3);
  assert.equal(rolled.body.rolledBackTo, 1);
  assert.equal((await check("兼职刷单")).body.verdict, "pass", "version 1 had no 刷单");
  assert.equal((await check("代开发票")).body.verdict, "replace");
  const list = await sec.get("/api/v1/words/publications");
  assert.equal(list.headers["x-total-count"], "3");
  assert.deepEqual(
    list.body.map((p: { version: number; active: boolean }) => [p.version, p.active]),
    [
      [3, true],
      [2, false],
      [1, false],
    ],
  );
  assert.equal((await sec.post("/api/v1/words/publications/99/rollback").send({})).status, 404);
  assert.equal(await auditCount(app, { action: "words.rollback", result: "success" }), 1);
  await publish("回到草稿"); // version 4 = the draft again
  assert.equal((await check("兼职刷单")).body.verdict, "block");
});

test("a publish that fails leaves the previous version serving (storage fails; a corrupt snapshot on load)", async () => {
  await addWord(custom, "博彩", 5, "block");
  const served = (await check("刷单")).body.version as number;
  // The database refuses the new publication (as a full disk or a lost connection would).
  await sql`CREATE FUNCTION words_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'storage unavailable'; END; $$`.execute(app.database.db);
  await sql`CREATE TRIGGER words_test_refuse BEFORE INSERT ON word_publications
    FOR EACH ROW EXECUTE FUNCTION words_test_refuse()`.execute(app.database.db);
  const failures = await auditCount(app, { action: "words.publish", result: "failure" });
  try {
    const failed = await sec.post("/api/v1/words/publish").send({});
    assert.equal(failed.status, 500);
    assert.match(failed.headers["content-type"] ?? "", /problem\+json/);
    assert.doesNotMatch(failed.text, /storage unavailable/, "database errors are not sent to the client");
  } finally {
    await sql`DROP TRIGGER words_test_refuse ON word_publications`.execute(app.database.db);
    await sql`DROP FUNCTION words_test_refuse()`.execute(app.database.db);
  }
  const after = await check("博彩");
  assert.deepEqual([after.body.verdict, after.body.version], ["pass", served], "the previous version keeps serving");
  assert.equal(await auditCount(app, { action: "words.publish", result: "failure" }), failures + 1);
  const active = await app.database.db.selectFrom("word_active_versions").select("version").executeTakeFirstOrThrow();
  assert.equal(active.version, served);

  // An instance that loads a snapshot it cannot compile keeps what it serves and logs the error.
  const corrupt = served + 1;
  await app.database.db
    .insertInto("word_publications")
    .values({
      tenant_id: app.platformTenantId,
      version: corrupt,
      snapshot: '{"words": 1}',
      word_count: 0,
      allow_count: 0,
    })
    .execute();
  await app.database.db.updateTable("word_active_versions").set({ version: corrupt }).execute();
  await app.services.authzDomain.bus.publish("words_published", JSON.stringify({ tenantId: app.platformTenantId }));
  await new Promise((r) => setTimeout(r, 200));
  const still = await check("刷单");
  assert.deepEqual(
    [still.body.verdict, still.body.version],
    ["block", served],
    "the previous dictionary keeps serving",
  );

  // A rollback to the corrupt version is refused before anything is stored.
  const rollbackFailures = await auditCount(app, { action: "words.rollback", result: "failure" });
  const refused = await sec.post(`/api/v1/words/publications/${corrupt}/rollback`).send({});
  assert.equal(refused.status, 422);
  assert.equal(refused.body.code, "DICTIONARY_COMPILE_FAILED");
  assert.ok(refused.body.zh);
  assert.equal(await auditCount(app, { action: "words.rollback", result: "failure" }), rollbackFailures + 1);
  const fixed = await publish("恢复");
  assert.equal(fixed.version, corrupt + 1);
  assert.equal((await check("博彩")).body.verdict, "block");
});

test("precedence: the same word in two categories reports the strongest action, then level, then category order", async () => {
  const political = await dictionary("政治", "political");
  const ads = await dictionary("广告", "advertising");
  await addWord(ads, "同词", 5, "block");
  await addWord(political, "同词", 5, "review");
  await addWord(ads, "平级", 2, "replace");
  await addWord(political, "平级", 2, "replace");
  await publish();
  const strongest = await check("同词");
  assert.deepEqual([strongest.body.verdict, strongest.body.hits[0].category], ["block", "advertising"]);
  assert.equal(strongest.body.hits.length, 1, "one hit per occurrence");
  const tie = await check("平级");
  assert.equal(tie.body.hits[0].category, "political", "equal action and level: the category listed first");
});

test("checks in flight during a publish all answer, each batch judged by one version", async () => {
  const before = (await check("x")).body.version as number;
  await addWord(custom, "飞行中", 3, "block");
  const batch = () =>
    app.http
      .post("/api/v1/content/check/batch")
      .set("authorization", bearer)
      .send({ texts: Array.from({ length: 200 }, () => "飞行中的检查") });
  const [answers] = await Promise.all([
    Promise.all(Array.from({ length: 20 }, (_, i) => new Promise((r) => setTimeout(r, i * 5)).then(batch))),
    publish("飞行中"),
  ]);
  for (const res of answers) {
    assert.equal(res.status, 200);
    assert.ok([before, before + 1].includes(res.body.version), String(res.body.version));
    const verdicts = new Set(res.body.results.map((r: { verdict: string }) => r.verdict));
    assert.deepEqual([...verdicts], [res.body.version === before ? "pass" : "block"], "one version per batch");
  }
  assert.equal((await check("飞行中")).body.verdict, "block");
});

test("allow-list words never hit once published; a disabled dictionary is left out", async () => {
  await sec.post("/api/v1/words/allow-list").send({ word: "代开发票查验" });
  await publish();
  assert.equal((await check("请做代开发票查验")).body.verdict, "pass");
  const d = await sec.get(`/api/v1/words/dictionaries/${custom}`);
  await sec
    .patch(`/api/v1/words/dictionaries/${custom}`)
    .set("if-match", d.headers.etag as string)
    .send({ enabled: false });
  await publish();
  assert.equal((await check("兼职刷单")).body.verdict, "pass");
  await sec
    .patch(`/api/v1/words/dictionaries/${custom}`)
    .set("if-match", `"${d.body.version + 1}"`)
    .send({ enabled: true });
  await publish();
});

test("bad input: empty, lone surrogates, invalid UTF-8, huge texts, too many texts", async () => {
  assert.equal((await check("")).body.verdict, "pass");
  const lone = await check("刷\ud800单\udfff");
  assert.equal(lone.status, 200);
  assert.equal(lone.body.verdict, "block");
  const badUtf8 = await app.http
    .post("/api/v1/content/check")
    .set("authorization", bearer)
    .set("content-type", "application/json")
    .serialize((raw: Buffer) => raw as unknown as string) // the bytes as they are, invalid UTF-8 included
    .send(Buffer.concat([Buffer.from('{"text":"刷'), Buffer.from([0xff, 0xfe]), Buffer.from('单"}')]));
  assert.equal(badUtf8.status, 200, "invalid bytes decode to U+FFFD, which is noise");
  assert.equal(badUtf8.body.verdict, "block");
  const huge = await check("好".repeat(22_000)); // 66,000 bytes of UTF-8
  assert.equal(huge.status, 413);
  assert.equal(huge.body.code, "TEXT_TOO_LARGE");
  const batch = (texts: string[]) =>
    app.http.post("/api/v1/content/check/batch").set("authorization", bearer).send({ texts });
  const many = await batch(Array.from({ length: 1_001 }, () => "x"));
  assert.equal(many.status, 400);
  assert.ok(many.body.errors.some((e: { path: string }) => e.path === "body.texts"));
  assert.equal((await batch([])).status, 400);
  const oneHuge = await batch(["ok", "a".repeat(65_537)]);
  assert.equal(oneHuge.status, 413);
  assert.equal(oneHuge.body.errors[0].path, "body.texts.1");
  const full = await batch(Array.from({ length: 1_000 }, (_, i) => (i % 10 === 0 ? "刷单" : "你好")));
  assert.equal(full.status, 200, full.text);
  assert.equal(full.body.results.length, 1_000);
  assert.equal(full.body.results.filter((r: { verdict: string }) => r.verdict === "block").length, 100);
  // Realistic messages: 1,000 of 200 CJK characters are about 600 kB, over the general 256 kB body limit.
  const long = await batch(Array.from({ length: 1_000 }, (_, i) => `${"你好".repeat(99)}${i % 2 ? "刷单" : "好的"}`));
  assert.equal(long.status, 200, long.text);
  assert.equal(long.body.results.filter((r: { verdict: string }) => r.verdict === "block").length, 500);
  const tooMuch = await batch(Array.from({ length: 1_000 }, () => "好".repeat(3_000))); // 9 MB
  assert.equal(tooMuch.status, 413);
  assert.equal(tooMuch.body.code, "BODY_TOO_LARGE");
});

test("API clients need the content:check scope; secadmin may use the check (test box)", async () => {
  const other = await sec.post("/api/v1/api-clients").send({ name: "只读组织", scopes: ["org:read"] });
  const res = await app.http
    .post("/api/v1/content/check")
    .set("authorization", `Bearer ${other.body.secret}`)
    .send({ text: "x" });
  assert.equal(res.status, 403);
  assert.equal((await app.http.post("/api/v1/content/check").send({ text: "x" })).status, 401);
  assert.equal((await sec.post("/api/v1/content/check").send({ text: "刷单" })).body.verdict, "block");
});

test("statistics: hits by category, word, app and day; texts are not stored", async () => {
  await app.services.words.stats.flush();
  await app.database.db.deleteFrom("word_hit_stats").execute();
  for (let i = 0; i < 3; i++) await check("兼职刷单", "im");
  await check("代开发票和刷单", "mail");
  await sec.post("/api/v1/content/check").send({ text: "刷单" }); // the console's test box is not counted
  const byWord = await sec.get("/api/v1/words/stats?groupBy=word");
  assert.equal(byWord.status, 200, byWord.text);
  assert.deepEqual(byWord.body, [
    { key: "刷单", hits: 4 },
    { key: "代开发票", hits: 1 },
  ]);
  const byApp = await sec.get("/api/v1/words/stats?groupBy=app&_sort=key&_order=asc");
  assert.deepEqual(byApp.body, [
    { key: "im", hits: 3 },
    { key: "mail", hits: 2 },
  ]);
  const today = new Date().toISOString().slice(0, 10);
  const byDay = await sec.get(`/api/v1/words/stats?groupBy=day&from=${today}&to=${today}&appId=im`);
  assert.deepEqual(byDay.body, [{ key: today, hits: 3 }]);
  const byCategory = await sec.get("/api/v1/words/stats?groupBy=category");
  assert.deepEqual(byCategory.body, [{ key: "custom", hits: 5 }]);
  assert.equal((await sec.get("/api/v1/words/stats?from=2026-13-01")).status, 400);
  const columns = await app.database.pool.query(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'word_hit_stats' ORDER BY 1",
  );
  assert.deepEqual(
    columns.rows.map((r) => r.column_name),
    ["app_id", "category", "day", "hits", "tenant_id", "word"],
  );
  assert.equal(await auditCount(app, { action: "words.check" }), 0, "checks are not audited one by one");
});

test("two instances on one server database: a publish on one is served by the other within a second", async (t) => {
  if (!serverUrl) {
    t.skip("embedded mode is one process by construction (no LISTEN)");
    return;
  }
  const a = await startTestApp({ DATABASE_URL: app.database.url as string }, { database: app.database });
  const b = await startTestApp({ DATABASE_URL: app.database.url as string }, { database: app.database });
  try {
    await Promise.all([untilListening(a.services.authzDomain.bus), untilListening(b.services.authzDomain.bus)]);
    assert.equal((await check("新词上线", undefined, b)).body.verdict, "pass", "B has loaded the current version");
    const secOnA = await a.signIn("secadmin");
    const dict = (await secOnA.post("/api/v1/words/dictionaries").send({ name: "实例A", category: "custom" })).body.id;
    await secOnA.post("/api/v1/words").send({ dictionaryId: dict, word: "新词上线", level: 2, action: "review" });
    const published = await secOnA.post("/api/v1/words/publish").send({});
    assert.equal(published.status, 201);
    const start = Date.now();
    let verdict = "pass";
    while (verdict === "pass" && Date.now() - start < 1_000) {
      verdict = (await check("新词上线", undefined, b)).body.verdict;
      if (verdict === "pass") await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(verdict, "review", "B serves the new version within a second");
  } finally {
    await a.services.words.close();
    await b.services.words.close();
    await a.services.authzDomain.bus.close();
    await b.services.authzDomain.bus.close();
  }
});
