import type { AppAbility } from "../../../policies/ability";
import type { AdminRole } from "../../../policies/subjects";

/** Who is calling: loaded from the session row on every request, never from the request body. */
export interface Principal {
  sessionId: string;
  userId: string;
  tenantId: string;
  username: string;
  displayName: string;
  role: AdminRole | null;
  mustChangePassword: boolean;
}

export interface RequestContext {
  requestId: string;
  ip: string;
  userAgent: string | null;
  principal: Principal | null;
  ability: AppAbility | null;
}

declare global {
  namespace Express {
    interface Request {
      ctx: RequestContext;
    }
  }
}
