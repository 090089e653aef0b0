/**
 * Paths counted by the per-client-address limit on authentication attempts (express-rate-limit,
 * counted in PostgreSQL across instances): passwords and every endpoint that checks a second factor,
 * so neither a password nor a 6-digit code can be guessed at speed.
 */
export const AUTH_RATE_LIMITED_PATHS = [
  "/api/v1/auth/login",
  "/api/v1/auth/password",
  "/api/v1/auth/mfa/totp/confirm",
  "/api/v1/auth/mfa/totp/verify",
  "/api/v1/auth/mfa/recovery/verify",
  "/api/v1/auth/mfa/sm2/challenge",
  "/api/v1/auth/mfa/sm2/register",
  "/api/v1/auth/mfa/sm2/verify",
];
