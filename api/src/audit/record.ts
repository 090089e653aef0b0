import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import type { RequestContext } from "../http/context";
import {
  type ChainAlgorithm,
  type ChainedFields,
  chainHash,
  newChainAlgorithmSetting,
  normaliseDetail,
  PG_TIME_FORMAT,
} from "./chain";

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
 * The event is chained (chain.ts): the chain head row is locked until the caller's transaction ends,
 * so appends are serialised and sequence numbers are gap-free in commit order. Called with the pool
 * itself (no transaction), the append runs in a transaction of its own.
 */
export async function record(tx: DbOrTx, event: AuditEvent): Promise<void> {
  if (tx.isTransaction) return append(tx, event);
  await tx.transaction().execute((own) => append(own, event));
}

async function append(tx: DbOrTx, event: AuditEvent): Promise<void> {
  const head = (
    await sql<{ seq: string; hash: Buffer; hash_alg: ChainAlgorithm | null; now: string }>`
      SELECT seq::text AS seq, hash, hash_alg,
             to_char(clock_timestamp() AT TIME ZONE 'UTC', ${sql.raw(PG_TIME_FORMAT)}) AS now
      FROM audit_chain_head WHERE id FOR UPDATE`.execute(tx)
  ).rows[0];
  if (!head) throw new Error("audit_chain_head is missing (migration 0008 not applied?)");
  const algorithm = head.hash_alg ?? newChainAlgorithmSetting();
  const fields: ChainedFields = {
    seq: (BigInt(head.seq) + 1n).toString(),
    occurredAt: head.now,
    tenantId: event.tenantId,
    actorId: event.actorId,
    actorName: clip(event.actorName),
    actorRole: event.actorRole,
    action: event.action,
    targetType: event.targetType ?? null,
    targetId: clip(event.targetId),
    result: event.result,
    detail: normaliseDetail(event.detail),
    ip: clip(event.ip),
    userAgent: clip(event.userAgent),
    requestId: clip(event.requestId),
  };
  const hash = chainHash(algorithm, head.hash, fields);
  // One round trip for the row and the head: the event and the head move together or not at all.
  await sql`
    WITH event AS (
      INSERT INTO audit_events (seq, occurred_at, tenant_id, actor_id, actor_name, actor_role, action,
        target_type, target_id, result, detail, ip, user_agent, request_id, prev_hash, hash)
      VALUES (${fields.seq}::bigint, ${fields.occurredAt}::timestamptz, ${fields.tenantId}, ${fields.actorId},
        ${fields.actorName}, ${fields.actorRole}, ${fields.action}, ${fields.targetType}, ${fields.targetId},
        ${fields.result}, ${JSON.stringify(fields.detail)}::jsonb, ${fields.ip}, ${fields.userAgent},
        ${fields.requestId}, ${head.hash}, ${hash})
    )
    UPDATE audit_chain_head SET seq = ${fields.seq}::bigint, hash = ${hash}, hash_alg = ${algorithm},
      updated_at = now()
    WHERE id`.execute(tx);
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
