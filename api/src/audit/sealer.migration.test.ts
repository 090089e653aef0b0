import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { dropServerDatabase, emptyServerDatabase, serverUrl } from "../../../test/support/db";
import { startEmbedded } from "../db/embedded";
import { MIGRATIONS_DIR, migrateUp } from "../db/migrate";
import { type DatabaseHandle, openDatabase } from "../db/pool";
import { chainHash, type ChainedFields, PG_TIME_FORMAT } from "./chain";
import { record } from "./record";
import { sealPending } from "./sealer";
import { verifyAuditChain } from "./verify";

/**
 * Migration 0010 moved chaining from the writer's transaction to the sealer. A log written by
 * 0008's writer (v1 canonical form over seq) must keep verifying after the migration, with the
 * sealed (v2) events continuing the same chain.
 */
let handle: DatabaseHandle;
let cleanup: () => Promise<void>;

before(async () => {
  if (serverUrl) {
    const url = await emptyServerDatabase();
    handle = openDatabase(url, 2, () => {});
    cleanup = async () => {
      await handle.close();
      await dropServerDatabase(url);
    };
  } else {
    const embedded = await startEmbedded(null);
    const { host, port } = embedded.connection;
    // One connection: see EMBEDDED_POOL_MAX in api/src/db/embedded.ts.
    handle = openDatabase(`postgresql://postgres@${host}:${port}/postgres`, 1, () => {});
    cleanup = async () => {
      await handle.close();
      await embedded.close();
    };
  }
});
after(() => cleanup?.());

/** 0008's writer, as it was: lock the head, seq = head + 1, hash the v1 form, insert, advance. */
async function appendV1(action: string, detail: Record<string, unknown>): Promise<void> {
  await handle.db.transaction().execute(async (tx) => {
    const head = (
      await sql<{ seq: string; hash: Buffer; now: string }>`
        SELECT seq::text AS seq, hash, to_char(clock_timestamp() AT TIME ZONE 'UTC', ${sql.raw(PG_TIME_FORMAT)}) AS now
        FROM audit_chain_head WHERE id FOR UPDATE`.execute(tx)
    ).rows[0] as { seq: string; hash: Buffer; now: string };
    const fields: ChainedFields = {
      seq: (BigInt(head.seq) + 1n).toString(),
      occurredAt: head.now,
      tenantId: null,
      actorId: null,
      actorName: "v1-writer",
      actorRole: "sysadmin",
      action,
      targetType: null,
      targetId: null,
      result: "success",
      detail,
      ip: "10.0.0.1",
      userAgent: null,
      requestId: null,
    };
    const hash = chainHash("SM3", head.hash, fields);
    await sql`
      INSERT INTO audit_events (seq, occurred_at, actor_name, actor_role, action, result, detail, ip, prev_hash, hash)
      VALUES (${fields.seq}::bigint, ${fields.occurredAt}::timestamptz, ${fields.actorName}, ${fields.actorRole},
        ${action}, 'success', ${JSON.stringify(detail)}::jsonb, ${fields.ip}, ${head.hash}, ${hash})`.execute(tx);
    await sql`UPDATE audit_chain_head SET seq = ${fields.seq}::bigint, hash = ${hash}, hash_alg = 'SM3' WHERE id`.execute(
      tx,
    );
  });
}

test("a log chained by 0008's writer keeps verifying after 0010, and sealed events continue its chain", async () => {
  const before0010 = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-mig-"));
  try {
    for (const f of fs.readdirSync(MIGRATIONS_DIR).filter((f) => f < "0010")) {
      fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(before0010, f));
    }
    await migrateUp(handle.pool, () => {}, before0010);
  } finally {
    fs.rmSync(before0010, { recursive: true, force: true });
  }
  for (let i = 1; i <= 5; i++) await appendV1(`v1.event-${i}`, { i, nested: { b: 2, a: [1.5, "天枢"] } });

  await migrateUp(handle.pool, () => {});
  const head = await handle.db.selectFrom("audit_chain_head").select(["seq", "v1_end_seq"]).executeTakeFirstOrThrow();
  assert.deepEqual([head.seq, head.v1_end_seq], ["5", "5"]);

  for (let i = 1; i <= 3; i++) {
    await record(handle.db, {
      tenantId: null,
      actorId: null,
      actorName: "v2-writer",
      actorRole: "auditadmin",
      action: `v2.event-${i}`,
      result: "success",
      detail: { i },
    });
  }
  assert.equal(await sealPending(handle.db), 3);
  const rows = await handle.db.selectFrom("audit_events").select(["seq", "chain_seq"]).orderBy("chain_seq").execute();
  assert.deepEqual(
    rows.map((r) => r.chain_seq),
    ["1", "2", "3", "4", "5", "6", "7", "8"],
  );
  assert.ok(
    rows.slice(5).every((r) => BigInt(r.seq) > 5n),
    "the id sequence was moved past the ids 0008's writer set itself",
  );
  const report = await verifyAuditChain(handle.db, { batchSize: 3 });
  assert.equal(report.finding, null);
  assert.deepEqual([report.ok, report.eventsChecked, report.headSeq], [true, 8, "8"]);

  // A v1 event changed afterwards is still caught, at its position.
  await handle.db.transaction().execute(async (tx) => {
    await sql`ALTER TABLE audit_events DISABLE TRIGGER USER`.execute(tx);
    await sql`UPDATE audit_events SET detail = '{"i": 3, "nested": {"a": [1.5, "天枢"], "b": 3}}' WHERE chain_seq = 3`.execute(
      tx,
    );
    await sql`ALTER TABLE audit_events ENABLE TRIGGER USER`.execute(tx);
  });
  const tampered = await verifyAuditChain(handle.db, { batchSize: 3 });
  assert.deepEqual([tampered.finding?.kind, tampered.finding?.seq], ["modified", "3"]);
});
