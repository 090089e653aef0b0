import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import ExcelJS from "exceljs";
import type supertest from "supertest";
import { auditCount, startTestApp, type TestApp } from "../../../test/support/app";

/** The draft over HTTP: dictionaries, words, bulk, allow-list, import and export (docs/words.md). */
let app: TestApp;
let sec: ReturnType<typeof supertest.agent>;
before(async () => {
  app = await startTestApp();
  sec = await app.signIn("secadmin");
});
after(async () => {
  await app?.services.words.close();
  await app?.close();
});

const newDictionary = async (name: string, category = "custom") => {
  const res = await sec.post("/api/v1/words/dictionaries").send({ name, category });
  assert.equal(res.status, 201, res.text);
  return res.body as { id: string; version: number };
};

test("dictionaries: create, read with ETag, update with If-Match, conflicts, delete — all audited", async () => {
  const created = await sec
    .post("/api/v1/words/dictionaries")
    .send({ name: "广告词", category: "advertising", description: "推广、引流" });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.headers.etag, '"1"');
  assert.deepEqual(
    { ...created.body, id: undefined, createdAt: undefined, updatedAt: undefined },
    {
      id: undefined,
      name: "广告词",
      category: "advertising",
      description: "推广、引流",
      enabled: true,
      wordCount: 0,
      version: 1,
      createdAt: undefined,
      updatedAt: undefined,
    },
  );
  const id = created.body.id as string;
  assert.equal(
    (await sec.post("/api/v1/words/dictionaries").send({ name: "广告词", category: "custom" })).body.code,
    "DICTIONARY_NAME_TAKEN",
  );

  const missing = await sec.patch(`/api/v1/words/dictionaries/${id}`).send({ enabled: false });
  assert.equal(missing.status, 428);
  const stale = await sec.patch(`/api/v1/words/dictionaries/${id}`).set("if-match", '"7"').send({ enabled: false });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.code, "VERSION_CONFLICT");
  const saved = await sec.patch(`/api/v1/words/dictionaries/${id}`).set("if-match", '"1"').send({ enabled: false });
  assert.equal(saved.status, 200, saved.text);
  assert.equal(saved.body.enabled, false);
  assert.equal(saved.headers.etag, '"2"');

  const list = await sec.get("/api/v1/words/dictionaries?category=advertising&_start=0&_end=10");
  assert.equal(list.status, 200);
  assert.equal(list.headers["x-total-count"], "1");
  assert.equal(list.body[0].id, id);

  assert.equal((await sec.delete(`/api/v1/words/dictionaries/${id}`).set("if-match", '"1"')).status, 409);
  assert.equal((await sec.delete(`/api/v1/words/dictionaries/${id}`).set("if-match", '"2"')).status, 204);
  assert.equal((await sec.get(`/api/v1/words/dictionaries/${id}`)).status, 404);
  for (const action of ["words.dictionary.create", "words.dictionary.update", "words.dictionary.delete"]) {
    assert.equal(await auditCount(app, { action, result: "success" }), 1, action);
  }
  assert.equal(await auditCount(app, { action: "words.dictionary.update", result: "failure" }), 1, "stale If-Match");
});

test("validation errors are 400 problem+json naming the field; nothing is written", async () => {
  const before = await auditCount(app);
  const cases: [string, object, string][] = [
    ["/api/v1/words/dictionaries", { name: "x", category: "religion" }, "body.category"],
    ["/api/v1/words/dictionaries", { name: "", category: "custom" }, "body.name"],
    ["/api/v1/words", { dictionaryId: "not-a-uuid", word: "词", level: 3, action: "block" }, "body.dictionaryId"],
    ["/api/v1/words", { dictionaryId: crypto.randomUUID(), word: "词", level: 6, action: "block" }, "body.level"],
    ["/api/v1/words", { dictionaryId: crypto.randomUUID(), word: "词", level: 1, action: "delete" }, "body.action"],
    [
      "/api/v1/words",
      { dictionaryId: crypto.randomUUID(), word: "长".repeat(65), level: 1, action: "block" },
      "body.word",
    ],
  ];
  for (const [url, body, path] of cases) {
    const res = await sec.post(url).send(body);
    assert.equal(res.status, 400, `${path}: ${res.text}`);
    assert.match(res.headers["content-type"] ?? "", /problem\+json/);
    assert.ok(
      res.body.errors.some((e: { path: string; zh: string }) => e.path === path && e.zh),
      JSON.stringify(res.body),
    );
  }
  const unknown = await sec
    .post("/api/v1/words")
    .send({ dictionaryId: crypto.randomUUID(), word: "词", level: 1, action: "block" });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, "DICTIONARY_NOT_FOUND");
  assert.equal(await auditCount(app), before, "no change, no event");
});

test("words: create, same folded word refused, search + filters + paging, update, delete, bulk", async () => {
  const d = await newDictionary("自定义-1");
  const add = (word: string, level = 3, action = "block") =>
    sec.post("/api/v1/words").send({ dictionaryId: d.id, word, level, action });
  const w1 = await add("敏感词", 4, "replace");
  assert.equal(w1.status, 201, w1.text);
  assert.equal(w1.body.category, "custom");
  const twin = await add("敏 感 詞");
  assert.equal(twin.status, 409, "the same word after normalisation");
  assert.equal(twin.body.code, "WORD_EXISTS");
  for (const w of ["代开发票", "刷单", "兼职刷单", "博彩"]) assert.equal((await add(w, 2, "review")).status, 201);

  const page = await sec.get(`/api/v1/words?dictionaryId=${d.id}&q=刷单&_sort=word&_order=asc`);
  assert.equal(page.status, 200);
  assert.equal(page.headers["x-total-count"], "2");
  assert.deepEqual(page.body.map((w: { word: string }) => w.word).sort(), ["兼职刷单", "刷单"]);
  const byAction = await sec.get(`/api/v1/words?dictionaryId=${d.id}&action=review&_start=0&_end=2`);
  assert.equal(byAction.headers["x-total-count"], "4");
  assert.equal(byAction.body.length, 2, "paged");
  assert.equal((await sec.get(`/api/v1/words?level=9`)).status, 400);

  const updated = await sec
    .patch(`/api/v1/words/${w1.body.id}`)
    .set("if-match", '"1"')
    .send({ level: 5, pinyin: true });
  assert.equal(updated.status, 200, updated.text);
  assert.equal(updated.body.level, 5);
  assert.equal(updated.body.pinyin, true);
  assert.equal((await sec.patch(`/api/v1/words/${w1.body.id}`).set("if-match", '"1"').send({ level: 1 })).status, 409);

  const ids = byAction.body.map((w: { id: string }) => w.id);
  const bulk = await sec
    .post("/api/v1/words/bulk")
    .send({ op: "update", ids: [...ids, crypto.randomUUID()], set: { action: "block" } });
  assert.deepEqual(bulk.body, { affected: 2, skipped: 1 });
  const other = await newDictionary("自定义-2", "violent");
  const moved = await sec.post("/api/v1/words/bulk").send({ op: "move", ids, dictionaryId: other.id });
  assert.equal(moved.body.affected, 2);
  assert.equal((await sec.get(`/api/v1/words?category=violent`)).headers["x-total-count"], "2");
  const deleted = await sec.post("/api/v1/words/bulk").send({ op: "delete", ids });
  assert.equal(deleted.body.affected, 2);
  assert.equal((await sec.delete(`/api/v1/words/${w1.body.id}`)).status, 204);
  assert.equal((await sec.delete(`/api/v1/words/${w1.body.id}`)).status, 404);
  for (const action of [
    "words.word.create",
    "words.word.update",
    "words.word.delete",
    "words.bulk.update",
    "words.bulk.move",
    "words.bulk.delete",
  ]) {
    assert.ok((await auditCount(app, { action, result: "success" })) >= 1, action);
  }
});

test("allow-list: add, duplicate refused, list, remove", async () => {
  const added = await sec.post("/api/v1/words/allow-list").send({ word: "发票查验", note: "税务场景" });
  assert.equal(added.status, 201, added.text);
  assert.equal((await sec.post("/api/v1/words/allow-list").send({ word: "發票 查驗" })).body.code, "ALLOW_WORD_EXISTS");
  const list = await sec.get("/api/v1/words/allow-list?q=发票");
  assert.equal(list.headers["x-total-count"], "1");
  assert.equal((await sec.delete(`/api/v1/words/allow-list/${added.body.id}`)).status, 204);
  assert.equal((await sec.delete(`/api/v1/words/allow-list/${added.body.id}`)).status, 404);
  assert.equal(await auditCount(app, { action: "words.allow.create", result: "success" }), 1);
  assert.equal(await auditCount(app, { action: "words.allow.delete", result: "success" }), 1);
});

test("import: txt, a CSV with bad lines (per-line report), a GBK file, an undecodable file; dryRun writes nothing", async () => {
  const d = await newDictionary("导入");
  const upload = (body: Buffer, type: string, query = "") =>
    sec.post(`/api/v1/words/dictionaries/${d.id}/import${query}`).set("content-type", type).send(body);

  const dry = await upload(Buffer.from("甲词\n乙词\n"), "text/plain", "?dryRun=true");
  assert.equal(dry.status, 200, dry.text);
  assert.equal(dry.body.imported, 2);
  assert.equal((await sec.get(`/api/v1/words?dictionaryId=${d.id}`)).headers["x-total-count"], "0");

  const txt = await upload(Buffer.from("# 注释\n甲词\n\n乙词\n甲词\n！！！\n"), "text/plain", "?level=2&action=review");
  assert.deepEqual(
    { ...txt.body, errors: txt.body.errors.map((e: { line: number }) => e.line) },
    { encoding: "utf-8", imported: 2, existing: 0, duplicates: 1, errors: [6], dryRun: false },
  );
  const stored = await sec.get(`/api/v1/words?dictionaryId=${d.id}&_sort=word&_order=asc`);
  assert.deepEqual(
    stored.body.map((w: { level: number; action: string }) => [w.level, w.action]),
    [
      [2, "review"],
      [2, "review"],
    ],
  );

  const csv =
    "词语,级别,处理方式,拼音匹配\n丙词,5,屏蔽,是\n丁词,9,屏蔽,否\n戊词,3,删除,否\n甲词,1,替换,否\n己词,,审核,\n";
  const csvRes = await upload(Buffer.from(csv), "text/csv");
  assert.equal(csvRes.status, 200, csvRes.text);
  assert.equal(csvRes.body.imported, 2, "丙词 and 己词");
  assert.equal(csvRes.body.existing, 1, "甲词 was already there");
  assert.deepEqual(
    csvRes.body.errors.map((e: { line: number }) => e.line),
    [3, 4],
  );
  assert.ok(csvRes.body.errors.every((e: { message: string; zh: string }) => e.message && e.zh));

  const gbk = Buffer.from(new Uint8Array([0xc3, 0xf4, 0xb8, 0xd0, 0x0a, 0xb7, 0xa2, 0xc6, 0xb1, 0x0a])); // 敏感\n发票\n in GBK
  const gbkRes = await upload(gbk, "text/plain");
  assert.equal(gbkRes.status, 200, gbkRes.text);
  assert.equal(gbkRes.body.encoding, "gb18030");
  assert.equal(gbkRes.body.imported, 2);
  assert.equal((await sec.get(`/api/v1/words?dictionaryId=${d.id}&q=发票`)).body[0]?.word, "发票");

  const utf16 = await upload(Buffer.from("\uFEFF敏感", "utf16le"), "text/plain");
  assert.equal(utf16.status, 415);
  assert.equal(utf16.body.code, "UNSUPPORTED_ENCODING");
  assert.equal((await upload(Buffer.from("x"), "application/pdf")).status, 415);
  assert.equal(await auditCount(app, { action: "words.import", result: "success" }), 3);
});

test("import of 50,000 words from XLSX, then export in every format imports back the same", async () => {
  const d = await newDictionary("大词库");
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("words");
  sheet.addRow(["词语", "级别", "处理方式"]);
  // Distinct after normalisation: base-13 digits from alternating alphabets never repeat a letter.
  const spell = (n: number) =>
    [...n.toString(13).padStart(5, "0")]
      .map((d, k) => String.fromCharCode((k % 2 ? 0x6e : 0x61) + parseInt(d, 13)))
      .join("");
  for (let i = 0; i < 50_000; i++) sheet.addRow([`词${spell(i)}`, (i % 5) + 1, i % 2 ? "替换" : "屏蔽"]);
  const xlsx = Buffer.from(await workbook.xlsx.writeBuffer());
  const res = await sec
    .post(`/api/v1/words/dictionaries/${d.id}/import`)
    .set("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    .send(xlsx);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.imported, 50_000);
  assert.deepEqual(res.body.errors, []);
  for (const format of ["txt", "csv", "xlsx"] as const) {
    const file = await sec
      .get(`/api/v1/words/dictionaries/${d.id}/export?format=${format}`)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => cb(null, Buffer.concat(chunks)));
      });
    assert.equal(file.status, 200);
    assert.match(
      String(file.headers["content-disposition"]),
      new RegExp(`attachment; filename="words-.*\\.${format}"`),
    );
    const again = await sec
      .post(`/api/v1/words/dictionaries/${d.id}/import?dryRun=true&format=${format}`)
      .set(
        "content-type",
        format === "xlsx" ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/plain",
      )
      .send(file.body as Buffer);
    assert.equal(again.status, 200, again.text);
    assert.deepEqual([again.body.imported, again.body.existing, again.body.errors.length], [0, 50_000, 0], format);
  }
  assert.equal(await auditCount(app, { action: "words.export", result: "success" }), 3);
});

test("only secadmin: sysadmin and auditadmin get 403 (audited); another tenant's ids are 404", async () => {
  const d = await newDictionary("仅安全管理员");
  for (const role of ["sysadmin", "auditadmin"] as const) {
    const agent = await app.signIn(role);
    const denied = await auditCount(app, { action: "authz.denied" });
    assert.equal((await agent.get("/api/v1/words/dictionaries")).status, 403, role);
    assert.equal((await agent.post("/api/v1/words/dictionaries").send({ name: "x", category: "custom" })).status, 403);
    assert.equal((await agent.post("/api/v1/words/publish").send({})).status, 403);
    assert.equal((await agent.post("/api/v1/content/check").send({ text: "x" })).status, 403);
    assert.equal(await auditCount(app, { action: "authz.denied" }), denied + 4);
  }
  assert.equal((await app.http.get("/api/v1/words/dictionaries")).status, 401);
  const other = await app.database.db
    .insertInto("tenants")
    .values({ code: "words-other", name: "另一租户" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const foreign = await app.database.db
    .insertInto("word_dictionaries")
    .values({ tenant_id: other.id, name: "别人的", category: "custom" })
    .returning("id")
    .executeTakeFirstOrThrow();
  assert.equal((await sec.get(`/api/v1/words/dictionaries/${foreign.id}`)).status, 404);
  assert.equal(
    (await sec.post("/api/v1/words").send({ dictionaryId: foreign.id, word: "词", level: 1, action: "block" })).status,
    404,
  );
  const mine = await sec.get("/api/v1/words/dictionaries?_end=200");
  assert.ok(mine.body.every((x: { id: string }) => x.id !== foreign.id));
  assert.ok(mine.body.some((x: { id: string }) => x.id === d.id));
});

test("the OpenAPI document lists the sensitive-word routes, the check routes with the content:check scope", async () => {
  const doc = (await app.http.get("/api/openapi.json")).body;
  assert.equal(doc.paths["/api/v1/words/publish"].post.operationId, "publishSensitiveWords");
  assert.equal(doc.paths["/api/v1/content/check/batch"].post["x-api-client-scope"], "content:check");
  assert.deepEqual(doc.paths["/api/v1/words/dictionaries/{id}"].patch["x-required-ability"], {
    action: "update",
    subject: "SensitiveWord",
  });
  assert.ok(doc.components.schemas.ContentCheckResult);
});
