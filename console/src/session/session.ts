import { createMongoAbility, type MongoAbility, type RawRuleOf } from "@casl/ability";
import { type PackRule, unpackRules } from "@casl/ability/extra";
import { useEffect, useSyncExternalStore } from "react";
import type { Role } from "../../../policies/subjects";
import { isApiError } from "../api/ApiError";
import { apiRequest } from "../api/http";
import { type MfaState, NO_MFA, nextStepOf, type SignInStep, stepOfProblem } from "./steps";

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  tenantId: string;
}

export type AppAbility = MongoAbility;

/** The tenant's password rules, when the server sends them with the sign-in state (to show them before a change). */
export interface PasswordPolicy {
  minLength: number;
  minClasses: number;
  historyCount: number;
  maxAgeDays: number;
}

/**
 * Who is signed in, how far the sign-in has got and what the server lets them do. The server's rules are the
 * only source of abilities; they are empty until every sign-in step is done (`next === null`).
 */
export interface Session {
  user: SessionUser;
  role: Role | null;
  mustChangePassword: boolean;
  /** The sign-in step still owed to the server, or null when the workspace is open. */
  next: SignInStep | null;
  mfa: MfaState;
  passwordExpiresAt: string | null;
  passwordExpiryWarning: boolean;
  passwordPolicy: PasswordPolicy | null;
  ability: AppAbility;
}

/** The answer of POST /auth/login; the fields after mustChangePassword arrived with second factors. */
export interface LoginBody {
  user: SessionUser;
  role: Role | null;
  mustChangePassword: boolean;
  mfa?: MfaState;
  next?: SignInStep | null;
  passwordExpiresAt?: string | null;
  passwordExpiryWarning?: boolean;
  passwordPolicy?: PasswordPolicy;
}

interface MeBody extends LoginBody {
  rules?: PackRule<RawRuleOf<AppAbility>>[];
}

/** undefined: not asked yet; null: asked, not signed in. */
let current: Session | null | undefined;
let inflight: Promise<Session | null> | undefined;
const listeners = new Set<() => void>();

function publish(next: Session | null | undefined): void {
  current = next;
  for (const listener of listeners) listener();
}

function sessionOf(body: LoginBody, rules: PackRule<RawRuleOf<AppAbility>>[] = []): Session {
  const next = nextStepOf(body);
  return {
    user: body.user,
    role: body.role,
    mustChangePassword: body.mustChangePassword,
    next,
    mfa: body.mfa ?? NO_MFA,
    passwordExpiresAt: body.passwordExpiresAt ?? null,
    passwordExpiryWarning: body.passwordExpiryWarning ?? false,
    passwordPolicy: body.passwordPolicy ?? null,
    // Rules sent before the sign-in is complete are ignored: the server would refuse those calls anyway.
    ability: createMongoAbility(next === null ? unpackRules(rules) : []),
  };
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
    const session = sessionOf(data, data.rules);
    publish(session);
    return session;
  } catch (error) {
    if (isApiError(error) && error.statusCode === 401) {
      publish(null);
      return null;
    }
    // A server that also gates /me behind a sign-in step still has a session for us: keep what login told
    // us, without abilities, so the console can send the user to that step.
    const step = isApiError(error) ? stepOfProblem(error.code) : undefined;
    if (step) {
      const kept = current ? withStep(current, step) : null;
      publish(kept);
      return kept;
    }
    throw error;
  }
}

function withStep(session: Session, step: SignInStep): Session {
  return {
    ...session,
    next: step,
    mustChangePassword: session.mustChangePassword || step === "change-password",
    ability: createMongoAbility(),
  };
}

/** Records the login answer at once so the redirect after login does not wait for /me. */
export function startSession(body: LoginBody): void {
  publish(sessionOf(body));
}

export function endSession(): void {
  publish(null);
}

/** Called when any API call says a sign-in step is still owed (MFA_REQUIRED, PASSWORD_CHANGE_REQUIRED). */
export function markStepRequired(step: SignInStep): void {
  if (current && current.next !== step) publish(withStep(current, step));
}

/** Called when the change was accepted but /me could not be read back right away. */
export function passwordChanged(): void {
  if (current) publish({ ...current, mustChangePassword: false, next: null, passwordExpiryWarning: false });
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
