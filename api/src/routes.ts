import type { AppDeps } from "./app";
import { registerAuditRoutes } from "./audit/routes";
import { registerAuthRoutes } from "./auth/routes";
import type { RouteTable } from "./http/route";

/** Every domain's routes, one line each; the observability routes are registered by createApp. */
export function registerDomainRoutes(routes: RouteTable, deps: AppDeps): void {
  const { services } = deps;
  registerAuthRoutes(routes, services, deps.config);
  registerAuditRoutes(routes, deps.db, deps.platformTenantId);
}
