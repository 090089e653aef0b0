import type { RouteTable } from "../../http/route";
import { z } from "../../http/zod";
import type { MfaService } from "./service";
import {
  FactorIdParams,
  FactorSchema,
  RecoveryCodeBody,
  RecoveryCodes,
  Sm2Challenge,
  Sm2RegisterBody,
  Sm2VerifyBody,
  TotpCodeBody,
  TotpEnrolment,
} from "./schemas";

/**
 * Second-factor routes. Those that enrol or verify answer while the sign-in waits for its second
 * factor (and for a password change); managing factors needs a fully signed-in session.
 */
export function registerMfaRoutes(routes: RouteTable, mfa: MfaService): void {
  const duringSignIn = { authenticated: true, allowDuringMfa: true, allowDuringPasswordChange: true } as const;
  const tags = ["auth", "mfa"];

  routes.add({
    method: "post",
    path: "/api/v1/auth/mfa/totp/enroll",
    operationId: "enrollTotp",
    summary: "Start (or restart) a TOTP enrolment: a new secret and its otpauth:// URI",
    tags,
    access: duringSignIn,
    response: { status: 200, description: "The secret to scan", schema: TotpEnrolment },
    async handler({ ctx }) {
      return mfa.enrollTotp(ctx);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/mfa/totp/confirm",
    operationId: "confirmTotp",
    summary: "Confirm the TOTP enrolment with a current code; returns fresh recovery codes",
    tags,
    access: duringSignIn,
    body: TotpCodeBody,
    response: { status: 200, description: "Enrolled; this session's second factor is verified", schema: RecoveryCodes },
    problems: [409, 429],
    async handler({ body, ctx }) {
      return mfa.confirmTotp(ctx, body.code);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/mfa/totp/verify",
    operationId: "verifyTotp",
    summary: "Present a TOTP code as this session's second factor",
    tags,
    access: duringSignIn,
    body: TotpCodeBody,
    response: { status: 204, description: "Verified" },
    problems: [429],
    async handler({ body, ctx }) {
      await mfa.verifyTotp(ctx, body.code);
      return undefined;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/mfa/recovery/verify",
    operationId: "verifyRecoveryCode",
    summary: "Use a one-time recovery code as this session's second factor",
    tags,
    access: duringSignIn,
    body: RecoveryCodeBody,
    response: { status: 204, description: "Verified; the code is used up" },
    problems: [429],
    async handler({ body, ctx }) {
      await mfa.verifyRecoveryCode(ctx, body.code);
      return undefined;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/mfa/sm2/challenge",
    operationId: "sm2Challenge",
    summary: "A single-use nonce to sign with an SM2 key, valid for two minutes",
    tags,
    access: duringSignIn,
    response: { status: 200, description: "The challenge", schema: Sm2Challenge },
    problems: [429],
    async handler({ ctx }) {
      return mfa.sm2Challenge(ctx);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/mfa/sm2/register",
    operationId: "registerSm2Key",
    summary: "Register an SM2 public key, proving possession by signing a challenge",
    tags,
    access: duringSignIn,
    body: Sm2RegisterBody,
    response: { status: 201, description: "Registered", schema: z.object({ factor: FactorSchema }) },
    problems: [409, 429],
    async handler({ body, ctx }) {
      return { factor: await mfa.registerSm2(ctx, body) };
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/mfa/sm2/verify",
    operationId: "verifySm2",
    summary: "Present an SM2 signature of a challenge as this session's second factor",
    tags,
    access: duringSignIn,
    body: Sm2VerifyBody,
    response: { status: 204, description: "Verified" },
    problems: [429],
    async handler({ body, ctx }) {
      await mfa.verifySm2(ctx, body);
      return undefined;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/auth/mfa/factors",
    operationId: "listMfaFactors",
    summary: "The caller's second factors",
    tags,
    access: { authenticated: true },
    response: { status: 200, description: "Factors", schema: z.array(FactorSchema) },
    async handler({ ctx }) {
      return mfa.listFactors(ctx);
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/auth/mfa/factors/:id",
    operationId: "deleteMfaFactor",
    summary: "Remove one of the caller's second factors (not the last one where a factor is required)",
    tags,
    access: { authenticated: true },
    params: FactorIdParams,
    response: { status: 204, description: "Removed" },
    problems: [404, 409],
    async handler({ params, ctx }) {
      await mfa.deleteFactor(ctx, params.id);
      return undefined;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/auth/mfa/recovery/regenerate",
    operationId: "regenerateRecoveryCodes",
    summary: "Replace the caller's recovery codes with 10 new ones",
    tags,
    access: { authenticated: true },
    response: { status: 200, description: "The new codes (shown once)", schema: RecoveryCodes },
    async handler({ ctx }) {
      return mfa.regenerateRecoveryCodes(ctx);
    },
  });
}
