import type { Logger } from "pino";
import type { ApprovalService } from "../approvals/service";
import { activeScopedGrants } from "../grants/store";
import { type Bus, createInProcessBus, createPgBus } from "../db/bus";
import type { Db } from "../db/pool";
import { createAuthorizer, type PolicyAuthorizer } from "./authorizer";
import { type ApiClientService, createApiClientService } from "./client-service";
import { createPolicyService, type PolicyService } from "./policy-service";
import { createSimulator } from "./simulate";

export interface AuthzServices {
  bus: Bus;
  authz: PolicyAuthorizer;
  policies: PolicyService;
  simulator: ReturnType<typeof createSimulator>;
  apiClients: ApiClientService;
}

/**
 * The authorization domain: the bus (LISTEN/NOTIFY on a server database, in-process when
 * embedded), the per-request authorizer, authored policies with simulator and diff, API clients.
 */
export function createAuthzServices(deps: {
  db: Db;
  logger: Logger;
  /** The server database URL; undefined when embedded (PGlite: LISTEN receives nothing there). */
  databaseUrl: string | undefined;
  bus?: Bus | undefined;
  /** The two-person rule (api/src/approvals): policy publishing registers its executor there. */
  approvals?: Pick<ApprovalService, "gate" | "register"> | undefined;
}): AuthzServices {
  const { db } = deps;
  const bus =
    deps.bus ??
    (deps.databaseUrl ? createPgBus({ connection: deps.databaseUrl, db, logger: deps.logger }) : createInProcessBus());
  const authz = createAuthorizer({ db, bus, logger: deps.logger, loadScopedGrants: activeScopedGrants });
  return {
    bus,
    authz,
    policies: createPolicyService({ db, authz, approvals: deps.approvals }),
    simulator: createSimulator({ db, loadScopedGrants: activeScopedGrants }),
    apiClients: createApiClientService({ db, bus }),
  };
}
