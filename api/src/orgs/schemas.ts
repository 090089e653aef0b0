import { listQuery } from "../http/list";
import { z } from "../http/zod";

/** Org lists read top-down: ascending unless asked otherwise. */
const ascByDefault = z
  .enum(["asc", "desc", "ASC", "DESC"])
  .default("asc")
  .transform((o) => o.toLowerCase() as "asc" | "desc");

export const IdParams = z.strictObject({ id: z.uuid() });

const name = z.string().trim().min(1).max(100);
const sortOrder = z.number().int().min(-1_000_000).max(1_000_000);
const timestamps = { createdAt: z.string(), updatedAt: z.string() };

// ---- tenants ----
export const TenantSchema = z
  .object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    status: z.enum(["active", "disabled"]),
    platform: z.boolean().describe("The platform tenant, whose sysadmin manages the other tenants"),
    version: z.number().int(),
    ...timestamps,
  })
  .openapi("Tenant");
export type TenantDto = z.infer<typeof TenantSchema>;

export const TenantCreateBody = z.strictObject({
  code: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9-]{0,62}$/,
      "lower-case letters, digits and '-', at most 63, starting with a letter or digit",
    ),
  name,
});
export const TenantPatchBody = z.strictObject({ name });
export const TenantCreated = z.object({
  tenant: TenantSchema,
  admins: z
    .array(
      z.object({
        role: z.enum(["sysadmin", "secadmin", "auditadmin"]),
        username: z.string(),
        oneTimePassword: z.string(),
      }),
    )
    .describe("Shown once: hand each password to its holder, who must change it at first sign-in"),
});
export const TenantListQuery = listQuery(["code", "name", "createdAt"] as const, "code").safeExtend({
  _order: ascByDefault,
  q: z.string().trim().min(1).max(100).optional(),
  status: z.enum(["active", "disabled"]).optional(),
});

// ---- dimensions ----
export const DIMENSION_KINDS = ["administrative", "party", "project", "virtual", "other"] as const;
export const DimensionSchema = z
  .object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    kind: z.enum(DIMENSION_KINDS),
    sortOrder: z.number().int(),
    version: z.number().int(),
    ...timestamps,
  })
  .openapi("Dimension");
export type DimensionDto = z.infer<typeof DimensionSchema>;
const dimensionCode = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lower-case letters, digits, '_' and '-', at most 63");
export const DimensionCreateBody = z.strictObject({
  code: dimensionCode,
  name,
  kind: z.enum(DIMENSION_KINDS),
  sortOrder: sortOrder.optional(),
});
export const DimensionPatchBody = z
  .strictObject({ name, kind: z.enum(DIMENSION_KINDS), sortOrder })
  .partial()
  .refine((b) => Object.keys(b).length > 0, "send at least one field");

// ---- posts ----
export const PostSchema = z
  .object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    sortOrder: z.number().int(),
    version: z.number().int(),
    ...timestamps,
  })
  .openapi("Post");
export type PostDto = z.infer<typeof PostSchema>;
const postCode = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, "letters, digits, '_' and '-', at most 63");
export const PostCreateBody = z.strictObject({ code: postCode, name, sortOrder: sortOrder.optional() });
export const PostPatchBody = z
  .strictObject({ code: postCode, name, sortOrder })
  .partial()
  .refine((b) => Object.keys(b).length > 0, "send at least one field");

export const CodeNameListQuery = listQuery(["sortOrder", "code", "name", "createdAt"] as const, "sortOrder").safeExtend(
  {
    _order: ascByDefault,
    q: z.string().trim().min(1).max(100).optional(),
  },
);

// ---- change feed ----
export const OrgChangeSchema = z
  .object({
    seq: z.string().regex(/^\d+$/).describe("Position in the tenant's feed (a decimal string: 64-bit)"),
    occurredAt: z.string(),
    entity: z.enum(["tenant", "dimension", "department", "post", "user", "membership"]),
    entityId: z.uuid(),
    op: z.enum(["created", "updated", "moved", "merged", "disabled", "enabled", "deleted"]),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("OrgChange");
export const OrgChangesQuery = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,19}$/, "a seq from an earlier answer, or 0")
    .default("0"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const OrgChangesResponse = z.object({
  changes: z.array(OrgChangeSchema),
  next: z.string().describe("Pass as `after` next time; equals `after` when nothing new was found"),
});
