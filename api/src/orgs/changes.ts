import type { OrgChangesTable } from "../db/schema";
import type { DbOrTx } from "../db/pool";
import { lockTenantOrg } from "./tx";

export type OrgChange = Pick<OrgChangesTable, "entity" | "op"> & {
  tenantId: string;
  entityId: string;
  /** What a syncing system needs to apply the change; never personal data in the clear. */
  data?: Record<string, unknown>;
};

/**
 * Appends to the org change feed (GET /api/v1/org-changes) inside the caller's transaction, so the
 * feed holds a change exactly when the change committed.
 *
 * It first takes the tenant's org lock (held to the end of the transaction): a feed row's `seq` is
 * drawn while no other transaction of the tenant holds an uncommitted feed row, so a tenant's rows
 * become visible in `seq` order and a reader that has seen `seq` N can never later find a committed
 * row below N. Call it after the transaction's row locks (or take lockTenantOrg first) so the lock
 * order stays the same everywhere.
 */
export async function recordOrgChange(tx: DbOrTx, change: OrgChange): Promise<void> {
  await lockTenantOrg(tx, change.tenantId);
  await tx
    .insertInto("org_changes")
    .values({
      tenant_id: change.tenantId,
      entity: change.entity,
      entity_id: change.entityId,
      op: change.op,
      data: JSON.stringify(change.data ?? {}),
    })
    .execute();
}
