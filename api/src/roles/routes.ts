import type { AclIntegrity } from "../authz/integrity";
import type { Db } from "../db/pool";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { AssignViewerBody, UserIdParams, ViewerListQuery, ViewerSchema } from "./schemas";
import { createViewerService } from "./service";

/**
 * The leadership role (`viewer`): who holds it, assigned and revoked by the security administrator
 * (granting permissions is its duty, ARCHITECTURE §4.1), audited as role.assign / role.revoke.
 */
export function registerViewerRoutes(routes: RouteTable, db: Db, integrity: AclIntegrity): void {
  const viewers = createViewerService(db, integrity);

  routes.add({
    method: "get",
    path: "/api/v1/viewers",
    operationId: "listViewers",
    summary: "Accounts holding the leadership role viewer (read-only: SLA figures and incidents)",
    tags: ["roles"],
    access: { ability: { action: "read", subject: "Grant" } },
    query: ViewerListQuery,
    response: {
      status: 200,
      description: "A page of viewers",
      schema: z.array(ViewerSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching viewers" },
    },
    async handler({ query, ctx, res }) {
      const { rows, total } = await viewers.list(ctx, { q: query.q }, pageOf(query));
      setTotal(res, total);
      return rows;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/viewers",
    operationId: "assignViewer",
    summary:
      "Give an account the viewer role; 409 ROLE_EXCLUSIVE when it holds an admin role (at most one built-in role per account). Its sessions end",
    tags: ["roles"],
    access: { ability: { action: "create", subject: "Grant" } },
    body: AssignViewerBody,
    response: { status: 201, description: "The account is a viewer", schema: ViewerSchema },
    problems: [404, 409],
    async handler({ body, ctx, res }) {
      const viewer = await viewers.assign(ctx, body.userId);
      res.location(`/api/v1/viewers/${viewer.userId}`);
      return viewer;
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/viewers/:userId",
    operationId: "revokeViewer",
    summary: "Take the viewer role from an account; its sessions end",
    tags: ["roles"],
    access: { ability: { action: "delete", subject: "Grant" } },
    params: UserIdParams,
    response: { status: 204, description: "Revoked" },
    problems: [404],
    async handler({ params, ctx }) {
      await viewers.revoke(ctx, params.userId);
      return undefined;
    },
  });
}
