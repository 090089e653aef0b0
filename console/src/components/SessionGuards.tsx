import type { ReactNode } from "react";
import { Navigate, useSearchParams } from "react-router";
import { useLoadedSession } from "../session/session";
import { landingRoute, type SignInStep } from "../session/steps";
import { FullPageSpin } from "./FullPageSpin";

/*
 * Guards for the pages outside the workspace. They read the session store rather than refine's
 * <Authenticated>, which swaps its children for the loading view on every auth refetch (refine refetches
 * right after a failed sign-in) and would unmount the form together with the error it shows.
 */

/** The sign-in page: only for visitors; a signed-in user goes on to the owed step or where they were heading. */
export function GuestOnly({ children }: { children: ReactNode }) {
  const session = useLoadedSession();
  const [search] = useSearchParams();
  if (session === undefined) return <FullPageSpin />;
  if (session === null) return <>{children}</>;
  return <Navigate to={landingRoute(session.next, search.get("to"))} replace />;
}

/**
 * A sign-in step's page: only while the server says that step is owed. The password page is also open to
 * a fully signed-in user (a voluntary change); any other step's page sends the user where they belong.
 */
export function RequireStep({ step, children }: { step: SignInStep; children: ReactNode }) {
  const session = useLoadedSession();
  if (session === undefined) return <FullPageSpin />;
  if (session === null) return <Navigate to="/login" replace />;
  const open = session.next === step || (step === "change-password" && session.next === null);
  if (!open) return <Navigate to={landingRoute(session.next)} replace />;
  return <>{children}</>;
}
