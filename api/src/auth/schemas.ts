import { ROLES } from "../../../policies/subjects";
import { z } from "../http/zod";
import { PASSWORD_MAX_LENGTH } from "./password-policy";

export const LoginBody = z
  .strictObject({
    username: z.string().trim().min(1).max(64),
    password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
    tenant: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
      .optional()
      .describe("Tenant code; the platform tenant when omitted"),
  })
  .openapi("LoginRequest");

export const ChangePasswordBody = z
  .strictObject({
    currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
    newPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
  })
  .openapi("ChangePasswordRequest");

export const UserSummary = z
  .object({ id: z.string(), username: z.string(), displayName: z.string(), tenantId: z.string() })
  .openapi("UserSummary");

export const LoginResponse = z
  .object({
    user: UserSummary,
    role: z.enum(ROLES).nullable(),
    mustChangePassword: z.boolean(),
    mfa: z.object({
      required: z.boolean(),
      verified: z.boolean(),
      enrolled: z.array(z.enum(["totp", "sm2"])).describe("Kinds of confirmed second factors"),
    }),
    next: z
      .enum(["mfa-verify", "mfa-enroll", "change-password"])
      .nullable()
      .describe("The step the sign-in waits for; null: complete. Until then other routes answer 403"),
    passwordExpiresAt: z.string().nullable().describe("ISO 8601 UTC; null when the password does not expire"),
    passwordExpiryWarning: z.boolean().describe("The password expires within the policy's warning window"),
  })
  .openapi("LoginResponse");

export const MeResponse = LoginResponse.extend({
  rules: z
    .array(z.array(z.unknown()))
    .describe("CASL rules packed with @casl/ability/extra packRules; [] until next is null"),
}).openapi("MeResponse");
