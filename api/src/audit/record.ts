import pg from "pg";
import { deferredStatement } from "../db/deferred";
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
 * describes or not at all. Errors propagate: a failed audit write fails the operation (inside a
 * transaction, at its COMMIT).
 *
 * One INSERT and no lock: the event is written unsealed and the sealer (sealer.ts) chains it within
 * about a second of its commit, so audited transactions never wait for each other here. Inside a
 * transaction the INSERT is deferred to the COMMIT and sent in the same message (db/deferred.ts), so
 * auditing a change costs no round trip of its own; its `occurred_at` is then the moment of the
 * commit. Called with the pool itself (no transaction), the single statement is its own transaction.
 */
export async function record(tx: DbOrTx, event: AuditEvent): Promise<void> {
  const values = [
    event.tenantId,
    event.actorId,
    clip(event.actorName),
    event.actorRole,
    event.action,
    event.targetType ?? null,
    clip(event.targetId),
    event.result,
    JSON.stringify(event.detail ?? {}),
    clip(event.ip),
    clip(event.userAgent),
    clip(event.requestId),
  ];
  const text = `INSERT INTO audit_events (${COLUMNS}) VALUES (${values.map(literal).join(", ")})`;
  await tx.executeQuery(deferredStatement("audit_events", text));
}

const COLUMNS =
  "tenant_id, actor_id, actor_name, actor_role, action, target_type, target_id, result, detail, ip, user_agent, request_id";

/**
 * A value as an SQL literal (the statement may travel with the COMMIT, which takes no parameters).
 * pg's escapeLiteral doubles quotes and backslashes (E'' form); NUL cannot travel in a simple-protocol
 * message, and PostgreSQL refuses it in text anyway, so it is refused here.
 */
function literal(value: string | null): string {
  if (value === null) return "NULL";
  if (value.includes("\0")) throw new Error("an audit event value contains NUL");
  return pg.escapeLiteral(value);
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
