import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { silentLogger, type TestDatabase, testDatabase } from "../../../test/support/db";
import { loadConfig } from "../config";
import { startServer } from "../server";
import { loadDataKeys, unwrapDataKey, WrongKekError, wrapDataKey } from "./data-keys";
import { createFieldCipher } from "./fields";
import { KeyError } from "./keys";
import { CryptoProfileMismatchError, gmProfile, intlProfile } from "./profile";
import { IntegrityError } from "./sm";

/** KEK → data keys: created once, wrapped, versioned; a wrong KEK refuses the start with nothing written. */
let database: TestDatabase;
const kek = crypto.randomBytes(32);
before(async () => {
  database = await testDatabase();
});
after(() => database?.close());

const snapshot = (db = database.db) => db.selectFrom("data_keys").selectAll().orderBy("version").execute();

test("a fresh database gets data key 1, wrapped; later starts load the same key", async () => {
  const first = await loadDataKeys({ db: database.db, kek, profile: gmProfile, kekSource: "TIANSHU_KEK" });
  assert.equal(first.active().version, 1);
  const rows = await snapshot();
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.state, "active");
  assert.equal(rows[0]?.purpose, "fields");

  const again = await loadDataKeys({ db: database.db, kek, profile: gmProfile, kekSource: "TIANSHU_KEK" });
  assert.deepEqual(await snapshot(), rows, "a second start writes nothing");
  const sealed = createFieldCipher(kek, gmProfile, first).seal("13812341234", "users.phone:u1");
  assert.match(sealed, /^v3\.1\.[A-Za-z0-9_-]+$/);
  assert.equal(createFieldCipher(kek, gmProfile, again).open(sealed, "users.phone:u1"), "13812341234");
  // Not derivable from the KEK alone: a cipher without the data keys cannot open it.
  assert.throws(() => createFieldCipher(kek).open(sealed, "users.phone:u1"), IntegrityError);
});

test("a wrong KEK: refused with a bilingual message naming its source, data_keys unchanged", async () => {
  const before = await snapshot();
  assert.equal(before.length, 1);
  const other = crypto.randomBytes(32);
  await assert.rejects(
    loadDataKeys({ db: database.db, kek: other, profile: gmProfile, kekSource: "TIANSHU_KEK" }),
    (err: Error) => {
      assert.ok(err instanceof WrongKekError && err instanceof KeyError);
      assert.match(err.message, /TIANSHU_KEK does not open data key version 1/);
      assert.match(err.message, /主密钥（KEK）无法解开/);
      return true;
    },
  );
  assert.deepEqual(await snapshot(), before);
  // The other profile's data keys are named as such, not mistaken for a wrong KEK.
  await assert.rejects(
    loadDataKeys({ db: database.db, kek, profile: intlProfile, kekSource: "TIANSHU_KEK" }),
    CryptoProfileMismatchError,
  );
  assert.deepEqual(await snapshot(), before);
});

test("a wrapped key is bound to its version and purpose", () => {
  const key = crypto.randomBytes(32);
  for (const profile of [gmProfile, intlProfile]) {
    const wrapped = wrapDataKey(profile, kek, key, 3, "fields");
    assert.deepEqual(unwrapDataKey(profile, kek, wrapped, 3, "fields"), key);
    assert.throws(() => unwrapDataKey(profile, kek, wrapped, 4, "fields"), IntegrityError, "moved to another version");
    assert.ok(!Buffer.from(wrapped, "base64url").includes(key), "the key is not stored in the clear");
  }
});

test("startServer with another KEK against a database with data keys: refuses, writes nothing", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-keys-"));
  const serverDb = database.url ? await testDatabase() : undefined;
  const env = {
    PORT: "0",
    TIANSHU_DATA_DIR: dataDir,
    TIANSHU_PBKDF2_ITERATIONS: "100000",
    ...(serverDb?.url ? { DATABASE_URL: serverDb.url } : {}),
  };
  try {
    // First start: the KEK file is generated under the data dir, data key 1 is created.
    const first = await startServer(loadConfig(env), silentLogger);
    const rows = await snapshot(first.database.db);
    assert.equal(rows.length, 1);
    await first.close();

    const kekFile = path.join(dataDir, "keys", "kek");
    const originalKek = fs.readFileSync(kekFile, "utf8").trim();
    const wrongKek = crypto.randomBytes(32).toString("hex");
    await assert.rejects(
      startServer(loadConfig({ ...env, TIANSHU_KEK: wrongKek }), silentLogger),
      (err: Error) =>
        err instanceof WrongKekError && /from TIANSHU_KEK does not open data key version 1/.test(err.message),
    );
    // The key file replaced by another key: the message names the file.
    fs.writeFileSync(kekFile, `${wrongKek}\n`, { mode: 0o600 });
    await assert.rejects(
      startServer(loadConfig(env), silentLogger),
      (err: Error) => err instanceof WrongKekError && err.message.includes(`the key file ${kekFile}`),
    );
    assert.equal(fs.readFileSync(kekFile, "utf8").trim(), wrongKek, "the key file is not overwritten");

    // With the original KEK the server starts again, on the very rows the refused starts left alone.
    const last = await startServer(loadConfig({ ...env, TIANSHU_KEK: originalKek }), silentLogger);
    try {
      assert.deepEqual(await snapshot(last.database.db), rows);
    } finally {
      await last.close();
    }
  } finally {
    await serverDb?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
