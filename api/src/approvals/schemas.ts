import { listQuery } from "../http/list";
import { z } from "../http/zod";

export const APPROVAL_STATUSES = ["pending", "approved", "rejected", "expired", "cancelled", "failed"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const APPROVAL_SORTABLE = ["createdAt", "expiresAt"] as const;

export const ApprovalListQuery = listQuery(APPROVAL_SORTABLE, "createdAt").extend({
  status: z.enum(APPROVAL_STATUSES).optional(),
  action: z.string().min(1).max(100).optional(),
});

export const ApprovalIdParams = z.strictObject({ id: z.uuid() });

const Reason = z.string().trim().max(500);
export const ApproveBody = z.strictObject({ reason: Reason.optional() }).openapi("ApproveRequest");
export const RejectBody = z.strictObject({ reason: Reason.min(1) }).openapi("RejectRequest");

export const ApprovalSchema = z
  .object({
    id: z.string(),
    action: z.string(),
    summary: z.string(),
    payload: z.record(z.string(), z.unknown()).describe("What will be carried out on approval"),
    status: z.enum(APPROVAL_STATUSES),
    proposedBy: z.string(),
    proposerName: z.string().describe("The proposer's username"),
    proposerDisplayName: z.string(),
    proposerRole: z.string().describe("sysadmin | secadmin | auditadmin | user (a scoped admin)"),
    decidedBy: z.string().nullable(),
    deciderName: z.string().nullable().describe("The decider's username; null while pending, cancelled or expired"),
    deciderDisplayName: z.string().nullable(),
    deciderRole: z.string().nullable(),
    decidedAt: z.string().nullable(),
    reason: z.string().nullable().describe("The decider's reason, or why execution failed"),
    expiresAt: z.string(),
    createdAt: z.string(),
    references: z
      .record(z.string(), z.string())
      .describe(
        "Names for the ids in the payload (userId, departmentId, policyId), as of now; an id whose row is gone is absent",
      ),
  })
  .openapi("Approval");
export type ApprovalDto = z.infer<typeof ApprovalSchema>;

/** What a gated route answers with 202: the proposal waiting for a second admin. */
export const ApprovalPendingSchema = z
  .object({ approvalId: z.string(), status: z.literal("pending"), expiresAt: z.string() })
  .openapi("ApprovalPending");
