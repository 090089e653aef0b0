import { Secret, TOTP } from "otpauth";

/**
 * TOTP (RFC 6238) as every authenticator app understands it: SHA-1, 6 digits, 30-second steps.
 * A code is accepted one step either side of now (clock drift), and only for a step later than the
 * last one accepted for the factor, so a code cannot be replayed.
 */
export const TOTP_ISSUER = "Tianshu";
const PERIOD_SECONDS = 30;
const WINDOW = 1;

function totpOf(secretBase32: string, label: string): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: "SHA1",
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A fresh 160-bit secret (base32) and the otpauth:// URI the console turns into a QR code. */
export function newTotpSecret(label: string): { secret: string; otpauthUri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, otpauthUri: totpOf(secret, label).toString() };
}

/**
 * The time step `code` belongs to, if it is valid now (±1 step) and later than `lastStep`;
 * null otherwise.
 */
export function acceptedStep(
  secretBase32: string,
  code: string,
  lastStep: number | null,
  nowMs: number = Date.now(),
): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpOf(secretBase32, "");
  const delta = totp.validate({ token: code, timestamp: nowMs, window: WINDOW });
  if (delta === null) return null;
  const step = totp.counter({ timestamp: nowMs }) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}
