import { listQuery } from "../http/list";
import { z } from "../http/zod";

export const AUDIT_SORTABLE = ["seq", "occurredAt"] as const;
export const AuditListQuery = listQuery(AUDIT_SORTABLE, "seq");

export const AuditEventSchema = z
  .object({
    seq: z.string().regex(/^\d+$/).describe("Sequence number (a decimal string: it is a 64-bit integer)"),
    occurredAt: z.string().describe("ISO 8601 UTC"),
    tenantId: z.string().nullable(),
    actorId: z.string().nullable(),
    actorName: z.string().nullable(),
    actorRole: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    result: z.enum(["success", "failure", "denied"]),
    detail: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .openapi("AuditEvent");
export type AuditEventDto = z.infer<typeof AuditEventSchema>;
