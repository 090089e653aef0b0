import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import type { AclFacts, AclGuard, AclKind } from "./integrity";

/**
 * Every access-control row of one kind with its stored MAC, for the backfill and the integrity check
 * (the load paths read their own columns: grants/store.ts, policy-store.ts, client-store.ts,
 * auth/store.ts, subject-store.ts). `tenantId` undefined: every tenant; `onlyNull`: rows without a MAC.
 */
export interface StoredRow<K extends AclKind = AclKind> {
  kind: K;
  rowId: string;
  tenantId: string;
  userId: string | null;
  facts: AclFacts[K];
  mac: Buffer | null;
  /** Names the row for an UPDATE of its mac. */
  key: Record<string, string | number>;
}

export const ROW_KINDS = ["role_assignment", "scoped_admin", "policy", "policy_version", "api_client"] as const;
export type RowKind = (typeof ROW_KINDS)[number];

interface Filter {
  tenantId?: string | undefined;
  onlyNull?: boolean | undefined;
}

export async function storedRows(db: DbOrTx, kind: RowKind, f: Filter = {}): Promise<StoredRow[]> {
  switch (kind) {
    case "role_assignment": {
      let q = db.selectFrom("role_assignments").select(["id", "tenant_id", "user_id", "role", "mac"]);
      if (f.tenantId) q = q.where("tenant_id", "=", f.tenantId);
      if (f.onlyNull) q = q.where("mac", "is", null);
      return (await q.orderBy("id").execute()).map((r) => ({
        kind,
        rowId: r.id,
        tenantId: r.tenant_id,
        userId: r.user_id,
        facts: roleFacts(r),
        mac: r.mac,
        key: { id: r.id },
      }));
    }
    case "scoped_admin": {
      let q = db
        .selectFrom("scoped_admins")
        .select([
          "id",
          "tenant_id",
          "user_id",
          "dimension_id",
          "department_id",
          "actions",
          "granted_by",
          "parent_grant_id",
          "expires_at",
          "revoked_at",
          "mac",
        ]);
      if (f.tenantId) q = q.where("tenant_id", "=", f.tenantId);
      if (f.onlyNull) q = q.where("mac", "is", null);
      return (await q.orderBy("id").execute()).map((r) => ({
        kind,
        rowId: r.id,
        tenantId: r.tenant_id,
        userId: r.user_id,
        facts: grantFacts(r),
        mac: r.mac,
        key: { id: r.id },
      }));
    }
    case "policy": {
      let q = db.selectFrom("policies").select(["id", "tenant_id", "published_version", "mac"]);
      if (f.tenantId) q = q.where("tenant_id", "=", f.tenantId);
      if (f.onlyNull) q = q.where("mac", "is", null);
      return (await q.orderBy("id").execute()).map((r) => ({
        kind,
        rowId: r.id,
        tenantId: r.tenant_id,
        userId: null,
        facts: policyFacts(r),
        mac: r.mac,
        key: { id: r.id },
      }));
    }
    case "policy_version": {
      let q = db
        .selectFrom("policy_versions as v")
        .innerJoin("policies as p", "p.id", "v.policy_id")
        .select(["v.policy_id", "v.version", "v.document", "v.mac", "p.tenant_id"]);
      if (f.tenantId) q = q.where("p.tenant_id", "=", f.tenantId);
      if (f.onlyNull) q = q.where("v.mac", "is", null);
      return (await q.orderBy("v.policy_id").orderBy("v.version").execute()).map((r) => ({
        kind,
        rowId: `${r.policy_id}:v${r.version}`,
        tenantId: r.tenant_id,
        userId: null,
        facts: versionFacts(r),
        mac: r.mac,
        key: { policy_id: r.policy_id, version: r.version },
      }));
    }
    case "api_client": {
      let q = db.selectFrom("api_clients").select(["id", "tenant_id", "secret_hash", "scopes", "revoked_at", "mac"]);
      if (f.tenantId) q = q.where("tenant_id", "=", f.tenantId);
      if (f.onlyNull) q = q.where("mac", "is", null);
      return (await q.orderBy("id").execute()).map((r) => ({
        kind,
        rowId: r.id,
        tenantId: r.tenant_id,
        userId: null,
        facts: clientFacts(r),
        mac: r.mac,
        key: { id: r.id },
      }));
    }
  }
}

/** Sets the MAC of one stored row (backfill only: every other write MACs in its own statement). */
export async function setMac(tx: DbOrTx, row: StoredRow, mac: Buffer): Promise<void> {
  const table = {
    role_assignment: "role_assignments",
    scoped_admin: "scoped_admins",
    policy: "policies",
    policy_version: "policy_versions",
    api_client: "api_clients",
  }[row.kind as RowKind];
  const where = Object.entries(row.key).map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
  await sql`UPDATE ${sql.table(table)} SET mac = ${mac} WHERE ${sql.join(where, sql` AND `)}`.execute(tx);
}

export const roleFacts = (r: {
  id: string;
  tenant_id: string;
  user_id: string;
  role: string;
}): AclFacts["role_assignment"] => ({ id: r.id, tenantId: r.tenant_id, userId: r.user_id, role: r.role });

export const grantFacts = (r: {
  id: string;
  tenant_id: string;
  user_id: string;
  dimension_id: string;
  department_id: string;
  actions: string[];
  granted_by: string;
  parent_grant_id: string | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}): AclFacts["scoped_admin"] => ({
  id: r.id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  dimensionId: r.dimension_id,
  departmentId: r.department_id,
  actions: r.actions,
  grantedBy: r.granted_by,
  parentGrantId: r.parent_grant_id,
  expiresAt: r.expires_at,
  revoked: r.revoked_at !== null,
});

export const policyFacts = (r: {
  id: string;
  tenant_id: string;
  published_version: number | null;
}): AclFacts["policy"] => ({ id: r.id, tenantId: r.tenant_id, publishedVersion: r.published_version });

export const versionFacts = (r: {
  policy_id: string;
  version: number;
  document: unknown;
}): AclFacts["policy_version"] => ({
  policyId: r.policy_id,
  version: r.version,
  document: r.document,
});

export const clientFacts = (r: {
  id: string;
  tenant_id: string;
  secret_hash: string;
  scopes: string[];
  revoked_at: Date | null;
}): AclFacts["api_client"] => ({
  id: r.id,
  tenantId: r.tenant_id,
  secretHash: r.secret_hash,
  scopes: r.scopes,
  revoked: r.revoked_at !== null,
});

/** A role_assignments row `r` as one JSON value, for subqueries that pick a user's role. */
export const ROLE_ROW_JSON = sql`json_build_object('id', r.id, 'tenant_id', r.tenant_id, 'user_id', r.user_id,
  'role', r.role, 'mac', encode(r.mac, 'hex'))`;

export interface RoleRowJson {
  id: string;
  tenant_id: string;
  user_id: string;
  role: string;
  mac: string | null;
}

/**
 * The role a loaded role_assignments row gives, or null when there is none or its MAC fails (the
 * failure is reported by the guard): a tampered role assignment gives no role at all.
 */
export function verifiedRole(guard: Pick<AclGuard, "check">, row: RoleRowJson | null | undefined): string | null {
  if (!row) return null;
  const mac = row.mac === null ? null : Buffer.from(row.mac, "hex");
  const ok = guard.check("role_assignment", roleFacts(row), mac, {
    rowId: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
  });
  return ok ? row.role : null;
}
