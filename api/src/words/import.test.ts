import assert from "node:assert/strict";
import { test } from "node:test";
import ExcelJS from "exceljs";
import { formatWordList, type ImportedWord, parseWordList } from "./import";

const defaults = { level: 2, action: "replace" as const };
const GBK_MINGAN = Buffer.from([0xc3, 0xf4, 0xb8, 0xd0]); // 敏感 in GBK

test("plain text: one word per line, comments and blank lines skipped, duplicates after folding counted", async () => {
  const list = await parseWordList(
    Buffer.from("# 广告\n发票\n\n  代开发票  \r\n發票\nＦＯＯ\nfoo\n", "utf8"),
    "txt",
    undefined,
    defaults,
  );
  assert.deepEqual(
    list.words.map((w) => [w.word, w.level, w.action, w.pinyin]),
    [
      ["发票", 2, "replace", false],
      ["代开发票", 2, "replace", false],
      ["ＦＯＯ", 2, "replace", false],
    ],
  );
  assert.equal(list.duplicates, 2, "發票 folds to 发票 and foo to ＦＯＯ");
  assert.deepEqual(list.errors, []);
});

test("encodings: GBK is detected, UTF-16 and undecodable bytes are refused clearly", async () => {
  const gbk = await parseWordList(Buffer.concat([GBK_MINGAN, Buffer.from("\n")]), "txt", undefined, defaults);
  assert.deepEqual([gbk.encoding, gbk.words[0]?.word], ["gb18030", "敏感"]);
  await assert.rejects(
    parseWordList(Buffer.from([0xff, 0xfe, 0x4f, 0x60]), "txt", undefined, defaults),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, "UNSUPPORTED_ENCODING");
      assert.match(err.message, /UTF-16/);
      return true;
    },
  );
  await assert.rejects(
    parseWordList(Buffer.from([0x81, 0x20, 0xff, 0xff]), "txt", undefined, defaults),
    /neither UTF-8 nor GBK/,
  );
});

test("CSV: every bad line is reported with its line number and both languages; good lines import", async () => {
  const csv = [
    "词语,级别,处理方式,拼音匹配",
    "赌博,3,屏蔽,是",
    "发票,9,替换,否",
    "代开,2,delete,否",
    "***,2,review,否",
    `${"长".repeat(65)},1,review,否`,
    "广告,,,",
    "测试,1,review,maybe",
  ].join("\n");
  const list = await parseWordList(Buffer.from(csv, "utf8"), "csv", undefined, defaults);
  assert.deepEqual(
    list.words.map((w) => [w.word, w.level, w.action, w.pinyin]),
    [
      ["赌博", 3, "block", true],
      ["广告", 2, "replace", false],
    ],
  );
  assert.deepEqual(
    list.errors.map((e) => e.line),
    [3, 4, 5, 6, 8],
  );
  for (const e of list.errors) assert.ok(e.message.length > 0 && /[\u4e00-\u9fff]/.test(e.zh), JSON.stringify(e));
  assert.match(list.errors[0]?.message ?? "", /level must be an integer from 1 to 5/);
});

test("an unknown column is refused before any row is read", async () => {
  await assert.rejects(
    parseWordList(Buffer.from("word,colour\n发票,red\n"), "csv", undefined, defaults),
    /Unknown column\(s\): colour/,
  );
});

test("export then import gives the same list, in all three formats; formula-like words stay inert", async () => {
  const words: ImportedWord[] = [
    { word: "发票", level: 3, action: "block", pinyin: true },
    { word: "=cmd|' /C calc'!A0", level: 1, action: "review", pinyin: false },
    { word: 'a "quoted", word', level: 5, action: "replace", pinyin: false },
  ];
  for (const format of ["csv", "xlsx"] as const) {
    const file = await formatWordList(words, format);
    const back = await parseWordList(file, format, undefined, defaults);
    assert.deepEqual(back.words, words, format);
    assert.deepEqual(back.errors, [], format);
  }
  const csv = (await formatWordList(words, "csv")).toString("utf8");
  assert.match(csv, /\r\n'=cmd/, "the CSV cell cannot run as a formula");
  const book = new ExcelJS.Workbook();
  await book.xlsx.load((await formatWordList(words, "xlsx")) as unknown as ArrayBuffer);
  assert.equal(book.worksheets[0]?.getRow(3).getCell(1).formula, undefined);
  const txt = await parseWordList(await formatWordList(words.slice(0, 1), "txt"), "txt", undefined, defaults);
  assert.deepEqual(
    txt.words.map((w) => w.word),
    ["发票"],
  );
});

test("a list of 50,000 words is read whole", async () => {
  const lines = Array.from({ length: 50_000 }, (_, i) => `词${i.toString(36)}`);
  const list = await parseWordList(Buffer.from(lines.join("\n")), "txt", undefined, defaults);
  assert.equal(list.words.length, 50_000);
});
