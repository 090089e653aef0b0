import { accessibleWhere } from "../../../../policies/compile";
import { actorOf, record } from "../../audit/record";
import type { Db } from "../../db/pool";
import { withTx } from "../../db/tx";
import type { RequestContext } from "../../http/context";
import { NotFound, Unauthorized } from "../../http/errors";
import type { Page } from "../../http/list";
import type { SESSION_SORTABLE, SessionDto } from "./schemas";
import { listLiveSessions, revokeLiveSession, SESSION_COLUMNS } from "./store";

type SessionPage = Page<(typeof SESSION_SORTABLE)[number]>;

export interface SessionService {
  listOwn(ctx: RequestContext, page: SessionPage): Promise<{ rows: SessionDto[]; total: number }>;
  revokeOwn(ctx: RequestContext, sessionId: string): Promise<void>;
  list(
    ctx: RequestContext,
    userId: string | undefined,
    page: SessionPage,
  ): Promise<{ rows: SessionDto[]; total: number }>;
  revoke(ctx: RequestContext, sessionId: string): Promise<void>;
}

const NOT_FOUND = () => new NotFound("SESSION_NOT_FOUND", "No such live session.", "该会话不存在或已结束。");

function who(ctx: RequestContext) {
  const p = ctx.principal;
  if (!p) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  return p;
}

function allowedOf(ctx: RequestContext, action: "read" | "delete") {
  if (!ctx.ability) throw new Error("guarded route reached without an ability");
  const allowed = accessibleWhere(ctx.ability, action, "Session", SESSION_COLUMNS);
  if (!allowed) throw new Error(`route guard admitted a caller with no ${action} Session rule`);
  return allowed;
}

export function createSessionService(db: Db): SessionService {
  return {
    async listOwn(ctx, page) {
      const p = who(ctx);
      return listLiveSessions(db, { tenantId: p.tenantId, userId: p.userId }, page, p.sessionId);
    },

    async revokeOwn(ctx, sessionId) {
      const p = who(ctx);
      await withTx(db, async (tx) => {
        const owner = await revokeLiveSession(tx, sessionId, { tenantId: p.tenantId, userId: p.userId }, "self");
        if (!owner) throw NOT_FOUND();
        await record(tx, {
          ...actorOf(ctx),
          action: "auth.session.revoke",
          targetType: "Session",
          targetId: sessionId,
          result: "success",
          detail: { reason: "self", current: sessionId === p.sessionId },
        });
      });
    },

    async list(ctx, userId, page) {
      const p = who(ctx);
      return listLiveSessions(db, { tenantId: p.tenantId, userId, allowed: allowedOf(ctx, "read") }, page, p.sessionId);
    },

    async revoke(ctx, sessionId) {
      const p = who(ctx);
      const allowed = allowedOf(ctx, "delete");
      await withTx(db, async (tx) => {
        const owner = await revokeLiveSession(tx, sessionId, { tenantId: p.tenantId, allowed }, "admin");
        if (!owner) throw NOT_FOUND();
        await record(tx, {
          ...actorOf(ctx),
          action: "auth.session.revoke",
          targetType: "Session",
          targetId: sessionId,
          result: "success",
          detail: { reason: "admin", userId: owner.userId, username: owner.username },
        });
      });
    },
  };
}
