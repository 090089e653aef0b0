import type { ReactNode } from "react";
import { Navigate } from "react-router";
import { useSession } from "../session/session";
import { STEP_ROUTES } from "../session/steps";
import { FullPageSpin } from "./FullPageSpin";

/**
 * Keeps the workspace closed while the server says a sign-in step is owed (second factor, enrolment,
 * password change): every other API route would answer 403 MFA_REQUIRED / PASSWORD_CHANGE_REQUIRED anyway.
 */
export function SignInGate({ children }: { children: ReactNode }) {
  const session = useSession();
  if (session === undefined) return <FullPageSpin />;
  if (session === null) return <Navigate to="/login" replace />;
  if (session.next) return <Navigate to={STEP_ROUTES[session.next]} replace />;
  return <>{children}</>;
}
