import assert from "node:assert/strict";
import crypto from "node:crypto";
import { test } from "node:test";
import { parseMonitorDefinition } from "../../../monitors/config";
import { createFieldCipher } from "../crypto/fields";
import { IntegrityError } from "../crypto/sm";
import {
  definitionOpener,
  MASK,
  maskDefinition,
  newPushCredential,
  openDefinition,
  pushTokenDigest,
  pushTokenValid,
  sealDefinition,
  unmaskDefinition,
} from "./secrets";

const cipher = createFieldCipher(crypto.randomBytes(32));
const ID = "7d0c6c0e-5d55-4c1f-9a53-3b0b3c9d2a10";
const OTHER = "0b1f0b3e-2b7c-4d8e-9f61-5d1a2c3b4e5f";

const http = {
  type: "http",
  name: "Portal",
  intervalSeconds: 30,
  url: "http://10.0.0.5/health",
  headers: { Authorization: "Bearer s3cr3t-value", "X-Api-Key": "k-123456", Accept: "application/json" },
};
const pg = {
  type: "postgres",
  name: "DB",
  intervalSeconds: 60,
  connectionString: "postgresql://monitor:p%40ss-w0rd@10.0.0.9:5432/app?sslmode=disable",
};

test("sealed at rest: no credential in the stored text, the masked form in place", () => {
  const stored = sealDefinition(http, ID, cipher);
  const text = JSON.stringify(stored);
  for (const secret of ["s3cr3t-value", "k-123456"]) assert.ok(!text.includes(secret), secret);
  assert.deepEqual(stored.headers, { Authorization: MASK, "X-Api-Key": MASK, Accept: "application/json" });
  assert.deepEqual(Object.keys(stored.sealed as object).sort(), ["headers.Authorization", "headers.X-Api-Key"]);
  assert.ok(Object.values(stored.sealed as object).every((v) => /^v2\./.test(v as string)));

  const pgStored = sealDefinition(pg, ID, cipher);
  assert.ok(!JSON.stringify(pgStored).includes("p%40ss-w0rd"));
  assert.equal(pgStored.connectionString, "postgresql://monitor:******@10.0.0.9:5432/app?sslmode=disable");
});

test("opened, the definition is what was sealed, and it validates", () => {
  for (const def of [http, pg]) {
    const opened = openDefinition(sealDefinition(def, ID, cipher), ID, cipher);
    assert.deepEqual(opened, def);
    assert.ok(parseMonitorDefinition(opened).ok);
  }
  // Nothing to seal: stored as given, no reserved key.
  const tcp = { type: "tcp", name: "t", intervalSeconds: 10, host: "h", port: 1 };
  assert.deepEqual(sealDefinition(tcp, ID, cipher), tcp);
  // Written before encryption at rest (clear in place): still opens as it is.
  assert.deepEqual(openDefinition(http, ID, cipher), http);
});

test("a sealed value is bound to its monitor and field", () => {
  const stored = sealDefinition(http, ID, cipher);
  assert.throws(() => openDefinition(stored, OTHER, cipher), IntegrityError, "copied to another monitor");
  const sealed = stored.sealed as Record<string, string>;
  const swapped = {
    ...stored,
    sealed: {
      "headers.Authorization": sealed["headers.X-Api-Key"],
      "headers.X-Api-Key": sealed["headers.Authorization"],
    },
  };
  assert.throws(() => openDefinition(swapped, ID, cipher), IntegrityError, "moved to another header");
  let refreshed = 0;
  const open = definitionOpener(cipher, async () => void refreshed++);
  assert.throws(() => open(OTHER, stored));
  assert.equal(refreshed, 1, "a value that does not open makes the keys reload");
});

test("the API view is masked and shows no reserved key; a mask sent back keeps the secret", () => {
  const { hash } = newPushCredential();
  const stored = sealDefinition(http, ID, cipher, { pushTokenHash: hash });
  const view = maskDefinition(stored);
  assert.equal(view.sealed, undefined);
  assert.equal(view.pushTokenHash, undefined);
  assert.deepEqual(view.headers, { Authorization: MASK, "X-Api-Key": MASK, Accept: "application/json" });
  // The console sends the view back with one change: the secrets stand.
  const edited = unmaskDefinition({ ...view, name: "Portal 2" }, openDefinition(stored, ID, cipher)) as typeof http;
  assert.equal(edited.headers.Authorization, "Bearer s3cr3t-value");
  const pgStored = sealDefinition(pg, ID, cipher);
  const pgView = maskDefinition(pgStored);
  const back = unmaskDefinition(pgView, openDefinition(pgStored, ID, cipher)) as typeof pg;
  assert.equal(back.connectionString, pg.connectionString);
});

test("push tokens: 256-bit, only the SM3 digest kept, compared in constant time", () => {
  const a = newPushCredential();
  const b = newPushCredential();
  assert.notEqual(a.token, b.token);
  assert.equal(Buffer.from(a.token, "base64url").length, 32);
  assert.equal(a.hash, pushTokenDigest(a.token));
  assert.match(a.hash, /^[0-9a-f]{64}$/);
  // SM3("abc") (GB/T 32905-2016 example 1): the digest is SM3, not SHA-256.
  assert.equal(pushTokenDigest("abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  assert.ok(pushTokenValid(a.token, a.hash));
  assert.ok(!pushTokenValid(b.token, a.hash));
  assert.ok(!pushTokenValid(a.token, "not-hex"));
});
