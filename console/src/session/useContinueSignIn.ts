import { useNavigate } from "react-router";
import { forgetUserData } from "../queryClient";
import { refreshSession } from "./session";
import { landingRoute } from "./steps";

/**
 * After a sign-in step succeeds: ask the server which step is owed now (GET /auth/me) and go there, or into
 * the workspace. Permissions cached while the account was held back are dropped first.
 */
export function useContinueSignIn(): () => Promise<void> {
  const navigate = useNavigate();
  return async () => {
    forgetUserData();
    const session = await refreshSession();
    navigate(session ? landingRoute(session.next) : "/login", { replace: true });
  };
}
