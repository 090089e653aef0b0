import type { RequestHandler } from "express";
import type { Authorizer } from "../authz/authorizer";
import { readCookie } from "../http/cookies";
import { SESSION_COOKIE } from "../http/openapi";
import type { AuthService } from "./service";
import { looksLikeToken, sessionIdOf } from "./tokens";

/** Loads the caller's principal and ability from the session cookie; routes decide what they need. */
export function sessionLoader(services: {
  auth: Pick<AuthService, "authenticate">;
  authz: Authorizer;
}): RequestHandler {
  return async (req, _res, next) => {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token && looksLikeToken(token)) {
      const principal = await services.auth.authenticate(sessionIdOf(token));
      if (principal) {
        req.ctx.principal = principal;
        req.ctx.ability = await services.authz.abilityFor(principal, { ip: req.ctx.ip, now: new Date() });
      }
    }
    next();
  };
}
