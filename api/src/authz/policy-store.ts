import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import type { Page } from "../http/list";

export interface PolicyRow {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  publishedVersion: number | null;
  latestVersion: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface VersionRow {
  policyId: string;
  version: number;
  status: "draft" | "published" | "superseded";
  document: Record<string, unknown>;
  createdBy: string;
  createdAt: Date;
  publishedBy: string | null;
  publishedAt: Date | null;
}

const latest = sql<number>`(SELECT max(v.version) FROM policy_versions v WHERE v.policy_id = p.id)`;

function policyQuery(db: DbOrTx, tenantId: string) {
  return db
    .selectFrom("policies as p")
    .where("p.tenant_id", "=", tenantId)
    .select([
      "p.id",
      "p.tenant_id",
      "p.name",
      "p.description",
      "p.published_version",
      "p.version",
      "p.created_at",
      "p.updated_at",
      latest.as("latest_version"),
    ]);
}

type PolicySelect = Awaited<ReturnType<ReturnType<typeof policyQuery>["executeTakeFirstOrThrow"]>>;

const toPolicy = (r: PolicySelect): PolicyRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  description: r.description,
  publishedVersion: r.published_version,
  latestVersion: Number(r.latest_version ?? 0),
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A policy of the tenant; with forUpdate the row is locked for the caller's transaction. */
export async function findPolicy(
  db: DbOrTx,
  tenantId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<PolicyRow | undefined> {
  let q = policyQuery(db, tenantId).where("p.id", "=", id);
  if (opts.forUpdate) q = q.forUpdate("p");
  const row = await q.executeTakeFirst();
  return row ? toPolicy(row) : undefined;
}

export const POLICY_SORT = { name: "p.name", createdAt: "p.created_at", updatedAt: "p.updated_at" } as const;

export async function listPolicies(
  db: DbOrTx,
  tenantId: string,
  filter: { q?: string | undefined; status?: "published" | "unpublished" | undefined },
  page: Page<keyof typeof POLICY_SORT>,
): Promise<{ rows: PolicyRow[]; total: number }> {
  let base = policyQuery(db, tenantId);
  let count = db
    .selectFrom("policies as p")
    .where("p.tenant_id", "=", tenantId)
    .select((eb) => eb.fn.countAll<string>().as("n"));
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    base = base.where("p.name", "ilike", like);
    count = count.where("p.name", "ilike", like);
  }
  if (filter.status) {
    const op = filter.status === "published" ? "is not" : "is";
    base = base.where("p.published_version", op, null);
    count = count.where("p.published_version", op, null);
  }
  const [rows, total] = await Promise.all([
    base.orderBy(POLICY_SORT[page.sort], page.order).orderBy("p.id").offset(page.offset).limit(page.limit).execute(),
    count.executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(toPolicy), total: Number(total.n) };
}

export async function insertPolicy(
  tx: DbOrTx,
  values: { tenantId: string; name: string; description: string },
): Promise<string> {
  const row = await tx
    .insertInto("policies")
    .values({ tenant_id: values.tenantId, name: values.name, description: values.description })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updatePolicy(
  tx: DbOrTx,
  id: string,
  patch: { name?: string | undefined; description?: string | undefined; publishedVersion?: number | null },
): Promise<void> {
  await tx
    .updateTable("policies")
    .set((eb) => ({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.publishedVersion !== undefined ? { published_version: patch.publishedVersion } : {}),
      version: eb("version", "+", 1),
      updated_at: sql`now()`,
    }))
    .where("id", "=", id)
    .execute();
}

export async function deletePolicy(tx: DbOrTx, id: string): Promise<void> {
  await tx.deleteFrom("policy_versions").where("policy_id", "=", id).execute();
  await tx.deleteFrom("policies").where("id", "=", id).execute();
}

export async function insertVersion(
  tx: DbOrTx,
  values: { policyId: string; version: number; document: unknown; createdBy: string },
): Promise<void> {
  await tx
    .insertInto("policy_versions")
    .values({
      policy_id: values.policyId,
      version: values.version,
      status: "draft",
      document: JSON.stringify(values.document),
      created_by: values.createdBy,
    })
    .execute();
}

const toVersion = (r: {
  policy_id: string;
  version: number;
  status: VersionRow["status"];
  document: Record<string, unknown>;
  created_by: string;
  created_at: Date;
  published_by: string | null;
  published_at: Date | null;
}): VersionRow => ({
  policyId: r.policy_id,
  version: r.version,
  status: r.status,
  document: r.document,
  createdBy: r.created_by,
  createdAt: r.created_at,
  publishedBy: r.published_by,
  publishedAt: r.published_at,
});

export async function findVersion(db: DbOrTx, policyId: string, version: number): Promise<VersionRow | undefined> {
  const row = await db
    .selectFrom("policy_versions")
    .selectAll()
    .where("policy_id", "=", policyId)
    .where("version", "=", version)
    .executeTakeFirst();
  return row ? toVersion(row) : undefined;
}

export async function listVersions(
  db: DbOrTx,
  policyId: string,
  page: { offset: number; limit: number; order: "asc" | "desc" },
): Promise<{ rows: VersionRow[]; total: number }> {
  const [rows, total] = await Promise.all([
    db
      .selectFrom("policy_versions")
      .selectAll()
      .where("policy_id", "=", policyId)
      .orderBy("version", page.order)
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    db
      .selectFrom("policy_versions")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("policy_id", "=", policyId)
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(toVersion), total: Number(total.n) };
}

/** Makes `version` the one in force: the previously published version becomes superseded. */
export async function markPublished(tx: DbOrTx, policyId: string, version: number, userId: string): Promise<void> {
  await tx
    .updateTable("policy_versions")
    .set({ status: "superseded" })
    .where("policy_id", "=", policyId)
    .where("status", "=", "published")
    .execute();
  await tx
    .updateTable("policy_versions")
    .set({ status: "published", published_by: userId, published_at: sql`now()` })
    .where("policy_id", "=", policyId)
    .where("version", "=", version)
    .execute();
}

export interface PublishedRow {
  id: string;
  name: string;
  version: number;
  document: unknown;
}

/**
 * The tenant's generation and its published policies, read in ONE statement so both come from the
 * same snapshot: a set compiled from them is exactly the set of that generation.
 */
export async function loadPublished(
  db: DbOrTx,
  tenantId: string,
): Promise<{ generation: string; policies: PublishedRow[] }> {
  const result = await sql<{
    generation: string;
    id: string | null;
    name: string | null;
    version: number | null;
    document: unknown;
  }>`
    SELECT g.generation::text AS generation, p.id, p.name, v.version, v.document
    FROM (SELECT coalesce((SELECT generation FROM policy_generations WHERE tenant_id = ${tenantId}), 1) AS generation) g
    LEFT JOIN policies p ON p.tenant_id = ${tenantId} AND p.published_version IS NOT NULL
    LEFT JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.published_version
    ORDER BY p.created_at, p.id`.execute(db);
  const generation = result.rows[0]?.generation ?? "1";
  const policies: PublishedRow[] = [];
  for (const r of result.rows) {
    if (r.id && r.name && r.version !== null) {
      policies.push({ id: r.id, name: r.name, version: r.version, document: r.document });
    }
  }
  return { generation, policies };
}
