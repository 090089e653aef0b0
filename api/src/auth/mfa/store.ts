import { sql } from "kysely";
import type { DbOrTx } from "../../db/pool";

export interface FactorRow {
  id: string;
  kind: "totp" | "sm2";
  label: string;
  secret: string;
  confirmedAt: Date | null;
  lastStep: number | null;
  createdAt: Date;
}

const FACTOR_COLUMNS = ["id", "kind", "label", "secret", "confirmed_at", "last_step", "created_at"] as const;

function toFactor(r: {
  id: string;
  kind: "totp" | "sm2";
  label: string;
  secret: string;
  confirmed_at: Date | null;
  last_step: string | null;
  created_at: Date;
}): FactorRow {
  return {
    id: r.id,
    kind: r.kind,
    label: r.label,
    secret: r.secret,
    confirmedAt: r.confirmed_at,
    lastStep: r.last_step === null ? null : Number(r.last_step),
    createdAt: r.created_at,
  };
}

export async function factorsOf(db: DbOrTx, userId: string): Promise<FactorRow[]> {
  const rows = await db
    .selectFrom("mfa_factors")
    .select(FACTOR_COLUMNS)
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .orderBy("id")
    .execute();
  return rows.map(toFactor);
}

export async function confirmedCount(db: DbOrTx, userId: string): Promise<number> {
  const row = await db
    .selectFrom("mfa_factors")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("user_id", "=", userId)
    .where("confirmed_at", "is not", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Starts (or restarts) the account's TOTP enrolment; the confirmed factor, if any, stays until confirmation. */
export async function replacePendingTotp(
  tx: DbOrTx,
  tenantId: string,
  userId: string,
  sealed: string,
): Promise<string> {
  await dropPendingTotp(tx, userId);
  const row = await tx
    .insertInto("mfa_factors")
    .values({ tenant_id: tenantId, user_id: userId, kind: "totp", label: "TOTP", secret: sealed })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Drops a TOTP enrolment that was started and never confirmed. */
export async function dropPendingTotp(tx: DbOrTx, userId: string): Promise<void> {
  await tx
    .deleteFrom("mfa_factors")
    .where("user_id", "=", userId)
    .where("kind", "=", "totp")
    .where("confirmed_at", "is", null)
    .execute();
}

/** Confirms the pending TOTP enrolment, replacing the previously confirmed one. */
export async function confirmTotp(tx: DbOrTx, userId: string, factorId: string, step: number): Promise<void> {
  await tx
    .deleteFrom("mfa_factors")
    .where("user_id", "=", userId)
    .where("kind", "=", "totp")
    .where("confirmed_at", "is not", null)
    .execute();
  await tx
    .updateTable("mfa_factors")
    .set({ confirmed_at: new Date(), last_step: step })
    .where("id", "=", factorId)
    .execute();
}

/** Records `step` as used; false when it (or a later step) already was: a replay. */
export async function useTotpStep(tx: DbOrTx, factorId: string, step: number): Promise<boolean> {
  const result = await tx
    .updateTable("mfa_factors")
    .set({ last_step: step })
    .where("id", "=", factorId)
    .where((eb) => eb.or([eb("last_step", "is", null), eb("last_step", "<", String(step))]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertSm2Factor(
  tx: DbOrTx,
  f: { tenantId: string; userId: string; label: string; publicKey: string },
): Promise<FactorRow | null> {
  const row = await tx
    .insertInto("mfa_factors")
    .values({
      tenant_id: f.tenantId,
      user_id: f.userId,
      kind: "sm2",
      label: f.label,
      secret: f.publicKey,
      confirmed_at: new Date(),
    })
    .onConflict((oc) => oc.columns(["user_id", "secret"]).where("kind", "=", "sm2").doNothing())
    .returning(FACTOR_COLUMNS)
    .executeTakeFirst();
  return row ? toFactor(row) : null;
}

export async function deleteFactor(tx: DbOrTx, userId: string, factorId: string): Promise<FactorRow | null> {
  const row = await tx
    .deleteFrom("mfa_factors")
    .where("id", "=", factorId)
    .where("user_id", "=", userId)
    .returning(FACTOR_COLUMNS)
    .executeTakeFirst();
  return row ? toFactor(row) : null;
}

export async function replaceRecoveryCodes(tx: DbOrTx, userId: string, digests: string[]): Promise<void> {
  await tx.deleteFrom("mfa_recovery_codes").where("user_id", "=", userId).execute();
  await tx
    .insertInto("mfa_recovery_codes")
    .values(digests.map((code_hash) => ({ user_id: userId, code_hash })))
    .execute();
}

/** Uses up one recovery code; returns how many remain unused, or null when the code was not valid. */
export async function useRecoveryCode(tx: DbOrTx, userId: string, digest: string): Promise<number | null> {
  const used = await tx
    .updateTable("mfa_recovery_codes")
    .set({ used_at: new Date() })
    .where("user_id", "=", userId)
    .where("code_hash", "=", digest)
    .where("used_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  if (!used) return null;
  const left = await tx
    .selectFrom("mfa_recovery_codes")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(left.n);
}

export async function insertChallenge(tx: DbOrTx, sessionId: string, nonce: string, expiresAt: Date): Promise<string> {
  // Expired or used challenges of the session are of no further use.
  await tx
    .deleteFrom("mfa_challenges")
    .where("session_id", "=", sessionId)
    .where((eb) => eb.or([eb("used_at", "is not", null), eb("expires_at", "<=", new Date())]))
    .execute();
  const row = await tx
    .insertInto("mfa_challenges")
    .values({ session_id: sessionId, nonce, expires_at: expiresAt })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Uses up a challenge of this session (whatever the signature turns out to be); its nonce if it was live. */
export async function takeChallenge(db: DbOrTx, sessionId: string, challengeId: string): Promise<string | null> {
  const row = await db
    .updateTable("mfa_challenges")
    .set({ used_at: new Date() })
    .where("id", "=", challengeId)
    .where("session_id", "=", sessionId)
    .where("used_at", "is", null)
    .where("expires_at", ">", new Date())
    .returning("nonce")
    .executeTakeFirst();
  return row?.nonce ?? null;
}

export async function markSessionVerified(
  tx: DbOrTx,
  sessionId: string,
  method: "totp" | "sm2" | "recovery",
): Promise<void> {
  await tx
    .updateTable("sessions")
    .set({ mfa_verified_at: new Date(), mfa_method: method, mfa_failures: 0 })
    .where("id", "=", sessionId)
    .execute();
}

export async function countSessionFailure(tx: DbOrTx, sessionId: string): Promise<number> {
  const result = await sql<{ mfa_failures: number }>`
    UPDATE sessions SET mfa_failures = mfa_failures + 1 WHERE id = ${sessionId} RETURNING mfa_failures
  `.execute(tx);
  return result.rows[0]?.mfa_failures ?? 0;
}
