import type { SecuritySettings } from "../settings/schemas";

export type NextStep = "mfa-verify" | "mfa-enroll" | "change-password" | null;

/** Where a sign-in stands: what the login and me responses report and the route guard enforces. */
export interface SignInState {
  mustChangePassword: boolean;
  mfa: { required: boolean; verified: boolean; enrolled: ("totp" | "sm2")[] };
  next: NextStep;
  passwordExpiresAt: string | null;
  passwordExpiryWarning: boolean;
}

const DAY_MS = 86_400_000;

/** When the password expires under the policy; null when it never does or must be changed anyway. */
export function passwordExpiry(
  policy: Pick<SecuritySettings["passwordPolicy"], "maxAgeDays">,
  passwordChangedAt: Date | null,
  mustChangePassword: boolean,
): Date | null {
  if (policy.maxAgeDays <= 0 || mustChangePassword || !passwordChangedAt) return null;
  return new Date(passwordChangedAt.getTime() + policy.maxAgeDays * DAY_MS);
}

/** Second factor first (enrol one if there is none), then the password change. */
export function signInState(input: {
  policy: Pick<SecuritySettings["passwordPolicy"], "maxAgeDays" | "expiryWarningDays">;
  mustChangePassword: boolean;
  passwordChangedAt: Date | null;
  mfaRequired: boolean;
  mfaVerified: boolean;
  enrolled: ("totp" | "sm2")[];
  now: Date;
}): SignInState {
  const expiresAt = passwordExpiry(input.policy, input.passwordChangedAt, input.mustChangePassword);
  const warnFrom = expiresAt ? expiresAt.getTime() - input.policy.expiryWarningDays * DAY_MS : Infinity;
  const mfaPending = input.mfaRequired && !input.mfaVerified;
  const next: NextStep = mfaPending
    ? input.enrolled.length > 0
      ? "mfa-verify"
      : "mfa-enroll"
    : input.mustChangePassword
      ? "change-password"
      : null;
  return {
    mustChangePassword: input.mustChangePassword,
    mfa: { required: input.mfaRequired, verified: input.mfaVerified, enrolled: input.enrolled },
    next,
    passwordExpiresAt: expiresAt?.toISOString() ?? null,
    passwordExpiryWarning: expiresAt !== null && input.now.getTime() >= warnFrom,
  };
}

/** Whether the password is past its maximum age at `now` (it must be changed at this sign-in). */
export function passwordExpired(
  policy: Pick<SecuritySettings["passwordPolicy"], "maxAgeDays">,
  passwordChangedAt: Date | null,
  mustChangePassword: boolean,
  now: Date,
): boolean {
  const expiresAt = passwordExpiry(policy, passwordChangedAt, mustChangePassword);
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}
