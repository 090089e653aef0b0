import { z } from "../../http/zod";
import { SM2_PUBLIC_KEY, SM2_SIGNATURE } from "./sm2";

export const TotpCodeBody = z
  .strictObject({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, "Six digits."),
  })
  .openapi("TotpCodeRequest");

export const RecoveryCodeBody = z
  .strictObject({ code: z.string().trim().min(10).max(16) })
  .openapi("RecoveryCodeRequest");

export const TotpEnrolment = z
  .object({
    secret: z.string().describe("Base32 secret, for typing into an authenticator app by hand"),
    otpauthUri: z.string().describe("otpauth://totp/... URI for the QR code (issuer Tianshu, SHA1, 6 digits, 30 s)"),
  })
  .openapi("TotpEnrolment");

export const RecoveryCodes = z
  .object({ recoveryCodes: z.array(z.string()).describe("Shown once; each works once") })
  .openapi("RecoveryCodes");

export const Sm2Challenge = z
  .object({
    challengeId: z.string(),
    nonce: z.string().describe("Sign this string as UTF-8: sm2.doSignature(nonce, privateKey, { hash: true })"),
    expiresAt: z.string(),
  })
  .openapi("Sm2Challenge");

const signature = z.string().regex(SM2_SIGNATURE, "128 hex characters (r‖s).");

export const Sm2RegisterBody = z
  .strictObject({
    publicKey: z.string().regex(SM2_PUBLIC_KEY, "Uncompressed SM2 public key: 04 and 128 hex characters."),
    label: z.string().trim().min(1).max(100),
    challengeId: z.uuid(),
    signature,
  })
  .openapi("Sm2RegisterRequest");

export const Sm2VerifyBody = z.strictObject({ challengeId: z.uuid(), signature }).openapi("Sm2VerifyRequest");

export const FactorSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["totp", "sm2"]),
    label: z.string(),
    createdAt: z.string(),
    confirmedAt: z.string().nullable().describe("null: an enrolment not yet confirmed"),
  })
  .openapi("MfaFactor");

export const FactorIdParams = z.strictObject({ id: z.uuid() });

export const Sm2Registered = z
  .object({
    factor: FactorSchema,
    recoveryCodes: z
      .array(z.string())
      .optional()
      .describe("Only when this key is the account's first factor, enrolled at sign-in: shown once"),
  })
  .openapi("Sm2Registered");
