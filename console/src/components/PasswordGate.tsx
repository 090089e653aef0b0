import type { ReactNode } from "react";
import { Navigate } from "react-router";
import { useSession } from "../session/session";
import { FullPageSpin } from "./FullPageSpin";

/**
 * Keeps the workspace closed while the server says the password must be changed (first sign-in or reset):
 * every other API route would answer 403 PASSWORD_CHANGE_REQUIRED anyway.
 */
export function PasswordGate({ children }: { children: ReactNode }) {
  const session = useSession();
  if (session === undefined) return <FullPageSpin />;
  if (session === null) return <Navigate to="/login" replace />;
  if (session.mustChangePassword) return <Navigate to="/change-password" replace />;
  return <>{children}</>;
}
