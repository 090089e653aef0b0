import type { AuthProvider } from "@refinedev/core";
import { isApiError } from "../api/ApiError";
import { apiRequest } from "../api/http";
import { forgetUserData } from "../queryClient";
import {
  endSession,
  getSession,
  type LoginBody,
  markStepRequired,
  passwordChanged,
  refreshSession,
  startSession,
} from "../session/session";
import { landingRoute, nextStepOf, STEP_ROUTES, stepOfProblem } from "../session/steps";

export interface LoginVariables {
  username: string;
  password: string;
  /** Where to go once every sign-in step is done (the page that sent the visitor to /login). */
  to?: string | null;
}

export interface PasswordVariables {
  currentPassword: string;
  newPassword: string;
}

/** What the header shows; refine's useGetIdentity returns it. */
export interface Identity {
  id: string;
  name: string;
  username: string;
  role: LoginBody["role"];
  mustChangePassword: boolean;
}

/**
 * Cookie-session auth against /api/v1/auth. The browser never sees the token (HttpOnly cookie); the console
 * only learns who is signed in, and which sign-in step is still owed, from the login answer and /auth/me.
 */
export const authProvider: AuthProvider = {
  login: async ({ username, password, to }: LoginVariables) => {
    try {
      const { data } = await apiRequest<LoginBody>("/auth/login", { method: "POST", body: { username, password } });
      forgetUserData();
      startSession(data);
      const next = nextStepOf(data);
      // Abilities come only with /me once every step is done; a failure here is not fatal, the workspace asks again.
      if (next === null) await refreshSession().catch(() => undefined);
      return { success: true, redirectTo: landingRoute(next, to) };
    } catch (error) {
      return { success: false, error: error as Error };
    }
  },

  logout: async () => {
    try {
      await apiRequest("/auth/logout", { method: "POST" });
    } catch {
      // An expired session cannot be logged out twice; the local state is cleared either way.
    }
    endSession();
    forgetUserData();
    return { success: true, redirectTo: "/login" };
  },

  check: async () => {
    try {
      const session = await refreshSession();
      return session ? { authenticated: true } : { authenticated: false, redirectTo: "/login" };
    } catch (error) {
      return { authenticated: false, redirectTo: "/login", error: error as Error };
    }
  },

  onError: async (error) => {
    if (isApiError(error) && error.statusCode === 401) {
      return { logout: true, redirectTo: "/login", error };
    }
    const step = isApiError(error) ? stepOfProblem(error.code) : undefined;
    if (step) {
      // The server knows exactly which step (verify or enrol); ask it, and fall back to the code's reading.
      const session = await refreshSession().catch(() => undefined);
      if (session?.next) return { redirectTo: STEP_ROUTES[session.next] };
      markStepRequired(step);
      return { redirectTo: STEP_ROUTES[step] };
    }
    return {};
  },

  getIdentity: async (): Promise<Identity | null> => {
    const session = getSession() ?? (await refreshSession());
    if (!session) return null;
    return {
      id: session.user.id,
      name: session.user.displayName || session.user.username,
      username: session.user.username,
      role: session.role,
      mustChangePassword: session.mustChangePassword,
    };
  },

  getPermissions: async () => getSession()?.role ?? null,

  updatePassword: async ({ currentPassword, newPassword }: PasswordVariables) => {
    try {
      await apiRequest("/auth/password", { method: "POST", body: { currentPassword, newPassword } });
      // The server has cleared mustChangePassword; if /me cannot be read right now, trust the 204.
      // New rules come with it: drop permissions cached while the account was held back.
      forgetUserData();
      await refreshSession().catch(passwordChanged);
      return { success: true };
    } catch (error) {
      return { success: false, error: error as Error };
    }
  },
};
