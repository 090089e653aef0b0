import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runner } from "node-pg-migrate";
import type pg from "pg";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../migrations");
const MIGRATIONS_TABLE = "pgmigrations";

/** The migration names the code expects, in order (file names without ".sql"). */
export function expectedMigrations(dir = MIGRATIONS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => f.replace(/\.sql$/, ""));
}

/**
 * Applies pending migrations. All pending files run in one transaction, so a failing migration
 * leaves the schema as it was. node-pg-migrate's advisory lock in "wait" mode makes a second
 * instance starting at the same time block, then find nothing left to do.
 */
export async function migrateUp(pool: pg.Pool, log: (msg: string) => void, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = await pool.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir,
      migrationsTable: MIGRATIONS_TABLE,
      direction: "up",
      singleTransaction: true,
      checkOrder: true,
      advisoryLockMode: "wait",
      log,
      // node-pg-migrate would also try to load .js/.ts files; ours are SQL only.
      ignorePattern: "(\\..*)|(.*\\.md)",
    });
    return applied.map((m) => m.name);
  } finally {
    client.release();
  }
}

/** Migrations present in code but not applied to the database; empty means the schema is current. */
export async function pendingMigrations(pool: pg.Pool, expected: string[]): Promise<string[]> {
  const table = await pool.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [
    MIGRATIONS_TABLE,
  ]);
  if (!table.rows[0]?.exists) return expected;
  const { rows } = await pool.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE}`);
  const done = new Set(rows.map((r) => r.name));
  return expected.filter((name) => !done.has(name));
}
