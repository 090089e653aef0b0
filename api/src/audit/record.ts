import type { DbOrTx } from "../db/pool";
import type { RequestContext } from "../http/context";

export type AuditResult = "success" | "failure" | "denied";

/** One audit event. Personal data never goes into `detail` in the clear (ARCHITECTURE §4.5). */
export interface AuditEvent {
  tenantId: string | null;
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  result: AuditResult;
  detail?: Record<string, unknown>;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

const MAX_TEXT = 512;
const clip = (v: string | null | undefined) => (v == null ? null : v.slice(0, MAX_TEXT));

/**
 * Appends an audit event using the caller's transaction, so the event commits with the change it
 * describes or not at all. Errors propagate: a failed audit write fails the operation.
 *
 * One INSERT and no lock: the event is written unsealed and the sealer (sealer.ts) chains it within
 * about a second of its commit, so audited transactions never wait for each other here. Called with
 * the pool itself (no transaction), the single statement is its own transaction.
 */
export async function record(tx: DbOrTx, event: AuditEvent): Promise<void> {
  await tx
    .insertInto("audit_events")
    .values({
      tenant_id: event.tenantId,
      actor_id: event.actorId,
      actor_name: clip(event.actorName),
      actor_role: event.actorRole,
      action: event.action,
      target_type: event.targetType ?? null,
      target_id: clip(event.targetId),
      result: event.result,
      detail: JSON.stringify(event.detail ?? {}),
      ip: clip(event.ip),
      user_agent: clip(event.userAgent),
      request_id: clip(event.requestId),
    })
    .execute();
}

/**
 * The actor and request part of an event, taken from the authenticated request context. Without a
 * session, a business app's API client is the actor (its id, `api-client:<name>`), so a refused
 * client call lands in its own tenant's log.
 */
export function actorOf(
  ctx: RequestContext,
): Pick<AuditEvent, "tenantId" | "actorId" | "actorName" | "actorRole" | "ip" | "userAgent" | "requestId"> {
  const client = ctx.principal ? null : (ctx.apiClient ?? null);
  return {
    tenantId: ctx.principal?.tenantId ?? client?.tenantId ?? null,
    actorId: ctx.principal?.userId ?? client?.id ?? null,
    actorName: ctx.principal?.username ?? (client ? `api-client:${client.name}` : null),
    actorRole: ctx.principal?.role ?? null,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
  };
}
