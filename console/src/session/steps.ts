/**
 * The sign-in state machine, as the server drives it: password → second factor (verify, or enrol when the
 * account has none) → forced password change → workspace. The server says which step is owed in `next`;
 * the console only maps it to a page and never skips one (every other API call would answer 403 anyway).
 */

export const SIGN_IN_STEPS = ["mfa-verify", "mfa-enroll", "change-password"] as const;
export type SignInStep = (typeof SIGN_IN_STEPS)[number];

export const FACTOR_KINDS = ["totp", "sm2"] as const;
export type FactorKind = (typeof FACTOR_KINDS)[number];

export interface MfaState {
  required: boolean;
  verified: boolean;
  enrolled: FactorKind[];
}

export const NO_MFA: MfaState = { required: false, verified: false, enrolled: [] };

/** The console page of each step. */
export const STEP_ROUTES: Record<SignInStep, string> = {
  "mfa-verify": "/login/verify",
  "mfa-enroll": "/login/enroll",
  "change-password": "/change-password",
};

export function isSignInStep(value: unknown): value is SignInStep {
  return typeof value === "string" && (SIGN_IN_STEPS as readonly string[]).includes(value);
}

/**
 * The step still owed. A server that predates second factors sends no `next`; then only the forced
 * password change can be owed. A step this console does not know keeps the workspace closed: it is read
 * as second-factor verification, the stricter reading.
 */
export function nextStepOf(body: { next?: unknown; mustChangePassword: boolean }): SignInStep | null {
  if (body.next === undefined) return body.mustChangePassword ? "change-password" : null;
  if (body.next === null) return null;
  return isSignInStep(body.next) ? body.next : "mfa-verify";
}

/** The step an error code says is owed, from any API call made too early. */
export function stepOfProblem(code: string | undefined): SignInStep | undefined {
  if (code === "PASSWORD_CHANGE_REQUIRED") return "change-password";
  if (code === "MFA_REQUIRED") return "mfa-verify";
  if (code === "MFA_ENROLLMENT_REQUIRED") return "mfa-enroll";
  return undefined;
}

/** Where a signed-in user belongs: the owed step's page, else the requested page (same-origin paths only). */
export function landingRoute(next: SignInStep | null, requested?: string | null): string {
  if (next) return STEP_ROUTES[next];
  return requested?.startsWith("/") && !requested.startsWith("//") ? requested : "/";
}
