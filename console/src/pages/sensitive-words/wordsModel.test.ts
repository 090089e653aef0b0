import assert from "node:assert/strict";
import { test } from "node:test";
import type { Hit } from "./wordsApi";
import { barPercents, listTypeOf, segmentsOf, strongestAction, utcDay } from "./wordsModel";

const hit = (word: string, start: number, end: number, action: Hit["action"] = "block"): Hit => ({
  word,
  category: "custom",
  level: 3,
  action,
  start,
  end,
  via: "text",
});

test("segments cover the whole text; an evaded hit is one piece with the noise inside", () => {
  const text = "这是敏*感词吗";
  const segments = segmentsOf(text, [hit("敏感词", 2, 6)]);
  assert.deepEqual(
    segments.map((s) => [s.text, s.hits.length]),
    [
      ["这是", 0],
      ["敏*感词", 1],
      ["吗", 0],
    ],
  );
  assert.equal(segments.map((s) => s.text).join(""), text);
});

test("overlapping hits are both kept: the shared part lists both", () => {
  const text = "代开发票了";
  const segments = segmentsOf(text, [hit("代开发票", 0, 4, "review"), hit("发票", 2, 4, "replace")]);
  assert.deepEqual(
    segments.map((s) => [s.text, s.hits.map((h) => h.word).join("+")]),
    [
      ["代开", "代开发票"],
      ["发票", "代开发票+发票"],
      ["了", ""],
    ],
  );
  assert.equal(strongestAction(segments[1]?.hits ?? []), "replace");
  assert.equal(strongestAction([]), undefined);
});

test("no hits: one plain piece; spans beyond the text are clipped", () => {
  assert.deepEqual(segmentsOf("abc", []), [{ text: "abc", start: 0, end: 3, hits: [] }]);
  assert.deepEqual(segmentsOf("", []), []);
  const clipped = segmentsOf("ab", [hit("x", 1, 9)]);
  assert.deepEqual(
    clipped.map((s) => s.text),
    ["a", "b"],
  );
});

test("bars are shares of the largest count", () => {
  assert.deepEqual(
    barPercents([
      { key: "a", hits: 8 },
      { key: "b", hits: 2 },
      { key: "c", hits: 0 },
    ]),
    [100, 25, 0],
  );
  assert.deepEqual(barPercents([{ key: "a", hits: 0 }]), [0]);
});

test("upload types and UTC days", () => {
  assert.equal(listTypeOf("词库.CSV")?.type, "text/csv");
  assert.equal(listTypeOf("a.txt")?.format, "txt");
  assert.equal(listTypeOf("a.xlsx")?.format, "xlsx");
  assert.equal(listTypeOf("a.doc"), null);
  assert.equal(utcDay(new Date("2026-11-26T23:30:00Z")), "2026-11-26");
  assert.equal(utcDay(new Date("2026-11-26T01:00:00Z"), 29), "2026-10-28");
});
