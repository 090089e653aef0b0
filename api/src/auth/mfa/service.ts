import { actorOf, record } from "../../audit/record";
import type { FieldCipher } from "../../crypto/fields";
import type { Db, Tx } from "../../db/pool";
import { withTx } from "../../db/tx";
import type { Principal, RequestContext } from "../../http/context";
import { Conflict, Forbidden, Invalid, NotFound, Unauthorized } from "../../http/errors";
import { getSecuritySettings } from "../../settings/store";
import { completeSignIn } from "../complete";
import type { IssuedToken } from "../cookie";
import { rotateSession } from "../session-rotation";
import * as authStore from "../store";
import { newRecoveryCodes, recoveryDigestInput } from "./recovery";
import { CHALLENGE_TTL_MS, newNonce, verifySm2 } from "./sm2";
import * as store from "./store";
import { acceptedStep, newTotpSecret } from "./totp";

/** Wrong second-factor attempts one session may make before it is ended. */
export const MFA_MAX_FAILURES_PER_SESSION = 5;
const MAX_SM2_KEYS = 5;

export interface FactorView {
  id: string;
  kind: "totp" | "sm2";
  label: string;
  createdAt: string;
  confirmedAt: string | null;
}

/**
 * What passing the second factor gives back besides the answer: the session's fresh token (the old one
 * stops working at once), for the route to set as the cookie. Null when the call verified nothing.
 */
export interface Renewal {
  renewed: IssuedToken | null;
}

export interface MfaService {
  enrollTotp(ctx: RequestContext): Promise<{ secret: string; otpauthUri: string }>;
  confirmTotp(ctx: RequestContext, code: string): Promise<{ recoveryCodes: string[] } & Renewal>;
  verifyTotp(ctx: RequestContext, code: string): Promise<IssuedToken>;
  verifyRecoveryCode(ctx: RequestContext, code: string): Promise<IssuedToken>;
  sm2Challenge(ctx: RequestContext): Promise<{ challengeId: string; nonce: string; expiresAt: string }>;
  /** As the account's first factor (e.g. at the sign-in's enrolment) the answer carries fresh recovery codes too. */
  registerSm2(
    ctx: RequestContext,
    input: { publicKey: string; label: string; challengeId: string; signature: string },
  ): Promise<{ factor: FactorView; recoveryCodes?: string[] } & Renewal>;
  verifySm2(ctx: RequestContext, input: { challengeId: string; signature: string }): Promise<IssuedToken>;
  listFactors(ctx: RequestContext): Promise<FactorView[]>;
  deleteFactor(ctx: RequestContext, factorId: string): Promise<void>;
  regenerateRecoveryCodes(ctx: RequestContext): Promise<{ recoveryCodes: string[] }>;
}

const CODE_INVALID = () =>
  new Invalid(
    "MFA_CODE_INVALID",
    "The code or signature is wrong, expired or already used.",
    "验证码或签名错误、已过期或已使用。",
  );

const secretPlace = (userId: string) => `mfa_factors.secret:${userId}`;

function principalOf(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  return ctx.principal;
}

const viewOf = (f: store.FactorRow): FactorView => ({
  id: f.id,
  kind: f.kind,
  label: f.label,
  createdAt: f.createdAt.toISOString(),
  confirmedAt: f.confirmedAt?.toISOString() ?? null,
});

export function createMfaService(db: Db, fields: Pick<FieldCipher, "seal" | "open" | "blindIndex">): MfaService {
  const audit = (tx: Tx | Db, ctx: RequestContext, action: string, result: "success" | "failure", detail = {}) =>
    record(tx, {
      ...actorOf(ctx),
      action,
      targetType: "User",
      targetId: ctx.principal?.userId ?? null,
      result,
      detail,
    });

  /**
   * Someone holding only the password may enrol the account's first factor (first sign-in), but may
   * not add one next to an existing factor: that needs a session that has passed its second factor.
   */
  async function assertMayEnrol(p: Principal): Promise<void> {
    if (p.mfaMethod !== null) return;
    if ((await store.confirmedCount(db, p.userId)) > 0) {
      throw new Forbidden(
        "MFA_REQUIRED",
        "Verify your existing second factor before enrolling another.",
        "请先使用已绑定的第二因素完成认证，再绑定新的因素。",
      );
    }
  }

  /**
   * The session passed its second factor: mark it, give it a fresh token, and complete the sign-in if
   * it was waiting. The rotation comes before the completion, so the concurrent-session limit counts
   * the new session and not the revoked old one.
   */
  async function verified(
    tx: Tx,
    ctx: RequestContext,
    method: "totp" | "sm2" | "recovery",
    detail = {},
  ): Promise<IssuedToken> {
    const p = principalOf(ctx);
    await store.markSessionVerified(tx, p.sessionId, method);
    await audit(tx, ctx, "auth.mfa.verify", "success", { method, ...detail });
    const renewed = await rotateSession(tx, ctx, "mfa_verified");
    if (p.mfaMethod === null) {
      const settings = await getSecuritySettings(tx, p.tenantId);
      await completeSignIn(tx, ctx, p, settings);
    }
    return renewed;
  }

  /**
   * A wrong code counts against the session and the account's lockout alike (a 6-digit code must not
   * be guessable by signing in again and again); past the limit the session ends.
   */
  async function failed(ctx: RequestContext, method: string, reason: string): Promise<never> {
    const p = principalOf(ctx);
    const ended = await withTx(db, async (tx) => {
      const settings = await getSecuritySettings(tx, p.tenantId);
      const sessionFailures = await store.countSessionFailure(tx, p.sessionId);
      const account = await authStore.countFailure(tx, p.userId, settings.lockout);
      await audit(tx, ctx, "auth.mfa.verify", "failure", {
        method,
        reason,
        sessionFailures,
        accountFailures: account.failures,
        locked: account.lockedUntil !== null,
      });
      if (account.lockedUntil) {
        await audit(tx, ctx, "auth.account.lock", "success", {
          after: "second_factor",
          lockedUntil: account.lockedUntil.toISOString(),
        });
      }
      const end = sessionFailures >= MFA_MAX_FAILURES_PER_SESSION || account.lockedUntil !== null;
      if (end) {
        await authStore.revokeSession(tx, p.sessionId, "mfa_failures");
        await record(tx, {
          ...actorOf(ctx),
          action: "auth.session.revoke",
          targetType: "Session",
          targetId: p.sessionId,
          result: "success",
          detail: { reason: "mfa_failures", sessionFailures },
        });
      }
      return end;
    });
    if (ended) {
      throw new Unauthorized(
        "MFA_TOO_MANY_FAILURES",
        "Too many wrong second-factor attempts: this session has ended. Sign in again.",
        "第二因素认证失败次数过多，本次会话已结束，请重新登录。",
      );
    }
    throw CODE_INVALID();
  }

  async function replaceRecoveryCodes(tx: Tx, userId: string): Promise<string[]> {
    const codes = newRecoveryCodes();
    await store.replaceRecoveryCodes(
      tx,
      userId,
      codes.map((c) => fields.blindIndex("mfa-recovery", recoveryDigestInput(userId, c))),
    );
    return codes;
  }

  return {
    async enrollTotp(ctx) {
      const p = principalOf(ctx);
      await assertMayEnrol(p);
      const { secret, otpauthUri } = newTotpSecret(p.username);
      await withTx(db, async (tx) => {
        const id = await store.replacePendingTotp(tx, p.tenantId, p.userId, fields.seal(secret, secretPlace(p.userId)));
        await audit(tx, ctx, "auth.mfa.totp.enroll", "success", { factorId: id });
      });
      return { secret, otpauthUri };
    },

    async confirmTotp(ctx, code) {
      const p = principalOf(ctx);
      await assertMayEnrol(p);
      const pending = (await store.factorsOf(db, p.userId)).find((f) => f.kind === "totp" && !f.confirmedAt);
      if (!pending) {
        throw new Conflict("NO_PENDING_ENROLMENT", "Start a TOTP enrolment first.", "请先开始绑定 TOTP。");
      }
      const step = acceptedStep(fields.open(pending.secret, secretPlace(p.userId)), code, null);
      if (step === null) {
        await audit(db, ctx, "auth.mfa.totp.confirm", "failure", { factorId: pending.id, reason: "wrong_code" });
        throw CODE_INVALID();
      }
      return withTx(db, async (tx) => {
        await store.confirmTotp(tx, p.userId, pending.id, step);
        const recoveryCodes = await replaceRecoveryCodes(tx, p.userId);
        await audit(tx, ctx, "auth.mfa.totp.confirm", "success", {
          factorId: pending.id,
          recoveryCodes: "regenerated",
        });
        const renewed = p.mfaMethod === null ? await verified(tx, ctx, "totp", { enrolment: true }) : null;
        return { recoveryCodes, renewed };
      });
    },

    async verifyTotp(ctx, code) {
      const p = principalOf(ctx);
      const factor = (await store.factorsOf(db, p.userId)).find((f) => f.kind === "totp" && f.confirmedAt);
      if (!factor) return failed(ctx, "totp", "no_factor");
      const step = acceptedStep(fields.open(factor.secret, secretPlace(p.userId)), code, factor.lastStep);
      if (step === null) return failed(ctx, "totp", "wrong_or_replayed_code");
      const renewed = await withTx(db, async (tx) => {
        // Two requests racing with the same code: only one moves last_step forward.
        if (!(await store.useTotpStep(tx, factor.id, step))) return null;
        return verified(tx, ctx, "totp", { factorId: factor.id });
      });
      return renewed ?? failed(ctx, "totp", "wrong_or_replayed_code");
    },

    async verifyRecoveryCode(ctx, code) {
      const p = principalOf(ctx);
      const digest = fields.blindIndex("mfa-recovery", recoveryDigestInput(p.userId, code));
      const renewed = await withTx(db, async (tx) => {
        const left = await store.useRecoveryCode(tx, p.userId, digest);
        if (left === null) return null;
        return verified(tx, ctx, "recovery", { recoveryCodesLeft: left });
      });
      return renewed ?? failed(ctx, "recovery", "wrong_or_used_code");
    },

    async sm2Challenge(ctx) {
      const p = principalOf(ctx);
      const nonce = newNonce();
      const expiresAt = new Date(Date.now() + CHALLENGE_TTL_MS);
      const challengeId = await withTx(db, (tx) => store.insertChallenge(tx, p.sessionId, nonce, expiresAt));
      return { challengeId, nonce, expiresAt: expiresAt.toISOString() };
    },

    async registerSm2(ctx, input) {
      const p = principalOf(ctx);
      await assertMayEnrol(p);
      const nonce = await store.takeChallenge(db, p.sessionId, input.challengeId);
      if (!nonce || !verifySm2(nonce, input.signature, input.publicKey)) {
        await audit(db, ctx, "auth.mfa.sm2.register", "failure", {
          reason: nonce ? "bad_signature" : "challenge_expired_or_used",
        });
        throw CODE_INVALID();
      }
      const existing = (await store.factorsOf(db, p.userId)).filter((f) => f.kind === "sm2");
      if (existing.length >= MAX_SM2_KEYS) {
        throw new Conflict(
          "TOO_MANY_KEYS",
          `At most ${MAX_SM2_KEYS} SM2 keys per account.`,
          `每个账号最多绑定 ${MAX_SM2_KEYS} 个 SM2 密钥。`,
        );
      }
      return withTx(db, async (tx) => {
        const factor = await store.insertSm2Factor(tx, {
          tenantId: p.tenantId,
          userId: p.userId,
          label: input.label,
          publicKey: input.publicKey.toLowerCase(),
        });
        if (!factor) {
          throw new Conflict("KEY_ALREADY_REGISTERED", "This SM2 key is already registered.", "该 SM2 密钥已绑定。");
        }
        if (p.mfaMethod !== null) {
          await audit(tx, ctx, "auth.mfa.sm2.register", "success", { factorId: factor.id, label: factor.label });
          return { factor: viewOf(factor), renewed: null };
        }
        // The account's first factor (at the sign-in's enrolment, or a first one added of one's own accord):
        // like a confirmed authenticator, it comes with recovery codes (for when the key is lost) and
        // verifies the session, completing a sign-in that waited for it.
        const recoveryCodes = await replaceRecoveryCodes(tx, p.userId);
        // The console's enrolment page starts an authenticator by default; one who chose a key
        // instead must not be left with a half-set-up authenticator in the factor list.
        await store.dropPendingTotp(tx, p.userId);
        await audit(tx, ctx, "auth.mfa.sm2.register", "success", {
          factorId: factor.id,
          label: factor.label,
          recoveryCodes: "regenerated",
        });
        const renewed = await verified(tx, ctx, "sm2", { enrolment: true });
        return { factor: viewOf(factor), recoveryCodes, renewed };
      });
    },

    async verifySm2(ctx, input) {
      const p = principalOf(ctx);
      const nonce = await store.takeChallenge(db, p.sessionId, input.challengeId);
      if (!nonce) return failed(ctx, "sm2", "challenge_expired_or_used");
      const keys = (await store.factorsOf(db, p.userId)).filter((f) => f.kind === "sm2" && f.confirmedAt);
      const key = keys.find((k) => verifySm2(nonce, input.signature, k.secret));
      if (!key) return failed(ctx, "sm2", keys.length ? "bad_signature" : "no_factor");
      return withTx(db, (tx) => verified(tx, ctx, "sm2", { factorId: key.id }));
    },

    async listFactors(ctx) {
      const p = principalOf(ctx);
      return (await store.factorsOf(db, p.userId)).map(viewOf);
    },

    async deleteFactor(ctx, factorId) {
      const p = principalOf(ctx);
      await withTx(db, async (tx) => {
        await authStore.lockUserRow(tx, p.userId);
        const removed = await store.deleteFactor(tx, p.userId, factorId);
        if (!removed) throw new NotFound("FACTOR_NOT_FOUND", "No such second factor.", "该第二因素不存在。");
        if (removed.confirmedAt && p.mfaRequired && (await store.confirmedCount(tx, p.userId)) === 0) {
          throw new Conflict(
            "LAST_FACTOR",
            "A second factor is required for this account: enrol another before removing the last one.",
            "该账号必须使用第二因素：请先绑定新的因素，再删除最后一个。",
          );
        }
        await audit(tx, ctx, "auth.mfa.factor.delete", "success", {
          factorId,
          kind: removed.kind,
          label: removed.label,
        });
      });
    },

    async regenerateRecoveryCodes(ctx) {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const recoveryCodes = await replaceRecoveryCodes(tx, p.userId);
        await audit(tx, ctx, "auth.mfa.recovery.regenerate", "success", { count: recoveryCodes.length });
        return { recoveryCodes };
      });
    },
  };
}
