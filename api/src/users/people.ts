import {
  generateOneTimePassword,
  removeSecondFactors,
  revokeAllSessions,
  setPasswordByAdmin,
} from "../auth/account-ops";
import type { FieldCipher } from "../crypto/fields";
import type { Db } from "../db/pool";
import { getSecuritySettings } from "../settings/store";
import type { AccountOps, UserServiceDeps } from "./deps";
import { eraseDueAccounts } from "./erasure";
import { createExporter } from "./export";
import { createImporter } from "./import";
import { createLifecycle } from "./lifecycle";
import { createUserService } from "./service";

/** The identity operations the people domain uses, from api/src/auth and api/src/settings. */
export const identityAccountOps: AccountOps = {
  revokeAllSessions,
  setPasswordByAdmin,
  generateOneTimePassword,
  removeSecondFactors,
  erasureDays: async (db, tenantId) => (await getSecuritySettings(db, tenantId)).accounts.erasureDays,
};

/** The people domain (accounts, memberships, lifecycle, import/export, erasure), built once. */
export function createPeople(deps: UserServiceDeps) {
  const users = createUserService(deps);
  return {
    users,
    lifecycle: createLifecycle(deps),
    importUsers: createImporter(deps),
    exportUsers: createExporter(deps, users),
    /** Erases accounts whose retention period has passed; `now` is injectable for tests. */
    eraseDue: (now?: Date) => eraseDueAccounts(deps.db, now ?? deps.now?.() ?? new Date()),
  };
}
export type People = ReturnType<typeof createPeople>;

export function createPeopleFromIdentity(db: Db, fields: FieldCipher, pbkdf2Iterations: number): People {
  return createPeople({ db, fields, pbkdf2Iterations, accounts: identityAccountOps });
}
