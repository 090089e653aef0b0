import type { Config } from "../../config";
import type { RequestContext } from "../../http/context";
import type { RouteTable } from "../../http/route";
import { z } from "../../http/zod";
import { type IssuedToken, setSessionCookie } from "../cookie";
import type { MfaService } from "./service";
import {
  FactorIdParams,
  FactorSchema,
  RecoveryCodeBody,
  RecoveryCodes,
  Sm2Challenge,
  Sm2Registered,
  Sm2RegisterBody,
  Sm2VerifyBody,
  TotpCodeBody,
  TotpEnrolment,
} from "./schemas";

const tags = ["auth", "mfa"];
const duringSignIn = { authenticated: true, allowDuringMfa: true, allowDuringPasswordChange: true } as const;
const NEW_COOKIE = { "set-cookie": "The session's new cookie when this verified it; the old one no longer works" };

/**
 * A route that checks a second factor: on success the session is verified and gets a fresh token
 * (the old cookie stops working), answered with 204 and the new cookie.
 */
function addVerifyRoute<B extends z.ZodType>(
  routes: RouteTable,
  config: Pick<Config, "session">,
  def: {
    path: string;
    operationId: string;
    summary: string;
    description: string;
    body: B;
    verify: (ctx: RequestContext, body: z.output<B>) => Promise<IssuedToken>;
  },
): void {
  routes.add({
    method: "post",
    path: def.path,
    operationId: def.operationId,
    summary: def.summary,
    tags,
    access: duringSignIn,
    body: def.body,
    response: { status: 204, description: def.description, headers: NEW_COOKIE },
    problems: [429],
    async handler({ body, ctx, res }) {
      setSessionCookie(res, config, await def.verify(ctx, body));
      return undefined;
    },
  });
}

/**
 * Second-factor routes. Those that enrol or verify answer while the sign-in waits for its second
 * factor (and for a password change); managing factors needs a fully signed-in session.
 */
export function registerMfaRoutes(routes: RouteTable, mfa: MfaService, config: Pick<Config, "session">): void {
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
    response: {
      status: 200,
      description: "Enrolled; at sign-in this session's second factor is verified and its cookie replaced",
      schema: RecoveryCodes,
      headers: NEW_COOKIE,
    },
    problems: [409, 429],
    async handler({ body, ctx, res }) {
      const { recoveryCodes, renewed } = await mfa.confirmTotp(ctx, body.code);
      if (renewed) setSessionCookie(res, config, renewed);
      return { recoveryCodes };
    },
  });

  // The three ways to present a second factor share one shape: a body in, 204 and a new cookie out.
  addVerifyRoute(routes, config, {
    path: "/api/v1/auth/mfa/totp/verify",
    operationId: "verifyTotp",
    summary: "Present a TOTP code as this session's second factor",
    description: "Verified",
    body: TotpCodeBody,
    verify: (ctx, body) => mfa.verifyTotp(ctx, body.code),
  });

  addVerifyRoute(routes, config, {
    path: "/api/v1/auth/mfa/recovery/verify",
    operationId: "verifyRecoveryCode",
    summary: "Use a one-time recovery code as this session's second factor",
    description: "Verified; the code is used up",
    body: RecoveryCodeBody,
    verify: (ctx, body) => mfa.verifyRecoveryCode(ctx, body.code),
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
    summary:
      "Register an SM2 public key, proving possession by signing a challenge. As the first factor at sign-in " +
      "it also verifies the session (new cookie) and returns fresh recovery codes",
    tags,
    access: duringSignIn,
    body: Sm2RegisterBody,
    response: { status: 201, description: "Registered", schema: Sm2Registered, headers: NEW_COOKIE },
    problems: [409, 429],
    async handler({ body, ctx, res }) {
      const { renewed, ...registered } = await mfa.registerSm2(ctx, body);
      if (renewed) setSessionCookie(res, config, renewed);
      return registered;
    },
  });

  addVerifyRoute(routes, config, {
    path: "/api/v1/auth/mfa/sm2/verify",
    operationId: "verifySm2",
    summary: "Present an SM2 signature of a challenge as this session's second factor",
    description: "Verified",
    body: Sm2VerifyBody,
    verify: (ctx, body) => mfa.verifySm2(ctx, body),
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
