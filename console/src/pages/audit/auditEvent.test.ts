import assert from "node:assert/strict";
import { test } from "node:test";
import { cleanFilter, CsvRowCounter, filterFromSearch, filterSize, formatValue, searchWithFilter } from "./auditEvent";

test("a filter round-trips through the address bar, empty fields dropped, other parameters kept", () => {
  const search = new URLSearchParams("seq=42&role=sysadmin&actor=%20&foo=bar");
  const filter = filterFromSearch(search);
  assert.deepEqual(filter, { role: "sysadmin" });

  const next = searchWithFilter(search, { result: "denied", ip: " 10.0.0.0/8 ", action: "" });
  assert.equal(next.get("role"), null, "the previous filter is replaced, not merged");
  assert.equal(next.get("result"), "denied");
  assert.equal(next.get("ip"), "10.0.0.0/8");
  assert.equal(next.has("action"), false);
  assert.equal(next.get("seq"), "42");
  assert.equal(next.get("foo"), "bar");
  assert.deepEqual(filterFromSearch(next), { result: "denied", ip: "10.0.0.0/8" });
});

test("cleanFilter keeps only the API's filter fields with text values", () => {
  assert.deepEqual(cleanFilter({ role: "secadmin", page: "2", actor: 3, from: "2026-11-26T00:00:00.000Z" }), {
    role: "secadmin",
    from: "2026-11-26T00:00:00.000Z",
  });
  assert.deepEqual(cleanFilter(null), {});
  assert.equal(filterSize({ role: "sysadmin", result: "denied", ip: "" }), 2);
});

test("CSV rows are counted across chunks, ignoring line breaks inside quoted fields", () => {
  const counter = new CsvRowCounter();
  const csv = '\uFEFFseq,action,detail\r\n1,a,"x"\r\n2,b,"two\nlines ""quoted"""\r\n3,c,';
  // Feed it in awkward pieces: a quote and a CRLF split between chunks.
  for (const piece of [csv.slice(0, 25), csv.slice(25, 40), csv.slice(40, 41), csv.slice(41)]) counter.push(piece);
  assert.equal(counter.rows(false), 2, "the last row is not finished until the stream ends");
  assert.equal(counter.rows(true), 3);

  const header = new CsvRowCounter();
  header.push("seq,action\r\n");
  assert.equal(header.rows(true), 0, "a header alone is no data row");
});

test("diff values read as one line", () => {
  assert.equal(formatValue("办公室"), "办公室");
  assert.equal(formatValue(null), "null");
  assert.equal(formatValue({ a: [1, 2] }), '{"a":[1,2]}');
  assert.equal(formatValue(undefined), "");
});
