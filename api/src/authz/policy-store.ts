import crypto from "node:crypto";
import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import type { AclGuard, AclIntegrity } from "./integrity";
import { versionFacts } from "./integrity-rows";
import type { Page } from "../http/list";
import { likeContains } from "../db/like";

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
    const like = likeContains(filter.q);
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
  integrity: AclIntegrity,
  values: { tenantId: string; name: string; description: string },
): Promise<string> {
  const id = crypto.randomUUID();
  const row = await tx
    .insertInto("policies")
    .values({
      id,
      tenant_id: values.tenantId,
      name: values.name,
      description: values.description,
      mac: integrity.mac("policy", { id, tenantId: values.tenantId, publishedVersion: null }),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Updates a policy row. Its MAC covers the published version only (plus ids), and is recomputed
 * only when `patch` sets it: a rename never re-MACs a published_version changed in SQL meanwhile.
 */
export async function updatePolicy(
  tx: DbOrTx,
  integrity: AclIntegrity,
  id: string,
  patch: { name?: string | undefined; description?: string | undefined; publishedVersion?: number | null },
): Promise<void> {
  const published = patch.publishedVersion;
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
  if (published !== undefined) {
    const row = await tx.selectFrom("policies").select("tenant_id").where("id", "=", id).executeTakeFirstOrThrow();
    await tx
      .updateTable("policies")
      .set({ mac: integrity.mac("policy", { id, tenantId: row.tenant_id, publishedVersion: published }) })
      .where("id", "=", id)
      .execute();
  }
}

export async function deletePolicy(tx: DbOrTx, id: string): Promise<void> {
  await tx.deleteFrom("policy_versions").where("policy_id", "=", id).execute();
  await tx.deleteFrom("policies").where("id", "=", id).execute();
}

export async function insertVersion(
  tx: DbOrTx,
  integrity: AclIntegrity,
  values: { policyId: string; version: number; document: unknown; createdBy: string },
): Promise<void> {
  const json = JSON.stringify(values.document);
  await tx
    .insertInto("policy_versions")
    .values({
      policy_id: values.policyId,
      version: values.version,
      status: "draft",
      document: json,
      created_by: values.createdBy,
      // Over the document as stored (JSON round trip), in canonical form (integrity.ts).
      mac: integrity.mac("policy_version", {
        policyId: values.policyId,
        version: values.version,
        document: JSON.parse(json) as unknown,
      }),
    })
    .execute();
}

/**
 * Whether a stored version's MAC verifies (reported by the guard when not): publishing or restoring
 * a version whose document was changed in SQL is refused rather than given a fresh MAC.
 */
export async function versionIntact(
  db: DbOrTx,
  guard: Pick<AclGuard, "check">,
  tenantId: string,
  policyId: string,
  version: number,
): Promise<boolean> {
  const row = await db
    .selectFrom("policy_versions")
    .select(["policy_id", "version", "document", "mac"])
    .where("policy_id", "=", policyId)
    .where("version", "=", version)
    .executeTakeFirst();
  if (!row) return false;
  return guard.check("policy_version", versionFacts(row), row.mac, { rowId: `${policyId}:v${version}`, tenantId });
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
  /**
   * Set when the policy row or the published version failed its MAC check: only the document's deny
   * rules are used (a tampered row can take access away, never give it; compose.ts compileRows).
   */
  denyOnly?: boolean;
}

/**
 * The tenant's generation and its published policies, read in ONE statement so both come from the
 * same snapshot: a set compiled from them is exactly the set of that generation.
 */
export async function loadPublished(
  db: DbOrTx,
  tenantId: string,
  guard: Pick<AclGuard, "check">,
): Promise<{ generation: string; policies: PublishedRow[] }> {
  const result = await sql<{
    generation: string;
    id: string | null;
    name: string | null;
    published_version: number | null;
    policy_mac: Buffer | null;
    version: number | null;
    document: unknown;
    version_mac: Buffer | null;
  }>`
    SELECT g.generation::text AS generation, p.id, p.name, p.published_version, p.mac AS policy_mac,
      v.version, v.document, v.mac AS version_mac
    FROM (SELECT coalesce((SELECT generation FROM policy_generations WHERE tenant_id = ${tenantId}), 1) AS generation) g
    LEFT JOIN policies p ON p.tenant_id = ${tenantId} AND p.published_version IS NOT NULL
    LEFT JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.published_version
    ORDER BY p.created_at, p.id`.execute(db);
  const generation = result.rows[0]?.generation ?? "1";
  const policies: PublishedRow[] = [];
  for (const r of result.rows) {
    if (r.id && r.name && r.version !== null) {
      // Both checks run (and report) even when the first fails.
      const policyOk = guard.check(
        "policy",
        { id: r.id, tenantId, publishedVersion: r.published_version },
        r.policy_mac,
        { rowId: r.id, tenantId },
      );
      const versionOk = guard.check(
        "policy_version",
        { policyId: r.id, version: r.version, document: r.document },
        r.version_mac,
        { rowId: `${r.id}:v${r.version}`, tenantId },
      );
      const row: PublishedRow = { id: r.id, name: r.name, version: r.version, document: r.document };
      policies.push(policyOk && versionOk ? row : { ...row, denyOnly: true });
    }
  }
  return { generation, policies };
}
