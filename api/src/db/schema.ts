import type { ColumnType, Generated } from "kysely";

/** Kysely table types; migrations/ is the source of truth and db/schema.test.ts keeps the two in step. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TenantsTable {
  id: Generated<string>;
  code: string;
  name: string;
  created_at: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  tenant_id: string;
  username: string;
  display_name: string;
  password_hash: string;
  must_change_password: Generated<boolean>;
  password_changed_at: Date | null;
  status: Generated<"active" | "disabled">;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoleAssignmentsTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  role: string;
  created_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  idle_timeout_seconds: number;
  expires_at: Timestamp;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditEventsTable {
  /** bigint: pg returns it as a string so no precision is lost. */
  seq: ColumnType<string, never, never>;
  occurred_at: ColumnType<Date, never, never>;
  tenant_id: string | null;
  actor_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: "success" | "failure" | "denied";
  detail: ColumnType<Record<string, unknown>, string, never>;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

export interface RateLimitHitsTable {
  key: string;
  window_start: Date;
  hits: number;
}

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  role_assignments: RoleAssignmentsTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  rate_limit_hits: RateLimitHitsTable;
}
