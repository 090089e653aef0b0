import { type Expression, sql, type SqlBool, type Transaction } from "kysely";
import type { FieldCipher } from "../crypto/fields";
import type { Db, DbOrTx } from "../db/pool";
import type { Database } from "../db/schema";
import { pushTokenHashOf, SEALED_KEY, type SecretCipher, sealDefinition, sealedPlace } from "./secrets";

/**
 * Monitor credentials sealed at rest (secrets.ts) for the data-key rotation (keys/rotation.ts
 * SEALED_TABLES) and the count of values per key (keys/sealed-columns.ts): the values of the map
 * `definition -> 'sealed'`, each bound to its monitor and path.
 */
export const MONITORS_SEALED_MAP = SEALED_KEY;

/** Rows holding a sealed value not under data key `version`. */
export const monitorsNeedWork = (version: number) => (): Expression<SqlBool> =>
  sql<SqlBool>`EXISTS (
    SELECT 1 FROM jsonb_each_text(coalesce(monitors.definition -> ${MONITORS_SEALED_MAP}, '{}'::jsonb)) e
    WHERE e.value NOT LIKE ${`v3.${version}.%`})`;

/** Re-seals the monitors' values under the active data key; version and updated_at stay. */
export async function resealMonitors(tx: Transaction<Database>, fields: FieldCipher, ids: string[]): Promise<number> {
  const rows = await tx
    .selectFrom("monitors")
    .select(["id", "definition"])
    .where("id", "in", ids)
    .forUpdate()
    .execute();
  for (const row of rows) {
    const sealed = row.definition[MONITORS_SEALED_MAP] as Record<string, string> | undefined;
    if (!sealed || typeof sealed !== "object") continue;
    let changed = false;
    const next: Record<string, string> = {};
    for (const [path, value] of Object.entries(sealed)) {
      const resealed = fields.reseal(value, sealedPlace(row.id, path));
      next[path] = resealed ?? value;
      changed ||= resealed !== null;
    }
    if (!changed) continue;
    await tx
      .updateTable("monitors")
      .set({ definition: JSON.stringify({ ...row.definition, [MONITORS_SEALED_MAP]: next }) })
      .where("id", "=", row.id)
      .execute();
  }
  return rows.length;
}

/** Sealed monitor values whose text matches the LIKE `pattern` (or, with `not`, does not). */
export async function countMonitorValues(db: DbOrTx, pattern: string, not: boolean): Promise<number> {
  const r = await sql<{ n: string }>`
    SELECT count(*) AS n FROM monitors m,
      jsonb_each_text(coalesce(m.definition -> ${MONITORS_SEALED_MAP}, '{}'::jsonb)) e
    WHERE ${not ? sql`e.value NOT LIKE ${pattern}` : sql`e.value LIKE ${pattern}`}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

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
