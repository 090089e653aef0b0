import assert from "node:assert/strict";
import { test } from "node:test";
import { compileDictionary, type WordEntry } from "./engine";

const words: WordEntry[] = [
  { word: "敏感词", category: "custom", level: 3, action: "block" },
  { word: "发票", category: "advertising", level: 2, action: "replace", pinyin: true },
  { word: "代开发票", category: "advertising", level: 4, action: "block", pinyin: true },
  { word: "赌博", category: "violent", level: 2, action: "review" },
  { word: "ass", category: "pornographic", level: 1, action: "replace" },
  { word: "viagra", category: "advertising", level: 2, action: "block" },
  { word: "人民币", category: "advertising", level: 1, action: "review" },
];
const dict = compileDictionary(words, ["发票查验"]);

/** The matched slices of the original text, with the word each stands for. */
const matched = (text: string) => dict.check(text).hits.map((h) => [text.slice(h.start, h.end), h.word]);

test("plain hits report the category, action and span in the original text", () => {
  const r = dict.check("这是敏感词，不要说");
  assert.equal(r.verdict, "block");
  assert.deepEqual(r.hits, [
    { word: "敏感词", category: "custom", level: 3, action: "block", start: 2, end: 5, via: "text" },
  ]);
  assert.equal(r.text, "这是***，不要说");
  assert.deepEqual(dict.check("今天天气很好"), { verdict: "pass", hits: [], text: "今天天气很好" });
});

test("each evasion kind is caught, and the span covers the evasion in the original", () => {
  const cases: [string, string, string][] = [
    ["case and full width", "买ＶＩＡＧＲＡ吗", "ＶＩＡＧＲＡ"],
    ["mixed case", "buy ViAgRa now", "ViAgRa"],
    ["traditional characters", "這是敏感詞", "敏感詞"],
    ["zero-width characters", "敏\u200b感\u200d词", "敏\u200b感\u200d词"],
    ["noise between characters", "敏*感 词", "敏*感 词"],
    ["underscore noise", "敏_感_词", "敏_感_词"],
    ["emoji noise", "敏😀感😀词", "敏😀感😀词"],
    ["repeated characters", "敏敏敏感感词", "敏敏敏感感词"],
    ["Kangxi radical look-alike", "收⼈民币", "⼈民币"],
    ["circled and full-width digits are folded too", "ｖｉａｇｒａ", "ｖｉａｇｒａ"],
    ["pinyin", "可以 fa piao 吗", "fa piao"],
    ["initials of a three-character word", "dkfp 联系我", "dkfp"],
  ];
  for (const [kind, text, slice] of cases) {
    const hits = matched(text);
    assert.ok(
      hits.some(([s]) => s === slice),
      `${kind}: expected ${JSON.stringify(slice)} in ${JSON.stringify(hits)}`,
    );
  }
});

test("a latin word does not hit inside a longer latin word, but does across noise", () => {
  assert.deepEqual(matched("first class assignment"), []);
  assert.deepEqual(matched("you a.s.s"), [["a.s.s", "ass"]]);
  assert.deepEqual(matched("你是ass吗"), [["ass", "ass"]]);
});

test("overlapping words are all reported; the verdict is the strongest action", () => {
  const r = dict.check("代开发票");
  assert.deepEqual(
    r.hits.map((h) => [h.word, h.action]),
    [
      ["代开发票", "block"],
      ["发票", "replace"],
    ],
  );
  assert.equal(r.verdict, "block");
  assert.equal(dict.check("去赌博").verdict, "review");
  assert.equal(dict.check("去赌博").text, "去赌博", "review passes the text unchanged");
  assert.equal(dict.check("发票和赌博").verdict, "replace");
});

test("the allow-list suppresses hits inside its own occurrences only", () => {
  assert.deepEqual(matched("请做发票查验"), []);
  assert.deepEqual(matched("发票查验和发票"), [["发票", "发票"]]);
});

test("a word listed in several categories reports the strongest entry", () => {
  const d = compileDictionary([
    { word: "同词", category: "custom", level: 5, action: "review" },
    { word: "同詞", category: "political", level: 1, action: "block" },
    { word: "同词", category: "advertising", level: 4, action: "block" },
  ]);
  assert.deepEqual(
    d.check("同词").hits.map((h) => [h.category, h.action, h.level]),
    [["advertising", "block", 4]],
  );
});

test("bad input never breaks the engine: empty, lone surrogates, control characters, huge", () => {
  assert.equal(dict.check("").verdict, "pass");
  assert.equal(dict.check("\ud800敏感\udc00词\ud800").verdict, "block");
  assert.equal(dict.check("\u0000\u0001敏感词\u007f").verdict, "block");
  const huge = `${"无害的文本".repeat(20_000)}敏感词`;
  const r = dict.check(huge);
  assert.deepEqual([r.verdict, r.hits[0]?.start], ["block", 100_000]);
});
