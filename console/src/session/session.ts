import { createMongoAbility, type MongoAbility, type RawRuleOf } from "@casl/ability";
import { type PackRule, unpackRules } from "@casl/ability/extra";
import { useEffect, useSyncExternalStore } from "react";
import type { AdminRole } from "../../../policies/subjects";
import { isApiError } from "../api/ApiError";
import { apiRequest } from "../api/http";

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  tenantId: string;
}

export type AppAbility = MongoAbility;

/** Who is signed in and what the server lets them do. The server's rules are the only source of abilities. */
export interface Session {
  user: SessionUser;
  role: AdminRole | null;
  mustChangePassword: boolean;
  ability: AppAbility;
}

export interface LoginBody {
  user: SessionUser;
  role: AdminRole | null;
  mustChangePassword: boolean;
}

interface MeBody extends LoginBody {
  rules: PackRule<RawRuleOf<AppAbility>>[];
}

/** undefined: not asked yet; null: asked, not signed in. */
let current: Session | null | undefined;
let inflight: Promise<Session | null> | undefined;
const listeners = new Set<() => void>();

function publish(next: Session | null | undefined): void {
  current = next;
  for (const listener of listeners) listener();
}

export function getSession(): Session | null | undefined {
  return current;
}

/** Asks the server who we are (GET /auth/me). Concurrent callers share one request. */
export function refreshSession(): Promise<Session | null> {
  inflight ??= fetchMe().finally(() => {
    inflight = undefined;
  });
  return inflight;
}

/** The known session, or the server's answer when nothing is known yet. */
export function ensureSession(): Promise<Session | null> {
  return current === undefined ? refreshSession() : Promise.resolve(current);
}

async function fetchMe(): Promise<Session | null> {
  try {
    const { data } = await apiRequest<MeBody>("/auth/me");
    const session: Session = {
      user: data.user,
      role: data.role,
      mustChangePassword: data.mustChangePassword,
      ability: createMongoAbility(unpackRules(data.rules ?? [])),
    };
    publish(session);
    return session;
  } catch (error) {
    if (isApiError(error) && error.statusCode === 401) {
      publish(null);
      return null;
    }
    // A server that also gates /me behind the password change still has a session for us: keep what
    // login told us, without abilities, so the console can send the user to the change-password page.
    if (isApiError(error) && error.code === "PASSWORD_CHANGE_REQUIRED") {
      const kept = current ? { ...current, mustChangePassword: true, ability: createMongoAbility() } : null;
      publish(kept);
      return kept;
    }
    throw error;
  }
}

/** Records the login answer at once so the redirect after login does not wait for /me. */
export function startSession(body: LoginBody): void {
  publish({ ...body, ability: createMongoAbility() });
}

export function endSession(): void {
  publish(null);
}

/** Called when any API call says the password must be changed first. */
export function markPasswordChangeRequired(): void {
  if (current) publish({ ...current, mustChangePassword: true });
}

/** Called when the change was accepted but /me could not be read back right away. */
export function passwordChanged(): void {
  if (current) publish({ ...current, mustChangePassword: false });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session | null | undefined {
  return useSyncExternalStore(subscribe, getSession);
}

/** Like useSession, and asks the server once if nothing is known yet (a page opened directly). */
export function useLoadedSession(): Session | null | undefined {
  const session = useSession();
  useEffect(() => {
    // An unreachable server is shown as signed out: the sign-in page then reports the network error.
    if (session === undefined) void ensureSession().catch(() => publish(null));
  }, [session]);
  return session;
}
