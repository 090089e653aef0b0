import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import type supertest from "supertest";
import { startTestApp, type TestApp, TEST_KEK } from "../../../test/support/app";
import { username } from "../users/test-fixtures";
import { parseKek } from "./keys";
import { type DataKey, dataKeyRing } from "./data-keys";
import { createFieldCipher } from "./fields";
import { CryptoProfileMismatchError, gmProfile, SEAL_TAGS } from "./profile";

/**
 * TIANSHU_CRYPTO_PROFILE=intl reaches the field cipher through createServices: personal data is
 * sealed with AES-256-GCM and indexed with HMAC-SHA256, and everything that reads it still works.
 */
let app: TestApp;
let sys: ReturnType<typeof supertest.agent>;
before(async () => {
  app = await startTestApp({ TIANSHU_CRYPTO_PROFILE: "intl" });
  sys = await app.signIn("sysadmin");
});
after(() => app?.close());

test("intl profile: personal data sealed with the intl tag, searchable, readable in the clear", async () => {
  assert.equal(app.config.cryptoProfile, "intl");
  const res = await sys.post("/api/v1/users").send({
    username: username("intl"),
    displayName: "李四",
    phone: "13912345678",
    email: "li.si@example.cn",
  });
  assert.equal(res.status, 201, res.text);
  const id = res.body.user.id as string;
  assert.equal(res.body.user.phone, "139****5678");

  const row = await app.database.db
    .selectFrom("users")
    .select(["phone_enc", "phone_bidx"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const sealed = row.phone_enc as string;
  assert.match(sealed, /^v3\.1\./, "sealed under data key version 1");
  assert.equal(Buffer.from(sealed.slice(5), "base64url")[0], SEAL_TAGS.intl, "AES-256-GCM tag byte");
  // A gm cipher (same KEK, a gm data key 1): the value is recognised and refused by name, and the index differs.
  const gmKey = {
    version: 1,
    purpose: "fields",
    state: "active",
    sealing: gmProfile.sealingKey(randomBytes(32), "fields"),
  };
  const gm = createFieldCipher(parseKek(TEST_KEK), gmProfile, dataKeyRing([gmKey as DataKey]));
  assert.throws(() => gm.open(sealed, `users.phone:${id}`), CryptoProfileMismatchError);
  assert.notEqual(row.phone_bidx, gm.blindIndex("phone", "13912345678"));

  const found = await sys.get("/api/v1/users").query({ phone: "13912345678" });
  assert.equal(found.status, 200);
  assert.deepEqual(
    (found.body as { id: string }[]).map((u) => u.id),
    [id],
    "exact search through the HMAC-SHA256 blind index",
  );
  const clear = await sys.get(`/api/v1/users/${id}/personal-data`);
  assert.equal(clear.status, 200);
  assert.deepEqual(clear.body, { phone: "13912345678", email: "li.si@example.cn" });
});
