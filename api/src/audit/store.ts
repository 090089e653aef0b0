import type { RawBuilder, SqlBool } from "kysely";
import type { DbOrTx } from "../db/pool";
import type { Page } from "../http/list";
import type { AUDIT_SORTABLE, AuditEventDto } from "./schemas";

/** Subject fields CASL conditions may name, and the columns they mean. */
export const AUDIT_EVENT_COLUMNS: Record<string, string> = {
  actorRole: "actor_role",
  actorId: "actor_id",
  tenantId: "tenant_id",
  action: "action",
  result: "result",
};

const SORT_COLUMNS = { seq: "seq", occurredAt: "occurred_at" } as const;

export async function listAuditEvents(
  db: DbOrTx,
  where: { tenantId: string; includeUntenanted: boolean; allowed: RawBuilder<SqlBool> },
  page: Page<(typeof AUDIT_SORTABLE)[number]>,
): Promise<{ rows: AuditEventDto[]; total: number }> {
  // Events without a tenant (e.g. a failed login for an unknown tenant) belong to the platform
  // tenant's auditors; other tenants never see them.
  const base = db
    .selectFrom("audit_events")
    .where((eb) =>
      where.includeUntenanted
        ? eb.or([eb("tenant_id", "=", where.tenantId), eb("tenant_id", "is", null)])
        : eb("tenant_id", "=", where.tenantId),
    )
    .where(where.allowed);
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy(SORT_COLUMNS[page.sort], page.order)
      .orderBy("seq", page.order)
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    rows: rows.map((r) => ({
      seq: String(r.seq),
      occurredAt: r.occurred_at.toISOString(),
      tenantId: r.tenant_id,
      actorId: r.actor_id,
      actorName: r.actor_name,
      actorRole: r.actor_role,
      action: r.action,
      targetType: r.target_type,
      targetId: r.target_id,
      result: r.result,
      detail: r.detail,
      ip: r.ip,
      userAgent: r.user_agent,
      requestId: r.request_id,
    })),
  };
}
