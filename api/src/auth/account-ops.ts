import crypto from "node:crypto";
import type { DbOrTx } from "../db/pool";
import { addPasswordHistory } from "./history";
import { hashPassword } from "./password";
import { generatePassword } from "./password-policy";

/**
 * Account operations other domains (users: disable, reset password, unlock) call inside their own
 * transaction. They change state only; the caller records the audit event of its action and can put
 * the returned counts in its detail.
 */

/** Why a session ended early; stored on the session row. */
export type RevokeReason =
  | "logout"
  | "self"
  | "admin"
  | "password_change"
  | "password_reset"
  | "disabled"
  | "deleted"
  | "concurrent_limit"
  | "mfa_failures"
  | "factor_removed"
  | "rotated"
  | (string & {});

/** Ends every session of an account not yet revoked; returns how many it ended. */
export async function revokeAllSessions(tx: DbOrTx, userId: string, reason: RevokeReason): Promise<number> {
  const result = await tx
    .updateTable("sessions")
    .set({ revoked_at: new Date(), revoke_reason: reason.slice(0, 64) })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * An administrator sets a one-time password: stored hashed, remembered in the history, must be
 * changed at the next sign-in, and every session of the account ends. The lockout is left as it is
 * (unlocking is its own, audited, action: unlockAccount).
 */
export async function setPasswordByAdmin(
  tx: DbOrTx,
  userId: string,
  plainOneTimePassword: string,
  pbkdf2Iterations: number,
): Promise<void> {
  const hash = await hashPassword(plainOneTimePassword, pbkdf2Iterations);
  const now = new Date();
  await tx
    .updateTable("users")
    .set({ password_hash: hash, must_change_password: true, password_changed_at: now, updated_at: now })
    .where("id", "=", userId)
    .execute();
  await addPasswordHistory(tx, userId, hash);
  await revokeAllSessions(tx, userId, "password_reset");
}

/** A random 20-character one-time password from all four classes: it satisfies the default policy. */
export function generateOneTimePassword(): string {
  return generatePassword((max) => crypto.randomInt(max));
}

/** Clears a lockout and the failure counter; returns whether the account was locked. */
export async function unlockAccount(tx: DbOrTx, userId: string): Promise<boolean> {
  const before = await tx
    .selectFrom("users")
    .select(["locked_until"])
    .where("id", "=", userId)
    .forUpdate()
    .executeTakeFirst();
  await tx.updateTable("users").set({ failed_logins: 0, locked_until: null }).where("id", "=", userId).execute();
  return before?.locked_until != null && before.locked_until > new Date();
}

/** What removing an account's second factors took away. */
export interface SecondFactorsRemoved {
  /** Factor rows deleted, confirmed or still pending enrolment. */
  factors: number;
  recoveryCodes: number;
  sessionsRevoked: number;
}

/**
 * Removes every second factor and recovery code of an account (an administrator's recovery for an
 * admin who lost both the authenticator and the codes) and ends its sessions: the next sign-in
 * enrols a new factor where one is required.
 */
export async function removeSecondFactors(tx: DbOrTx, userId: string): Promise<SecondFactorsRemoved> {
  const factors = await tx.deleteFrom("mfa_factors").where("user_id", "=", userId).executeTakeFirst();
  const codes = await tx.deleteFrom("mfa_recovery_codes").where("user_id", "=", userId).executeTakeFirst();
  const sessionsRevoked = await revokeAllSessions(tx, userId, "factor_removed");
  return {
    factors: Number(factors.numDeletedRows),
    recoveryCodes: Number(codes.numDeletedRows),
    sessionsRevoked,
  };
}
