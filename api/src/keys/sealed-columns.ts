import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import { countSealedMapValues, MONITORS_SEALED } from "../monitors/sealed-table";
import { CHANNELS_SEALED } from "../notifications/secrets";

/**
 * Every column holding values sealed by the field cipher — the columns a key rotation re-encrypts
 * (rotation.ts SEALED_TABLES; sealed-columns.test.ts keeps the two lists in step). Used to ask which
 * values are still under a given data key (destroying retired keys) or under no data key at all
 * (v1./v2. values, keyed from the KEK itself: a KEK re-wrap waits until a rotation has moved them).
 */
interface SealedColumn {
  table: "users" | "mfa_factors" | "monitors" | "notification_channels";
  /**
   * "definition", "config": the values of their map "sealed" (monitor credentials, channel
   * secrets; monitors/sealed-table.ts).
   */
  column: "phone_enc" | "email_enc" | "secret" | "definition" | "config";
  /** Only rows where this column has this value hold a sealed value (an SM2 factor's "secret" is a public key). */
  only?: { column: "kind"; value: string };
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  { table: "users", column: "phone_enc" },
  { table: "users", column: "email_enc" },
  { table: "mfa_factors", column: "secret", only: { column: "kind", value: "totp" } },
  { table: "monitors", column: "definition" },
  { table: "notification_channels", column: "config" },
];

/** The JSON columns whose map "sealed" holds the values. */
const SEALED_MAPS = { "monitors.definition": MONITORS_SEALED, "notification_channels.config": CHANNELS_SEALED };

/** Number of sealed values whose text matches the LIKE `pattern` (or, with `not`, does not). */
async function countSealed(db: DbOrTx, pattern: string, not: boolean): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const c of SEALED_COLUMNS) {
    const name = `${c.table}.${c.column}`;
    if (name in SEALED_MAPS) {
      const n = await countSealedMapValues(db, SEALED_MAPS[name as keyof typeof SEALED_MAPS], pattern, not);
      if (n > 0) counts[name] = n;
      continue;
    }
    let q = db
      .selectFrom(c.table)
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where(sql.ref(c.column), "is not", null)
      .where(sql.ref(c.column), not ? "not like" : "like", pattern);
    if (c.only) q = q.where(sql.ref(c.only.column), "=", c.only.value);
    const row = await q.executeTakeFirstOrThrow();
    const n = Number(row.n);
    if (n > 0) counts[`${c.table}.${c.column}`] = n;
  }
  return counts;
}

/** Sealed values still under data key `version` ("v3.<version>."), per column; empty when none. */
export const valuesUnderVersion = (db: DbOrTx, version: number) => countSealed(db, `v3.${version}.%`, false);

/** Sealed values under no data key (v1., v2.: keys derived from the KEK), per column. */
export const valuesUnderKek = (db: DbOrTx) => countSealed(db, "v3.%", true);
