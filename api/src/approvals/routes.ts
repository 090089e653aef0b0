import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { ApprovalIdParams, ApprovalListQuery, ApprovalSchema, ApproveBody, RejectBody } from "./schemas";
import type { ApprovalService } from "./service";

export function registerApprovalRoutes(routes: RouteTable, approvals: ApprovalService): void {
  routes.add({
    method: "get",
    path: "/api/v1/approvals",
    operationId: "listApprovals",
    summary: "List two-person-rule proposals, newest first (overdue pending ones are expired first)",
    tags: ["approvals"],
    access: { ability: { action: "read", subject: "Approval" } },
    query: ApprovalListQuery,
    response: {
      status: 200,
      description: "A page of proposals",
      schema: z.array(ApprovalSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching proposals" },
    },
    async handler({ query, ctx, res }) {
      const { rows, total } = await approvals.list(ctx, { status: query.status, action: query.action }, pageOf(query));
      setTotal(res, total);
      return rows;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/approvals/:id",
    operationId: "getApproval",
    summary: "One proposal",
    tags: ["approvals"],
    access: { ability: { action: "read", subject: "Approval" } },
    params: ApprovalIdParams,
    response: { status: 200, description: "The proposal", schema: ApprovalSchema },
    problems: [404],
    handler: ({ params, ctx }) => approvals.get(ctx, params.id),
  });

  routes.add({
    method: "post",
    path: "/api/v1/approvals/:id/approve",
    operationId: "approveApproval",
    summary:
      "Approve a proposal of an admin of another role and carry it out; status failed (with the reason) when it can no longer be carried out",
    tags: ["approvals"],
    access: { ability: { action: "update", subject: "Approval" } },
    params: ApprovalIdParams,
    body: ApproveBody,
    response: { status: 200, description: "The decided proposal (approved or failed)", schema: ApprovalSchema },
    problems: [404, 409],
    handler: ({ params, body, ctx }) => approvals.approve(ctx, params.id, body.reason),
  });

  routes.add({
    method: "post",
    path: "/api/v1/approvals/:id/reject",
    operationId: "rejectApproval",
    summary: "Reject a proposal of an admin of another role (a reason is required)",
    tags: ["approvals"],
    access: { ability: { action: "update", subject: "Approval" } },
    params: ApprovalIdParams,
    body: RejectBody,
    response: { status: 200, description: "The rejected proposal", schema: ApprovalSchema },
    problems: [404, 409],
    handler: ({ params, body, ctx }) => approvals.reject(ctx, params.id, body.reason),
  });

  routes.add({
    method: "post",
    path: "/api/v1/approvals/:id/cancel",
    operationId: "cancelApproval",
    summary: "Withdraw one's own pending proposal",
    tags: ["approvals"],
    // Acting on one's own proposal: a scoped admin who proposed a delegation holds no Approval rule.
    access: { authenticated: true },
    params: ApprovalIdParams,
    response: { status: 200, description: "The cancelled proposal", schema: ApprovalSchema },
    problems: [404, 409],
    handler: ({ params, ctx }) => approvals.cancel(ctx, params.id, undefined),
  });
}
