import type { Response } from "express";
import { type ApprovalDto, ApprovalPendingSchema } from "./schemas";

/**
 * Answers a gated request with 202 Accepted and the pending proposal (the two-person rule): the
 * change takes effect only when an admin of another role approves it. Routes that may be gated call
 * this and return nothing; RouteTable then leaves the already-sent answer alone.
 */
export function sendAccepted(res: Response, approval: Pick<ApprovalDto, "id" | "expiresAt">): undefined {
  res
    .status(202)
    .location(`/api/v1/approvals/${approval.id}`)
    .json(ApprovalPendingSchema.parse({ approvalId: approval.id, status: "pending", expiresAt: approval.expiresAt }));
  return undefined;
}
