import type { Logger } from "pino";
import type { ApprovalService } from "../approvals/service";
import { activeScopedGrants } from "../grants/store";
import { type Bus, createInProcessBus, createPgBus } from "../db/bus";
import type { Db } from "../db/pool";
import { createAuthorizer, type PolicyAuthorizer } from "./authorizer";
import type { AclGuard } from "./integrity";
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
  /** MACs of access-control rows: checked on every load, computed on every write (integrity.ts). */
  guard: AclGuard;
}): AuthzServices {
  const { db, guard } = deps;
  const loadScopedGrants = (d: Db, tenantId: string, userId: string) => activeScopedGrants(d, tenantId, userId, guard);
  const bus =
    deps.bus ??
    (deps.databaseUrl ? createPgBus({ connection: deps.databaseUrl, db, logger: deps.logger }) : createInProcessBus());
  const authz = createAuthorizer({ db, bus, logger: deps.logger, guard, loadScopedGrants });
  return {
    bus,
    authz,
    policies: createPolicyService({ db, authz, guard, approvals: deps.approvals }),
    simulator: createSimulator({ db, guard, loadScopedGrants }),
    apiClients: createApiClientService({ db, bus, guard }),
  };
}
