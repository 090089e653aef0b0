import type { AppDeps } from "./app";
import { registerApprovalRoutes } from "./approvals/routes";
import { registerAuditRoutes } from "./audit/routes";
import { registerAuditSettingsRoutes } from "./audit/settings-routes";
import { registerMfaRoutes } from "./auth/mfa/routes";
import { registerAuthRoutes } from "./auth/routes";
import { registerIntegrityRoutes } from "./authz/integrity-routes";
import { registerPdpRoutes } from "./authz/pdp-routes";
import { registerPolicyRoutes } from "./authz/policy-routes";
import { registerSessionRoutes } from "./auth/sessions/routes";
import { registerGrantRoutes } from "./grants/routes";
import type { RouteTable } from "./http/route";
import { registerKeyRoutes } from "./keys/routes";
import { registerMonitorRoutes } from "./monitors/routes";
import { registerSettingsRoutes } from "./settings/routes";
import { registerOrgRoutes } from "./orgs/routes";
import { registerUserRoutes } from "./users/routes";
import { registerWatermarkRoutes } from "./watermarks/routes";
import { registerWordRoutes } from "./words/routes";

/** Every domain's routes, one line each; the observability routes are registered by createApp. */
export function registerDomainRoutes(routes: RouteTable, deps: AppDeps): void {
  const { services } = deps;
  registerAuthRoutes(routes, services, deps.config);
  registerMfaRoutes(routes, services.mfa, deps.config);
  registerSessionRoutes(routes, services.sessions);
  registerSettingsRoutes(routes, services.settings);
  registerAuditRoutes(routes, deps.db, deps.platformTenantId, services.auditSigner);
  registerAuditSettingsRoutes(routes, deps.db, deps.platformTenantId);
  registerGrantRoutes(routes, services.grants);
  registerApprovalRoutes(routes, services.approvals);
  registerOrgRoutes(routes, services.orgs);
  registerUserRoutes(routes, services.people);
  registerPolicyRoutes(routes, services.authzDomain.policies, services.authzDomain.simulator);
  registerPdpRoutes(routes, services.authz, services.authzDomain.apiClients);
  registerIntegrityRoutes(routes, deps.db, services.aclGuard);
  if (services.keyRotations) registerKeyRoutes(routes, services.keyRotations);
  registerWatermarkRoutes(routes, services.watermarks);
  registerWordRoutes(routes, services.words);
  registerMonitorRoutes(routes, services.monitors, deps.db);
}
