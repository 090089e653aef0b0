import type { RequestHandler } from "express";
import type { Authorizer } from "../authz/authorizer";
import { readCookie } from "../http/cookies";
import { SESSION_COOKIE } from "../http/openapi";
import { cachedAllowList } from "../settings/cidr";
import { ADMIN_NETWORK_DENIED, type AuthService } from "./service";
import { looksLikeToken, sessionIdOf } from "./tokens";

/**
 * Loads the caller's principal and ability from the session cookie; routes decide what they need.
 * Admin-plane isolation is enforced here, for every request of an admin session: outside the
 * tenant's allow-list the request is refused (403) and the refusal audited.
 */
export function sessionLoader(services: {
  auth: Pick<AuthService, "authenticate" | "recordAdminPlaneDenial">;
  authz: Authorizer;
}): RequestHandler {
  return async (req, _res, next) => {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token && looksLikeToken(token)) {
      const found = await services.auth.authenticate(sessionIdOf(token));
      if (found) {
        const { adminAllowList, ...principal } = found;
        req.ctx.principal = principal;
        if (principal.role && !cachedAllowList(adminAllowList).allows(req.ctx.ip)) {
          await services.auth.recordAdminPlaneDenial(req.ctx, `${req.method} ${req.originalUrl.split("?")[0]}`);
          throw ADMIN_NETWORK_DENIED();
        }
        req.ctx.ability = await services.authz.abilityFor(principal, { ip: req.ctx.ip, now: new Date() });
      }
    }
    next();
  };
}
