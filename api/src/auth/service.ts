import { actorOf, record } from "../audit/record";
import type { Config } from "../config";
import type { Db } from "../db/pool";
import { withTx } from "../db/tx";
import type { Principal, RequestContext } from "../http/context";
import { Invalid, Unauthorized } from "../http/errors";
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
}

const INVALID_CREDENTIALS = () =>
  // One message for unknown user, wrong password and disabled account: nothing reveals which.
  new Unauthorized("INVALID_CREDENTIALS", "Wrong username or password.", "用户名或密码错误。");

export interface AuthService {
  login(input: LoginInput, ctx: RequestContext): Promise<LoginOutcome>;
  logout(ctx: RequestContext): Promise<void>;
  changePassword(ctx: RequestContext, input: { currentPassword: string; newPassword: string }): Promise<void>;
  authenticate(sessionId: string): Promise<Principal | null>;
}

export function createAuthService(
  db: Db,
  config: Pick<Config, "session" | "pbkdf2Iterations">,
  platformTenantCode: string,
): AuthService {
  // Verifying against a real hash when the user does not exist keeps response times alike.
  const dummyHash = hashPassword("tianshu-timing-equaliser", config.pbkdf2Iterations);
  const idleSeconds = config.session.idleMinutes * 60;
  const absoluteMs = config.session.absoluteHours * 3_600_000;

  return {
    async login(input, ctx) {
      const tenantCode = input.tenant ?? platformTenantCode;
      const candidate = await store.findLoginCandidate(db, tenantCode, input.username);
      const passwordOk = await verifyPassword(candidate?.passwordHash ?? (await dummyHash), input.password);
      if (!candidate || !passwordOk || candidate.status !== "active") {
        const reason = !candidate ? "unknown_user" : candidate.status !== "active" ? "disabled" : "wrong_password";
        await record(db, {
          ...actorOf(ctx),
          tenantId: candidate?.tenantId ?? null,
          actorId: candidate?.userId ?? null,
          actorName: input.username,
          actorRole: candidate?.role ?? null,
          action: "auth.login",
          targetType: "User",
          targetId: candidate?.userId ?? null,
          result: "failure",
          detail: { reason, tenant: tenantCode },
        });
        throw INVALID_CREDENTIALS();
      }
      const { token, id } = newSessionToken();
      const expiresAt = new Date(Date.now() + absoluteMs);
      const rehash =
        iterationsOf(candidate.passwordHash) < config.pbkdf2Iterations
          ? await hashPassword(input.password, config.pbkdf2Iterations)
          : null;
      await withTx(db, async (tx) => {
        await store.insertSession(tx, {
          id,
          tenantId: candidate.tenantId,
          userId: candidate.userId,
          idleTimeoutSeconds: idleSeconds,
          expiresAt,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
        });
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
          detail: { mustChangePassword: candidate.mustChangePassword },
        });
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
          mustChangePassword: candidate.mustChangePassword,
        },
      };
    },

    async logout(ctx) {
      const principal = ctx.principal;
      if (!principal) return;
      await withTx(db, async (tx) => {
        await store.revokeSession(tx, principal.sessionId);
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
      const problems = checkPassword(input.newPassword, {
        username: principal.username,
        currentPassword: input.currentPassword,
      });
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
        const revoked = await store.revokeOtherSessions(tx, principal.userId, principal.sessionId);
        await record(tx, {
          ...actorOf(ctx),
          action: "auth.password.change",
          targetType: "User",
          targetId: principal.userId,
          result: "success",
          detail: { otherSessionsRevoked: revoked, wasOneTime: principal.mustChangePassword },
        });
      });
    },

    async authenticate(sessionId) {
      const row = await store.touchSession(db, sessionId);
      return row ?? null;
    },
  };
}
