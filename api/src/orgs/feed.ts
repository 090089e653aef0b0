import type { Db } from "../db/pool";
import { Forbidden } from "../http/errors";
import type { Caller } from "./access";

export interface FeedPage {
  changes: {
    seq: string;
    occurredAt: string;
    entity: "tenant" | "dimension" | "department" | "post" | "user" | "membership";
    entityId: string;
    op: "created" | "updated" | "moved" | "merged" | "disabled" | "enabled" | "deleted";
    data: Record<string, unknown>;
  }[];
  next: string;
}

/**
 * The tenant's org change feed after `after`, oldest first. Writers append under the tenant's org
 * lock (changes.ts), so what a read returns is always a prefix of what will ever commit: a row that
 * commits late can never land below a `next` already handed out.
 *
 * The feed covers the whole tenant, so it needs an unconditioned `read OrgUnit` (sysadmin,
 * secadmin); a scoped admin, limited to a subtree, is refused rather than shown a filtered feed
 * with gaps it could not tell apart from silence.
 */
export async function readOrgChanges(db: Db, caller: Caller, after: string, limit: number): Promise<FeedPage> {
  const rules = caller.ability.rulesFor("read", "OrgUnit");
  if (!caller.ability.can("read", "OrgUnit") || rules.some((r) => r.conditions !== undefined)) {
    throw new Forbidden(
      "FEED_NEEDS_WHOLE_TENANT",
      "The change feed covers the whole organisation; your access is limited to part of it.",
      "变更订阅覆盖整个组织，您的权限仅限部分部门。",
    );
  }
  const rows = await db
    .selectFrom("org_changes")
    .select(["seq", "occurred_at", "entity", "entity_id", "op", "data"])
    .where("tenant_id", "=", caller.principal.tenantId)
    .where("seq", ">", after)
    .orderBy("seq")
    .limit(limit)
    .execute();
  const changes = rows.map((r) => ({
    seq: String(r.seq),
    occurredAt: r.occurred_at.toISOString(),
    entity: r.entity,
    entityId: r.entity_id,
    op: r.op,
    data: r.data,
  }));
  return { changes, next: changes.at(-1)?.seq ?? after };
}
