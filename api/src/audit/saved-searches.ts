import type { Db, DbOrTx } from "../db/pool";
import type { RequestContext } from "../http/context";
import { Conflict, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import { actorOf, record } from "./record";
import type { SavedSearchDto } from "./schemas";
import { type AuditFilter, normaliseFilter } from "./search";

/**
 * An auditor's saved searches (docs/audit.md, "The auditor's workspace"): a name and a filter, seen
 * and deleted by their owner only. Creating and deleting are audited in the same transaction.
 */

const toDto = (r: { id: string; name: string; filter: Record<string, unknown>; created_at: Date }): SavedSearchDto => ({
  id: r.id,
  name: r.name,
  filter: r.filter,
  createdAt: r.created_at.toISOString(),
});

function ownerOf(ctx: RequestContext) {
  const p = ctx.principal;
  if (!p) throw new Error("guarded route reached without a principal");
  return p;
}

export async function listSavedSearches(
  db: DbOrTx,
  ctx: RequestContext,
  page: Page<"createdAt" | "name">,
): Promise<{ rows: SavedSearchDto[]; total: number }> {
  const owner = ownerOf(ctx);
  const base = db
    .selectFrom("audit_saved_searches")
    .where("owner_id", "=", owner.userId)
    .where("tenant_id", "=", owner.tenantId);
  const [rows, count] = await Promise.all([
    base
      .select(["id", "name", "filter", "created_at"])
      .orderBy(page.sort === "name" ? "name" : "created_at", page.order)
      .orderBy("id", page.order)
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(toDto), total: Number(count.n) };
}

export async function createSavedSearch(
  db: Db,
  ctx: RequestContext,
  input: { name: string; filter: AuditFilter },
): Promise<SavedSearchDto> {
  const owner = ownerOf(ctx);
  const filter = normaliseFilter(input.filter);
  try {
    return await db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto("audit_saved_searches")
        .values({ tenant_id: owner.tenantId, owner_id: owner.userId, name: input.name, filter: JSON.stringify(filter) })
        .returning(["id", "name", "filter", "created_at"])
        .executeTakeFirstOrThrow();
      await record(tx, {
        ...actorOf(ctx),
        action: "audit.saved_search.create",
        targetType: "AuditSavedSearch",
        targetId: row.id,
        result: "success",
        detail: { after: { name: row.name, filter } },
      });
      return toDto(row);
    });
  } catch (err) {
    if ((err as { code?: string }).code === "23505") {
      throw new Conflict(
        "SAVED_SEARCH_NAME_TAKEN",
        `You already have a saved search named "${input.name}".`,
        `已存在名为“${input.name}”的已保存查询。`,
      );
    }
    throw err;
  }
}

/** Deletes one of the caller's saved searches; anyone else's is "not found". */
export async function deleteSavedSearch(db: Db, ctx: RequestContext, id: string): Promise<void> {
  const owner = ownerOf(ctx);
  await db.transaction().execute(async (tx) => {
    const row = await tx
      .deleteFrom("audit_saved_searches")
      .where("id", "=", id)
      .where("owner_id", "=", owner.userId)
      .where("tenant_id", "=", owner.tenantId)
      .returning(["id", "name", "filter"])
      .executeTakeFirst();
    if (!row) throw new NotFound("SAVED_SEARCH_NOT_FOUND", "No such saved search.", "已保存查询不存在。");
    await record(tx, {
      ...actorOf(ctx),
      action: "audit.saved_search.delete",
      targetType: "AuditSavedSearch",
      targetId: row.id,
      result: "success",
      detail: { before: { name: row.name, filter: row.filter } },
    });
  });
}
