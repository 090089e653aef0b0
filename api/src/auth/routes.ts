import type { Config } from "../config";
import type { Principal } from "../http/context";
import type { RouteTable } from "../http/route";
import type { Services } from "../services";
import { clearSessionCookie, setSessionCookie } from "./cookie";
import type { SignInState } from "./login-state";
import { ChangePasswordBody, LoginBody, LoginResponse, MeResponse } from "./schemas";

function identity(p: Omit<Principal, "sessionId">, state: SignInState) {
  return {
    user: { id: p.userId, username: p.username, displayName: p.displayName, tenantId: p.tenantId },
    role: p.role,
    ...state,
  };
}

export function registerAuthRoutes(
  routes: RouteTable,
  { auth, authz }: Pick<Services, "auth" | "authz">,
  config: Pick<Config, "session">,
): void {
  routes.add({
    method: "post",
    path: "/api/v1/auth/login",
    operationId: "login",
    summary: "Sign in with username and password; sets the session cookie. `next` says what the sign-in still needs",
    tags: ["auth"],
    access: { public: true },
    body: LoginBody,
    response: {
      status: 200,
      description: "Password accepted",
      schema: LoginResponse,
      headers: { "set-cookie": "Session cookie" },
    },
    problems: [401, 403, 429],
    async handler({ body, ctx, res }) {
      const outcome = await auth.login(body, ctx);
      setSessionCookie(res, config, { token: outcome.token, maxAgeMs: outcome.maxAgeMs });
      return identity(outcome.principal, outcome.state);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/logout",
    operationId: "logout",
    summary: "End the current session",
    tags: ["auth"],
    access: { authenticated: true, allowDuringPasswordChange: true, allowDuringMfa: true },
    response: { status: 204, description: "Signed out" },
    async handler({ ctx, res }) {
      await auth.logout(ctx);
      clearSessionCookie(res, config);
      return undefined;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/auth/me",
    operationId: "getMe",
    summary: "The caller's identity, role, sign-in state and packed CASL rules",
    tags: ["auth"],
    access: { authenticated: true, allowDuringPasswordChange: true, allowDuringMfa: true },
    response: { status: 200, description: "The caller", schema: MeResponse },
    async handler({ ctx }) {
      const p = ctx.principal;
      if (!p) throw new Error("guarded route reached without a principal");
      const state = await auth.stateOf(p);
      return {
        ...identity(p, state),
        // Until the sign-in is complete the console gets no rules, matching what the server allows.
        rules: state.next !== null ? [] : await authz.packedRulesFor(p, { ip: ctx.ip, now: new Date() }),
      };
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/password",
    operationId: "changePassword",
    summary: "Change the caller's own password (required after a one-time password or when it expired)",
    tags: ["auth"],
    // After the second factor: a password alone must not be enough to replace the password.
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
