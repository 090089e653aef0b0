import type { DbOrTx } from "../db/pool";
import { verifyPassword } from "./password";

/** The most any policy keeps (SecuritySettings.passwordPolicy.historyCount ≤ 24). */
export const MAX_PASSWORD_HISTORY = 24;

/** Remembers a password hash the account now uses, keeping only the newest MAX_PASSWORD_HISTORY. */
export async function addPasswordHistory(tx: DbOrTx, userId: string, passwordHash: string): Promise<void> {
  await tx.insertInto("password_history").values({ user_id: userId, password_hash: passwordHash }).execute();
  const keep = tx
    .selectFrom("password_history")
    .select("id")
    .where("user_id", "=", userId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(MAX_PASSWORD_HISTORY);
  await tx.deleteFrom("password_history").where("user_id", "=", userId).where("id", "not in", keep).execute();
}

/**
 * True when `password` matches one of the account's last `count` passwords. The current hash is
 * checked as well, since an account created before history was kept has no row for it.
 */
export async function reusesRecentPassword(
  db: DbOrTx,
  userId: string,
  currentHash: string | undefined,
  password: string,
  count: number,
): Promise<boolean> {
  if (count <= 0) return false;
  const rows = await db
    .selectFrom("password_history")
    .select("password_hash")
    .where("user_id", "=", userId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(count)
    .execute();
  const hashes = new Set(rows.map((r) => r.password_hash));
  if (currentHash) hashes.add(currentHash);
  // PBKDF2 runs on libuv's thread pool, so the comparisons overlap.
  const matches = await Promise.all([...hashes].map((h) => verifyPassword(h, password)));
  return matches.some(Boolean);
}
