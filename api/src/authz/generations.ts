import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";

/** The bus channel on which "tenant T's authorization data is now at generation G" travels. */
export const AUTHZ_CHANNEL = "tianshu_authz";

/**
 * Bumps the tenant's policy generation inside the caller's transaction (publish, restore, delete of
 * a published policy, scoped-admin grants and revocations…). Every cache of compiled policies,
 * subjects and abilities is keyed by it. Returns the new generation (bigint as a string).
 * After the transaction commits, call Authorizer.generationChanged so every instance drops its caches.
 */
export async function bumpGeneration(tx: DbOrTx, tenantId: string): Promise<string> {
  // A tenant without a row is at generation 1 (the column default), so its first bump gives 2.
  const row = await tx
    .insertInto("policy_generations")
    .values({ tenant_id: tenantId, generation: 2 })
    .onConflict((oc) =>
      oc.column("tenant_id").doUpdateSet({
        generation: sql`policy_generations.generation + 1`,
        updated_at: sql`now()`,
      }),
    )
    .returning("generation")
    .executeTakeFirstOrThrow();
  return String(row.generation);
}

export async function currentGeneration(db: DbOrTx, tenantId: string): Promise<string> {
  const row = await db
    .selectFrom("policy_generations")
    .select("generation")
    .where("tenant_id", "=", tenantId)
    .executeTakeFirst();
  return row ? String(row.generation) : "1";
}

export interface GenerationMessage {
  tenantId: string;
  generation: string;
}

export function encodeGeneration(msg: GenerationMessage): string {
  return JSON.stringify({ t: msg.tenantId, g: msg.generation });
}

export function decodeGeneration(payload: string): GenerationMessage | null {
  try {
    const v = JSON.parse(payload) as { t?: unknown; g?: unknown };
    if (typeof v.t !== "string" || typeof v.g !== "string" || !/^\d{1,19}$/.test(v.g)) return null;
    return { tenantId: v.t, generation: v.g };
  } catch {
    return null;
  }
}

/** Generations are bigints carried as strings; compare them as numbers. */
export function newerGeneration(a: string, b: string): boolean {
  return BigInt(a) > BigInt(b);
}
