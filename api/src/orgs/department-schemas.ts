import { listQuery } from "../http/list";
import { z } from "../http/zod";

/** Org lists read top-down: ascending unless asked otherwise. */
const ascByDefault = z
  .enum(["asc", "desc", "ASC", "DESC"])
  .default("asc")
  .transform((o) => o.toLowerCase() as "asc" | "desc");

/** Deepest a department may sit: the path check in 0004_org.sql allows 32 levels. */
export const MAX_DEPTH = 32;
/** Largest tree one GET /departments/tree answers; beyond it the caller narrows with rootId/depth. */
export const MAX_TREE_NODES = 5_000;

const name = z.string().trim().min(1).max(100);
const code = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, '.', '_' and '-', at most 64");
const sortOrder = z.number().int().min(-1_000_000).max(1_000_000);

export const DepartmentSchema = z
  .object({
    id: z.uuid(),
    dimensionId: z.uuid(),
    parentId: z.uuid().nullable(),
    path: z.array(z.uuid()).describe("Ancestor ids from the dimension's root down to and including this department"),
    name: z.string(),
    code: z.string().nullable(),
    sortOrder: z.number().int(),
    status: z.enum(["active", "disabled", "merged"]),
    mergedInto: z.uuid().nullable(),
    version: z.number().int(),
    childCount: z.number().int().describe("Direct children that are not merged"),
    memberCount: z.number().int().describe("Direct members (not counting sub-departments)"),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Department");
export type DepartmentDto = z.infer<typeof DepartmentSchema>;

export type DepartmentNodeDto = DepartmentDto & { children: DepartmentNodeDto[] };
export const DepartmentNodeSchema: z.ZodType<DepartmentNodeDto> = DepartmentSchema.extend({
  get children() {
    return z.array(DepartmentNodeSchema);
  },
}).openapi("DepartmentNode");

export const DepartmentListQuery = listQuery(
  ["sortOrder", "name", "createdAt", "depth"] as const,
  "sortOrder",
).safeExtend({
  _order: ascByDefault,
  dimensionId: z.uuid().optional(),
  parentId: z
    .union([z.uuid(), z.literal("null")])
    .optional()
    .describe("A parent id, or `null` for roots"),
  q: z.string().trim().min(1).max(100).optional().describe("Name, full pinyin or pinyin initials"),
  status: z.enum(["active", "disabled", "merged"]).optional(),
});

export const DepartmentTreeQuery = z.strictObject({
  dimensionId: z.uuid(),
  rootId: z.uuid().optional(),
  depth: z.coerce.number().int().min(1).max(MAX_DEPTH).optional(),
  includeDisabled: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});

export const DepartmentCreateBody = z.strictObject({
  dimensionId: z.uuid(),
  parentId: z.uuid().nullable(),
  name,
  code: code.optional(),
  sortOrder: sortOrder.optional(),
});
export const DepartmentPatchBody = z
  .strictObject({ name, code: code.nullable(), sortOrder })
  .partial()
  .refine((b) => Object.keys(b).length > 0, "send at least one field");
export const DepartmentMoveBody = z.strictObject({
  parentId: z.uuid().nullable(),
  position: z.number().int().min(0).max(100_000).optional().describe("Index among the new siblings; default: last"),
});
export const DepartmentMergeBody = z.strictObject({ intoId: z.uuid() });
export const DepartmentReorderBody = z.strictObject({
  dimensionId: z.uuid(),
  parentId: z.uuid().nullable(),
  orderedIds: z.array(z.uuid()).min(1).max(5_000),
});
