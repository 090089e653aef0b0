import assert from "node:assert/strict";
import { test } from "node:test";
import { type Kysely, sql } from "kysely";
import { silentLogger } from "../../../test/support/db";
import { connectDatabase } from "./connect";
import type { Database as Schema } from "./schema";

/*
 * The embedded default must give every query its own rows when requests run at once. pglite-socket
 * lets two connections' parameterised queries interleave (electric-sql/pglite#1046): with a pool of
 * several connections, concurrent reads came back with each other's rows. Runs in both CI modes: it
 * always starts an in-memory embedded database of its own.
 */
test("embedded: 300 concurrent queries, alone and in transactions, each get their own result", async () => {
  const database = await connectDatabase(
    { databaseUrl: undefined, dataDir: null, poolMax: 10, migrate: false },
    silentLogger,
  );
  const query = async (n: number, db: Kysely<Schema>) => {
    // A padded parameter (several TCP segments) and a row count of its own per query.
    const { rows } = await sql<{ n: number; label: string }>`
      SELECT ${n}::int AS n, left(${`row ${n} `.padEnd(20_000, "x")}::text, ${`row ${n}`.length}) AS label
      FROM generate_series(1, ${(n % 7) + 1})`.execute(db);
    return rows.length === (n % 7) + 1 ? rows[0] : { n: -1, label: `${rows.length} rows` };
  };
  try {
    const values = Array.from({ length: 300 }, (_, i) => i);
    const results = await Promise.all(
      // Every third query inside a transaction of two statements, as services do; the rest alone.
      values.map((n) =>
        n % 3 === 0
          ? database.db.transaction().execute(async (tx) => {
              assert.deepEqual(await query(n + 1000, tx), { n: n + 1000, label: `row ${n + 1000}` });
              return query(n, tx);
            })
          : query(n, database.db),
      ),
    );
    results.forEach((row, i) => assert.deepEqual([row?.n, row?.label], [i, `row ${i}`], `query ${i}`));
  } finally {
    await database.close();
  }
});
