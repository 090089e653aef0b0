import type { OrgChangesTable } from "../db/schema";
import type { DbOrTx } from "../db/pool";

export type OrgChange = Pick<OrgChangesTable, "entity" | "op"> & {
  tenantId: string;
  entityId: string;
  /** What a syncing system needs to apply the change; never personal data in the clear. */
  data?: Record<string, unknown>;
};

/**
 * Appends to the org change feed (GET /api/v1/org-changes) inside the caller's transaction, so the
 * feed holds a change exactly when the change committed.
 */
export async function recordOrgChange(tx: DbOrTx, change: OrgChange): Promise<void> {
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
