import { type RawBuilder, type SqlBool, sql } from "kysely";
import type { FieldMapping } from "../../../policies/compile";
import type { DbOrTx, Tx } from "../db/pool";
import type { Page } from "../http/list";
import type { APPROVAL_SORTABLE, ApprovalDto, ApprovalStatus } from "./schemas";

/** Approval subject fields CASL conditions may name (the duty matrix uses proposerRole). */
export const APPROVAL_COLUMNS: Record<string, FieldMapping> = {
  proposerRole: "a.proposer_role",
  proposedBy: "a.proposed_by",
  action: "a.action",
  status: "a.status",
  tenantId: "a.tenant_id",
};

const SELECT = [
  "a.id",
  "a.action",
  "a.summary",
  "a.payload",
  "a.status",
  "a.proposed_by",
  "u.username as proposer_name",
  "u.display_name as proposer_display_name",
  "a.proposer_role",
  "a.decided_by",
  "d.username as decider_name",
  "d.display_name as decider_display_name",
  "a.decider_role",
  "a.decided_at",
  "a.reason",
  "a.expires_at",
  "a.created_at",
] as const;

type Row = {
  id: string;
  action: string;
  summary: string;
  payload: Record<string, unknown>;
  status: ApprovalStatus;
  proposed_by: string;
  proposer_name: string;
  proposer_display_name: string;
  proposer_role: string;
  decided_by: string | null;
  decider_name: string | null;
  decider_display_name: string | null;
  decider_role: string | null;
  decided_at: Date | null;
  reason: string | null;
  expires_at: Date;
  created_at: Date;
};

function toDto(r: Row): Omit<ApprovalDto, "references"> {
  return {
    id: r.id,
    action: r.action,
    summary: r.summary,
    payload: r.payload,
    status: r.status,
    proposedBy: r.proposed_by,
    proposerName: r.proposer_name,
    proposerDisplayName: r.proposer_display_name,
    proposerRole: r.proposer_role,
    decidedBy: r.decided_by,
    deciderName: r.decider_name,
    deciderDisplayName: r.decider_display_name,
    deciderRole: r.decider_role,
    decidedAt: r.decided_at?.toISOString() ?? null,
    reason: r.reason,
    expiresAt: r.expires_at.toISOString(),
    createdAt: r.created_at.toISOString(),
  };
}

/** The payload fields that name rows of the tenant, and where their names come from. */
const REFERENCE_FIELDS = ["userId", "departmentId", "policyId"] as const;

/**
 * Adds the names of the users, departments and policies a payload names by id (three queries for a
 * whole page, scoped to the tenant), so the proposal reads "li.na (李娜)" rather than a UUID.
 */
async function withReferences(
  db: DbOrTx,
  tenantId: string,
  dtos: Omit<ApprovalDto, "references">[],
): Promise<ApprovalDto[]> {
  const ids = (field: (typeof REFERENCE_FIELDS)[number]) => [
    ...new Set(dtos.map((d) => d.payload[field]).filter((v): v is string => typeof v === "string" && UUID.test(v))),
  ];
  const [users, departments, policies] = await Promise.all([
    lookup(ids("userId"), (list) =>
      db
        .selectFrom("users")
        .select(["id", "username", "display_name"])
        .where("tenant_id", "=", tenantId)
        .where("id", "in", list)
        .execute()
        .then((rows) => rows.map((r) => [r.id, `${r.display_name} (${r.username})`] as const)),
    ),
    lookup(ids("departmentId"), (list) =>
      db
        .selectFrom("departments")
        .select(["id", "name"])
        .where("tenant_id", "=", tenantId)
        .where("id", "in", list)
        .execute()
        .then((rows) => rows.map((r) => [r.id, r.name] as const)),
    ),
    lookup(ids("policyId"), (list) =>
      db
        .selectFrom("policies")
        .select(["id", "name"])
        .where("tenant_id", "=", tenantId)
        .where("id", "in", list)
        .execute()
        .then((rows) => rows.map((r) => [r.id, r.name] as const)),
    ),
  ]);
  const names = new Map([...users, ...departments, ...policies]);
  return dtos.map((d) => {
    const references: Record<string, string> = {};
    for (const field of REFERENCE_FIELDS) {
      const id = d.payload[field];
      const name = typeof id === "string" ? names.get(id) : undefined;
      if (typeof id === "string" && name !== undefined) references[id] = name;
    }
    return { ...d, references };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function lookup(
  ids: string[],
  query: (ids: string[]) => Promise<(readonly [string, string])[]>,
): Promise<(readonly [string, string])[]> {
  return ids.length === 0 ? [] : query(ids);
}

/**
 * Proposals with the names of who proposed and who decided, so a reader never sees bare ids. The decider is a
 * left join: pending, cancelled and expired proposals have none (expiry is the system's, cancelling the
 * proposer's own withdrawal).
 */
function base(db: DbOrTx, tenantId: string) {
  return db
    .selectFrom("approvals as a")
    .innerJoin("users as u", "u.id", "a.proposed_by")
    .leftJoin("users as d", "d.id", "a.decided_by")
    .where("a.tenant_id", "=", tenantId);
}

export async function insertApproval(
  tx: Tx,
  values: {
    tenantId: string;
    action: string;
    payload: Record<string, unknown>;
    summary: string;
    proposedBy: string;
    proposerRole: string;
    ttlHours: number;
  },
): Promise<string> {
  const row = await tx
    .insertInto("approvals")
    .values({
      tenant_id: values.tenantId,
      action: values.action,
      payload: JSON.stringify(values.payload),
      summary: values.summary.slice(0, 500),
      proposed_by: values.proposedBy,
      proposer_role: values.proposerRole,
      expires_at: sql<Date>`now() + make_interval(hours => ${values.ttlHours})`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** One proposal; with `lock`, the row is held until the transaction ends so two deciders serialise. */
export async function getApproval(db: DbOrTx, tenantId: string, id: string, lock = false): Promise<ApprovalDto | null> {
  let q = base(db, tenantId)
    .where("a.id", "=", id)
    .select([...SELECT]);
  if (lock) q = q.forUpdate("a");
  const row = await q.executeTakeFirst();
  return row ? ((await withReferences(db, tenantId, [toDto(row)]))[0] ?? null) : null;
}

export async function listApprovals(
  db: DbOrTx,
  where: {
    tenantId: string;
    allowed: RawBuilder<SqlBool>;
    status?: ApprovalStatus | undefined;
    action?: string | undefined;
  },
  page: Page<(typeof APPROVAL_SORTABLE)[number]>,
): Promise<{ rows: ApprovalDto[]; total: number }> {
  let q = base(db, where.tenantId).where(where.allowed);
  if (where.status) q = q.where("a.status", "=", where.status);
  if (where.action) q = q.where("a.action", "=", where.action);
  const sort = page.sort === "expiresAt" ? "a.expires_at" : "a.created_at";
  const [rows, count] = await Promise.all([
    q
      .select([...SELECT])
      .orderBy(sort, page.order)
      .orderBy("a.id")
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { total: Number(count.n), rows: await withReferences(db, where.tenantId, rows.map(toDto)) };
}

/** Marks the tenant's pending proposals past their expiry as expired (one, with `id`); returns them. */
export async function expireOverdue(
  tx: Tx,
  tenantId: string,
  id?: string,
): Promise<{ id: string; action: string; proposedBy: string }[]> {
  let q = tx
    .updateTable("approvals")
    .set({ status: "expired", decided_at: sql<Date>`now()` })
    .where("tenant_id", "=", tenantId)
    .where("status", "=", "pending")
    .where("expires_at", "<=", sql<Date>`now()`);
  if (id) q = q.where("id", "=", id);
  const rows = await q.returning(["id", "action", "proposed_by"]).execute();
  return rows.map((r) => ({ id: r.id, action: r.action, proposedBy: r.proposed_by }));
}

export async function decide(
  tx: Tx,
  id: string,
  decision: {
    status: Exclude<ApprovalStatus, "pending" | "expired">;
    decidedBy: string | null;
    deciderRole: string | null;
    reason: string | null;
  },
): Promise<void> {
  await tx
    .updateTable("approvals")
    .set({
      status: decision.status,
      decided_by: decision.decidedBy,
      decider_role: decision.deciderRole,
      decided_at: sql<Date>`now()`,
      reason: decision.reason?.slice(0, 500) ?? null,
    })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .execute();
}
