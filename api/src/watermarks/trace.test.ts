import assert from "node:assert/strict";
import { test } from "node:test";
import { embedTrace, encodeTrace, extractTraces, parseTraceCode, type Trace, traceCode, userTag } from "./trace";

const key = Buffer.alloc(32, 9);
const trace: Trace = { userTag: userTag(key, "tenant-1", "user-42"), minute: 29_000_000 };
const leaked =
  "关于二〇二六年第四季度预算调整的通知：各部门请于十二月五日前提交调整方案，逾期不再受理。联系人：财务处。";

test("a trace survives what messengers and editors do to text", () => {
  const marked = embedTrace(leaked, encodeTrace(key, trace), 16);
  assert.equal(marked.replace(/\u200c|\u200d|\u2060/g, ""), leaked, "invisible: the visible text is unchanged");
  const normalisations: [string, (s: string) => string][] = [
    ["as is", (s) => s],
    ["NFC", (s) => s.normalize("NFC")],
    ["NFKC", (s) => s.normalize("NFKC")],
    ["trim and collapse whitespace", (s) => ` ${s} `.trim().replace(/\s+/g, " ")],
    ["CRLF line endings", (s) => s.replace(/\n/g, "\r\n")],
    [
      "HTML escape and back",
      (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/&lt;/g, "<").replace(/&amp;/g, "&"),
    ],
    ["zero-width space and BOM stripped", (s) => s.replace(/\u200b|\ufeff/g, "")],
    ["a fragment from the middle", (s) => s.slice(Math.floor(s.length / 3), Math.floor((2 * s.length) / 3) + 200)],
    ["quoted in another message", (s) => `转发：${s}（请勿外传）`],
  ];
  for (const [name, f] of normalisations) {
    const found = extractTraces(key, f(marked));
    assert.equal(found.length, 1, name);
    assert.deepEqual(found[0], trace, name);
  }
});

test("a frame that is cut, altered or signed with another key is not reported", () => {
  const frame = encodeTrace(key, trace);
  assert.deepEqual(extractTraces(key, `abc${frame.slice(10)}def`), [], "cut");
  const flipped = (frame[5] === "\u200c" ? "\u200d" : "\u200c") as string;
  assert.deepEqual(extractTraces(key, frame.slice(0, 5) + flipped + frame.slice(6)), [], "one bit changed");
  assert.deepEqual(extractTraces(Buffer.alloc(32, 1), frame), [], "another key");
  assert.deepEqual(extractTraces(key, "no watermark here"), []);
});

test("two users' traces in one text are both found", () => {
  const other: Trace = { userTag: userTag(key, "tenant-1", "user-7"), minute: 29_000_001 };
  const text = embedTrace("第一段文字", encodeTrace(key, trace)) + embedTrace("第二段文字", encodeTrace(key, other));
  assert.deepEqual(extractTraces(key, text), [trace, other]);
});

test("the visible code round-trips, tolerates misreadings, and refuses noise", () => {
  const code = traceCode(key, trace);
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{20}$/);
  assert.deepEqual(parseTraceCode(key, code), trace);
  const misread = code.toLowerCase().replace(/1/g, "l").replace(/0/g, "o");
  assert.deepEqual(parseTraceCode(key, `${misread.slice(0, 10)}-${misread.slice(10)}`), trace);
  assert.equal(parseTraceCode(key, "Z".repeat(20)), null);
  assert.equal(parseTraceCode(key, "short"), null);
});

test("embedding never splits a character from its combining marks or a surrogate pair", () => {
  const text = "e\u0301".repeat(10) + "😀".repeat(10);
  const marked = embedTrace(text, encodeTrace(key, trace), 1);
  assert.doesNotMatch(marked, /(?:\u200c|\u200d|\u2060)\u0301/);
  assert.doesNotMatch(marked, /\ud83d(?:\u200c|\u200d|\u2060)/);
});
