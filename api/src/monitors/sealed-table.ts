import { type Expression, sql, type SqlBool, type Transaction } from "kysely";
import type { FieldCipher } from "../crypto/fields";
import type { Db, DbOrTx } from "../db/pool";
import type { Database } from "../db/schema";
import { pushTokenHashOf, SEALED_KEY, type SecretCipher, sealDefinition, sealedPlace } from "./secrets";

/**
 * A JSON column whose reserved map `sealed` (path -> sealed value, each bound to its row and path by
 * `place`) holds values sealed by the field cipher: monitor credentials (secrets.ts) and notification
 * channel secrets (notifications/secrets.ts). For the data-key rotation (keys/rotation.ts
 * SEALED_TABLES) and the count of values per key (keys/sealed-columns.ts).
 */
export interface SealedMap {
  table: "monitors" | "notification_channels";
  column: "definition" | "config";
  /** The associated data of the value at `path` of row `id`. */
  place(id: string, path: string): string;
}

/** Monitor credentials: the values of `definition -> 'sealed'`, each bound to its monitor and path. */
export const MONITORS_SEALED_MAP = SEALED_KEY;
export const MONITORS_SEALED: SealedMap = { table: "monitors", column: "definition", place: sealedPlace };

const valuesOf = (m: SealedMap) =>
  sql`jsonb_each_text(coalesce(${sql.ref(`${m.table}.${m.column}`)} -> ${SEALED_KEY}, '{}'::jsonb))`;

/** Rows of `m` holding a sealed value not under data key `version`. */
export const sealedMapNeedsWork = (m: SealedMap) => (version: number) => (): Expression<SqlBool> =>
  sql<SqlBool>`EXISTS (SELECT 1 FROM ${valuesOf(m)} e WHERE e.value NOT LIKE ${`v3.${version}.%`})`;

/** Re-seals the values of rows `ids` under the active data key; version and updated_at stay. */
export const resealSealedMap =
  (m: SealedMap) =>
  async (tx: Transaction<Database>, fields: FieldCipher, ids: string[]): Promise<number> => {
    const rows = await sql<{ id: string; sealed: Record<string, string> | null }>`
      SELECT id, ${sql.ref(m.column)} -> ${SEALED_KEY} AS sealed FROM ${sql.table(m.table)}
      WHERE id = ANY(${ids}::uuid[]) FOR UPDATE`.execute(tx);
    for (const row of rows.rows) {
      const sealed = row.sealed;
      if (!sealed || typeof sealed !== "object") continue;
      let changed = false;
      const next: Record<string, string> = {};
      for (const [path, value] of Object.entries(sealed)) {
        const resealed = fields.reseal(value, m.place(row.id, path));
        next[path] = resealed ?? value;
        changed ||= resealed !== null;
      }
      if (!changed) continue;
      // Only the map changes: the rest of the column, version and updated_at stay.
      await sql`UPDATE ${sql.table(m.table)}
        SET ${sql.ref(m.column)} = jsonb_set(${sql.ref(m.column)}, ${`{${SEALED_KEY}}`}::text[], ${JSON.stringify(next)}::jsonb)
        WHERE id = ${row.id}`.execute(tx);
    }
    return rows.rows.length;
  };

/** Sealed values of `m` whose text matches the LIKE `pattern` (or, with `not`, does not). */
export async function countSealedMapValues(db: DbOrTx, m: SealedMap, pattern: string, not: boolean): Promise<number> {
  const r = await sql<{ n: string }>`
    SELECT count(*) AS n FROM ${sql.table(m.table)}, ${valuesOf(m)} e
    WHERE ${not ? sql`e.value NOT LIKE ${pattern}` : sql`e.value LIKE ${pattern}`}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Rows holding a sealed monitor value not under data key `version`. */
export const monitorsNeedWork = sealedMapNeedsWork(MONITORS_SEALED);

/** Re-seals the monitors' values under the active data key; version and updated_at stay. */
export const resealMonitors = resealSealedMap(MONITORS_SEALED);

/** Sealed monitor values whose text matches the LIKE `pattern` (or, with `not`, does not). */
export const countMonitorValues = (db: DbOrTx, pattern: string, not: boolean) =>
  countSealedMapValues(db, MONITORS_SEALED, pattern, not);

/**
 * Seals the credentials of definitions stored before encryption at rest (clear in place, no
 * `sealed` map). Run at start (server.ts); idempotent, and a row sealed meanwhile by another
 * instance is left alone. Returns how many monitors were sealed.
 */
export async function sealClearMonitorSecrets(db: Db, cipher: SecretCipher): Promise<number> {
  const candidates = await sql<{ id: string }>`
    SELECT id FROM monitors WHERE type IN ('http', 'postgres') AND NOT (definition ? ${MONITORS_SEALED_MAP})`.execute(
    db,
  );
  let sealed = 0;
  for (const { id } of candidates.rows) {
    sealed += await db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom("monitors")
        .select("definition")
        .where("id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!row || MONITORS_SEALED_MAP in row.definition) return 0;
      const stored = sealDefinition(row.definition, id, cipher, { pushTokenHash: pushTokenHashOf(row.definition) });
      if (!(MONITORS_SEALED_MAP in stored)) return 0;
      // Only the storage form changes: version and updated_at stay.
      await tx
        .updateTable("monitors")
        .set({ definition: JSON.stringify(stored) })
        .where("id", "=", id)
        .execute();
      return 1;
    });
  }
  return sealed;
}
