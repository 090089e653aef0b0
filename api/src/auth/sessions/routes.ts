import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../../http/list";
import type { RouteTable } from "../../http/route";
import { z } from "../../http/zod";
import { OwnSessionsQuery, SessionIdParams, SessionSchema, SessionsQuery } from "./schemas";
import type { SessionService } from "./service";

export function registerSessionRoutes(routes: RouteTable, sessions: SessionService): void {
  const list = {
    status: 200,
    description: "A page of live sessions",
    schema: z.array(SessionSchema),
    headers: { [TOTAL_COUNT_HEADER]: "Total number of matching sessions" },
  };

  routes.add({
    method: "get",
    path: "/api/v1/auth/sessions",
    operationId: "listOwnSessions",
    summary: "The caller's own live sessions",
    tags: ["auth", "sessions"],
    access: { authenticated: true },
    query: OwnSessionsQuery,
    response: list,
    async handler({ query, ctx, res }) {
      const { rows, total } = await sessions.listOwn(ctx, pageOf(query));
      setTotal(res, total);
      return rows;
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/auth/sessions/:id",
    operationId: "revokeOwnSession",
    summary: "End one of the caller's own sessions",
    tags: ["auth", "sessions"],
    access: { authenticated: true },
    params: SessionIdParams,
    response: { status: 204, description: "Ended" },
    problems: [404],
    async handler({ params, ctx }) {
      await sessions.revokeOwn(ctx, params.id);
      return undefined;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/sessions",
    operationId: "listSessions",
    summary: "Live sessions of the tenant's accounts (optionally of one user)",
    tags: ["sessions"],
    access: { ability: { action: "read", subject: "Session" } },
    query: SessionsQuery,
    response: list,
    async handler({ query, ctx, res }) {
      const { rows, total } = await sessions.list(ctx, query.userId, pageOf(query));
      setTotal(res, total);
      return rows;
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/sessions/:id",
    operationId: "revokeSession",
    summary: "End any account's session",
    tags: ["sessions"],
    access: { ability: { action: "delete", subject: "Session" } },
    params: SessionIdParams,
    response: { status: 204, description: "Ended" },
    problems: [404],
    async handler({ params, ctx }) {
      await sessions.revoke(ctx, params.id);
      return undefined;
    },
  });
}
