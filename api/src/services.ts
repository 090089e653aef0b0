import type { Logger } from "pino";
import { createAuthService, type AuthService } from "./auth/service";
import { type Authorizer, dutyOnlyAuthorizer } from "./authz/authorizer";
import { PLATFORM_TENANT_CODE } from "./bootstrap/admins";
import type { Config } from "./config";
import { createFieldCipher, type FieldCipher } from "./crypto/fields";
import type { Db } from "./db/pool";

/** Every domain service, built once per process by createServices (the composition root). */
export interface Services {
  auth: AuthService;
  authz: Authorizer;
  fields: FieldCipher;
}

export interface ServiceDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** The key-encryption key, loaded by the caller (api/src/crypto/keys.ts). */
  kek: Buffer;
  platformTenantId: string;
}

export function createServices(deps: ServiceDeps): Services {
  const { db, config } = deps;
  const fields = createFieldCipher(deps.kek);
  const auth = createAuthService(db, config, PLATFORM_TENANT_CODE);
  const authz = dutyOnlyAuthorizer();
  return { auth, authz, fields };
}
