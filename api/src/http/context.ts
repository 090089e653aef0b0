import type { AppAbility } from "../../../policies/ability";
import type { Role } from "../../../policies/subjects";

/** Who is calling: loaded from the session row on every request, never from the request body. */
export interface Principal {
  sessionId: string;
  userId: string;
  tenantId: string;
  username: string;
  displayName: string;
  /** The built-in role: one of the three admin roles, `viewer` (leadership, read-only) or none. */
  role: Role | null;
  mustChangePassword: boolean;
  /** This session must present a second factor (admin role, tenant policy, or an enrolled factor). */
  mfaRequired: boolean;
  /** How this session proved its second factor; null until it has (or when none is required). */
  mfaMethod: "totp" | "sm2" | "recovery" | null;
}

export interface RequestContext {
  requestId: string;
  ip: string;
  userAgent: string | null;
  principal: Principal | null;
  ability: AppAbility | null;
  /** A business app authenticated by its API client credentials (the PDP's callers); set by apiClientLoader. */
  apiClient?: ApiClientPrincipal | null;
}

/** A business app's credentials, as the policy decision point sees them. */
export interface ApiClientPrincipal {
  id: string;
  tenantId: string;
  name: string;
  scopes: string[];
}

declare global {
  namespace Express {
    interface Request {
      ctx: RequestContext;
    }
  }
}
