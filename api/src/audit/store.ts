import type { DbOrTx } from "../db/pool";
import type { Page } from "../http/list";
import type { AUDIT_SORTABLE } from "./schemas";
import {
  type AuditEventView,
  type AuditFilter,
  type AuditScope,
  EVENT_VIEW_COLUMNS,
  filterSql,
  scopeSql,
  toEventView,
} from "./search";

/** Subject fields CASL conditions may name, and the columns they mean. */
export const AUDIT_EVENT_COLUMNS: Record<string, string> = {
  actorRole: "actor_role",
  actorId: "actor_id",
  tenantId: "tenant_id",
  action: "action",
  result: "result",
};

const SORT_COLUMNS = { seq: "seq", occurredAt: "occurred_at" } as const;

/** The events the scope may read that match the filter, one page, with the total. */
export async function listAuditEvents(
  db: DbOrTx,
  scope: AuditScope,
  filter: AuditFilter,
  page: Page<(typeof AUDIT_SORTABLE)[number]>,
): Promise<{ rows: AuditEventView[]; total: number }> {
  const base = db.selectFrom("audit_events").where(scopeSql(scope)).where(filterSql(filter));
  const [rows, count] = await Promise.all([
    base
      .select(EVENT_VIEW_COLUMNS)
      .orderBy(SORT_COLUMNS[page.sort], page.order)
      .orderBy("seq", page.order)
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(count.n), rows: rows.map(toEventView) };
}

/** One event by seq, or undefined when it does not exist or the scope may not read it. */
export async function getAuditEvent(db: DbOrTx, scope: AuditScope, seq: string): Promise<AuditEventView | undefined> {
  const row = await db
    .selectFrom("audit_events")
    .select(EVENT_VIEW_COLUMNS)
    .where("seq", "=", seq)
    .where(scopeSql(scope))
    .executeTakeFirst();
  return row ? toEventView(row) : undefined;
}
