import assert from "node:assert/strict";
import crypto from "node:crypto";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { pino } from "pino";
import { after, before, test } from "node:test";
import { parseKek } from "../crypto/keys";
import { cryptoProfile } from "../crypto/profile";
import supertest from "supertest";
import { createApp } from "../app";
import { NEW_PASSWORD, startTestApp, TEST_KEK, type TestApp } from "../../../test/support/app";
import { signChallenge } from "../../../test/support/server-process";
import { type TestDatabase, testDatabase } from "../../../test/support/db";
import { archiveBoundary, runArchiver } from "./archive";
import {
  archiveKeyOf,
  crossCheckArchive,
  writeArchive,
  type ArchivedEvent,
  archiveRowHasher,
  checkChainRange,
  readManifest,
  searchArchive,
  verifyArchive,
} from "./archive-file";
import { verifyAuditChain } from "./verify";
import { loadOrCreateSigningKey } from "./checkpoint";
import { sealPending } from "./sealer";
import { checkAuditStorage } from "./storage";

/*
 * Retention and archives (docs/audit.md): old events are archived to a sealed file with a signed
 * manifest before their rows are removed; the archiver is the only removal path; archives verify on
 * their own and can be searched again. Real PostgreSQL (or the embedded one) and the real app.
 */
const OLD_EVENTS = 6;
const execFileP = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, "archive-cli.ts");
const kek = parseKek(TEST_KEK);
const profile = cryptoProfile("gm");
const archiveKey = archiveKeyOf(profile, kek);

let database: TestDatabase;
let app: TestApp;
let dir: string;
const warnings: string[] = [];

before(async () => {
  database = await testDatabase();
  // A monthly partition for the old events: emptied by archiving, it is dropped.
  await sql`CREATE TABLE audit_events_202501 PARTITION OF audit_events
    FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2025-02-01 00:00:00+00')`.execute(database.db);
  // Old events first, so the sealer gives them the first chain positions (it seals in seq order).
  for (let i = 0; i < OLD_EVENTS; i++) {
    await sql`
      INSERT INTO audit_events (occurred_at, tenant_id, actor_id, actor_name, actor_role, action, target_type,
        target_id, result, detail, ip, user_agent, request_id)
      VALUES (${`2025-01-0${i + 1}T08:00:00.123456Z`}::timestamptz, NULL, NULL, ${i === 2 ? "old-operator" : "someone"},
        'sysadmin', ${i === 2 ? "user.delete" : "user.update"}, 'User', ${`u-${i}`}, 'success',
        ${JSON.stringify({ n: i, nested: { b: 1, a: [1, 2, "三"] } })}::jsonb, '10.0.0.1', 'test', ${`req-${i}`})`.execute(
      database.db,
    );
  }
  const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(line) });
  app = await startTestApp({}, { database, logger });
  await sealPending(database.db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-archives-"));
});
after(async () => {
  await app?.close();
  await database?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const oldRows = () =>
  database.db
    .selectFrom("audit_events")
    .select([sql<string>`chain_seq::text`.as("chain_seq"), "action"])
    .where("occurred_at", "<", new Date("2025-02-01"))
    .orderBy("chain_seq")
    .execute();

const refusedDelete = async (statements: string[]) => {
  await assert.rejects(
    database.db.transaction().execute(async (tx) => {
      for (const s of statements) await sql.raw(s).execute(tx);
    }),
    /append-only \(DELETE refused\)/,
  );
};

test("settings: auditadmin edits, secadmin reads and sees the change in its audit events, sysadmin is refused", async () => {
  const audit = await app.signIn("auditadmin");
  const sec = await app.signIn("secadmin");
  const sys = await app.signIn("sysadmin");

  const got = await audit.get("/api/v1/audit/settings");
  assert.equal(got.status, 200);
  assert.deepEqual(got.body.settings, {
    retentionDays: 184,
    storageLimitBytes: 10737418240,
    alertThresholdPercent: 80,
  });
  assert.equal(got.headers.etag, `"${got.body.version}"`);
  assert.equal((await sec.get("/api/v1/audit/settings")).status, 200);
  const sysGet = await sys.get("/api/v1/audit/settings");
  assert.equal(sysGet.status, 403);
  assert.equal(sysGet.body.code, "FORBIDDEN");
  assert.equal((await sys.get("/api/v1/audit/storage")).status, 403);

  // Below the legal floor: 400 in both languages, nothing saved.
  const short = await audit
    .put("/api/v1/audit/settings")
    .set("if-match", got.headers.etag)
    .send({ retentionDays: 179, storageLimitBytes: 10737418240, alertThresholdPercent: 80 });
  assert.equal(short.status, 400);
  assert.equal(short.body.code, "RETENTION_TOO_SHORT");
  assert.match(short.body.detail, /at least 180 days/);
  assert.match(short.body.zh, /不得少于 180 天/);
  assert.equal(short.body.errors[0].path, "body.retentionDays");
  assert.match(short.body.errors[0].zh, /网络安全法/);
  // The database refuses it too, whoever asks.
  await assert.rejects(sql`UPDATE audit_settings SET retention_days = 90 WHERE id`.execute(database.db), /check/i);

  // secadmin may read but not edit.
  const secPut = await sec
    .put("/api/v1/audit/settings")
    .set("if-match", got.headers.etag)
    .send({ retentionDays: 400, storageLimitBytes: 10737418240, alertThresholdPercent: 80 });
  assert.equal(secPut.status, 403);
  // If-Match is required.
  const noMatch = await audit
    .put("/api/v1/audit/settings")
    .send({ retentionDays: 400, storageLimitBytes: 10737418240, alertThresholdPercent: 80 });
  assert.equal(noMatch.status, 428);

  const saved = await audit
    .put("/api/v1/audit/settings")
    .set("if-match", got.headers.etag)
    .send({ retentionDays: 400, storageLimitBytes: 10737418240, alertThresholdPercent: 75 });
  assert.equal(saved.status, 200);
  assert.equal(saved.body.settings.retentionDays, 400);
  assert.equal(saved.body.version, got.body.version + 1);
  const stale = await audit
    .put("/api/v1/audit/settings")
    .set("if-match", got.headers.etag)
    .send({ retentionDays: 500, storageLimitBytes: 10737418240, alertThresholdPercent: 75 });
  assert.equal(stale.status, 409);

  // The change is an audited event by the audit admin: exactly what secadmin reviews.
  const events = await sec.get("/api/v1/audit/events?_start=0&_end=200");
  assert.equal(events.status, 200);
  const change = (events.body as { action: string; actorRole: string; detail: Record<string, unknown> }[]).find(
    (e) => e.action === "auditSettings.update",
  );
  assert.ok(change, "secadmin sees the audit settings change");
  assert.equal(change.actorRole, "auditadmin");
  assert.deepEqual((change.detail.after as { retentionDays: number }).retentionDays, 400);
  assert.deepEqual((change.detail.before as { retentionDays: number }).retentionDays, 184);

  // Back to 180 days for the archive tests below.
  const back = await audit
    .put("/api/v1/audit/settings")
    .set("if-match", String(saved.headers.etag))
    .send({ retentionDays: 180, storageLimitBytes: 10737418240, alertThresholdPercent: 80 });
  assert.equal(back.status, 200);
});

test("storage: size, limit and status over HTTP; the near-limit alert is recorded once per crossing", async () => {
  const audit = await app.signIn("auditadmin");
  const first = await audit.get("/api/v1/audit/storage");
  assert.equal(first.status, 200);
  assert.ok(first.body.sizeBytes > 0, "the partitions take some room");
  assert.equal(first.body.status, "ok");
  assert.equal(first.body.alertActive, false);

  const count = async () =>
    Number(
      (
        await database.db
          .selectFrom("audit_events")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("action", "=", "audit.storage.near_limit")
          .executeTakeFirstOrThrow()
      ).n,
    );
  const logger = pino({ level: "warn" }, { write: (line: string) => void warnings.push(line) });
  assert.equal((await checkAuditStorage(database.db, logger)).raised, false);
  // A 1 MiB limit with a 1 % threshold: the log is well past it.
  const etag = (await audit.get("/api/v1/audit/settings")).headers.etag;
  const tight = await audit
    .put("/api/v1/audit/settings")
    .set("if-match", String(etag))
    .send({ retentionDays: 180, storageLimitBytes: 1024 * 1024, alertThresholdPercent: 1 });
  assert.equal(tight.status, 200);
  const raised = await checkAuditStorage(database.db, logger);
  assert.equal(raised.raised, true);
  assert.notEqual(raised.state.status, "ok");
  assert.equal(await count(), 1);
  assert.ok(
    warnings.some((w) => /"level":40/.test(w) && /audit storage at/.test(w)),
    "logged at warn",
  );
  // Still over: no second event.
  assert.equal((await checkAuditStorage(database.db, logger)).raised, false);
  assert.equal(await count(), 1);

  const state = await audit.get("/api/v1/audit/storage");
  assert.equal(state.body.alertActive, true);
  assert.ok(["near_limit", "over_limit"].includes(state.body.status));
  assert.equal(state.body.limitBytes, 1024 * 1024);
  const metrics = await app.http.get("/metrics");
  assert.match(metrics.text, /tianshu_audit_storage_bytes \d+/);
  assert.match(metrics.text, /tianshu_audit_storage_near_limit 1/);

  // Back below (a generous limit): re-armed, and a new crossing would be recorded again.
  const etag2 = (await audit.get("/api/v1/audit/settings")).headers.etag;
  await audit
    .put("/api/v1/audit/settings")
    .set("if-match", String(etag2))
    .send({ retentionDays: 180, storageLimitBytes: 10737418240, alertThresholdPercent: 80 });
  assert.equal((await checkAuditStorage(database.db, logger)).cleared, true);
  assert.equal((await audit.get("/api/v1/audit/storage")).body.alertActive, false);
});

test("a DELETE is refused without the archiver setting, and with it for events no archive covers", async () => {
  const rows = await oldRows();
  assert.equal(rows.length, OLD_EVENTS);
  const firstSeq = rows[0]?.chain_seq;
  assert.ok(firstSeq, "the old events were sealed");
  await refusedDelete([`DELETE FROM audit_events WHERE chain_seq = ${firstSeq}`]);
  await refusedDelete([
    "SELECT set_config('tianshu.audit_archiver', 'on', true)",
    `DELETE FROM audit_events WHERE chain_seq = ${firstSeq}`,
  ]);
  await assert.rejects(sql`TRUNCATE audit_events`.execute(database.db), /append-only/);
  assert.equal((await oldRows()).length, OLD_EVENTS);
});

test("nothing is removed when the archive files cannot be written", async () => {
  const blocked = path.join(dir, "not-a-directory");
  fs.writeFileSync(blocked, "x");
  await assert.rejects(runArchiver(database.db, { dir: blocked, kek, profile }));
  assert.equal((await oldRows()).length, OLD_EVENTS);
  assert.equal(await archiveBoundary(database.db), null);
});

test("old events are archived to a sealed, signed file, then removed; verify and search work on the file", async () => {
  const before = await oldRows();
  const firstSeq = before[0]?.chain_seq as string;
  const result = await runArchiver(database.db, { dir, kek, profile, batchSize: 4 });
  assert.equal(result.outcome, "done");
  // Two batches (4 + 2) of exactly the old events: the recent bootstrap events stay.
  assert.equal(result.eventsArchived, OLD_EVENTS);
  assert.equal(result.archives.length, 2);
  assert.equal((await oldRows()).length, 0);
  assert.deepEqual(result.droppedPartitions, ["audit_events_202501"]);
  const archive = result.archives[0];
  assert.ok(archive);
  assert.equal(archive.fromChainSeq, firstSeq);
  assert.ok(fs.existsSync(archive.manifest));
  const manifest = readManifest(archive.manifest);
  assert.ok(fs.existsSync(path.join(dir, manifest.dataFile)));
  assert.equal(manifest.events, 4);
  // The sealed file is not readable as text.
  assert.ok(!fs.readFileSync(path.join(dir, manifest.dataFile)).includes(Buffer.from("old-operator")));

  const boundary = await archiveBoundary(database.db);
  assert.equal(boundary?.chainSeq, result.archives[1]?.toChainSeq);
  const next = await database.db
    .selectFrom("audit_events")
    .select("prev_hash")
    .where(sql<boolean>`chain_seq = ${boundary?.chainSeq}::bigint + 1`)
    .executeTakeFirst();
  if (next?.prev_hash)
    assert.ok(next.prev_hash.equals(boundary?.hash as Buffer), "the chain continues from the boundary");
  // The database's part of the chain verifies from the boundary on (the archives verify on their own).
  await sealPending(database.db);
  const chain = await verifyAuditChain(database.db, { batchSize: 3 });
  assert.equal(chain.finding, null);
  assert.deepEqual([chain.ok, chain.archivedThroughSeq], [true, boundary?.chainSeq]);

  const rows = await database.db.selectFrom("audit_archives").selectAll().orderBy("from_chain_seq").execute();
  assert.equal(rows.length, 2);
  await assert.rejects(sql`DELETE FROM audit_archives`.execute(database.db), /append-only/);
  const archived = await database.db
    .selectFrom("audit_events")
    .select(["detail"])
    .where("action", "=", "audit.archive")
    .execute();
  assert.equal(archived.length, 2, "each archive is an audited event");

  // Nothing more is due: a second run archives nothing.
  assert.equal((await runArchiver(database.db, { dir, kek, profile })).eventsArchived, 0);

  for (const a of result.archives) assert.equal(verifyArchive(a.manifest, { archiveKey }).ok, true);
  const found = searchArchive(archive.manifest, { actor: "old-operator" }, { archiveKey });
  assert.equal(found.length, 1);
  assert.equal(found[0]?.action, "user.delete");
  assert.deepEqual(found[0]?.detail, { n: 2, nested: { a: [1, 2, "三"], b: 1 } });
  assert.equal(
    searchArchive(archive.manifest, { action: "user.*", from: "2025-01-02T00:00:00Z" }, { archiveKey }).length,
    3,
  );

  // The commands, as an operator runs them (KEK from the environment, no database).
  const env: Record<string, string | undefined> = {
    ...process.env,
    TIANSHU_KEK: TEST_KEK,
    TIANSHU_DATA_DIR: dir,
    LOG_LEVEL: "silent",
  };
  delete env.DATABASE_URL;
  const verified = await execFileP(process.execPath, ["--import", "tsx", CLI, "verify", archive.manifest], { env });
  assert.equal(JSON.parse(verified.stdout).ok, true);
  assert.equal(JSON.parse(verified.stdout).instance.recorded, null, "no database: not checked against it");
  if (database.url) {
    // With the instance's database: the key is known and the archive is the one recorded.
    const checked = await execFileP(process.execPath, ["--import", "tsx", CLI, "verify", archive.manifest], {
      env: { ...env, DATABASE_URL: database.url },
    });
    assert.deepEqual(
      [JSON.parse(checked.stdout).instance.keyKnown, JSON.parse(checked.stdout).instance.recorded],
      [true, true],
    );
  }
  const searched = await execFileP(
    process.execPath,
    [
      "--import",
      "tsx",
      CLI,
      "search",
      path.join(dir, manifest.dataFile),
      "--actor",
      "old-operator",
      "--action",
      "user.delete",
    ],
    { env },
  );
  const lines = searched.stdout.trim().split("\n");
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0] as string).targetId, "u-2");

  // A modified data file: the digest no longer matches (and the CLI exits 1).
  const dataPath = path.join(dir, manifest.dataFile);
  const original = fs.readFileSync(dataPath);
  const tampered = Buffer.from(original);
  tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 0x01;
  fs.writeFileSync(dataPath, tampered);
  assert.equal(verifyArchive(archive.manifest, { archiveKey }).finding?.kind, "digest_mismatch");
  const cliBroken = await execFileP(process.execPath, ["--import", "tsx", CLI, "verify", archive.manifest], {
    env,
  }).catch((err: { code: number; stdout: string }) => err);
  assert.equal((cliBroken as { code?: number }).code, 1);
  fs.writeFileSync(dataPath, original);
  // A modified manifest: the signature fails.
  const manifestText = fs.readFileSync(archive.manifest, "utf8");
  fs.writeFileSync(archive.manifest, manifestText.replace('"events": 4', '"events": 3'));
  assert.equal(verifyArchive(archive.manifest, { archiveKey }).finding?.kind, "bad_manifest_signature");
  fs.writeFileSync(archive.manifest, manifestText);
  // Another signing key pinned than the manifest names.
  assert.equal(
    verifyArchive(archive.manifest, { archiveKey, publicKey: "04".padEnd(130, "1") }).finding?.kind,
    "unknown_signing_key",
  );
  // The wrong KEK does not open it.
  const wrongKek = verifyArchive(archive.manifest, { archiveKey: archiveKeyOf(profile, Buffer.alloc(32, 7)) }).finding;
  assert.equal(wrongKek?.kind, "undecryptable");
  assert.match(wrongKek?.message ?? "", /fingerprint/);
  assert.equal(verifyArchive(archive.manifest, { archiveKey }).ok, true);
});

test("the chain inside an archive: a changed event, a missing one and a broken link are found", () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".manifest.json"));
  const manifestPath = path.join(dir, files.sort()[0] as string);
  const m = readManifest(manifestPath);
  const events = searchArchive(manifestPath, {}, { archiveKey });
  const hasher = archiveRowHasher(m.chain);
  assert.equal(checkChainRange(events, m, hasher).finding, null);
  const changed: ArchivedEvent[] = events.map((e, i) => (i === 1 ? { ...e, actorName: "someone-else" } : e));
  assert.equal(checkChainRange(changed, m, hasher).finding?.kind, "modified");
  assert.equal(checkChainRange([...events.slice(0, 1), ...events.slice(2)], m, hasher).finding?.kind, "deleted");
  const relinked = events.map((e, i) => (i === 2 ? { ...e, prevHash: "00".repeat(32) } : e));
  assert.equal(checkChainRange(relinked, m, hasher).finding?.kind, "broken_link");
});

test("cross-check with the database: recorded archives pass, files it never recorded do not", async () => {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".manifest.json"));
  const manifestPath = path.join(dir, files.sort()[0] as string);
  const m = readManifest(manifestPath);
  assert.deepEqual(await crossCheckArchive(database.db, m).then((c) => [c.keyKnown, c.recorded]), [true, true]);
  // The same events written again under another id (as a failed archiver transaction leaves them).
  const orphanDir = path.join(dir, "orphans");
  const signer = await loadOrCreateSigningKey(database.db, kek, profile);
  const orphan = writeArchive({
    dir: orphanDir,
    archiveId: crypto.randomUUID(),
    events: searchArchive(manifestPath, {}, { archiveKey }),
    chain: m.chain,
    archiveKey,
    profile,
    signer,
  });
  assert.equal(verifyArchive(orphan.manifestPath, { archiveKey }).ok, true, "a well-formed archive on its own");
  const c = await crossCheckArchive(database.db, orphan.manifest);
  assert.equal(c.keyKnown, true);
  assert.equal(c.recorded, false);
});

test("archives are listed for auditadmin and secadmin, not sysadmin", async () => {
  const audit = await app.signIn("auditadmin");
  const list = await audit.get("/api/v1/audit/archives?_start=0&_end=10&_order=asc");
  assert.equal(list.status, 200);
  assert.equal(list.headers["x-total-count"], "2");
  assert.equal(list.body[0].events, 4);
  assert.match(list.body[0].fileDigest, /^[0-9a-f]{64}$/);
  assert.equal((await (await app.signIn("secadmin")).get("/api/v1/audit/archives")).status, 200);
  assert.equal((await (await app.signIn("sysadmin")).get("/api/v1/audit/archives")).status, 403);
});

test("another tenant's admins are refused the global audit settings (403, audited)", async () => {
  await app.signIn("auditadmin"); // enrols the harness key if needed
  const key = app.sm2KeyOf("auditadmin");
  assert.ok(key);
  // The same services with the platform being some other tenant: our auditadmin is now "another tenant's".
  const other = createApp({
    config: app.config,
    logger: pino({ level: "silent" }),
    db: database.db,
    services: app.services,
    platformTenantId: crypto.randomUUID(),
    readiness: () => database.readiness(),
    consoleDir: null,
    version: "test",
  });
  const agent = supertest.agent(other.app);
  const login = await agent.post("/api/v1/auth/login").send({ username: "auditadmin", password: NEW_PASSWORD });
  assert.equal(login.status, 200);
  const challenge = await agent.post("/api/v1/auth/mfa/sm2/challenge");
  const verified = await agent
    .post("/api/v1/auth/mfa/sm2/verify")
    .send({ challengeId: challenge.body.challengeId, signature: signChallenge(challenge.body.nonce, key) });
  assert.equal(verified.status, 204);
  const denied = async () =>
    Number(
      (
        await database.db
          .selectFrom("audit_events")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("action", "=", "authz.denied")
          .where("target_id", "=", "PUT /api/v1/audit/settings")
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = await denied();
  const res = await agent
    .put("/api/v1/audit/settings")
    .set("if-match", '"1"')
    .send({ retentionDays: 365, storageLimitBytes: 10737418240, alertThresholdPercent: 80 });
  assert.equal(res.status, 403);
  assert.match(res.body.zh, /平台租户/);
  assert.equal(await denied(), before + 1);
  assert.equal((await agent.get("/api/v1/audit/storage")).status, 403);
});
