import { type Selectable, sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import type { WatermarkPoliciesTable } from "../db/schema";
import type { Page } from "../http/list";
import type { WatermarkContext } from "./resolve";
import type { WatermarkStyle } from "./tile";
import { likeContains } from "../db/like";

/** SQL only: no rules, no audit, no transactions (the service opens them and passes `tx`). */

export interface WatermarkPolicy {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  enabled: boolean;
  priority: number;
  scope: { departments: string[]; apps: string[]; contexts: WatermarkContext[] };
  validFrom: Date | null;
  validTo: Date | null;
  template: string;
  customText: string;
  style: WatermarkStyle;
  version: number;
  createdBy: string | null;
  createdAt: Date;
  updatedBy: string | null;
  updatedAt: Date;
}

/** What an admin writes; the rest is the server's. */
export type PolicyInput = Omit<
  WatermarkPolicy,
  "id" | "tenantId" | "version" | "createdBy" | "createdAt" | "updatedBy" | "updatedAt"
>;

const COLUMNS = [
  "id",
  "tenant_id",
  "name",
  "description",
  "enabled",
  "priority",
  "department_ids",
  "app_ids",
  "contexts",
  "valid_from",
  "valid_to",
  "template",
  "custom_text",
  "font_size",
  "color",
  "opacity",
  "rotate",
  "gap_x",
  "gap_y",
  "visible",
  "version",
  "created_by",
  "created_at",
  "updated_by",
  "updated_at",
] as const;

type Row = Selectable<WatermarkPoliciesTable>;

const toPolicy = (r: Row): WatermarkPolicy => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  description: r.description,
  enabled: r.enabled,
  priority: r.priority,
  scope: { departments: r.department_ids, apps: r.app_ids, contexts: r.contexts as WatermarkContext[] },
  validFrom: r.valid_from,
  validTo: r.valid_to,
  template: r.template,
  customText: r.custom_text,
  style: {
    fontSize: r.font_size,
    color: r.color,
    opacity: r.opacity,
    rotate: r.rotate,
    gapX: r.gap_x,
    gapY: r.gap_y,
    visible: r.visible,
  },
  version: r.version,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
});

const columnsOf = (p: PolicyInput) => ({
  name: p.name,
  description: p.description,
  enabled: p.enabled,
  priority: p.priority,
  department_ids: p.scope.departments,
  app_ids: p.scope.apps,
  contexts: p.scope.contexts,
  valid_from: p.validFrom,
  valid_to: p.validTo,
  template: p.template,
  custom_text: p.customText,
  font_size: p.style.fontSize,
  color: p.style.color,
  opacity: p.style.opacity,
  rotate: p.style.rotate,
  gap_x: p.style.gapX,
  gap_y: p.style.gapY,
  visible: p.style.visible,
});

export async function findPolicy(
  db: DbOrTx,
  tenantId: string,
  id: string,
  forUpdate = false,
): Promise<WatermarkPolicy | undefined> {
  let q = db.selectFrom("watermark_policies").select(COLUMNS).where("tenant_id", "=", tenantId).where("id", "=", id);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toPolicy(row) : undefined;
}

/** Every policy of the tenant, for resolution (a tenant has tens, not thousands). */
export async function tenantPolicies(db: DbOrTx, tenantId: string): Promise<WatermarkPolicy[]> {
  const rows = await db.selectFrom("watermark_policies").select(COLUMNS).where("tenant_id", "=", tenantId).execute();
  return rows.map(toPolicy);
}

export interface PolicyFilter {
  q?: string | undefined;
  enabled?: boolean | undefined;
  context?: WatermarkContext | undefined;
  departmentId?: string | undefined;
  appId?: string | undefined;
}

const SORT_COLUMN = { priority: "priority", name: "name", updatedAt: "updated_at", createdAt: "created_at" } as const;

export async function listPolicies(
  db: DbOrTx,
  tenantId: string,
  f: PolicyFilter,
  page: Page<keyof typeof SORT_COLUMN>,
): Promise<{ rows: WatermarkPolicy[]; total: number }> {
  let base = db.selectFrom("watermark_policies").where("tenant_id", "=", tenantId);
  if (f.q) base = base.where("name", "ilike", likeContains(f.q));
  if (f.enabled !== undefined) base = base.where("enabled", "=", f.enabled);
  // A policy without contexts is shown in every context, so it is listed for each.
  if (f.context) base = base.where(sql<boolean>`(cardinality(contexts) = 0 OR ${f.context} = ANY(contexts))`);
  if (f.departmentId) base = base.where(sql<boolean>`${f.departmentId}::uuid = ANY(department_ids)`);
  if (f.appId) base = base.where(sql<boolean>`${f.appId} = ANY(app_ids)`);
  const [rows, total] = await Promise.all([
    base
      .select(COLUMNS)
      .orderBy(SORT_COLUMN[page.sort], page.order)
      .orderBy("id")
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(toPolicy), total: Number(total.n) };
}

export async function nameTaken(db: DbOrTx, tenantId: string, name: string, exceptId?: string): Promise<boolean> {
  let q = db
    .selectFrom("watermark_policies")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where(sql<boolean>`lower(name) = lower(${name})`);
  if (exceptId) q = q.where("id", "!=", exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

/** The ids among `ids` that are not departments of the tenant. */
export async function unknownDepartments(db: DbOrTx, tenantId: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = await db
    .selectFrom("departments")
    .select("id")
    .where("tenant_id", "=", tenantId)
    .where("id", "in", ids)
    .execute();
  const known = new Set(found.map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}

export async function insertPolicy(
  tx: DbOrTx,
  tenantId: string,
  p: PolicyInput,
  userId: string | null,
): Promise<WatermarkPolicy> {
  const row = await tx
    .insertInto("watermark_policies")
    .values({ tenant_id: tenantId, ...columnsOf(p), created_by: userId, updated_by: userId })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toPolicy(row);
}

/** Writes the policy if it is still at `expectedVersion`; null when someone else saved first. */
export async function updatePolicy(
  tx: DbOrTx,
  tenantId: string,
  id: string,
  expectedVersion: number,
  p: PolicyInput,
  userId: string | null,
): Promise<WatermarkPolicy | null> {
  const row = await tx
    .updateTable("watermark_policies")
    .set((eb) => ({ ...columnsOf(p), version: eb("version", "+", 1), updated_by: userId, updated_at: new Date() }))
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .where("version", "=", expectedVersion)
    .returning(COLUMNS)
    .executeTakeFirst();
  return row ? toPolicy(row) : null;
}

export async function deletePolicy(
  tx: DbOrTx,
  tenantId: string,
  id: string,
  expectedVersion: number,
): Promise<boolean> {
  const res = await tx
    .deleteFrom("watermark_policies")
    .where("tenant_id", "=", tenantId)
    .where("id", "=", id)
    .where("version", "=", expectedVersion)
    .executeTakeFirst();
  return res.numDeletedRows > 0n;
}

// ---- the viewer's fields (people and org tables, read only) ----

export interface ViewerRow {
  id: string;
  username: string;
  displayName: string;
  employeeNo: string | null;
  /** Kept in the clear beside the sealed phone number for exactly this (migrations/0005). */
  phoneLast4: string | null;
  departments: { path: string[]; name: string; primary: boolean }[];
}

/** An account of the tenant that is not deleted, with the departments it belongs to. */
export async function findViewer(db: DbOrTx, tenantId: string, userId: string): Promise<ViewerRow | undefined> {
  const user = await db
    .selectFrom("users")
    .select(["id", "username", "display_name", "employee_no", "phone_last4"])
    .where("tenant_id", "=", tenantId)
    .where("id", "=", userId)
    .where("status", "!=", "deleted")
    .executeTakeFirst();
  if (!user) return undefined;
  const departments = await db
    .selectFrom("memberships as m")
    .innerJoin("departments as d", "d.id", "m.department_id")
    .select(["d.path", "d.name", "m.is_primary"])
    .where("m.user_id", "=", userId)
    .where("m.tenant_id", "=", tenantId)
    .orderBy("m.is_primary", "desc")
    .orderBy("m.sort_order")
    .orderBy("d.id")
    .execute();
  return {
    id: user.id,
    username: user.username,
    displayName: user.display_name,
    employeeNo: user.employee_no,
    phoneLast4: user.phone_last4,
    departments: departments.map((d) => ({ path: d.path, name: d.name, primary: d.is_primary })),
  };
}

/** Every account of the tenant (deleted ones too: a leak may predate the deletion), in id order. */
export async function tenantAccounts(
  db: DbOrTx,
  tenantId: string,
): Promise<{ id: string; username: string; display_name: string }[]> {
  return db
    .selectFrom("users")
    .select(["id", "username", "display_name"])
    .where("tenant_id", "=", tenantId)
    .orderBy("id")
    .execute();
}
