import type { RequestHandler } from "express";
import { abilityFor } from "../../../policies/ability";
import { readCookie } from "../http/cookies";
import { SESSION_COOKIE } from "../http/openapi";
import type { AuthService } from "./service";
import { looksLikeToken, sessionIdOf } from "./tokens";

/** Loads the caller's principal and ability from the session cookie; routes decide what they need. */
export function sessionLoader(auth: Pick<AuthService, "authenticate">): RequestHandler {
  return async (req, _res, next) => {
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token && looksLikeToken(token)) {
      const principal = await auth.authenticate(sessionIdOf(token));
      if (principal) {
        req.ctx.principal = principal;
        req.ctx.ability = abilityFor(principal.role);
      }
    }
    next();
  };
}
