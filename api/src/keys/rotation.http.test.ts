import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type supertest from "supertest";
import { silentLogger } from "../../../test/support/db";
import { startTestApp, type TestApp, TEST_KEK } from "../../../test/support/app";
import { type DataKeyRing, loadDataKeys } from "../crypto/data-keys";
import { createFieldCipher, type FieldCipher } from "../crypto/fields";
import { parseKek } from "../crypto/keys";
import { gmProfile } from "../crypto/profile";
import { username } from "../users/test-fixtures";
import { createInProcessBus } from "../db/bus";
import { createServices } from "../services";
import type { KeyRotationService } from "./rotation";
import { createRotationWorker } from "./rotation-worker";

/**
 * Key rotation end to end: secadmin starts it over HTTP, workers of two "instances" (each with its
 * own key ring, as separate processes would have) re-encrypt in batches, one of them crashing
 * mid-batch, and a value written under the old key meanwhile is caught by a second pass.
 */
let app: TestApp;
let sys: ReturnType<typeof supertest.agent>;
let sec: ReturnType<typeof supertest.agent>;
const kek = parseKek(TEST_KEK);
const people: { id: string; phone: string; email: string }[] = [];
const TOTP_SECRET = "JBSWY3DPEHPK3PXP";
let totpUser: string;

before(async () => {
  app = await startTestApp();
  sys = await app.signIn("sysadmin");
  sec = await app.signIn("secadmin");
  for (let i = 0; i < 7; i++) {
    const person = { phone: `1391234${String(5000 + i)}`, email: `p${i}@example.cn` };
    const res = await sys.post("/api/v1/users").send({ username: username("rot"), displayName: `轮换${i}`, ...person });
    assert.equal(res.status, 201, res.text);
    people.push({ id: res.body.user.id as string, ...person });
  }
  // A value from before data keys existed (v2, key derived from the KEK) is rotated too.
  const legacy = people[0] as (typeof people)[number];
  await app.database.db
    .updateTable("users")
    .set({ email_enc: createFieldCipher(kek).seal(legacy.email, `users.email:${legacy.id}`) })
    .where("id", "=", legacy.id)
    .execute();
  // A pending TOTP secret (mfa_factors.secret), sealed like the MFA service does.
  totpUser = (people[1] as (typeof people)[number]).id;
  const user = await app.database.db
    .selectFrom("users")
    .select("tenant_id")
    .where("id", "=", totpUser)
    .executeTakeFirstOrThrow();
  await app.database.db
    .insertInto("mfa_factors")
    .values({
      tenant_id: user.tenant_id,
      user_id: totpUser,
      kind: "totp",
      label: "rotation test",
      secret: app.services.fields.seal(TOTP_SECRET, `mfa_factors.secret:${totpUser}`),
    })
    .execute();
});
after(() => app?.close());

/** Another instance: its own ring loaded from the database, its own cipher. */
async function instance(): Promise<{ ring: DataKeyRing; fields: FieldCipher }> {
  const ring = await loadDataKeys({ db: app.database.db, kek, profile: gmProfile, kekSource: "TIANSHU_KEK" });
  return { ring, fields: createFieldCipher(kek, gmProfile, ring) };
}

async function sealedValues(): Promise<string[]> {
  const users = await app.database.db.selectFrom("users").select(["phone_enc", "email_enc"]).execute();
  const totp = await app.database.db.selectFrom("mfa_factors").select("secret").where("kind", "=", "totp").execute();
  return [...users.flatMap((u) => [u.phone_enc, u.email_enc]), ...totp.map((t) => t.secret)].filter(
    (v): v is string => v !== null,
  );
}

test("rotation: started by secadmin, re-encrypts everything in resumable batches, audited", async () => {
  const stale = await instance(); // an instance that never hears of the new key
  const instanceA = await instance();

  assert.equal((await sys.post("/api/v1/crypto/key-rotations").send({})).status, 403, "sysadmin may not rotate");
  const started = await sec.post("/api/v1/crypto/key-rotations").send({});
  assert.equal(started.status, 202, started.text);
  const id = started.body.id as string;
  assert.equal(started.headers.location, `/api/v1/crypto/key-rotations/${id}`);
  assert.equal(started.body.state, "running");
  assert.equal(started.body.fromVersion, 1);
  assert.equal(started.body.toVersion, 2);
  // 7 people with phone + e-mail (rows, not values), and the TOTP factor.
  assert.equal(started.body.total, 8);
  assert.equal(started.body.done, 0);
  const again = await sec.post("/api/v1/crypto/key-rotations").send({});
  assert.equal(again.status, 409);
  assert.equal(again.body.code, "ROTATION_RUNNING");
  // The starting instance seals new values under the new key at once.
  assert.match(app.services.fields.seal("x", "p"), /^v3\.2\./);

  // Instance A learns of key 2 from the job itself, and does two batches of two rows.
  const workerA = createRotationWorker({ db: app.database.db, ...instanceA, logger: silentLogger, batchSize: 2 });
  assert.equal(await workerA.runBatch(), "progress");
  assert.equal(await workerA.runBatch(), "progress");
  const mid = await sec.get(`/api/v1/crypto/key-rotations/${id}`);
  assert.equal(mid.status, 200);
  assert.deepEqual([mid.body.state, mid.body.done, mid.body.total, mid.body.batches], ["running", 4, 8, 2]);

  // Meanwhile an instance still on key 1 rewrites a row the worker has already passed.
  const passed = await app.database.db
    .selectFrom("users")
    .select("id")
    .where("id", "<=", (await jobRow(id)).cursor_id as string)
    .where("phone_enc", "like", "v3.2.%")
    .orderBy("id")
    .executeTakeFirstOrThrow();
  const person = people.find((p) => p.id === passed.id) as (typeof people)[number];
  const staleValue = stale.fields.seal(person.phone, `users.phone:${person.id}`);
  assert.match(staleValue, /^v3\.1\./);
  await app.database.db.updateTable("users").set({ phone_enc: staleValue }).where("id", "=", person.id).execute();

  // A crash in the middle of the third batch: its rows and its cursor roll back together.
  const crashing = createRotationWorker({
    db: app.database.db,
    ...instanceA,
    logger: silentLogger,
    batchSize: 2,
    beforeCommit: () => {
      throw new Error("simulated crash");
    },
  });
  await assert.rejects(crashing.runBatch(), /simulated crash/);
  const afterCrash = await jobRow(id);
  assert.deepEqual([afterCrash.done, afterCrash.batches], [4, 2], "the crashed batch left nothing behind");

  // Instance B (a fresh process) resumes from the last committed cursor and finishes.
  const instanceB = await instance();
  const workerB = createRotationWorker({ db: app.database.db, ...instanceB, logger: silentLogger, batchSize: 2 });
  let outcome = await workerB.runBatch();
  for (let i = 0; outcome === "progress" && i < 50; i++) outcome = await workerB.runBatch();
  assert.equal(outcome, "finished");
  assert.equal(await workerB.runBatch(), "idle");

  const finished = await sec.get(`/api/v1/crypto/key-rotations/${id}`);
  assert.equal(finished.body.state, "done");
  assert.equal(finished.body.pass, 2, "the stale value was found by a second pass");
  assert.equal(finished.body.total, 9, "8 rows, plus the one rewritten under the old key");
  assert.equal(finished.body.done, finished.body.total, "every row re-encrypted exactly once per need");
  assert.ok(finished.body.finishedAt);

  // Nothing left under an old key, and everything still opens to what it was.
  const values = await sealedValues();
  assert.equal(values.length, 15);
  for (const v of values) assert.match(v, /^v3\.2\./);
  for (const p of people) {
    const clear = await sys.get(`/api/v1/users/${p.id}/personal-data`);
    assert.equal(clear.status, 200);
    assert.deepEqual(clear.body, { phone: p.phone, email: p.email });
  }
  const factor = await app.database.db
    .selectFrom("mfa_factors")
    .select("secret")
    .where("user_id", "=", totpUser)
    .where("kind", "=", "totp")
    .executeTakeFirstOrThrow();
  assert.equal(app.services.fields.open(factor.secret, `mfa_factors.secret:${totpUser}`), TOTP_SECRET);

  const keys = await app.database.db.selectFrom("data_keys").select(["version", "state"]).orderBy("version").execute();
  assert.deepEqual(keys, [
    { version: 1, state: "retired" },
    { version: 2, state: "active" },
  ]);
  const audit = await app.database.db
    .selectFrom("audit_events")
    .select(["action", "actor_role", "result", "target_id"])
    .where("action", "like", "crypto.keyRotation.%")
    .orderBy("seq")
    .execute();
  assert.deepEqual(audit, [
    { action: "crypto.keyRotation.start", actor_role: "secadmin", result: "success", target_id: id },
    { action: "crypto.keyRotation.finish", actor_role: null, result: "success", target_id: id },
  ]);

  // The next rotation can start now that this one is done.
  const next = await sec.post("/api/v1/crypto/key-rotations").send({});
  assert.equal(next.status, 202);
  assert.equal(next.body.toVersion, 3);
});

test("GET of an unknown rotation: 404", async () => {
  const res = await sec.get("/api/v1/crypto/key-rotations/00000000-0000-4000-8000-000000000000");
  assert.equal(res.status, 404);
});

function jobRow(id: string) {
  return app.database.db.selectFrom("key_rotations").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

test("another instance learns of the new key through the bus and seals with it", async () => {
  const bus = createInProcessBus();
  const build = async () =>
    createServices({
      db: app.database.db,
      config: app.config,
      logger: silentLogger,
      kek,
      dataKeys: (await instance()).ring,
      platformTenantId: app.platformTenantId,
      bus,
    });
  const [a, b] = [await build(), await build()];
  const secadmin = await app.database.db
    .selectFrom("users")
    .select(["id", "tenant_id", "username"])
    .where("username", "=", "secadmin")
    .executeTakeFirstOrThrow();
  const ctx = {
    requestId: "test",
    ip: "127.0.0.1",
    userAgent: null,
    ability: null,
    principal: {
      sessionId: "test",
      userId: secadmin.id,
      tenantId: secadmin.tenant_id,
      username: secadmin.username,
      displayName: secadmin.username,
      role: "secadmin" as const,
      mustChangePassword: false,
      mfaRequired: false,
      mfaMethod: null,
    },
  };
  // Let the earlier test's follow-up rotation (to 3) finish first: one rotation at a time.
  const worker = createRotationWorker({ db: app.database.db, ...(await instance()), logger: silentLogger });
  for (let i = 0; i < 50 && (await worker.runBatch()) !== "idle"; i++);
  const before = Number(/^v3\.(\d+)\./.exec(b.fields.seal("x", "p"))?.[1]);
  const started = await (a.keyRotations as KeyRotationService).start(ctx);
  assert.equal(started.toVersion, before + 1);
  for (let i = 0; i < 50 && !b.fields.seal("x", "p").startsWith(`v3.${started.toVersion}.`); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(b.fields.seal("x", "p"), new RegExp(`^v3\\.${started.toVersion}\\.`));
  await bus.close();
});
