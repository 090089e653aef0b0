import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type supertest from "supertest";
import { silentLogger } from "../../../test/support/db";
import { auditCount, startTestApp, type TestApp, TEST_KEK } from "../../../test/support/app";
import { dataKeyRing, type DataKeyRing, loadDataKeys } from "../crypto/data-keys";
import { createFieldCipher, type FieldCipher } from "../crypto/fields";
import { parseKek } from "../crypto/keys";
import { gmProfile } from "../crypto/profile";
import { username } from "../users/test-fixtures";
import { createRotationWorker } from "./rotation-worker";

/**
 * Destroying a retired data key over HTTP: only secadmin, only a retired key, only when no sealed
 * value carries its version (checked by prefix in every sealed column), audited; the row stays as a
 * tombstone without key material, and every instance's ring drops the key.
 */
let app: TestApp;
let sys: ReturnType<typeof supertest.agent>;
let sec: ReturnType<typeof supertest.agent>;
let aud: ReturnType<typeof supertest.agent>;
const kek = parseKek(TEST_KEK);
const people: { id: string; phone: string }[] = [];

before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
  sec = await app.signIn("secadmin");
  aud = await app.signIn("auditadmin");
  for (let i = 0; i < 3; i++) {
    const phone = `1361234${String(7000 + i)}`;
    const res = await sys.post("/api/v1/users").send({ username: username("dk"), displayName: `销毁${i}`, phone });
    assert.equal(res.status, 201, res.text);
    people.push({ id: res.body.user.id as string, phone });
  }
});
after(() => app?.close());

async function instance(): Promise<{ ring: DataKeyRing; fields: FieldCipher }> {
  const ring = await loadDataKeys({ db: app.database.db, kek, profile: gmProfile, kekSource: "TIANSHU_KEK" });
  return { ring, fields: createFieldCipher(kek, gmProfile, ring) };
}

async function keyRow(version: number) {
  return app.database.db
    .selectFrom("data_keys")
    .select(["state", "wrapped_key", "destroyed_at"])
    .where("version", "=", version)
    .executeTakeFirstOrThrow();
}

test("only secadmin may list or destroy data keys", async () => {
  for (const agent of [sys, aud]) {
    const del = await agent.delete("/api/v1/crypto/data-keys/1");
    assert.equal(del.status, 403);
    assert.equal(del.body.code, "FORBIDDEN");
    assert.equal((await agent.get("/api/v1/crypto/data-keys")).status, 403);
  }
  assert.equal((await keyRow(1)).state, "active");
  const list = await sec.get("/api/v1/crypto/data-keys");
  assert.equal(list.status, 200, list.text);
  assert.equal(list.headers["x-total-count"], "1");
  assert.equal(list.body[0].version, 1);
  assert.equal(list.body[0].state, "active");
  assert.ok(!("wrappedKey" in list.body[0]) && !("wrapped_key" in list.body[0]), "no key material");
});

test("destroying: refused while active, retiring or used; allowed after the rotation; audited", async () => {
  const refused = async (version: number, code: string) => {
    const res = await sec.delete(`/api/v1/crypto/data-keys/${version}`);
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.code, code);
    assert.ok(res.body.zh, "a Chinese message too");
    return res;
  };
  await refused(1, "KEY_NOT_RETIRED");
  assert.equal((await sec.delete("/api/v1/crypto/data-keys/99")).status, 404);
  assert.equal((await sec.delete("/api/v1/crypto/data-keys/abc")).status, 400);

  // A rotation to key 2: key 1 is retiring until the worker has finished.
  const v1 = await instance();
  const started = await sec.post("/api/v1/crypto/key-rotations").send({});
  assert.equal(started.status, 202, started.text);
  await refused(1, "KEY_NOT_RETIRED");
  const worker = createRotationWorker({ db: app.database.db, ...(await instance()), logger: silentLogger });
  let outcome = await worker.runBatch();
  for (let i = 0; outcome === "progress" && i < 20; i++) outcome = await worker.runBatch();
  assert.equal(outcome, "finished");
  assert.equal((await keyRow(1)).state, "retired");

  // A value still under key 1 (written by an instance that had not heard of key 2) blocks it.
  const person = people[0] as (typeof people)[number];
  const key1 = v1.ring.get(1);
  assert.ok(key1);
  const stale = createFieldCipher(kek, gmProfile, dataKeyRing([{ ...key1, state: "active" }]));
  const staleValue = stale.seal(person.phone, `users.phone:${person.id}`);
  assert.match(staleValue, /^v3\.1\./);
  const current = await app.database.db
    .selectFrom("users")
    .select("phone_enc")
    .where("id", "=", person.id)
    .executeTakeFirstOrThrow();
  await app.database.db.updateTable("users").set({ phone_enc: staleValue }).where("id", "=", person.id).execute();
  const inUse = await refused(1, "KEY_IN_USE");
  assert.match(inUse.body.detail, /1 sealed values still use data key version 1 \(users\.phone_enc\)/);
  assert.equal((await keyRow(1)).state, "retired", "nothing changed");
  assert.equal(await auditCount(app, { action: "crypto.dataKey.destroy" }), 0);

  // Moved to key 2 again: now it can go.
  await app.database.db
    .updateTable("users")
    .set({ phone_enc: current.phone_enc })
    .where("id", "=", person.id)
    .execute();
  const destroyed = await sec.delete("/api/v1/crypto/data-keys/1");
  assert.equal(destroyed.status, 204, destroyed.text);
  const row = await keyRow(1);
  assert.equal(row.state, "destroyed");
  assert.equal(row.wrapped_key, null, "the key material is gone");
  assert.ok(row.destroyed_at);
  const event = await app.database.db
    .selectFrom("audit_events")
    .select(["actor_role", "target_type", "target_id", "result"])
    .where("action", "=", "crypto.dataKey.destroy")
    .executeTakeFirstOrThrow();
  assert.deepEqual(event, { actor_role: "secadmin", target_type: "DataKey", target_id: "1", result: "success" });
  await refused(1, "KEY_DESTROYED");
  await refused(2, "KEY_NOT_RETIRED");

  const list = await sec.get("/api/v1/crypto/data-keys?_sort=version&_order=asc");
  assert.deepEqual(
    (list.body as { version: number; state: string }[]).map((k) => [k.version, k.state]),
    [
      [1, "destroyed"],
      [2, "active"],
    ],
  );
  assert.ok(list.body[0].destroyedAt);

  // A fresh instance starts without it and reads everything; a value under key 1 no longer opens.
  const fresh = await instance();
  assert.deepEqual(fresh.ring.versions(), [2]);
  const clear = await sys.get(`/api/v1/users/${person.id}/personal-data`);
  assert.equal(clear.status, 200, clear.text);
  assert.equal(clear.body.phone, person.phone);
  assert.throws(() => fresh.fields.open(staleValue, `users.phone:${person.id}`), /version 1, which is not loaded/);
  // The instance that destroyed it dropped it from its ring at once.
  assert.throws(() => app.services.fields.open(staleValue, `users.phone:${person.id}`), /not loaded/);
});
