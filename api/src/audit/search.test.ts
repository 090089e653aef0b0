import assert from "node:assert/strict";
import { test } from "node:test";
import { csvCell, csvLine } from "./export";
import { canonicalJson, exportMessage } from "./export-signature";
import { AuditFilterSchema, changesOf, isIpOrCidr, normaliseFilter } from "./search";

test("isIpOrCidr accepts addresses and CIDR blocks, nothing else", () => {
  for (const ok of ["10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "::ffff:10.1.2.3", "0.0.0.0/0", "fd00::1/128"]) {
    assert.ok(isIpOrCidr(ok), ok);
  }
  for (const bad of ["", "10.0.0", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/8/8", "host", "10.0.0.0/-1"]) {
    assert.ok(!isIpOrCidr(bad), bad);
  }
});

test("the filter schema validates each field and the window", () => {
  const ok = AuditFilterSchema.parse({
    from: "2026-01-01T08:00:00+08:00",
    to: "2026-01-02T00:00:00Z",
    actor: "alice",
    role: "none",
    action: "user.*",
    targetType: "User",
    targetId: "u-1",
    result: "denied",
    ip: "10.0.0.0/8",
  });
  assert.equal(ok.from, "2026-01-01T00:00:00.000Z", "normalised to UTC");
  for (const bad of [
    { role: "root" },
    { result: "ok" },
    { action: "user.**" },
    { action: "*" },
    { from: "yesterday" },
    { from: "2026-01-01" },
    { from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z" },
    { ip: "10.0.0.0/33" },
    { targetType: "no spaces" },
    { unknown: "x" },
  ]) {
    assert.equal(AuditFilterSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
  assert.deepEqual(Object.keys(normaliseFilter({ result: "success", actor: "a", to: undefined })), ["actor", "result"]);
});

test("changesOf lists the leaves that differ between detail.before and detail.after", () => {
  assert.deepEqual(
    changesOf({
      before: { name: "a", nested: { x: 1, y: 2 }, list: [1, 2], gone: "g" },
      after: { name: "b", nested: { x: 1, y: 3 }, list: [1, 2], added: true },
      other: "ignored",
    }),
    [
      { path: "added", before: null, after: true },
      { path: "gone", before: "g", after: null },
      { path: "name", before: "a", after: "b" },
      { path: "nested.y", before: 2, after: 3 },
    ],
  );
  assert.deepEqual(changesOf({ after: { version: 2 } }), [{ path: "version", before: null, after: 2 }]);
  assert.deepEqual(changesOf({ before: { publishedVersion: 1 }, after: { publishedVersion: 1 } }), []);
  assert.deepEqual(changesOf({ reason: "x" }), [], "no before/after, no changes");
  assert.deepEqual(changesOf({ before: 1, after: 2 }), [{ path: "", before: 1, after: 2 }]);
});

test("CSV cells are quoted when needed and formulas are defused", () => {
  assert.equal(csvCell("plain"), "plain");
  assert.equal(csvCell('a,"b"'), '"a,""b"""');
  assert.equal(csvCell("line\nbreak"), '"line\nbreak"');
  assert.equal(csvCell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
  assert.equal(csvCell("+1"), "'+1");
  assert.equal(csvCell("@x,y"), '"\'@x,y"');
  assert.equal(csvLine(["a", "", "b"]), "a,,b\r\n");
});

test("the signed message is canonical: key order does not matter, every field does", () => {
  const fields = {
    exportId: "e",
    fileName: "f.csv",
    format: "csv" as const,
    digestAlgorithm: "SM3" as const,
    digest: "ab".repeat(32),
    rows: 3,
    seqBound: "42",
    filter: { result: "success", actor: "a" },
    creator: { userId: "u", username: "n", role: "auditadmin", tenantId: "t" },
    signedAt: "2026-01-01T00:00:00.000Z",
    keyId: "k",
  };
  const message = exportMessage(fields);
  assert.equal(
    message,
    [
      "tianshu.audit.export.v1",
      "e",
      "f.csv",
      "csv",
      "SM3",
      "ab".repeat(32),
      "3",
      "42",
      '{"actor":"a","result":"success"}',
      '{"role":"auditadmin","tenantId":"t","userId":"u","username":"n"}',
      "2026-01-01T00:00:00.000Z",
      "k",
    ].join("\n"),
  );
  assert.equal(exportMessage({ ...fields, filter: { actor: "a", result: "success" } }), message);
  assert.notEqual(exportMessage({ ...fields, rows: 4 }), message);
  assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null }), '{"a":null,"b":[1,{"c":2,"d":1}]}');
});
