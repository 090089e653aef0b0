import { listQuery } from "../../http/list";
import { z } from "../../http/zod";

export const SESSION_SORTABLE = ["createdAt", "lastSeenAt"] as const;

export const SessionSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    username: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string().describe("End of the absolute lifetime; the idle timeout may end it sooner"),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    current: z.boolean().describe("The session making this request"),
    mfaMethod: z.enum(["totp", "sm2", "recovery"]).nullable(),
  })
  .openapi("Session");
export type SessionDto = z.infer<typeof SessionSchema>;

export const OwnSessionsQuery = listQuery(SESSION_SORTABLE, "createdAt");

export const SessionsQuery = z
  .strictObject({
    ...listQuery(SESSION_SORTABLE, "createdAt").shape,
    userId: z.uuid().optional(),
  })
  .refine((q) => q._end === undefined || q._end > q._start, {
    message: "_end must be greater than _start",
    path: ["_end"],
  });

export const SessionIdParams = z.strictObject({ id: z.string().regex(/^[0-9a-f]{64}$/, "A session id.") });
