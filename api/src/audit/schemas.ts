import { listQuery } from "../http/list";
import { z } from "../http/zod";
import { AUDIT_FILTER_SHAPE, AuditFilterSchema, checkWindow } from "./search";

export const AUDIT_SORTABLE = ["seq", "occurredAt"] as const;
/**
 * The list's query: refine's `_start`/`_end`/`_sort`/`_order`, or `page` (from 1) and `perPage`
 * (≤ 200) instead of `_start`/`_end`, and the search filter (search.ts).
 */
export const AuditListQuery = listQuery(AUDIT_SORTABLE, "seq")
  .safeExtend({
    page: z.coerce.number().int().min(1).max(1_000_000).optional(),
    perPage: z.coerce.number().int().min(1).max(200).optional(),
    ...AUDIT_FILTER_SHAPE,
  })
  .superRefine(checkWindow);
export type AuditListQueryOutput = z.output<typeof AuditListQuery>;

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
    sealed: z.boolean().describe("True once the sealer has chained the event (it has a chain position)"),
  })
  .openapi("AuditEvent");
export type AuditEventDto = z.infer<typeof AuditEventSchema>;

export const AuditVerifyReportSchema = z
  .object({
    ok: z.boolean().describe("True when the chain and every checkpoint verified"),
    algorithm: z.enum(["SM3", "SHA-256"]).nullable().describe("The chain's hash; null before the first chained event"),
    genesisSeq: z.string().describe("Events at or below this seq predate the chain and are not covered"),
    preChainEvents: z.number().int(),
    archivedThroughSeq: z
      .string()
      .nullable()
      .describe("The last chain position moved to archive files; the database is verified from the next one"),
    headSeq: z.string().describe("The chain head (last chain position) when verification started"),
    unsealedEvents: z.number().int().describe("Events committed but not yet chained by the sealer"),
    oldestUnsealedAt: z.string().nullable().describe("When the oldest unsealed event was written"),
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
        seq: z.string().describe("The first chain position (chain_seq) where the chain is broken"),
        message: z.string(),
      })
      .nullable(),
    durationMs: z.number().int(),
  })
  .openapi("AuditVerifyReport");

export const AuditChangeSchema = z
  .object({
    path: z.string().describe("Dot-separated path under detail.before / detail.after"),
    before: z.unknown().describe("null when absent before"),
    after: z.unknown().describe("null when absent after"),
  })
  .openapi("AuditChange");

export const AuditEventDetailSchema = AuditEventSchema.extend({
  changes: z.array(AuditChangeSchema),
}).openapi("AuditEventDetail");

export const SeqParams = z.strictObject({ seq: z.string().regex(/^\d{1,18}$/, "a sequence number") });
export const IdParams = z.strictObject({ id: z.uuid() });

export const AuditChainStatusSchema = z
  .object({
    headSeq: z.string().describe("The chain head: position of the last sealed event"),
    pendingEvents: z.number().int().describe("Committed events the sealer has not chained yet"),
    lastCheckpoint: z.object({ seq: z.string(), signedAt: z.string() }).nullable(),
  })
  .openapi("AuditChainStatus");

export const EXPORT_FORMATS = ["csv", "xlsx"] as const;
export const CreateAuditExportBody = z
  .strictObject({ format: z.enum(EXPORT_FORMATS), filter: AuditFilterSchema.default({}) })
  .openapi("CreateAuditExport");

export const AuditExportSchema = z
  .object({
    id: z.string(),
    format: z.enum(EXPORT_FORMATS),
    total: z.number().int().describe("Matching events with seq ≤ seqBound"),
    status: z.literal("ready"),
    createdAt: z.string(),
    fileName: z.string(),
    seqBound: z.string(),
    filter: z.record(z.string(), z.unknown()),
    downloads: z.number().int(),
    signedAt: z.string().nullable().describe("When the last completed download was signed; null before"),
  })
  .openapi("AuditExport");
export type AuditExportDto = z.infer<typeof AuditExportSchema>;

export const ExportListQuery = listQuery(["createdAt"] as const, "createdAt");

export const AuditExportSignatureSchema = z
  .object({
    version: z.literal("tianshu.audit-export-signature.v1"),
    exportId: z.string(),
    fileName: z.string(),
    format: z.enum(EXPORT_FORMATS),
    digestAlgorithm: z.enum(["SM3", "SHA-256"]),
    digest: z.string().regex(/^[0-9a-f]{64}$/),
    rows: z.number().int(),
    seqBound: z.string(),
    filter: z.record(z.string(), z.unknown()),
    creator: z.object({
      userId: z.string(),
      username: z.string(),
      role: z.string().nullable(),
      tenantId: z.string(),
    }),
    signedAt: z.string(),
    keyId: z.string(),
    signatureAlgorithm: z.enum(["SM2", "Ed25519"]),
    publicKey: z.string(),
    signature: z.string().regex(/^[0-9a-f]+$/),
  })
  .openapi("AuditExportSignature");
export type AuditExportSignature = z.infer<typeof AuditExportSignatureSchema>;

export const SavedSearchSchema = z
  .object({ id: z.string(), name: z.string(), filter: z.record(z.string(), z.unknown()), createdAt: z.string() })
  .openapi("AuditSavedSearch");
export type SavedSearchDto = z.infer<typeof SavedSearchSchema>;
export const CreateSavedSearchBody = z
  .strictObject({ name: z.string().trim().min(1).max(80), filter: AuditFilterSchema.default({}) })
  .openapi("CreateAuditSavedSearch");
export const SavedSearchListQuery = listQuery(["createdAt", "name"] as const, "createdAt");
