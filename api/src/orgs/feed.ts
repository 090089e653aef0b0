import type { Db } from "../db/pool";
import type { RequestContext } from "../http/context";
import { Forbidden } from "../http/errors";
import type { ApiClientScope } from "../http/route";
import { callerOf } from "./access";

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

/** The scope a business app's API client needs to read its tenant's feed. */
export const FEED_SCOPE = "org:read" satisfies ApiClientScope;

/**
 * The tenant's org change feed after `after`, oldest first. Writers append under the tenant's org
 * lock (changes.ts), so what a read returns is always a prefix of what will ever commit: a row that
 * commits late can never land below a `next` already handed out.
 *
 * Polls are not audited, as the decision point's checks are not: a syncing system reads every few
 * seconds and the log would be mostly polls. Bad credentials and a missing scope are (client-auth.ts
 * and the route guard).
 */
export async function readOrgChanges(db: Db, ctx: RequestContext, after: string, limit: number): Promise<FeedPage> {
  const tenantId = feedTenantOf(ctx);
  const rows = await db
    .selectFrom("org_changes")
    .select(["seq", "occurred_at", "entity", "entity_id", "op", "data"])
    .where("tenant_id", "=", tenantId)
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

/**
 * Whose feed the caller reads. A business app reads its own tenant's with the `org:read` scope (the
 * route guard checked it; checked again here so the service stands on its own). A signed-in caller
 * needs an unconditioned `read OrgUnit` (sysadmin, secadmin): a scoped admin, limited to a subtree,
 * is refused rather than shown a filtered feed with gaps it could not tell apart from silence.
 */
function feedTenantOf(ctx: RequestContext): string {
  if (ctx.apiClient) {
    if (!ctx.apiClient.scopes.includes(FEED_SCOPE)) {
      throw new Forbidden("FORBIDDEN", `This API client lacks the ${FEED_SCOPE} scope.`, "该 API 客户端无此权限范围。");
    }
    return ctx.apiClient.tenantId;
  }
  const caller = callerOf(ctx);
  const rules = caller.ability.rulesFor("read", "OrgUnit");
  if (!caller.ability.can("read", "OrgUnit") || rules.some((r) => r.conditions !== undefined)) {
    throw new Forbidden(
      "FEED_NEEDS_WHOLE_TENANT",
      "The change feed covers the whole organisation; your access is limited to part of it.",
      "变更订阅覆盖整个组织，您的权限仅限部分部门。",
    );
  }
  return caller.principal.tenantId;
}
