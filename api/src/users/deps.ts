import type { FieldCipher } from "../crypto/fields";
import type { Db, DbOrTx, Tx } from "../db/pool";
import { Conflict } from "../http/errors";
import { phonePlace, emailPlace } from "./present";
import type { NormalisedPersonal } from "./fields";
import type { UserValues } from "./store";

/** What the people service needs from identity (api/src/auth/account-ops.ts, settings). */
export interface AccountOps {
  revokeAllSessions(tx: Tx, userId: string, reason: string): Promise<number>;
  /** Hashes, records history, sets must_change_password and revokes the sessions. */
  setPasswordByAdmin(tx: Tx, userId: string, plainOneTimePassword: string, pbkdf2Iterations: number): Promise<void>;
  generateOneTimePassword(): string;
  /** Deletes every second factor and recovery code and revokes the sessions (a second-factor reset). */
  removeSecondFactors(
    tx: Tx,
    userId: string,
  ): Promise<{ factors: number; recoveryCodes: number; sessionsRevoked: number }>;
  /** settings.accounts.erasureDays of the tenant. */
  erasureDays(db: DbOrTx, tenantId: string): Promise<number>;
}

export interface UserServiceDeps {
  db: Db;
  fields: FieldCipher;
  pbkdf2Iterations: number;
  accounts: AccountOps;
  /** The clock; tests inject one to move past the erasure date. */
  now?: () => Date;
}

/** The columns that hold a phone number and an e-mail address, sealed for their row. */
export function personalColumns(fields: FieldCipher, userId: string, p: NormalisedPersonal): UserValues {
  const set: UserValues = {};
  if (p.phone === null) Object.assign(set, { phone_enc: null, phone_bidx: null, phone_last4: null });
  else if (p.phone !== undefined) {
    set.phone_enc = fields.seal(p.phone, phonePlace(userId));
    set.phone_bidx = fields.blindIndex("phone", p.phone);
    set.phone_last4 = p.phone.slice(-4);
  }
  if (p.email === null) Object.assign(set, { email_enc: null, email_bidx: null });
  else if (p.email !== undefined) {
    set.email_enc = fields.seal(p.email, emailPlace(userId));
    set.email_bidx = fields.blindIndex("email", p.email);
  }
  return set;
}

export const usernameTakenError = () =>
  new Conflict("USERNAME_TAKEN", "That username is already used in this tenant.", "该用户名在本租户中已被使用。");
export const employeeNoTakenError = (employeeNo: string) =>
  new Conflict(
    "EMPLOYEE_NO_TAKEN",
    `Employee number ${employeeNo} already belongs to another account of this tenant.`,
    `工号 ${employeeNo} 已被本租户的其他账号使用。`,
  );

/** A unique violation that slipped past the checks (two requests racing) becomes the same 409. */
export function conflictFromUniqueViolation(err: unknown): Conflict | null {
  const e = err as { code?: string; constraint?: string };
  if (e?.code !== "23505") return null;
  if (e.constraint === "users_tenant_username_key") return usernameTakenError();
  if (e.constraint === "users_tenant_employee_no_key") return employeeNoTakenError("");
  return new Conflict("CONFLICT", "A concurrent change conflicts with this one; try again.", "并发修改冲突，请重试。");
}
