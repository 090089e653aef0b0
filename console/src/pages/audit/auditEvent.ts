/** One row of GET /api/v1/audit/events (the wire shape; times are ISO 8601 UTC). */
export interface AuditEvent {
  /** A decimal string: the sequence is a 64-bit integer, beyond JavaScript's safe integers. */
  seq: string;
  occurredAt: string;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: "success" | "failure" | "denied";
  ip: string | null;
  requestId: string | null;
}

export const RESULT_COLORS: Record<AuditEvent["result"], string> = {
  success: "success",
  failure: "warning",
  denied: "error",
};
