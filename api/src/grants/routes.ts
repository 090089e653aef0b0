import { sendAccepted } from "../approvals/http";
import { setTotal, TOTAL_COUNT_HEADER, pageOf } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { CreateScopedAdminBody, IdParams, ScopedAdminListQuery, ScopedAdminSchema } from "./schemas";
import type { GrantService } from "./service";

export function registerGrantRoutes(routes: RouteTable, grants: GrantService): void {
  routes.add({
    method: "get",
    path: "/api/v1/scoped-admins",
    operationId: "listScopedAdmins",
    summary: "List scoped-admin grants the caller may see (secadmin: all; a delegating scoped admin: its subtree)",
    tags: ["scoped-admins"],
    access: { ability: { action: "read", subject: "Grant" } },
    query: ScopedAdminListQuery,
    response: {
      status: 200,
      description: "A page of grants",
      schema: z.array(ScopedAdminSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching grants" },
    },
    async handler({ query, ctx, res }) {
      const { rows, total } = await grants.list(
        ctx,
        { userId: query.userId, departmentId: query.departmentId, status: query.status },
        pageOf(query),
      );
      setTotal(res, total);
      return rows;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/scoped-admins/:id",
    operationId: "getScopedAdmin",
    summary: "One scoped-admin grant",
    tags: ["scoped-admins"],
    access: { ability: { action: "read", subject: "Grant" } },
    params: IdParams,
    response: { status: 200, description: "The grant", schema: ScopedAdminSchema },
    problems: [404],
    handler: ({ params, ctx }) => grants.get(ctx, params.id),
  });

  routes.add({
    method: "post",
    path: "/api/v1/scoped-admins",
    operationId: "createScopedAdmin",
    summary:
      "Grant a user actions over a department subtree (201), or propose it (202 {approvalId}) when the two-person rule covers scopedAdmin.grant",
    tags: ["scoped-admins"],
    access: { ability: { action: "create", subject: "Grant" } },
    body: CreateScopedAdminBody,
    response: { status: 201, description: "Granted", schema: ScopedAdminSchema },
    problems: [404, 409],
    async handler({ body, ctx, res }) {
      const outcome = await grants.grant(ctx, body);
      if (outcome.kind === "proposed") return sendAccepted(res, outcome.approval);
      res.location(`/api/v1/scoped-admins/${outcome.grant.id}`);
      return outcome.grant;
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/scoped-admins/:id",
    operationId: "revokeScopedAdmin",
    summary: "Revoke a grant and every grant delegated from it",
    tags: ["scoped-admins"],
    access: { ability: { action: "delete", subject: "Grant" } },
    params: IdParams,
    response: {
      status: 200,
      description: "The ids revoked: the grant's first, then those delegated from it",
      schema: z.object({ revoked: z.array(z.string()) }).openapi("RevokedGrants"),
    },
    problems: [404, 409],
    async handler({ params, ctx }) {
      return { revoked: await grants.revoke(ctx, params.id) };
    },
  });
}
