import net from "node:net";
import { type RawBuilder, type Selectable, type SqlBool, sql } from "kysely";
import { ROLES } from "../../../policies/subjects";
import type { AuditEventsTable } from "../db/schema";
import { z } from "../http/zod";

/**
 * The auditor's search (docs/audit.md, "The auditor's workspace"): one filter shape shared by the
 * event list, exports and saved searches. Every field is validated here and compiled to SQL below,
 * always AND-ed with the caller's role predicate (policies/compile.ts accessibleWhere) and tenant.
 */

/** Actor roles a search may name; `none` is an event without a built-in role (users, API clients, anonymous). */
export const AUDIT_FILTER_ROLES = [...ROLES, "none"] as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An action name, or a prefix ending in `.*` (`user.*` is every action starting with `user.`). */
const ACTION = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?$/;
const TARGET_TYPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** An IP address, or a CIDR block (10.0.0.0/8, fd00::/8). */
export function isIpOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split("/");
  if (rest.length > 0 || !address) return false;
  const family = net.isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

const dateTime = z.iso
  .datetime({ offset: true })
  .describe("ISO 8601 date-time with a zone (Z or ±hh:mm)")
  .transform((v) => new Date(v).toISOString());

/** The filter fields; each is optional, all given ones must match (AND). */
export const AUDIT_FILTER_SHAPE = {
  from: dateTime.optional().describe("Events at or after this instant (inclusive)"),
  to: dateTime.optional().describe("Events before this instant (exclusive)"),
  actor: z.string().trim().min(1).max(512).optional().describe("Actor name (exact) or actor id (uuid)"),
  role: z.enum(AUDIT_FILTER_ROLES).optional().describe("The actor's admin role; `none` for events without one"),
  action: z
    .string()
    .max(128)
    .regex(ACTION, "an action name, or a prefix ending in .*")
    .optional()
    .describe("Exact action, or a prefix ending in `.*` (e.g. `user.*`)"),
  targetType: z.string().regex(TARGET_TYPE).optional(),
  targetId: z.string().min(1).max(512).optional(),
  result: z.enum(["success", "failure", "denied"]).optional(),
  ip: z
    .string()
    .max(64)
    .refine(isIpOrCidr, "an IP address or a CIDR block such as 10.0.0.0/8")
    .optional()
    .describe("Exact IP address, or a CIDR block"),
};

/** Rejects a window that ends before it starts (the only cross-field rule). */
export function checkWindow(
  f: { from?: string | undefined; to?: string | undefined },
  ctx: { addIssue(issue: { code: "custom"; path: string[]; message: string }): void },
): void {
  if (f.from && f.to && f.from >= f.to) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "`to` must be after `from`" });
  }
}

export const AuditFilterSchema = z.strictObject(AUDIT_FILTER_SHAPE).superRefine(checkWindow).openapi("AuditFilter");
export type AuditFilter = z.output<typeof AuditFilterSchema>;

/** The filter's fields only, without undefined ones, in a fixed order (stored and signed as is). */
export function normaliseFilter(f: Partial<Record<keyof typeof AUDIT_FILTER_SHAPE, unknown>>): AuditFilter {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(AUDIT_FILTER_SHAPE) as (keyof typeof AUDIT_FILTER_SHAPE)[]) {
    if (f[key] !== undefined) out[key] = f[key];
  }
  return out as AuditFilter;
}

/** The filter as one SQL predicate over audit_events (true when the filter is empty). */
export function filterSql(f: AuditFilter): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [];
  if (f.from) parts.push(sql<SqlBool>`occurred_at >= ${f.from}::timestamptz`);
  if (f.to) parts.push(sql<SqlBool>`occurred_at < ${f.to}::timestamptz`);
  if (f.actor) {
    parts.push(
      UUID.test(f.actor)
        ? sql<SqlBool>`(actor_id = ${f.actor.toLowerCase()}::uuid OR actor_name = ${f.actor})`
        : sql<SqlBool>`actor_name = ${f.actor}`,
    );
  }
  if (f.role) parts.push(f.role === "none" ? sql<SqlBool>`actor_role IS NULL` : sql<SqlBool>`actor_role = ${f.role}`);
  if (f.action) {
    parts.push(
      f.action.endsWith(".*")
        ? sql<SqlBool>`starts_with(action, ${f.action.slice(0, -1)})`
        : sql<SqlBool>`action = ${f.action}`,
    );
  }
  if (f.targetType) parts.push(sql<SqlBool>`target_type = ${f.targetType}`);
  if (f.targetId) parts.push(sql<SqlBool>`target_id = ${f.targetId}`);
  if (f.result) parts.push(sql<SqlBool>`result = ${f.result}`);
  if (f.ip) parts.push(ipSql(f.ip));
  return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` AND `)})` : sql<SqlBool>`true`;
}

/**
 * An IPv4 address matches as text, itself or IPv4-mapped (what Node reports on a dual-stack socket);
 * an IPv6 address and a CIDR block compare as inet (audit_ip_inet, migration 0011), so any spelling
 * of the same address matches.
 */
function ipSql(ip: string): RawBuilder<SqlBool> {
  if (ip.includes("/")) return sql<SqlBool>`audit_ip_inet(ip) <<= network(${ip}::inet)`;
  if (net.isIPv4(ip)) return sql<SqlBool>`ip IN (${ip}, ${`::ffff:${ip}`})`;
  return sql<SqlBool>`(ip = ${ip} OR audit_ip_inet(ip) = ${ip}::inet)`;
}

/** Who is searching: their tenant (the platform tenant also sees untenanted events) and role predicate. */
export interface AuditScope {
  tenantId: string;
  includeUntenanted: boolean;
  allowed: RawBuilder<SqlBool>;
}

export function scopeSql(scope: AuditScope): RawBuilder<SqlBool> {
  // Events without a tenant (e.g. a failed login for an unknown tenant) belong to the platform
  // tenant's auditors; other tenants never see them.
  const tenant = scope.includeUntenanted
    ? sql<SqlBool>`(tenant_id = ${scope.tenantId}::uuid OR tenant_id IS NULL)`
    : sql<SqlBool>`tenant_id = ${scope.tenantId}::uuid`;
  return sql<SqlBool>`(${tenant} AND ${scope.allowed})`;
}

type EventRow = Selectable<AuditEventsTable>;

/** The columns an event view needs (not the hashes: `sealed` comes from chain_seq). */
export const EVENT_VIEW_COLUMNS = [
  "seq",
  "occurred_at",
  "tenant_id",
  "actor_id",
  "actor_name",
  "actor_role",
  "action",
  "target_type",
  "target_id",
  "result",
  "detail",
  "ip",
  "user_agent",
  "request_id",
  "chain_seq",
] as const;

export interface AuditEventView {
  seq: string;
  occurredAt: string;
  tenantId: string | null;
  actorId: string | null;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: "success" | "failure" | "denied";
  detail: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  sealed: boolean;
}

/** A row as the API shows it; `sealed` once the sealer has given it its chain position. */
export function toEventView(r: Pick<EventRow, (typeof EVENT_VIEW_COLUMNS)[number]>): AuditEventView {
  return {
    seq: String(r.seq),
    occurredAt: r.occurred_at.toISOString(),
    tenantId: r.tenant_id,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    result: r.result,
    detail: r.detail,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    sealed: r.chain_seq !== null,
  };
}

export interface Change {
  path: string;
  before: unknown;
  after: unknown;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * What an event changed, from the domains' convention `detail.before` / `detail.after` (settings,
 * users, policies, departments, grants…): one entry per leaf that differs, paths joined with dots.
 * Objects are walked; arrays and scalars are compared whole. A side that is absent is null.
 * Events without before/after (logins, denials) have no changes.
 */
export function changesOf(detail: Record<string, unknown>): Change[] {
  const before = detail.before;
  const after = detail.after;
  if (before === undefined && after === undefined) return [];
  const out: Change[] = [];
  walk(before, after, "", out);
  return out;
}

function walk(before: unknown, after: unknown, path: string, out: Change[]): void {
  const bothWalkable =
    (isPlainObject(before) || before === undefined) &&
    (isPlainObject(after) || after === undefined) &&
    (before !== undefined || after !== undefined);
  if (bothWalkable) {
    const b = (before ?? {}) as Record<string, unknown>;
    const a = (after ?? {}) as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
    for (const key of keys) walk(b[key], a[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  out.push({ path, before: before ?? null, after: after ?? null });
}
