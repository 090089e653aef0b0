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

export const AuditVerifyReportSchema = z
  .object({
    ok: z.boolean().describe("True when the chain and every checkpoint verified"),
    algorithm: z.enum(["SM3", "SHA-256"]).nullable().describe("The chain's hash; null before the first chained event"),
    genesisSeq: z.string().describe("Events at or below this seq predate the chain and are not covered"),
    preChainEvents: z.number().int(),
    headSeq: z.string().describe("The chain head when verification started"),
    eventsChecked: z.number().int(),
    checkpointsChecked: z.number().int(),
    lastCheckpointSeq: z.string().nullable(),
    finding: z
      .object({
        kind: z.enum([
          "modified",
          "deleted",
          "inserted",
          "reordered",
          "bad_checkpoint_signature",
          "checkpoint_mismatch",
        ]),
        seq: z.string().describe("The first sequence number where the chain is broken"),
        message: z.string(),
      })
      .nullable(),
    durationMs: z.number().int(),
  })
  .openapi("AuditVerifyReport");
