import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import type { AclGuard, AclIntegrity } from "./integrity";
import { clientFacts } from "./integrity-rows";
import type { Page } from "../http/list";

export interface ApiClientRow {
  id: string;
  tenantId: string;
  name: string;
  scopes: string[];
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = [
  "c.id",
  "c.tenant_id",
  "c.name",
  "c.scopes",
  "c.created_by",
  "c.created_at",
  "c.last_used_at",
  "c.revoked_at",
] as const;

const toRow = (r: {
  id: string;
  tenant_id: string;
  name: string;
  scopes: string[];
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}): ApiClientRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  scopes: r.scopes,
  createdBy: r.created_by,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export async function insertClient(
  tx: DbOrTx,
  integrity: AclIntegrity,
  v: { id: string; tenantId: string; name: string; scopes: string[]; secretHash: string; createdBy: string },
): Promise<ApiClientRow> {
  const mac = integrity.mac("api_client", {
    id: v.id,
    tenantId: v.tenantId,
    secretHash: v.secretHash,
    scopes: v.scopes,
    revoked: false,
  });
  const row = await tx
    .insertInto("api_clients")
    .values({
      id: v.id,
      mac,
      tenant_id: v.tenantId,
      name: v.name,
      scopes: v.scopes,
      secret_hash: v.secretHash,
      created_by: v.createdBy,
    })
    .returning(["id", "tenant_id", "name", "scopes", "created_by", "created_at", "last_used_at", "revoked_at"])
    .executeTakeFirstOrThrow();
  return toRow(row);
}

export async function findClient(
  db: DbOrTx,
  tenantId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ApiClientRow | undefined> {
  let q = db.selectFrom("api_clients as c").select(COLUMNS).where("c.tenant_id", "=", tenantId).where("c.id", "=", id);
  if (opts.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toRow(row) : undefined;
}

export const CLIENT_SORT = { createdAt: "c.created_at", name: "c.name", lastUsedAt: "c.last_used_at" } as const;

export async function listClients(
  db: DbOrTx,
  tenantId: string,
  filter: { status?: "active" | "revoked" | undefined },
  page: Page<keyof typeof CLIENT_SORT>,
): Promise<{ rows: ApiClientRow[]; total: number }> {
  let base = db.selectFrom("api_clients as c").where("c.tenant_id", "=", tenantId);
  if (filter.status) base = base.where("c.revoked_at", filter.status === "active" ? "is" : "is not", null);
  const [rows, total] = await Promise.all([
    base
      .select(COLUMNS)
      .orderBy(CLIENT_SORT[page.sort], page.order)
      .orderBy("c.id")
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(toRow), total: Number(total.n) };
}

/** Revokes a client; its MAC now says "revoked", so clearing revoked_at in SQL does not bring it back. */
export async function revokeClient(tx: DbOrTx, integrity: AclIntegrity, id: string): Promise<void> {
  const row = await tx
    .updateTable("api_clients")
    .set({ revoked_at: sql`now()` })
    .where("id", "=", id)
    .returning(["id", "tenant_id", "secret_hash", "scopes", "revoked_at"])
    .executeTakeFirst();
  if (!row) return;
  await tx
    .updateTable("api_clients")
    .set({ mac: integrity.mac("api_client", clientFacts(row)) })
    .where("id", "=", id)
    .execute();
}

/** The credential check's lookup: an unrevoked client of an active tenant, with its secret digest. */
export async function credentialOf(
  db: DbOrTx,
  id: string,
  guard: Pick<AclGuard, "check">,
): Promise<{ client: ApiClientRow; secretHash: string } | undefined> {
  const row = await db
    .selectFrom("api_clients as c")
    .innerJoin("tenants as t", "t.id", "c.tenant_id")
    .select([...COLUMNS, "c.secret_hash", "c.mac"])
    .where("c.id", "=", id)
    .where("c.revoked_at", "is", null)
    .where("t.status", "=", "active")
    .executeTakeFirst();
  if (!row) return undefined;
  // A client whose scopes, secret digest or tenant were changed in SQL authenticates as nobody.
  if (!guard.check("api_client", clientFacts(row), row.mac, { rowId: row.id, tenantId: row.tenant_id })) {
    return undefined;
  }
  return { client: toRow(row), secretHash: row.secret_hash };
}

export async function touchClient(db: DbOrTx, id: string): Promise<void> {
  await db
    .updateTable("api_clients")
    .set({ last_used_at: sql`now()` })
    .where("id", "=", id)
    .execute();
}
