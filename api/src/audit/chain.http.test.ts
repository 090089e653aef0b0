import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { auditCount, startTestApp, type TestApp, TEST_KEK } from "../../../test/support/app";
import { silentLogger } from "../../../test/support/db";
import { parseKek } from "../crypto/keys";
import { IntegrityError } from "../crypto/sm";
import { gmProfile } from "../crypto/profile";
import type { DbOrTx, Tx } from "../db/pool";
import { chainHash, type ChainedFields, PG_TIME_FORMAT } from "./chain";
import { loadOrCreateSigningKey, scheduleCheckpoints, writeCheckpoint } from "./checkpoint";
import { record } from "./record";
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

test("a chain written by concurrent requests and transactions is gap-free and verifies, checkpoints included", async () => {
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
  assert.equal(await writeCheckpoint(app.database.db, signer), "written");

  const { seq, genesis } = await head();
  const seqs = await app.database.db
    .selectFrom("audit_events")
    .select("seq")
    .where("seq", ">", genesis.toString() as never)
    .orderBy("seq")
    .execute();
  assert.deepEqual(
    seqs.map((r) => BigInt(r.seq)),
    Array.from({ length: Number(seq - genesis) }, (_, i) => genesis + 1n + BigInt(i)),
    "sequence numbers are gap-free up to the head",
  );
  assert.ok(seqs.length >= 61);
  const report = await verifyAuditChain(app.database.db, { batchSize: 7 });
  assert.equal(report.finding, null);
  assert.equal(report.ok, true);
  assert.equal(report.algorithm, "SM3");
  assert.equal(report.eventsChecked, seqs.length);
  assert.equal(report.checkpointsChecked, 2);
  assert.equal(report.lastCheckpointSeq, seq.toString());
});

/** A seq in the middle of the chain, with events on both sides. */
async function middle(): Promise<bigint> {
  const { seq, genesis } = await head();
  return genesis + (seq - genesis) / 2n;
}

test("modified: an event changed in SQL is reported at its seq", async () => {
  const k = await middle();
  const report = await verifyTampered(async (tx) => {
    await sql`UPDATE audit_events SET action = 'user.nothing-to-see' WHERE seq = ${k.toString()}::bigint`.execute(tx);
  });
  assert.equal(report.ok, false);
  assert.deepEqual([report.finding?.kind, report.finding?.seq], ["modified", k.toString()]);
});

test("deleted: an event removed in SQL is reported at its seq, and so is a removed last event", async () => {
  const k = await middle();
  const inMiddle = await verifyTampered(async (tx) => {
    await sql`DELETE FROM audit_events WHERE seq = ${k.toString()}::bigint`.execute(tx);
  });
  assert.deepEqual([inMiddle.finding?.kind, inMiddle.finding?.seq], ["deleted", k.toString()]);
  const { seq } = await head();
  const atEnd = await verifyTampered(async (tx) => {
    await sql`DELETE FROM audit_events WHERE seq = ${seq.toString()}::bigint`.execute(tx);
  });
  assert.deepEqual([atEnd.finding?.kind, atEnd.finding?.seq], ["deleted", seq.toString()]);
});

test("inserted: a forged event spliced in (later events renumbered) is reported at its seq", async () => {
  const k = await middle();
  const report = await verifyTampered(async (tx) => {
    await sql`UPDATE audit_events SET seq = seq + 1 WHERE seq >= ${k.toString()}::bigint`.execute(tx);
    await sql`UPDATE audit_chain_head SET seq = seq + 1`.execute(tx);
    // The forger even links it to the event before and gives it a well-formed hash.
    await sql`
      INSERT INTO audit_events (seq, action, result, prev_hash, hash)
      SELECT ${k.toString()}::bigint, 'grant.create', 'success', hash, decode(repeat('ab', 32), 'hex')
      FROM audit_events WHERE seq = ${(k - 1n).toString()}::bigint`.execute(tx);
  });
  assert.deepEqual([report.finding?.kind, report.finding?.seq], ["inserted", k.toString()]);
});

test("inserted: a second event with an existing seq, or one appended behind the head's back, is reported", async () => {
  const k = await middle();
  const report = await verifyTampered(async (tx) => {
    await sql`INSERT INTO audit_events (seq, action, result) VALUES (${k.toString()}::bigint, 'x', 'success')`.execute(
      tx,
    );
  });
  assert.deepEqual([report.finding?.kind, report.finding?.seq], ["inserted", k.toString()]);
  const { seq } = await head();
  const appended = await verifyTampered(async (tx) => {
    await sql`INSERT INTO audit_events (seq, action, result) VALUES (${(seq + 1n).toString()}::bigint, 'x', 'success')`.execute(
      tx,
    );
  });
  assert.deepEqual([appended.finding?.kind, appended.finding?.seq], ["inserted", (seq + 1n).toString()]);
});

test("reordered: events whose seqs were swapped are reported at the first of them, adjacent or apart", async () => {
  const k = await middle();
  const swap = (a: bigint, b: bigint) => async (tx: Tx) => {
    await sql`UPDATE audit_events SET seq = CASE WHEN seq = ${a.toString()}::bigint THEN ${b.toString()}::bigint
      ELSE ${a.toString()}::bigint END WHERE seq IN (${a.toString()}::bigint, ${b.toString()}::bigint)`.execute(tx);
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
    await sql`UPDATE audit_events SET actor_name = 'someone-else' WHERE seq = ${k.toString()}::bigint`.execute(tx);
    const rows = await sql<ChainedFields & { prev: Buffer }>`
      SELECT seq::text AS seq, to_char(occurred_at AT TIME ZONE 'UTC', ${sql.raw(PG_TIME_FORMAT)}) AS "occurredAt",
        tenant_id AS "tenantId", actor_id AS "actorId", actor_name AS "actorName", actor_role AS "actorRole", action,
        target_type AS "targetType", target_id AS "targetId", result, detail, ip, user_agent AS "userAgent",
        request_id AS "requestId", prev_hash AS prev
      FROM audit_events WHERE seq >= ${k.toString()}::bigint ORDER BY seq`.execute(tx);
    let prev = (rows.rows[0] as { prev: Buffer }).prev;
    for (const row of rows.rows) {
      const { prev: _old, ...fields } = row;
      const hash = chainHash("SM3", prev, fields);
      await sql`UPDATE audit_events SET prev_hash = ${prev}, hash = ${hash} WHERE seq = ${row.seq}::bigint`.execute(tx);
      prev = hash;
    }
    await sql`UPDATE audit_chain_head SET hash = ${prev}`.execute(tx);
  });
  assert.deepEqual([report.finding?.kind, report.finding?.seq], ["checkpoint_mismatch", first.seq]);
});

test("a transaction that fails after record leaves neither the event nor a moved head", async () => {
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
  assert.deepEqual(await head(), before);
  assert.equal(await auditCount(app), events);
  assert.equal(await auditCount(app, { action: "test.crash" }), 0);
  const next = await app.database.db.transaction().execute(async (tx) => {
    await record(tx, {
      tenantId: null,
      actorId: null,
      actorName: null,
      actorRole: null,
      action: "test.after",
      result: "success",
    });
    return head(tx);
  });
  assert.equal(next.seq, before.seq + 1n, "the next event takes the seq the failed one never used");
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

test("stopping the checkpoint schedule (shutdown) signs the head; a wrong KEK never replaces the key", async () => {
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
    await sql`UPDATE audit_events SET result = 'success', action = 'auth.logout' WHERE seq = ${k.toString()}::bigint`.execute(
      tx,
    );
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
