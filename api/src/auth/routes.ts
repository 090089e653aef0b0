import type { CookieOptions } from "express";
import type { Config } from "../config";
import { SESSION_COOKIE } from "../http/openapi";
import type { RouteTable } from "../http/route";
import { ChangePasswordBody, LoginBody, LoginResponse, MeResponse } from "./schemas";
import type { Services } from "../services";

export function registerAuthRoutes(
  routes: RouteTable,
  { auth, authz }: Pick<Services, "auth" | "authz">,
  config: Pick<Config, "session">,
): void {
  const cookie = (maxAge?: number): CookieOptions => ({
    httpOnly: true,
    sameSite: "strict",
    secure: config.session.cookieSecure,
    path: "/",
    ...(maxAge ? { maxAge } : {}),
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/login",
    operationId: "login",
    summary: "Sign in with username and password; sets the session cookie",
    tags: ["auth"],
    access: { public: true },
    body: LoginBody,
    response: {
      status: 200,
      description: "Signed in",
      schema: LoginResponse,
      headers: { "set-cookie": "Session cookie" },
    },
    problems: [401, 429],
    async handler({ body, ctx, res }) {
      const outcome = await auth.login(body, ctx);
      res.cookie(SESSION_COOKIE, outcome.token, cookie(outcome.maxAgeMs));
      const p = outcome.principal;
      return {
        user: { id: p.userId, username: p.username, displayName: p.displayName, tenantId: p.tenantId },
        role: p.role,
        mustChangePassword: p.mustChangePassword,
      };
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/logout",
    operationId: "logout",
    summary: "End the current session",
    tags: ["auth"],
    access: { authenticated: true, allowDuringPasswordChange: true },
    response: { status: 204, description: "Signed out" },
    async handler({ ctx, res }) {
      await auth.logout(ctx);
      res.clearCookie(SESSION_COOKIE, cookie());
      return undefined;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/auth/me",
    operationId: "getMe",
    summary: "The caller's identity, role and packed CASL rules",
    tags: ["auth"],
    access: { authenticated: true, allowDuringPasswordChange: true },
    response: { status: 200, description: "The caller", schema: MeResponse },
    async handler({ ctx }) {
      const p = ctx.principal;
      if (!p) throw new Error("guarded route reached without a principal");
      return {
        user: { id: p.userId, username: p.username, displayName: p.displayName, tenantId: p.tenantId },
        role: p.role,
        mustChangePassword: p.mustChangePassword,
        // Until the password is changed the console gets no rules, matching what the server allows.
        rules: p.mustChangePassword ? [] : await authz.packedRulesFor(p, { ip: ctx.ip, now: new Date() }),
      };
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/password",
    operationId: "changePassword",
    summary: "Change the caller's own password (required after a one-time password)",
    tags: ["auth"],
    access: { authenticated: true, allowDuringPasswordChange: true },
    body: ChangePasswordBody,
    response: { status: 204, description: "Password changed; other sessions of the account are revoked" },
    problems: [429],
    async handler({ body, ctx }) {
      await auth.changePassword(ctx, body);
      return undefined;
    },
  });
}
