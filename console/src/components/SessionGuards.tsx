import type { ReactNode } from "react";
import { Navigate, useSearchParams } from "react-router";
import { useLoadedSession } from "../session/session";
import { FullPageSpin } from "./FullPageSpin";

/*
 * Guards for the two pages outside the workspace. They read the session store rather than refine's
 * <Authenticated>, which swaps its children for the loading view on every auth refetch (refine refetches
 * right after a failed sign-in) and would unmount the form together with the error it shows.
 */

/** The sign-in page: only for visitors; a signed-in user goes on to where they were heading. */
export function GuestOnly({ children }: { children: ReactNode }) {
  const session = useLoadedSession();
  const [search] = useSearchParams();
  if (session === undefined) return <FullPageSpin />;
  if (session === null) return <>{children}</>;
  const to = search.get("to");
  const next = session.mustChangePassword ? "/change-password" : to?.startsWith("/") && !to.startsWith("//") ? to : "/";
  return <Navigate to={next} replace />;
}

/** The change-password page: any signed-in user, including one the server holds back until it is done. */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useLoadedSession();
  if (session === undefined) return <FullPageSpin />;
  if (session === null) return <Navigate to="/login" replace />;
  return <>{children}</>;
}
