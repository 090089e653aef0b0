import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { auditCount, startTestApp, type TestApp, TEST_KEK } from "../../../test/support/app";
import { silentLogger } from "../../../test/support/db";
import { parseKek } from "../crypto/keys";
import { IntegrityError } from "../crypto/sm";
import { gmProfile } from "../crypto/profile";
import type { DbOrTx, Tx } from "../db/pool";
import { canonicalV2Sql, chainHashV2 } from "./chain";
import { loadOrCreateSigningKey, scheduleCheckpoints, writeCheckpoint } from "./checkpoint";
import { record } from "./record";
import { scheduleSealer, sealPending } from "./sealer";
import { type VerifyReport, verifyAuditChain } from "./verify";

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(() => app?.close());

const ROLLBACK = new Error("rollback");

/**
 * Tampers directly in SQL with the append-only trigger disabled, verifies inside the same
 * transaction, then rolls everything back, so each test starts from the intact chain.
 */
async function verifyTampered(tamper: (tx: Tx) => Promise<void>): Promise<VerifyReport> {
  let report: VerifyReport | undefined;
  await app.database.db
    .transaction()
    .execute(async (tx) => {
      await sql`ALTER TABLE audit_events DISABLE TRIGGER USER`.execute(tx);
      await sql`ALTER TABLE audit_checkpoints DISABLE TRIGGER USER`.execute(tx);
      await tamper(tx);
      await sql`ALTER TABLE audit_events ENABLE TRIGGER USER`.execute(tx);
      await sql`ALTER TABLE audit_checkpoints ENABLE TRIGGER USER`.execute(tx);
      // Small pages, so findings that straddle a page boundary are exercised too.
      report = await verifyAuditChain(tx, { batchSize: 7 });
      throw ROLLBACK;
    })
    .catch((err: unknown) => {
      if (err !== ROLLBACK) throw err;
    });
  return report as VerifyReport;
}

async function head(db: DbOrTx = app.database.db): Promise<{ seq: bigint; genesis: bigint }> {
  const h = await db.selectFrom("audit_chain_head").select(["seq", "genesis_seq"]).executeTakeFirstOrThrow();
  return { seq: BigInt(h.seq), genesis: BigInt(h.genesis_seq) };
}

test("a chain written by concurrent requests and transactions, sealed by racing sealers, is gap-free and verifies", async () => {
  const signer = await loadOrCreateSigningKey(app.database.db, parseKek(TEST_KEK), gmProfile);
  await Promise.all([
    ...Array.from({ length: 20 }, (_, i) =>
      app.http.post("/api/v1/auth/login").send({ username: `nobody-${i}`, password: "wrong-wrong-wrong" }),
    ),
    ...Array.from({ length: 20 }, (_, i) =>
      app.database.db.transaction().execute(async (tx) => {
        await record(tx, {
          tenantId: null,
          actorId: null,
          actorName: `writer-${i}`,
          actorRole: null,
          action: "test.concurrent",
          result: "success",
          // Keys out of order, numbers jsonb rewrites, non-ASCII: all survive the round trip.
          detail: { z: i, a: { y: [1.5, 1e21, 0.1 + 0.2], x: "天枢" }, m: null },
        });
        await new Promise((r) => setTimeout(r, i % 3));
        await record(tx, {
          tenantId: null,
          actorId: null,
          actorName: null,
          actorRole: null,
          action: "test.second",
          result: "failure",
        });
      }),
    ),
  ]);
  // Two sealers at once (two instances): the advisory lock lets one work, the other finds nothing to do.
  const sealed = await Promise.all([sealPending(app.database.db, { batchSize: 9 }), sealPending(app.database.db)]);
  assert.ok(sealed[0] + sealed[1] >= 60, `sealed ${sealed}`);
  assert.equal(await sealPending(app.database.db), 0, "nothing is left to seal");
  assert.equal(await writeCheckpoint(app.database.db, signer), "written");
  assert.equal(
    await writeCheckpoint(app.database.db, signer),
    "unchanged",
    "no new checkpoint while the head stands still",
  );
  await record(app.database.db, {
    tenantId: null,
    actorId: null,
    actorName: null,
    actorRole: null,
    action: "test.more",
    result: "success",
  });
  assert.equal(await writeCheckpoint(app.database.db, signer), "unchanged", "an unsealed event does not move the head");
  assert.equal(await sealPending(app.database.db), 1);
  assert.equal(await writeCheckpoint(app.database.db, signer), "written");

  const { seq, genesis } = await head();
  const seqs = await app.database.db
    .selectFrom("audit_events")
    .select("chain_seq")
    .where("seq", ">", genesis.toString() as never)
    .orderBy("chain_seq")
    .execute();
  assert.deepEqual(
    seqs.map((r) => BigInt(r.chain_seq as string)),
    Array.from({ length: Number(seq - genesis) }, (_, i) => genesis + 1n + BigInt(i)),
    "every event has a chain position, and positions are gap-free up to the head",
  );
  assert.ok(seqs.length >= 61);
  const report = await verifyAuditChain(app.database.db, { batchSize: 7 });
  assert.equal(report.finding, null);
  assert.equal(report.ok, true);
  assert.equal(report.algorithm, "SM3");
  assert.equal(report.eventsChecked, seqs.length);
  assert.equal(report.checkpointsChecked, 2);
  assert.equal(report.lastCheckpointSeq, seq.toString());
  assert.equal(report.unsealedEvents, 0);
});

test("the canonical text is jsonb's text form of the same array, on every event written", async () => {
  await record(app.database.db, {
    tenantId: null,
    actorId: null,
    actorName: 'a"\\b\n\t\u0001é😀',
    actorRole: null,
    action: "test.canonical",
    result: "success",
    detail: { b: [1.5, 1e21, null, { z: "y", a: 0.1 }], aa: "\u00e9", "": {} },
  });
  await sealPending(app.database.db);
  const jsonb = canonicalV2Sql("e.chain_seq").replace("json_build_array", "jsonb_build_array");
  const differing = await sql<{ n: string }>`
    SELECT count(*)::text AS n FROM audit_events e
    WHERE chain_seq IS NOT NULL AND ${sql.raw(canonicalV2Sql("e.chain_seq"))} IS DISTINCT FROM ${sql.raw(jsonb)}`.execute(
    app.database.db,
  );
  assert.equal(differing.rows[0]?.n, "0");
  assert.ok((await auditCount(app)) > 60);
});

test("the append-only trigger admits sealing once and nothing else", async () => {
  await record(app.database.db, {
    tenantId: null,
    actorId: null,
    actorName: null,
    actorRole: null,
    action: "test.trigger",
    result: "success",
  });
  const row = await app.database.db
    .selectFrom("audit_events")
    .select("seq")
    .where("action", "=", "test.trigger")
    .executeTakeFirstOrThrow();
  const at = sql`seq = ${row.seq}::bigint`;
  const refused = /append-only/;
  // Sealing that also changes the event, or that leaves the hash out, is refused.
  await assert.rejects(
    sql`UPDATE audit_events SET chain_seq = 1, hash = decode('00', 'hex'), action = 'test.other' WHERE ${at}`.execute(
      app.database.db,
    ),
    refused,
  );
  await assert.rejects(sql`UPDATE audit_events SET chain_seq = 1 WHERE ${at}`.execute(app.database.db), refused);
  // Every column of the table, in turn: a column added later and not listed in the trigger fails here.
  const columns = await sql<{ name: string; type: string }>`
    SELECT column_name AS name, data_type AS type FROM information_schema.columns
    WHERE table_name = 'audit_events' AND table_schema = current_schema()
      AND column_name NOT IN ('chain_seq', 'prev_hash', 'hash')`.execute(app.database.db);
  const changed: Record<string, string> = {
    bigint: "$col + 1",
    "timestamp with time zone": "$col + interval '1 second'",
    uuid: "gen_random_uuid()",
    text: "coalesce($col, '') || 'x'",
    jsonb: `$col || '{"forged": true}'`,
  };
  assert.ok(columns.rows.length >= 14);
  for (const { name, type } of columns.rows) {
    const expr = name === "result" ? "'denied'" : changed[type]?.replaceAll("$col", `"${name}"`);
    assert.ok(expr, `no test value for column ${name} of type ${type}: add one`);
    await assert.rejects(
      sql`UPDATE audit_events SET chain_seq = 1, hash = decode('00', 'hex'), ${sql.id(name)} = ${sql.raw(expr)}
        WHERE ${at}`.execute(app.database.db),
      refused,
      `sealing that also changes ${name} must be refused`,
    );
  }
  await assert.rejects(sql`DELETE FROM audit_events WHERE ${at}`.execute(app.database.db), refused);
  assert.equal(await sealPending(app.database.db), 1);
  // Once sealed, neither the position nor the hashes move again.
  await assert.rejects(
    sql`UPDATE audit_events SET chain_seq = chain_seq + 1000 WHERE ${at}`.execute(app.database.db),
    refused,
  );
  await assert.rejects(sql`UPDATE audit_events SET hash = prev_hash WHERE ${at}`.execute(app.database.db), refused);
  assert.equal((await verifyAuditChain(app.database.db)).ok, true);
});

/** A seq in the middle of the chain, with events on both sides. */
async function middle(): Promise<bigint> {
  await sealPending(app.database.db);
  const { seq, genesis } = await head();
  return genesis + (seq - genesis) / 2n;
}

test("modified: an event changed in SQL is reported at its seq", async () => {
  const k = await middle();
  const report = await verifyTampered(async (tx) => {
    await sql`UPDATE audit_events SET action = 'user.nothing-to-see' WHERE chain_seq = ${k.toString()}::bigint`.execute(
      tx,
    );
  });
  assert.equal(report.ok, false);
  assert.deepEqual([report.finding?.kind, report.finding?.seq], ["modified", k.toString()]);
});

test("deleted: an event removed in SQL is reported at its seq, and so is a removed last event", async () => {
  const k = await middle();
  const inMiddle = await verifyTampered(async (tx) => {
    await sql`DELETE FROM audit_events WHERE chain_seq = ${k.toString()}::bigint`.execute(tx);
  });
  assert.deepEqual([inMiddle.finding?.kind, inMiddle.finding?.seq], ["deleted", k.toString()]);
  const { seq } = await head();
  const atEnd = await verifyTampered(async (tx) => {
    await sql`DELETE FROM audit_events WHERE chain_seq = ${seq.toString()}::bigint`.execute(tx);
  });
  assert.deepEqual([atEnd.finding?.kind, atEnd.finding?.seq], ["deleted", seq.toString()]);
});

test("inserted: a forged event spliced in (later events renumbered) is reported at its seq", async () => {
  const k = await middle();
  const report = await verifyTampered(async (tx) => {
    await sql`UPDATE audit_events SET chain_seq = chain_seq + 1 WHERE chain_seq >= ${k.toString()}::bigint`.execute(tx);
    await sql`UPDATE audit_chain_head SET seq = seq + 1`.execute(tx);
    // The forger even links it to the event before and gives it a well-formed hash.
    await sql`
      INSERT INTO audit_events (chain_seq, action, result, prev_hash, hash)
      SELECT ${k.toString()}::bigint, 'grant.create', 'success', hash, decode(repeat('ab', 32), 'hex')
      FROM audit_events WHERE chain_seq = ${(k - 1n).toString()}::bigint`.execute(tx);
  });
  assert.deepEqual([report.finding?.kind, report.finding?.seq], ["inserted", k.toString()]);
});

test("inserted: a second event at an existing position, one placed behind the head's back, or a hashed stray, is reported", async () => {
  const k = await middle();
  const insertAt = (position: bigint) => async (tx: Tx) => {
    await sql`INSERT INTO audit_events (chain_seq, action, result, hash)
      VALUES (${position.toString()}::bigint, 'x', 'success', decode('00', 'hex'))`.execute(tx);
  };
  const report = await verifyTampered(insertAt(k));
  assert.deepEqual([report.finding?.kind, report.finding?.seq], ["inserted", k.toString()]);
  const { seq } = await head();
  const appended = await verifyTampered(insertAt(seq + 1n));
  assert.deepEqual([appended.finding?.kind, appended.finding?.seq], ["inserted", (seq + 1n).toString()]);
  const stray = await verifyTampered(async (tx) => {
    await sql`INSERT INTO audit_events (action, result, prev_hash, hash) VALUES ('x', 'success', decode('00', 'hex'), decode('00', 'hex'))`.execute(
      tx,
    );
  });
  assert.equal(stray.finding?.kind, "inserted");
  assert.match(stray.finding?.message ?? "", /never placed in the chain/);
});

test("reordered: events whose seqs were swapped are reported at the first of them, adjacent or apart", async () => {
  const k = await middle();
  const swap = (a: bigint, b: bigint) => async (tx: Tx) => {
    await sql`UPDATE audit_events SET chain_seq = CASE WHEN chain_seq = ${a.toString()}::bigint THEN ${b.toString()}::bigint
      ELSE ${a.toString()}::bigint END WHERE chain_seq IN (${a.toString()}::bigint, ${b.toString()}::bigint)`.execute(
      tx,
    );
  };
  const adjacent = await verifyTampered(swap(k, k + 1n));
  assert.deepEqual([adjacent.finding?.kind, adjacent.finding?.seq], ["reordered", k.toString()]);
  const apart = await verifyTampered(swap(k, k + 4n));
  assert.deepEqual([apart.finding?.kind, apart.finding?.seq], ["reordered", k.toString()]);
});

test("a forged checkpoint signature is detected", async () => {
  const report = await verifyTampered(async (tx) => {
    await sql`UPDATE audit_checkpoints SET signature = decode(repeat('01', 64), 'hex')
      WHERE id = (SELECT min(id) FROM audit_checkpoints)`.execute(tx);
  });
  const first = await app.database.db
    .selectFrom("audit_checkpoints")
    .select("seq")
    .orderBy("id")
    .executeTakeFirstOrThrow();
  assert.deepEqual([report.finding?.kind, report.finding?.seq], ["bad_checkpoint_signature", first.seq]);
});

test("a chain rewritten with every hash recomputed still fails against the signed checkpoint", async () => {
  const first = await app.database.db
    .selectFrom("audit_checkpoints")
    .select("seq")
    .orderBy("id")
    .executeTakeFirstOrThrow();
  const k = BigInt(first.seq) - 3n;
  const report = await verifyTampered(async (tx) => {
    await sql`UPDATE audit_events SET actor_name = 'someone-else' WHERE chain_seq = ${k.toString()}::bigint`.execute(
      tx,
    );
    const rows = await sql<{ position: string; canonical: string; prev: Buffer }>`
      SELECT chain_seq::text AS position, ${sql.raw(canonicalV2Sql("e.chain_seq"))} AS canonical, prev_hash AS prev
      FROM audit_events e WHERE chain_seq >= ${k.toString()}::bigint ORDER BY chain_seq`.execute(tx);
    let prev = (rows.rows[0] as { prev: Buffer }).prev;
    for (const row of rows.rows) {
      const hash = chainHashV2("SM3", prev, row.canonical);
      await sql`UPDATE audit_events SET prev_hash = ${prev}, hash = ${hash}
        WHERE chain_seq = ${row.position}::bigint`.execute(tx);
      prev = hash;
    }
    await sql`UPDATE audit_chain_head SET hash = ${prev}`.execute(tx);
  });
  assert.deepEqual([report.finding?.kind, report.finding?.seq], ["checkpoint_mismatch", first.seq]);
});

test("a transaction that fails after record leaves neither the event nor a hole in the chain", async () => {
  await sealPending(app.database.db);
  const before = await head();
  const events = await auditCount(app);
  await assert.rejects(
    app.database.db.transaction().execute(async (tx) => {
      await record(tx, {
        tenantId: null,
        actorId: null,
        actorName: null,
        actorRole: null,
        action: "test.crash",
        result: "success",
      });
      throw new Error("crash after the audit write");
    }),
    /crash after the audit write/,
  );
  assert.equal(await sealPending(app.database.db), 0);
  assert.deepEqual(await head(), before);
  assert.equal(await auditCount(app), events);
  assert.equal(await auditCount(app, { action: "test.crash" }), 0);
  await app.database.db.transaction().execute(async (tx) => {
    await record(tx, {
      tenantId: null,
      actorId: null,
      actorName: null,
      actorRole: null,
      action: "test.after",
      result: "success",
    });
  });
  assert.equal(await sealPending(app.database.db), 1);
  const next = await head();
  assert.equal(next.seq, before.seq + 1n, "the next event takes the position the failed one never had");
  assert.equal((await verifyAuditChain(app.database.db)).ok, true);
});

test("GET /audit/verify: auditadmin gets the report and the verification is audited; others are refused", async () => {
  const auditor = await app.signIn("auditadmin");
  const before = await auditCount(app, { action: "audit.verify" });
  const res = await auditor.get("/api/v1/audit/verify");
  assert.equal(res.status, 200);
  assert.equal(res.body.ok, true);
  assert.equal(res.body.finding, null);
  assert.ok(res.body.eventsChecked > 60);
  assert.equal(await auditCount(app, { action: "audit.verify", result: "success" }), before + 1);
  const secadmin = await app.signIn("secadmin");
  assert.equal((await secadmin.get("/api/v1/audit/verify")).status, 403);
});

test("shutdown seals the last events and then signs the head; a wrong KEK never replaces the key", async () => {
  const sealer = scheduleSealer(app.database.db, { logger: silentLogger, intervalMs: 3_600_000 });
  const schedule = scheduleCheckpoints(app.database.db, {
    kek: parseKek(TEST_KEK),
    profile: gmProfile,
    logger: silentLogger,
    intervalMs: 3_600_000,
  });
  await record(app.database.db, {
    tenantId: null,
    actorId: null,
    actorName: null,
    actorRole: null,
    action: "test.stop",
    result: "success",
  });
  await sealer.stop();
  await schedule.stop();
  const { seq } = await head();
  const last = await app.database.db
    .selectFrom("audit_checkpoints")
    .select(["seq", "key_id"])
    .orderBy("id", "desc")
    .executeTakeFirstOrThrow();
  assert.equal(last.seq, seq.toString());

  const keysBefore = await app.database.db.selectFrom("audit_signing_keys").select("id").execute();
  await assert.rejects(loadOrCreateSigningKey(app.database.db, Buffer.alloc(32, 7), gmProfile), IntegrityError);
  assert.deepEqual(await app.database.db.selectFrom("audit_signing_keys").select("id").execute(), keysBefore);
  assert.deepEqual(
    keysBefore.map((k) => k.id),
    [last.key_id],
  );
});

// Last: this one commits its tampering.
test("GET /audit/verify reports a committed tampering, and records the failed verification", async () => {
  const k = await middle();
  await app.database.db.transaction().execute(async (tx) => {
    await sql`ALTER TABLE audit_events DISABLE TRIGGER USER`.execute(tx);
    await sql`UPDATE audit_events SET result = 'success', action = 'auth.logout'
      WHERE chain_seq = ${k.toString()}::bigint`.execute(tx);
    await sql`ALTER TABLE audit_events ENABLE TRIGGER USER`.execute(tx);
  });
  const auditor = await app.signIn("auditadmin");
  const res = await auditor.get("/api/v1/audit/verify");
  assert.equal(res.status, 200);
  assert.equal(res.body.ok, false);
  assert.deepEqual(res.body.finding.kind, "modified");
  assert.deepEqual(res.body.finding.seq, k.toString());
  assert.equal(await auditCount(app, { action: "audit.verify", result: "failure" }), 1);
});
