import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import type supertest from "supertest";
import { auditCount, startTestApp, type TestApp, TEST_KEK } from "../../../test/support/app";
import { loadOrCreateSigningKey } from "../audit/checkpoint";
import { archiveKeyOf } from "../audit/archive-file";
import { loadCarriedKeys, loadDataKeys, WrongKekError } from "../crypto/data-keys";
import { createFieldCipher } from "../crypto/fields";
import { parseKek } from "../crypto/keys";
import { gmProfile } from "../crypto/profile";
import { username } from "../users/test-fixtures";
import { checkRewrap, RewrapRefusedError, rewrapKek } from "./rewrap";

/**
 * KEK re-wrap against the real database: a wrong old KEK and leftover KEK-keyed values change nothing;
 * after a re-wrap an API instance started with the new KEK reads the sealed phone numbers, finds them
 * by blind index and opens the audit signing key, and the old KEK is refused at start.
 */
let app: TestApp;
let sys: ReturnType<typeof supertest.agent>;
const oldKek = parseKek(TEST_KEK);
const NEW_KEK = crypto.randomBytes(32).toString("hex");
const newKek = parseKek(NEW_KEK);
const people: { id: string; phone: string; email: string }[] = [];
let signingKey: Awaited<ReturnType<typeof loadOrCreateSigningKey>>;

before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
  for (let i = 0; i < 3; i++) {
    const person = { phone: `1371234${String(6000 + i)}`, email: `kek${i}@example.cn` };
    const res = await sys.post("/api/v1/users").send({ username: username("kek"), displayName: `换钥${i}`, ...person });
    assert.equal(res.status, 201, res.text);
    people.push({ id: res.body.user.id as string, ...person });
  }
  signingKey = await loadOrCreateSigningKey(app.database.db, oldKek, gmProfile);
});
after(() => app?.close());

/** Everything a re-wrap could change, to prove that a refused one changed nothing. */
async function snapshot() {
  const db = app.database.db;
  return {
    dataKeys: await db.selectFrom("data_keys").selectAll().orderBy("version").execute(),
    signing: await db.selectFrom("audit_signing_keys").selectAll().orderBy("id").execute(),
    users: await db.selectFrom("users").select(["id", "phone_enc", "email_enc", "phone_bidx"]).orderBy("id").execute(),
    rewraps: await auditCount(app, { action: "crypto.kek.rewrap" }),
  };
}

const options = (over: Partial<Parameters<typeof rewrapKek>[0]> = {}) => ({
  db: app.database.db,
  profile: gmProfile,
  oldKek,
  newKek,
  oldSource: "TIANSHU_KEK",
  actorName: "test",
  ...over,
});

test("a wrong old KEK changes nothing, and says which key it does not open", async () => {
  const before = await snapshot();
  const wrong = crypto.randomBytes(32);
  await assert.rejects(rewrapKek(options({ oldKek: wrong })), (err: unknown) => {
    assert.ok(err instanceof RewrapRefusedError);
    assert.match(err.message, /from TIANSHU_KEK does not open data key version 1.*nothing was changed/);
    return true;
  });
  await assert.rejects(checkRewrap(app.database.db, options({ oldKek: wrong })), RewrapRefusedError);
  await assert.rejects(rewrapKek(options({ newKek: oldKek })), /the new KEK is the old one/);
  assert.deepEqual(await snapshot(), before);
});

test("values still keyed from the KEK itself (v2.) refuse the re-wrap until a rotation moved them", async () => {
  const person = people[0] as (typeof people)[number];
  const db = app.database.db;
  const original = await db
    .selectFrom("users")
    .select("email_enc")
    .where("id", "=", person.id)
    .executeTakeFirstOrThrow();
  const legacy = createFieldCipher(oldKek).seal(person.email, `users.email:${person.id}`);
  assert.match(legacy, /^v2\./);
  await db.updateTable("users").set({ email_enc: legacy }).where("id", "=", person.id).execute();
  const before = await snapshot();
  await assert.rejects(rewrapKek(options()), /v1\.\/v2\..*users\.email_enc.*run a key rotation first/);
  assert.deepEqual(await snapshot(), before);
  await db.updateTable("users").set({ email_enc: original.email_enc }).where("id", "=", person.id).execute();
});

test("audit_signing_keys stays append-only outside a re-wrap, and a re-wrap may change only the sealed key", async () => {
  const db = app.database.db;
  const id = signingKey.keyId;
  await assert.rejects(
    sql`UPDATE audit_signing_keys SET sealed_private_key = '\\x00' WHERE id = ${id}`.execute(db),
    /append-only/,
  );
  await assert.rejects(sql`DELETE FROM audit_signing_keys WHERE id = ${id}`.execute(db), /append-only/);
  await assert.rejects(
    db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('tianshu.kek_rewrap', 'on', true)`.execute(tx);
      await sql`UPDATE audit_signing_keys SET public_key = 'x' WHERE id = ${id}`.execute(tx);
    }),
    /append-only/,
  );
  await assert.rejects(
    db.transaction().execute(async (tx) => {
      await sql`SELECT set_config('tianshu.kek_rewrap', 'on', true)`.execute(tx);
      await sql`DELETE FROM audit_signing_keys WHERE id = ${id}`.execute(tx);
    }),
    /append-only/,
  );
});

test("re-wrap: one audited transaction; the new KEK starts and reads everything, the old one is refused", async () => {
  const before = await snapshot();
  const archiveKeyBefore = archiveKeyOf(gmProfile, oldKek);
  const result = await rewrapKek(options());
  assert.deepEqual(result.dataKeys, [1]);
  const carried = ["fields:blind-index", "acl-integrity:mac", "audit-archive:root", "watermark:trace"];
  assert.deepEqual(result.carried, carried);
  assert.deepEqual(result.stored, carried);
  // Audit archives written before the re-wrap open after it: their root key is carried, not re-derived.
  const ring = await loadCarriedKeys({ db: app.database.db, kek: newKek, profile: gmProfile, kekSource: "test" });
  assert.deepEqual(archiveKeyOf(gmProfile, newKek, ring), archiveKeyBefore);
  assert.notDeepEqual(archiveKeyOf(gmProfile, newKek), archiveKeyBefore, "derived afresh it would differ");
  assert.equal(result.signingKeys, 1);
  assert.notEqual(result.oldKek, result.newKek);
  assert.match(result.newKek, /^[0-9a-f]{16}$/);

  const after = await snapshot();
  // Sealed values and blind indexes are untouched; every wrapping changed.
  assert.deepEqual(after.users, before.users);
  const v1Before = before.dataKeys.find((k) => k.version === 1);
  const v1After = after.dataKeys.find((k) => k.version === 1);
  assert.ok(v1Before && v1After);
  assert.notEqual(v1After.wrapped_key, v1Before.wrapped_key);
  assert.deepEqual(
    after.signing.map((s) => [s.id, s.algorithm, s.public_key, String(s.created_at)]),
    before.signing.map((s) => [s.id, s.algorithm, s.public_key, String(s.created_at)]),
  );
  assert.notDeepEqual(after.signing[0]?.sealed_private_key, before.signing[0]?.sealed_private_key);
  assert.equal(after.rewraps, before.rewraps + 1);
  const event = await app.database.db
    .selectFrom("audit_events")
    .select(["actor_name", "target_type", "target_id", "result", "detail"])
    .where("action", "=", "crypto.kek.rewrap")
    .executeTakeFirstOrThrow();
  assert.deepEqual(
    [event.actor_name, event.target_type, event.target_id, event.result],
    ["test", "KEK", result.newKek, "success"],
  );
  const detail = (typeof event.detail === "string" ? JSON.parse(event.detail) : event.detail) as Record<
    string,
    unknown
  >;
  assert.equal(detail.oldKek, result.oldKek);
  assert.ok(
    !JSON.stringify(detail).includes(NEW_KEK) && !JSON.stringify(detail).includes(TEST_KEK),
    "no key in the event",
  );

  // The old KEK no longer starts: the start-up check refuses it with the usual message.
  await assert.rejects(
    loadDataKeys({ db: app.database.db, kek: oldKek, profile: gmProfile, kekSource: "TIANSHU_KEK" }),
    (err: unknown) => err instanceof WrongKekError && /does not open data key version 1/.test(err.message),
  );
  await assert.rejects(loadOrCreateSigningKey(app.database.db, oldKek, gmProfile));
  // A second re-wrap with the old KEK as "old" is refused too, and changes nothing.
  await assert.rejects(rewrapKek(options({ newKek: crypto.randomBytes(32) })), RewrapRefusedError);
  assert.deepEqual(await snapshot(), after);

  // An instance started with the new KEK: the same signing key, the clear phone numbers, the blind index.
  const signer = await loadOrCreateSigningKey(app.database.db, newKek, gmProfile);
  assert.equal(signer.keyId, signingKey.keyId);
  assert.equal(signer.key.privateKey, signingKey.key.privateKey);
  const restarted = await startTestApp({}, { database: app.database, kek: NEW_KEK });
  const sys2 = await restarted.signIn("sysadmin");
  for (const person of people) {
    const clear = await sys2.get(`/api/v1/users/${person.id}/personal-data`);
    assert.equal(clear.status, 200, clear.text);
    assert.deepEqual([clear.body.phone, clear.body.email], [person.phone, person.email]);
    const found = await sys2.get(`/api/v1/users?phone=${person.phone}`);
    assert.equal(found.status, 200, found.text);
    assert.deepEqual(
      (found.body as { id: string }[]).map((u) => u.id),
      [person.id],
      "the blind index still matches (its key was carried over)",
    );
  }
  // New values written under the new KEK read back too.
  const created = await sys2
    .post("/api/v1/users")
    .send({ username: username("kek"), displayName: "新钥", phone: "13712349999" });
  assert.equal(created.status, 201, created.text);
  const clear = await sys2.get(`/api/v1/users/${created.body.user.id}/personal-data`);
  assert.equal(clear.body.phone, "13712349999");
  const found = await sys2.get("/api/v1/users?phone=13712349999");
  assert.equal((found.body as unknown[]).length, 1);
});

test("a second re-wrap re-wraps the carried keys too (new KEK → newer KEK)", async () => {
  const newer = crypto.randomBytes(32);
  const result = await rewrapKek(options({ oldKek: newKek, newKek: newer }));
  assert.deepEqual(result.carried, [
    "fields:blind-index",
    "acl-integrity:mac",
    "audit-archive:root",
    "watermark:trace",
  ]);
  assert.deepEqual(result.stored, [], "nothing derived from this KEK is kept");
  const ring = await loadDataKeys({ db: app.database.db, kek: newer, profile: gmProfile, kekSource: "TIANSHU_KEK" });
  assert.deepEqual(
    ring.carried?.("fields:blind-index"),
    gmProfile.deriveKey(oldKek, "fields:blind-index", 32),
    "the blind-index key is still the one the first KEK derived",
  );
  await assert.rejects(
    loadDataKeys({ db: app.database.db, kek: newKek, profile: gmProfile, kekSource: "TIANSHU_KEK" }),
    WrongKekError,
  );
});
