import assert from "node:assert/strict";
import { test } from "node:test";
import {
  canonicalEvent,
  canonicalJson,
  chainHash,
  chainHashV2,
  type ChainAlgorithm,
  type ChainedFields,
  GENESIS_HASH,
} from "./chain";
import { type ChainRow, chainHasher } from "./chain-pages";

const event: ChainedFields = {
  seq: "42",
  occurredAt: "2026-11-26T00:53:36.123456Z",
  tenantId: null,
  actorId: null,
  actorName: "张三",
  actorRole: "sysadmin",
  action: "user.create",
  targetType: "User",
  targetId: "u-1",
  result: "success",
  detail: { b: 1, a: { d: [3, { z: null, y: "x" }], c: true } },
  ip: null,
  userAgent: null,
  requestId: "r-1",
};

test("canonical form: fixed field order, explicit nulls, keys sorted at every depth, no whitespace", () => {
  assert.equal(
    canonicalEvent(event),
    '["tianshu.audit.v1","42","2026-11-26T00:53:36.123456Z",null,null,"张三","sysadmin","user.create","User","u-1",' +
      '"success",{"a":{"c":true,"d":[3,{"y":"x","z":null}]},"b":1},null,null,"r-1"]',
  );
});

test("canonical JSON does not depend on the order keys were written in", () => {
  assert.equal(canonicalJson({ b: 2, a: 1 }), canonicalJson({ a: 1, b: 2 }));
  assert.equal(canonicalJson({ é: 1, e: 2, E: 3 }), '{"E":3,"e":2,"é":1}');
});

test("every field is bound by the hash, and so is the previous hash", () => {
  const base = chainHash("SM3", GENESIS_HASH, event);
  assert.equal(base.length, 32);
  assert.notDeepEqual(chainHash("SM3", GENESIS_HASH, { ...event, actorName: "李四" }), base);
  assert.notDeepEqual(chainHash("SM3", GENESIS_HASH, { ...event, seq: "43" }), base);
  assert.notDeepEqual(chainHash("SM3", GENESIS_HASH, { ...event, ip: "" }), base, "null and empty differ");
  assert.notDeepEqual(chainHash("SM3", Buffer.alloc(32, 1), event), base);
  assert.notDeepEqual(chainHash("SHA-256", GENESIS_HASH, event), base, "the profile's hash is used");
  assert.deepEqual(chainHash("SM3", GENESIS_HASH, { ...event }), base, "deterministic");
});

test("the verifier's one-shot hasher agrees with the sealer's hash, whatever the text's size or characters", () => {
  const texts = [
    '["tianshu.audit.v2","1","1"]',
    '["tianshu.audit.v2","2","2","张三 😀 \u0000"]',
    `["tianshu.audit.v2","3","3","${"\ud800"}lone"]`,
    `["tianshu.audit.v2","4","4","${"长".repeat(20_000)}"]`, // 60,000 bytes: the scratch buffer grows
    '["tianshu.audit.v2","5","5"]', // and still serves short texts afterwards
  ];
  for (const algorithm of ["SM3", "SHA-256"] as ChainAlgorithm[]) {
    const hasher = chainHasher(algorithm);
    let prev: Buffer = Buffer.alloc(32, 7);
    for (const canonical of texts) {
      const row: ChainRow = { chainSeq: "1", seq: "1", prevHash: null, hash: null, canonical, v1: null };
      const want = chainHashV2(algorithm, prev, canonical);
      assert.equal(hasher(prev.toString("hex"), row), want.toString("hex"), `${algorithm}: ${canonical.slice(0, 30)}`);
      prev = want;
    }
    const v1: ChainRow = { chainSeq: "42", seq: "42", prevHash: null, hash: null, canonical: null, v1: event };
    assert.equal(hasher(GENESIS_HASH.toString("hex"), v1), chainHash(algorithm, GENESIS_HASH, event).toString("hex"));
  }
});
