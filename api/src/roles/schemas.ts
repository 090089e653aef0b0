import { listQuery } from "../http/list";
import { z } from "../http/zod";

export const VIEWER_SORTABLE = ["assignedAt", "username"] as const;

export const ViewerListQuery = listQuery(VIEWER_SORTABLE, "assignedAt").extend({
  q: z.string().trim().max(64).optional().describe("Part of the username or display name"),
});

export const AssignViewerBody = z
  .strictObject({
    userId: z.uuid().describe("An account of the caller's tenant holding no admin role"),
  })
  .openapi("AssignViewerRequest");

export const UserIdParams = z.strictObject({ userId: z.uuid() });

export const ViewerSchema = z
  .object({
    userId: z.string(),
    username: z.string(),
    displayName: z.string(),
    status: z.enum(["active", "disabled"]),
    role: z.literal("viewer"),
    assignedAt: z.string().describe("ISO 8601"),
  })
  .openapi("Viewer");
export type ViewerDto = z.infer<typeof ViewerSchema>;
