import { actorOf, record } from "../audit/record";
import type { AclGuard } from "../authz/integrity";
import type { Config } from "../config";
import type { Db, DbOrTx } from "../db/pool";
import { withTx } from "../db/tx";
import type { Principal, RequestContext } from "../http/context";
import { Forbidden, Invalid, Unauthorized } from "../http/errors";
import { cachedAllowList } from "../settings/cidr";
import { getSecuritySettings } from "../settings/store";
import { completeSignIn } from "./complete";
import { addPasswordHistory, reusesRecentPassword } from "./history";
import { passwordExpired, type SignInState, signInState } from "./login-state";
import { hashPassword, iterationsOf, verifyPassword } from "./password";
import { checkPassword } from "./password-policy";
import * as store from "./store";
import { newSessionToken } from "./tokens";

export interface LoginInput {
  username: string;
  password: string;
  tenant?: string | undefined;
}

export interface LoginOutcome {
  token: string;
  maxAgeMs: number;
  principal: Omit<Principal, "sessionId">;
  state: SignInState;
}

const INVALID_CREDENTIALS = () =>
  // One message for unknown user, wrong password, disabled or locked account: nothing reveals which.
  new Unauthorized("INVALID_CREDENTIALS", "Wrong username or password.", "用户名或密码错误。");

export const ADMIN_NETWORK_DENIED = () =>
  new Forbidden(
    "ADMIN_NETWORK_DENIED",
    "Administrators may not sign in or work from this network address.",
    "管理员不允许从当前网络地址登录或操作。",
  );

export interface AuthService {
  login(input: LoginInput, ctx: RequestContext): Promise<LoginOutcome>;
  logout(ctx: RequestContext): Promise<void>;
  changePassword(ctx: RequestContext, input: { currentPassword: string; newPassword: string }): Promise<void>;
  authenticate(sessionId: string): Promise<(Principal & { adminAllowList: string[] }) | null>;
  /** The login state of the caller's session, for GET /auth/me. */
  stateOf(principal: Principal): Promise<SignInState>;
  /** Audits an admin request refused because it came from outside the admin-plane allow-list. */
  recordAdminPlaneDenial(ctx: RequestContext, route: string): Promise<void>;
}

export function createAuthService(
  db: Db,
  config: Pick<Config, "pbkdf2Iterations" | "session">,
  platformTenantCode: string,
  /** Verifies the MAC of the role assignment read at sign-in and on every request (authz/integrity.ts). */
  guard: Pick<AclGuard, "check">,
): AuthService {
  // Verifying against a real hash when the user does not exist keeps response times alike.
  const dummyHash = hashPassword("tianshu-timing-equaliser", config.pbkdf2Iterations);

  return {
    async login(input, ctx) {
      const tenantCode = input.tenant ?? platformTenantCode;
      const candidate = await store.findLoginCandidate(db, tenantCode, input.username, guard);
      const passwordOk = await verifyPassword(candidate?.passwordHash ?? (await dummyHash), input.password);
      const now = new Date();
      const refuse = async (reason: string, extra: Record<string, unknown> = {}, tx: DbOrTx = db) =>
        record(tx, {
          ...actorOf(ctx),
          tenantId: candidate?.tenantId ?? null,
          actorId: candidate?.userId ?? null,
          actorName: input.username,
          actorRole: candidate?.role ?? null,
          action: "auth.login",
          targetType: "User",
          targetId: candidate?.userId ?? null,
          result: "failure",
          detail: { reason, tenant: tenantCode, ...extra },
        });
      if (!candidate) {
        await refuse("unknown_user");
        throw INVALID_CREDENTIALS();
      }
      if (candidate.status !== "active" || !candidate.tenantActive) {
        await refuse(candidate.status !== "active" ? candidate.status : "tenant_disabled");
        throw INVALID_CREDENTIALS();
      }
      if (candidate.lockedUntil && candidate.lockedUntil > now) {
        // The lock is not extended by attempts during it, and the answer stays the generic one.
        await refuse("locked", { lockedUntil: candidate.lockedUntil.toISOString(), passwordRight: passwordOk });
        throw INVALID_CREDENTIALS();
      }
      const settings = await getSecuritySettings(db, candidate.tenantId);
      if (!passwordOk) {
        await withTx(db, async (tx) => {
          const outcome = await store.countFailure(tx, candidate.userId, settings.lockout);
          await refuse("wrong_password", { failures: outcome.failures, locked: outcome.lockedUntil !== null }, tx);
          if (outcome.lockedUntil) {
            await record(tx, {
              ...actorOf(ctx),
              tenantId: candidate.tenantId,
              actorId: candidate.userId,
              actorName: candidate.username,
              actorRole: candidate.role,
              action: "auth.account.lock",
              targetType: "User",
              targetId: candidate.userId,
              result: "success",
              detail: { after: "password", failures: outcome.failures, lockedUntil: outcome.lockedUntil.toISOString() },
            });
          }
        });
        throw INVALID_CREDENTIALS();
      }
      if (candidate.role && !cachedAllowList(settings.adminPlane.ipAllowList).allows(ctx.ip)) {
        await refuse("admin_network");
        throw ADMIN_NETWORK_DENIED();
      }

      const mfaRequired = candidate.role !== null || settings.mfa.requireForUsers || candidate.hasFactor;
      const expired = passwordExpired(
        settings.passwordPolicy,
        candidate.passwordChangedAt,
        candidate.mustChangePassword,
        now,
      );
      const mustChangePassword = candidate.mustChangePassword || expired;
      // The deployment's TIANSHU_SESSION_* values are ceilings over what a tenant configured.
      const idleMinutes = Math.min(
        candidate.role ? settings.sessions.adminIdleMinutes : settings.sessions.idleMinutes,
        config.session.idleMinutes,
      );
      const absoluteMs = Math.min(settings.sessions.absoluteHours, config.session.absoluteHours) * 3_600_000;
      const { token, id } = newSessionToken();
      const rehash =
        iterationsOf(candidate.passwordHash) < config.pbkdf2Iterations
          ? await hashPassword(input.password, config.pbkdf2Iterations)
          : null;
      const who = {
        userId: candidate.userId,
        tenantId: candidate.tenantId,
        username: candidate.username,
        role: candidate.role,
      };
      const facts = await store.signInFacts(db, candidate.userId);
      const state = signInState({
        policy: settings.passwordPolicy,
        mustChangePassword,
        passwordChangedAt: candidate.passwordChangedAt,
        mfaRequired,
        mfaVerified: false,
        enrolled: facts.enrolled,
        now,
      });
      await withTx(db, async (tx) => {
        await store.lockUserRow(tx, candidate.userId);
        await store.insertSession(tx, {
          id,
          tenantId: candidate.tenantId,
          userId: candidate.userId,
          idleTimeoutSeconds: idleMinutes * 60,
          expiresAt: new Date(now.getTime() + absoluteMs),
          ip: ctx.ip,
          userAgent: ctx.userAgent,
          mfaRequired,
        });
        if (expired) await store.markPasswordExpired(tx, candidate.userId);
        if (rehash) await store.rehashPassword(tx, candidate.userId, rehash);
        await record(tx, {
          ...actorOf(ctx),
          tenantId: candidate.tenantId,
          actorId: candidate.userId,
          actorName: candidate.username,
          actorRole: candidate.role,
          action: "auth.login",
          targetType: "User",
          targetId: candidate.userId,
          result: "success",
          detail: { mustChangePassword, passwordExpired: expired, mfaRequired, next: state.next },
        });
        // Without a second factor to wait for, the password completes the sign-in.
        if (!mfaRequired) await completeSignIn(tx, ctx, who, settings);
      });
      return {
        token,
        maxAgeMs: absoluteMs,
        principal: {
          userId: candidate.userId,
          tenantId: candidate.tenantId,
          username: candidate.username,
          displayName: candidate.displayName,
          role: candidate.role,
          mustChangePassword,
          mfaRequired,
          mfaMethod: null,
        },
        state,
      };
    },

    async logout(ctx) {
      const principal = ctx.principal;
      if (!principal) return;
      await withTx(db, async (tx) => {
        await store.revokeSession(tx, principal.sessionId, "logout");
        await record(tx, { ...actorOf(ctx), action: "auth.logout", targetType: "Session", result: "success" });
      });
    },

    async changePassword(ctx, input) {
      const principal = ctx.principal;
      if (!principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
      const currentHash = await store.passwordHashOf(db, principal.userId);
      const currentOk = currentHash !== undefined && (await verifyPassword(currentHash, input.currentPassword));
      const failure = (reason: string) =>
        record(db, {
          ...actorOf(ctx),
          action: "auth.password.change",
          targetType: "User",
          targetId: principal.userId,
          result: "failure",
          detail: { reason },
        });
      if (!currentOk) {
        await failure("wrong_current_password");
        throw new Invalid("CURRENT_PASSWORD_WRONG", "The current password is wrong.", "当前密码不正确。", [
          { path: "body.currentPassword", message: "The current password is wrong.", zh: "当前密码不正确。" },
        ]);
      }
      const { passwordPolicy } = await getSecuritySettings(db, principal.tenantId);
      const problems = checkPassword(
        input.newPassword,
        { username: principal.username, currentPassword: input.currentPassword },
        passwordPolicy,
      );
      if (
        problems.length === 0 &&
        (await reusesRecentPassword(db, principal.userId, currentHash, input.newPassword, passwordPolicy.historyCount))
      ) {
        problems.push({
          path: "body.newPassword",
          message: `The new password must differ from your last ${passwordPolicy.historyCount} passwords.`,
          zh: `新密码不能与最近 ${passwordPolicy.historyCount} 次使用过的密码相同。`,
        });
      }
      if (problems.length > 0) {
        await failure("policy");
        throw new Invalid(
          "PASSWORD_POLICY",
          "The new password does not meet the password policy.",
          "新密码不符合密码策略。",
          problems,
        );
      }
      const newHash = await hashPassword(input.newPassword, config.pbkdf2Iterations);
      await withTx(db, async (tx) => {
        await store.setPassword(tx, principal.userId, newHash);
        await addPasswordHistory(tx, principal.userId, newHash);
        const revoked = await store.revokeOtherSessions(tx, principal.userId, principal.sessionId, "password_change");
        await record(tx, {
          ...actorOf(ctx),
          action: "auth.password.change",
          targetType: "User",
          targetId: principal.userId,
          result: "success",
          detail: { otherSessionsRevoked: revoked, wasRequired: principal.mustChangePassword },
        });
      });
    },

    async authenticate(sessionId) {
      const row = await store.touchSession(db, sessionId, guard);
      return row ?? null;
    },

    async recordAdminPlaneDenial(ctx, route) {
      await record(db, {
        ...actorOf(ctx),
        action: "auth.admin_plane.denied",
        targetType: "Route",
        targetId: route.slice(0, 200),
        result: "denied",
        detail: {},
      });
    },

    async stateOf(principal) {
      const [settings, facts] = await Promise.all([
        getSecuritySettings(db, principal.tenantId),
        store.signInFacts(db, principal.userId),
      ]);
      return signInState({
        policy: settings.passwordPolicy,
        mustChangePassword: facts.mustChangePassword,
        passwordChangedAt: facts.passwordChangedAt,
        mfaRequired: principal.mfaRequired,
        mfaVerified: principal.mfaMethod !== null,
        enrolled: facts.enrolled,
        now: new Date(),
      });
    },
  };
}
