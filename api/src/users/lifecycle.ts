import { actorOf, record } from "../audit/record";
import type { Tx } from "../db/pool";
import type { RequestContext } from "../http/context";
import { Conflict } from "../http/errors";
import { recordOrgChange } from "../orgs/changes";
import { assertVersion, parseIfMatch, requireIfMatch } from "../http/concurrency";
import { audited, type Caller, callerOf, loadTarget, protectAdminRole } from "./access";
import type { UserServiceDeps } from "./deps";
import { writeMemberships } from "./memberships";
import { changesOf, toUserDto } from "./present";
import type { UserDto } from "./schemas";
import { assertNotDeleted } from "./service";
import { findUser, membershipsOf, type UserRow, type UserValues, updateUser } from "./store";

const DAY_MS = 86_400_000;

/**
 * The account lifecycle: disable (sessions revoked), enable, unlock, reset password (one-time,
 * forced change, sessions revoked), reset second factor (factors and recovery codes removed,
 * sessions revoked) and soft delete (personal data erased later, see erasure.ts).
 * Each is one transaction with its audit event and its org change-feed entry.
 */
export function createLifecycle(deps: UserServiceDeps) {
  const { db, fields } = deps;
  const now = deps.now ?? (() => new Date());

  async function presentById(tx: Tx, caller: Caller, id: string): Promise<UserDto> {
    const row = (await findUser(tx, caller.principal.tenantId, id)) as UserRow;
    return toUserDto(fields, row, await membershipsOf(tx, [id]), now());
  }

  /** Loads, checks, applies `change`, and audits before/after; a no-op change writes nothing. */
  async function transition(
    ctx: RequestContext,
    id: string,
    version: number | undefined,
    action: string,
    change: (
      tx: Tx,
      caller: Caller,
      row: UserRow,
    ) => Promise<{
      set: UserValues;
      feed?: "disabled" | "enabled" | "updated" | "deleted";
      detail?: Record<string, unknown>;
    } | null>,
    caslAction: "update" | "delete" = "update",
  ): Promise<UserDto> {
    const caller = callerOf(ctx);
    return audited(db, caller, action, id, async (tx) => {
      const { row } = await loadTarget(tx, caller, id, caslAction);
      assertVersion("account", row.version, version);
      assertNotDeleted(row);
      const before = await presentById(tx, caller, id);
      const outcome = await change(tx, caller, row);
      if (outcome === null) return before;
      await updateUser(tx, id, outcome.set);
      const after = await presentById(tx, caller, id);
      if (outcome.feed) {
        await recordOrgChange(tx, {
          tenantId: row.tenant_id,
          entity: "user",
          entityId: id,
          op: outcome.feed,
          data: { status: after.status, version: after.version },
        });
      }
      await record(tx, {
        ...actorOf(ctx),
        action,
        targetType: "User",
        targetId: id,
        result: "success",
        detail: { ...changesOf(before, after), ...outcome.detail },
      });
      return after;
    });
  }

  return {
    disable(ctx: RequestContext, id: string, ifMatch: string | undefined) {
      return transition(ctx, id, parseIfMatch(ifMatch), "user.disable", async (tx, caller, row) => {
        if (row.status === "disabled") return null;
        await protectAdminRole(tx, caller, row, "disable");
        const revoked = await deps.accounts.revokeAllSessions(tx, row.id, "user.disabled");
        return { set: { status: "disabled" }, feed: "disabled", detail: { sessionsRevoked: revoked } };
      });
    },

    enable(ctx: RequestContext, id: string, ifMatch: string | undefined) {
      return transition(ctx, id, parseIfMatch(ifMatch), "user.enable", async (_tx, _caller, row) =>
        row.status === "active" ? null : { set: { status: "active" }, feed: "enabled" },
      );
    },

    unlock(ctx: RequestContext, id: string, ifMatch: string | undefined) {
      return transition(ctx, id, parseIfMatch(ifMatch), "user.unlock", async (tx, _caller, row) => {
        const state = await tx
          .selectFrom("users")
          .select(["failed_logins", "locked_until"])
          .where("id", "=", row.id)
          .executeTakeFirstOrThrow();
        if (state.failed_logins === 0 && state.locked_until === null) return null;
        return {
          set: { failed_logins: 0, locked_until: null },
          detail: {
            failedLoginsCleared: state.failed_logins,
            wasLockedUntil: state.locked_until?.toISOString() ?? null,
          },
        };
      });
    },

    async resetPassword(
      ctx: RequestContext,
      id: string,
      ifMatch: string | undefined,
    ): Promise<{ oneTimePassword: string }> {
      let oneTimePassword = "";
      await transition(ctx, id, parseIfMatch(ifMatch), "user.password.reset", async (tx, _caller, row) => {
        oneTimePassword = deps.accounts.generateOneTimePassword();
        // Hashes, keeps the history, forces a change at next sign-in and revokes every session.
        await deps.accounts.setPasswordByAdmin(tx, row.id, oneTimePassword, deps.pbkdf2Iterations);
        // A reset is how a locked-out person gets back in, so it also clears the lockout.
        return { set: { failed_logins: 0, locked_until: null }, detail: { mustChangePassword: true } };
      });
      return { oneTimePassword };
    },

    /**
     * Removes the account's second factors and recovery codes and ends its sessions, for someone who
     * lost both; the next sign-in enrols a new factor where one is required (admins always). Never on
     * one's own account: an administrator with a working factor manages it under My security, and one
     * without could otherwise strip the factor from a session that holds only the password.
     */
    resetSecondFactor(ctx: RequestContext, id: string, ifMatch: string | undefined): Promise<UserDto> {
      const version = requireIfMatch(ifMatch);
      return transition(ctx, id, version, "user.second_factor.reset", async (tx, caller, row) => {
        if (row.id === caller.principal.userId) {
          throw new Conflict(
            "SELF_CHANGE",
            "You cannot reset your own second factor; manage your factors under My security.",
            "不能重置自己的二次验证，请在“我的安全”中管理自己的验证方式。",
          );
        }
        const removed = await deps.accounts.removeSecondFactors(tx, row.id);
        return {
          set: {},
          detail: {
            factorsRemoved: removed.factors,
            recoveryCodesRemoved: removed.recoveryCodes,
            sessionsRevoked: removed.sessionsRevoked,
          },
        };
      });
    },

    async remove(ctx: RequestContext, id: string, ifMatch: string | undefined): Promise<void> {
      const version = requireIfMatch(ifMatch);
      await transition(
        ctx,
        id,
        version,
        "user.delete",
        async (tx, caller, row) => {
          await protectAdminRole(tx, caller, row, "delete");
          const erasureDays = await deps.accounts.erasureDays(tx, row.tenant_id);
          const at = now();
          const revoked = await deps.accounts.revokeAllSessions(tx, row.id, "user.deleted");
          // Leaving the org tree now keeps member counts and syncing systems right; the row and its
          // personal data remain, sealed, until erasure.
          await writeMemberships(tx, row.tenant_id, row.id, []);
          return {
            set: { status: "deleted", deleted_at: at, erase_after: new Date(at.getTime() + erasureDays * DAY_MS) },
            feed: "deleted",
            detail: { sessionsRevoked: revoked, erasureDays },
          };
        },
        "delete",
      );
    },
  };
}

export type UserLifecycle = ReturnType<typeof createLifecycle>;
