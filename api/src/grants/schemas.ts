import { SCOPED_ACTIONS } from "../../../policies/scoped";
import { listQuery } from "../http/list";
import { z } from "../http/zod";

export const GRANT_SORTABLE = ["createdAt", "expiresAt"] as const;

export const ScopedAdminListQuery = listQuery(GRANT_SORTABLE, "createdAt").extend({
  userId: z.uuid().optional(),
  departmentId: z.uuid().optional().describe("Grants over this department or any department below it"),
  status: z.enum(["active", "expired", "revoked", "all"]).default("active"),
});

export const CreateScopedAdminBody = z
  .strictObject({
    userId: z.uuid().describe("An ordinary account (never one holding an admin role)"),
    departmentId: z.uuid().describe("The root of the subtree; its dimension is the grant's dimension"),
    actions: z
      .array(z.enum(SCOPED_ACTIONS))
      .min(1)
      .max(SCOPED_ACTIONS.length)
      .refine((a) => new Set(a).size === a.length, { message: "actions must not repeat" }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("ISO 8601; when omitted the grant does not expire (a delegated grant: its grantor's expiry)"),
  })
  .openapi("CreateScopedAdminRequest");
export type CreateScopedAdmin = z.infer<typeof CreateScopedAdminBody>;

export const IdParams = z.strictObject({ id: z.uuid() });

export const ScopedAdminSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    username: z.string(),
    displayName: z.string(),
    dimensionId: z.string(),
    departmentId: z.string(),
    departmentName: z.string(),
    departmentPath: z.array(z.string()),
    actions: z.array(z.enum(SCOPED_ACTIONS)),
    grantedBy: z.string(),
    grantedByName: z.string(),
    parentGrantId: z.string().nullable(),
    status: z.enum(["active", "expired", "revoked"]),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("ScopedAdmin");
export type ScopedAdminDto = z.infer<typeof ScopedAdminSchema>;
