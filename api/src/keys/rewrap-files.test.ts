import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { testDatabase, type TestDatabase } from "../../../test/support/db";
import { loadDataKeys, loadDataKeysWithCandidates, WrongKekError } from "../crypto/data-keys";
import { kekCandidates, kekFiles, switchKekFile, writeNextKekFile } from "../crypto/keys";
import { gmProfile } from "../crypto/profile";
import { rewrapKek } from "./rewrap";

/**
 * The key file across a re-wrap, and a crash at each point between the database commit and the file
 * switch: the start tries kek, kek.next, kek.previous, uses the one that opens the data keys, and
 * settles the files (finishes the switch, or removes what is no longer needed).
 */
let database: TestDatabase;
const dirs: string[] = [];
before(async () => {
  database = await testDatabase();
});
after(async () => {
  await database?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const hex = (k: Buffer) => `${k.toString("hex")}\n`;
const options = (dataDir: string) => ({ kek: undefined, dataDir, production: false });

/** A data dir whose key file the database's keys are wrapped under (the key file is created by the first start). */
async function setUp(): Promise<{ dataDir: string; files: ReturnType<typeof kekFiles>; kek: Buffer }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-kekfile-"));
  dirs.push(dataDir);
  const files = kekFiles(dataDir);
  const [first] = kekCandidates(options(dataDir));
  assert.ok(first);
  assert.equal(fs.statSync(files.current).mode & 0o777, 0o600);
  // The database of this file may be wrapped under another test's key: start it over under this one.
  const keys = await database.db.selectFrom("data_keys").select("version").execute();
  if (keys.length > 0) {
    const current = fs.readFileSync(path.join(dirs[0] as string, "current-kek"), "utf8");
    await rewrapKek({
      db: database.db,
      profile: gmProfile,
      oldKek: Buffer.from(current, "hex"),
      newKek: first.kek,
      oldSource: "test",
      actorName: "test",
    });
  } else {
    await loadDataKeys({ db: database.db, kek: first.kek, profile: gmProfile, kekSource: first.source });
  }
  remember(first.kek);
  return { dataDir, files, kek: first.kek };
}
/** Which KEK the test database is wrapped under now, for the next setUp. */
function remember(kek: Buffer): void {
  fs.writeFileSync(path.join(dirs[0] as string, "current-kek"), kek.toString("hex"));
}

async function start(dataDir: string) {
  return loadDataKeysWithCandidates({
    db: database.db,
    profile: gmProfile,
    candidates: kekCandidates(options(dataDir)),
  });
}

async function rewrapInDatabase(oldKek: Buffer, newKek: Buffer): Promise<void> {
  await rewrapKek({ db: database.db, profile: gmProfile, oldKek, newKek, oldSource: "test", actorName: "test" });
  remember(newKek);
}

test("complete re-wrap: kek holds the new key, kek.previous the old one until the next start", async () => {
  const { dataDir, files, kek } = await setUp();
  const next = crypto.randomBytes(32);
  writeNextKekFile(dataDir, next);
  assert.equal(fs.statSync(files.next).mode & 0o777, 0o600);
  await rewrapInDatabase(kek, next);
  switchKekFile(files, next);
  assert.equal(fs.readFileSync(files.current, "utf8"), hex(next));
  assert.equal(fs.readFileSync(files.previous, "utf8"), hex(kek));
  assert.equal(fs.existsSync(files.next), false);
  assert.equal(fs.statSync(files.current).mode & 0o777, 0o600);
  assert.equal(fs.statSync(files.previous).mode & 0o777, 0o600);

  const started = await start(dataDir);
  assert.ok(started.kek.equals(next));
  assert.equal(fs.existsSync(files.previous), false, "the old KEK is removed by the first start with the new one");

  // The old key file put back: refused with the usual message, naming the file.
  fs.writeFileSync(files.current, hex(kek), { mode: 0o600 });
  await assert.rejects(start(dataDir), (err: unknown) => {
    assert.ok(err instanceof WrongKekError);
    assert.match(
      err.message,
      new RegExp(`the key file ${files.current.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} does not open`),
    );
    return true;
  });
  fs.writeFileSync(files.current, hex(next), { mode: 0o600 });
});

test("crash after the commit, before the file switch: the start uses kek.next and finishes the switch", async () => {
  const { dataDir, files, kek } = await setUp();
  const next = crypto.randomBytes(32);
  writeNextKekFile(dataDir, next);
  await rewrapInDatabase(kek, next);
  // (crash here)
  const started = await start(dataDir);
  assert.ok(started.kek.equals(next));
  assert.equal(fs.readFileSync(files.current, "utf8"), hex(next));
  assert.equal(fs.readFileSync(files.previous, "utf8"), hex(kek));
  assert.equal(fs.existsSync(files.next), false);
  // The next start uses kek and drops kek.previous.
  assert.ok((await start(dataDir)).kek.equals(next));
  assert.equal(fs.existsSync(files.previous), false);
});

test("crash before the commit: kek still opens, the unused kek.next is removed", async () => {
  const { dataDir, files, kek } = await setUp();
  writeNextKekFile(dataDir, crypto.randomBytes(32));
  // (crash here: the transaction never committed)
  const started = await start(dataDir);
  assert.ok(started.kek.equals(kek));
  assert.equal(fs.existsSync(files.next), false);
  assert.equal(fs.readFileSync(files.current, "utf8"), hex(kek));
});

test("a database restored from before the re-wrap still starts with kek.previous, which is then kept", async () => {
  const { dataDir, files, kek } = await setUp();
  const next = crypto.randomBytes(32);
  writeNextKekFile(dataDir, next);
  await rewrapInDatabase(kek, next);
  switchKekFile(files, next);
  await rewrapInDatabase(next, kek); // as if the old database came back
  const started = await start(dataDir);
  assert.ok(started.kek.equals(kek));
  assert.equal(fs.readFileSync(files.previous, "utf8"), hex(kek), "kept while it is the one in use");
});
