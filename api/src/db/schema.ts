import type { ColumnType, Generated } from "kysely";

/** Kysely table types; migrations/ is the source of truth and db/schema.test.ts keeps the two in step. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TenantsTable {
  id: Generated<string>;
  code: string;
  name: string;
  created_at: Timestamp;
  // 0004 org
  status: Generated<"active" | "disabled">;
  version: Generated<number>;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  tenant_id: string;
  username: string;
  display_name: string;
  password_hash: string;
  must_change_password: Generated<boolean>;
  password_changed_at: Date | null;
  status: Generated<"active" | "disabled" | "deleted">;
  created_at: Timestamp;
  updated_at: Timestamp;
  // 0003 identity
  failed_logins: Generated<number>;
  locked_until: Date | null;
  // 0005 people
  employee_no: string | null;
  phone_enc: string | null;
  phone_bidx: string | null;
  phone_last4: string | null;
  email_enc: string | null;
  email_bidx: string | null;
  name_pinyin: Generated<string>;
  name_initials: Generated<string>;
  clearance_level: Generated<number>;
  attributes: ColumnType<Record<string, unknown>, string | undefined, string>;
  version: Generated<number>;
  deleted_at: Date | null;
  erase_after: Date | null;
  erased_at: Date | null;
}

export interface RoleAssignmentsTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  role: string;
  created_at: Timestamp;
  /** 0012: HMAC over the row's canonical form (api/src/authz/integrity.ts); NULL is a mismatch after the backfill. */
  mac: Buffer | null;
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
  // 0003 identity
  mfa_verified_at: Date | null;
  mfa_method: "totp" | "sm2" | "recovery" | null;
  mfa_required: Generated<boolean>;
  mfa_failures: Generated<number>;
  revoke_reason: string | null;
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
  // 0008 audit chain, sealed after commit since 0010 (api/src/audit/sealer.ts): NULL until the
  // sealer has chained the event, and on rows that predate the chain.
  prev_hash: ColumnType<Buffer | null, Buffer | undefined, never>;
  hash: ColumnType<Buffer | null, Buffer | undefined, never>;
  /** 0010: the event's gap-free position in the chain (bigint as string); NULL until sealed. */
  chain_seq: ColumnType<string | null, never, never>;
}

// ---- 0008 audit chain ----
export interface AuditChainHeadTable {
  id: ColumnType<boolean, never, never>;
  seq: ColumnType<string, string, string>;
  hash: Buffer;
  hash_alg: "SM3" | "SHA-256" | null;
  genesis_seq: ColumnType<string, never, never>;
  /** 0010: the last position hashed with the v1 canonical form (0008's in-transaction writer). */
  v1_end_seq: ColumnType<string, never, never>;
  updated_at: Timestamp;
}

export interface AuditSigningKeysTable {
  id: string;
  algorithm: "SM2" | "Ed25519";
  public_key: string;
  sealed_private_key: Buffer;
  created_at: Timestamp;
}

export interface AuditCheckpointsTable {
  id: Generated<string>;
  seq: ColumnType<string, string, never>;
  hash: Buffer;
  hash_alg: "SM3" | "SHA-256";
  signed_at: ColumnType<Date, string, never>;
  key_id: string;
  signature: Buffer;
}

// ---- 0014 audit retention and archives ----
export interface AuditSettingsTable {
  id: ColumnType<boolean, never, never>;
  retention_days: number;
  storage_limit_bytes: ColumnType<string, string | number, string | number>;
  alert_threshold_percent: number;
  storage_alert_active: boolean;
  storage_alert_changed_at: Date | null;
  version: number;
  updated_at: Date | null;
  updated_by: string | null;
}

export interface AuditArchivesTable {
  id: string;
  from_chain_seq: ColumnType<string, string, never>;
  to_chain_seq: ColumnType<string, string, never>;
  first_prev_hash: Buffer;
  last_hash: Buffer;
  hash_alg: "SM3" | "SHA-256";
  events: ColumnType<string, string | number, never>;
  from_occurred_at: ColumnType<Date, string, never>;
  to_occurred_at: ColumnType<Date, string, never>;
  file_name: string;
  file_digest: Buffer;
  manifest_name: string;
  signature: Buffer;
  key_id: string;
  created_at: Timestamp;
}

export interface RateLimitHitsTable {
  key: string;
  window_start: Date;
  hits: number;
}

// ---- 0003 identity ----
export interface PasswordHistoryTable {
  id: Generated<string>;
  user_id: string;
  password_hash: string;
  created_at: Timestamp;
}

export interface SecuritySettingsTable {
  tenant_id: string;
  settings: ColumnType<Record<string, unknown>, string, string>;
  version: Generated<number>;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface MfaFactorsTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  kind: "totp" | "sm2";
  label: Generated<string>;
  secret: string;
  confirmed_at: Date | null;
  /** bigint, as a string */
  last_step: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  created_at: Timestamp;
}

export interface MfaRecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: Date | null;
  created_at: Timestamp;
}

export interface MfaChallengesTable {
  id: Generated<string>;
  session_id: string;
  nonce: string;
  expires_at: Date;
  used_at: Date | null;
}

// ---- 0004 org ----
export interface DimensionsTable {
  id: Generated<string>;
  tenant_id: string;
  code: string;
  name: string;
  kind: "administrative" | "party" | "project" | "virtual" | "other";
  sort_order: Generated<number>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DepartmentsTable {
  id: Generated<string>;
  tenant_id: string;
  dimension_id: string;
  parent_id: string | null;
  /** Ancestor ids from the root down to and including this department. */
  path: string[];
  name: string;
  code: string | null;
  name_pinyin: Generated<string>;
  name_initials: Generated<string>;
  sort_order: Generated<number>;
  status: Generated<"active" | "disabled" | "merged">;
  merged_into: string | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PostsTable {
  id: Generated<string>;
  tenant_id: string;
  code: string;
  name: string;
  sort_order: Generated<number>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OrgChangesTable {
  /** bigint identity, as a string */
  seq: ColumnType<string, never, never>;
  tenant_id: string;
  occurred_at: ColumnType<Date, never, never>;
  entity: "tenant" | "dimension" | "department" | "post" | "user" | "membership";
  entity_id: string;
  op: "created" | "updated" | "moved" | "merged" | "disabled" | "enabled" | "deleted";
  data: ColumnType<Record<string, unknown>, string | undefined, never>;
}

// ---- 0005 people ----
export interface MembershipsTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  department_id: string;
  dimension_id: string;
  is_primary: Generated<boolean>;
  post_id: string | null;
  title: string | null;
  sort_order: Generated<number>;
  created_at: Timestamp;
}

// ---- 0006 authz ----
export interface ScopedAdminsTable {
  id: Generated<string>;
  tenant_id: string;
  user_id: string;
  dimension_id: string;
  department_id: string;
  actions: string[];
  granted_by: string;
  parent_grant_id: string | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  created_at: Timestamp;
  /** 0012: HMAC over the row's canonical form (api/src/authz/integrity.ts); NULL is a mismatch after the backfill. */
  mac: Buffer | null;
}

export interface PoliciesTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  description: Generated<string>;
  published_version: number | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** 0012: HMAC over the row's canonical form (api/src/authz/integrity.ts); NULL is a mismatch after the backfill. */
  mac: Buffer | null;
}

export interface PolicyVersionsTable {
  policy_id: string;
  version: number;
  status: "draft" | "published" | "superseded";
  document: ColumnType<Record<string, unknown>, string, string>;
  created_by: string;
  created_at: Timestamp;
  published_by: string | null;
  published_at: Date | null;
  /** 0012: HMAC over the row's canonical form (api/src/authz/integrity.ts); NULL is a mismatch after the backfill. */
  mac: Buffer | null;
}

export interface PolicyGenerationsTable {
  tenant_id: string;
  /** bigint, as a string */
  generation: ColumnType<string, string | number | undefined, string | number>;
  updated_at: Timestamp;
}

export interface ApprovalsTable {
  id: Generated<string>;
  tenant_id: string;
  action: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  summary: Generated<string>;
  status: Generated<"pending" | "approved" | "rejected" | "expired" | "cancelled" | "failed">;
  proposed_by: string;
  proposer_role: string;
  decided_by: string | null;
  decider_role: string | null;
  decided_at: Date | null;
  reason: string | null;
  expires_at: Date;
  created_at: Timestamp;
}

export interface ApiClientsTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  secret_hash: string;
  scopes: Generated<string[]>;
  created_by: string;
  created_at: Timestamp;
  last_used_at: Date | null;
  revoked_at: Date | null;
  /** 0012: HMAC over the row's canonical form (api/src/authz/integrity.ts); NULL is a mismatch after the backfill. */
  mac: Buffer | null;
}

/** Versioned data keys, each wrapped by the KEK (migrations/0009, api/src/crypto/data-keys.ts). */
export interface DataKeysTable {
  id: Generated<string>;
  version: number;
  /** 0013: "kek-derived:<purpose>" holds a key that used to be derived from the KEK (crypto/data-keys.ts). */
  purpose: "fields" | `kek-derived:${string}`;
  /** NULL once destroyed (0013). */
  wrapped_key: string | null;
  state: Generated<"active" | "retiring" | "retired" | "destroyed">;
  created_at: Timestamp;
  destroyed_at: Date | null;
}

/** One data-key rotation and the re-encryption worker's progress (migrations/0009, api/src/keys/). */
export interface KeyRotationsTable {
  id: Generated<string>;
  tenant_id: string;
  started_by: string | null;
  purpose: "fields";
  from_version: number;
  to_version: number;
  state: Generated<"running" | "done" | "failed">;
  step: Generated<string>;
  cursor_id: string | null;
  pass: Generated<number>;
  total: number;
  done: Generated<number>;
  batches: Generated<number>;
  error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Date | null;
}

/** Signed exports of an audit search (migrations/0011, api/src/audit/export.ts). */
export interface AuditExportsTable {
  id: Generated<string>;
  tenant_id: string;
  created_by: string;
  created_by_name: string;
  created_by_role: string | null;
  format: "csv" | "xlsx";
  filter: ColumnType<Record<string, unknown>, string, string>;
  seq_bound: ColumnType<string, string, never>;
  total: ColumnType<string, number, never>;
  file_name: string;
  created_at: Timestamp;
  rows: ColumnType<string | null, never, number>;
  digest_alg: "SM3" | "SHA-256" | null;
  digest: Buffer | null;
  signed_at: ColumnType<Date | null, never, Date>;
  key_id: string | null;
  signature: Buffer | null;
  downloads: Generated<number>;
}

/** An auditor's saved searches, visible to their owner only (migrations/0011, api/src/audit/saved-searches.ts). */
export interface AuditSavedSearchesTable {
  id: Generated<string>;
  tenant_id: string;
  owner_id: string;
  name: string;
  filter: ColumnType<Record<string, unknown>, string, never>;
  created_at: Timestamp;
}

/** 0012: the one-time MAC backfill of access-control rows ran (api/src/authz/integrity-backfill.ts). */
export interface AclIntegrityStateTable {
  id: Generated<boolean>;
  backfilled_at: Generated<Date>;
  backfilled: ColumnType<Record<string, number>, string, string>;
  mac: Buffer | null;
}

// ---- Sensitive words (migrations/0015, api/src/words/) ----
export interface WordDictionariesTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  category: string;
  description: Generated<string>;
  enabled: Generated<boolean>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
}

export interface SensitiveWordsTable {
  id: Generated<string>;
  tenant_id: string;
  dictionary_id: string;
  word: string;
  folded: string;
  level: number;
  action: "block" | "replace" | "review";
  pinyin: Generated<boolean>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WordAllowListTable {
  id: Generated<string>;
  tenant_id: string;
  word: string;
  folded: string;
  note: Generated<string>;
  created_at: Timestamp;
  created_by: string | null;
}

export interface WordPublicationsTable {
  id: Generated<string>;
  tenant_id: string;
  version: number;
  snapshot: ColumnType<unknown, string, never>;
  word_count: number;
  allow_count: number;
  note: Generated<string>;
  rolled_back_to: number | null;
  published_by: string | null;
  published_by_name: string | null;
  published_at: Timestamp;
}

export interface WordActiveVersionsTable {
  tenant_id: string;
  version: number;
  updated_at: Timestamp;
}

export interface WordHitStatsTable {
  day: ColumnType<string, string, string>;
  tenant_id: string;
  category: string;
  word: string;
  app_id: Generated<string>;
  hits: ColumnType<string, number, number>;
}
// ---- end of sensitive words ----

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  role_assignments: RoleAssignmentsTable;
  acl_integrity_state: AclIntegrityStateTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
  audit_signing_keys: AuditSigningKeysTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_settings: AuditSettingsTable;
  audit_archives: AuditArchivesTable;
  rate_limit_hits: RateLimitHitsTable;
  password_history: PasswordHistoryTable;
  security_settings: SecuritySettingsTable;
  mfa_factors: MfaFactorsTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
  dimensions: DimensionsTable;
  departments: DepartmentsTable;
  posts: PostsTable;
  org_changes: OrgChangesTable;
  memberships: MembershipsTable;
  scoped_admins: ScopedAdminsTable;
  policies: PoliciesTable;
  policy_versions: PolicyVersionsTable;
  policy_generations: PolicyGenerationsTable;
  approvals: ApprovalsTable;
  api_clients: ApiClientsTable;
  data_keys: DataKeysTable;
  key_rotations: KeyRotationsTable;
  audit_exports: AuditExportsTable;
  audit_saved_searches: AuditSavedSearchesTable;
  // sensitive words (0015)
  word_dictionaries: WordDictionariesTable;
  sensitive_words: SensitiveWordsTable;
  word_allow_list: WordAllowListTable;
  word_publications: WordPublicationsTable;
  word_active_versions: WordActiveVersionsTable;
  word_hit_stats: WordHitStatsTable;
  // 0016 watermarks
  watermark_policies: WatermarkPoliciesTable;
  // 0017 monitors
  monitors: MonitorsTable;
  monitor_storage: { id: Generated<boolean>; mode: "native" | "timescale" };
  monitor_results: MonitorResultsTable;
  monitor_transitions: MonitorTransitionsTable;
  monitor_status: MonitorStatusTable;
  monitor_rollup_minute: MonitorRollupTable;
  monitor_rollup_hour: MonitorRollupTable;
  monitor_rollup_day: MonitorRollupTable;
  // 0019 alert rules, alerts, silences, signals
  alert_rules: AlertRulesTable;
  alerts: AlertsTable;
  alert_silences: AlertSilencesTable;
  alert_signals: AlertSignalsTable;
  monitor_certificates: MonitorCertificatesTable;
  // 0018 apps, maintenance windows, dependencies
  monitor_apps: MonitorAppsTable;
  maintenance_windows: MaintenanceWindowsTable;
  monitor_dependencies: MonitorDependenciesTable;
  // 0020 notifications
  notification_channels: NotificationChannelsTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_messages: NotificationMessagesTable;
  notification_message_reads: NotificationMessageReadsTable;
  // 0021 incidents
  incident_counters: { tenant_id: string; year: number; last: number };
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
  incident_settings: IncidentSettingsTable;
}

// ---- 0016 watermarks (api/src/watermarks/) ----
export interface WatermarkPoliciesTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  description: Generated<string>;
  enabled: Generated<boolean>;
  priority: Generated<number>;
  department_ids: Generated<string[]>;
  app_ids: Generated<string[]>;
  contexts: Generated<string[]>;
  valid_from: Date | null;
  valid_to: Date | null;
  template: string;
  custom_text: Generated<string>;
  font_size: number;
  color: string;
  opacity: number;
  rotate: number;
  gap_x: number;
  gap_y: number;
  visible: Generated<boolean>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_by: string | null;
  updated_at: Timestamp;
}

// ---- 0017 monitors (monitors/store.ts, api/src/monitors/) ----
export interface MonitorsTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  type: "http" | "tcp" | "dns" | "postgres" | "push";
  /** The definition monitors/config.ts validates; a JSON string on insert. */
  definition: ColumnType<Record<string, unknown>, string, string>;
  paused: Generated<boolean>;
  version: Generated<number>;
  created_at: Generated<Date>;
  created_by: string | null;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface MonitorResultsTable {
  monitor_id: string;
  at: Date;
  state: "up" | "degraded" | "down";
  latency_ms: number;
  reason: string;
  message: Generated<string>;
}

export interface MonitorTransitionsTable {
  monitor_id: string;
  at: Date;
  state: "up" | "degraded" | "down" | "unknown";
  reason: Generated<string>;
}

export interface MonitorStatusTable {
  monitor_id: string;
  state: "up" | "degraded" | "down" | "unknown";
  since: Date;
  last_result_at: Date | null;
  last_latency_ms: number | null;
  last_reason: string | null;
}

export interface MonitorRollupTable {
  monitor_id: string;
  bucket: Date;
  checks: number;
  up_count: number;
  degraded_count: number;
  down_count: number;
  latency_sum_ms: ColumnType<string, number | string, number | string>;
  latency_max_ms: number;
}

// ---- 0018 apps, maintenance windows, dependencies (monitors/*-store.ts, api/src/monitors/) ----
export interface MonitorAppsTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  kind: Generated<"app" | "platform">;
  group_name: string | null;
  combine_rule: Generated<"all" | "any">;
  sla_target: Generated<number>;
  description: Generated<string>;
  version: Generated<number>;
  created_at: Generated<Date>;
  created_by: string | null;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface MaintenanceWindowsTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  description: Generated<string>;
  /** The stored window (monitors/maintenance-store.ts, StoredMaintenance); a JSON string on insert. */
  definition: ColumnType<Record<string, unknown>, string, string>;
  monitor_ids: Generated<string[]>;
  app_ids: Generated<string[]>;
  enabled: Generated<boolean>;
  not_before: Date | null;
  not_after: Date | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  created_by: string | null;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface MonitorDependenciesTable {
  monitor_id: string;
  depends_on: string;
  created_at: Generated<Date>;
}

// ---- 0021 incidents (monitors/incident-store.ts, api/src/incidents/) ----
export interface IncidentsTable {
  id: Generated<string>;
  tenant_id: string;
  number: string;
  title: string;
  description: Generated<string>;
  grade: "I" | "II" | "III" | "IV";
  state: Generated<"open" | "acknowledged" | "mitigated" | "resolved" | "closed">;
  opened_at: Generated<Date>;
  acknowledged_at: Date | null;
  mitigated_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  respond_by: Date;
  fix_by: Date;
  respond_breached_at: Date | null;
  fix_breached_at: Date | null;
  alert_id: string | null;
  monitor_id: string | null;
  /** [{ kind: "user" | "channel", id }]; a JSON string on insert. */
  contacts: ColumnType<{ kind: "user" | "channel"; id: string }[], string | undefined, string>;
  escalation_level: Generated<number>;
  review: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  version: Generated<number>;
  created_by: string | null;
  updated_at: Generated<Date>;
}

export interface IncidentEventsTable {
  id: Generated<string>;
  incident_id: string;
  at: Generated<Date>;
  kind:
    | "opened"
    | "acknowledged"
    | "mitigated"
    | "resolved"
    | "reopened"
    | "closed"
    | "regraded"
    | "comment"
    | "contacts"
    | "review"
    | "breach"
    | "escalated";
  actor_id: string | null;
  actor_name: string | null;
  from_value: string | null;
  to_value: string | null;
  note: Generated<string>;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface IncidentSettingsTable {
  tenant_id: string;
  /** Grade → { respondMinutes, fixMinutes } (monitors/incidents.ts); a JSON string on write. */
  deadlines: ColumnType<Record<string, { respondMinutes: number; fixMinutes: number }>, string, string>;
  version: Generated<number>;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

// ---- 0020 notifications (monitors/notify/, api/src/notifications/) ----
export type NotificationChannelType = "webhook" | "sms" | "email" | "console";
export type NotificationSourceKind = "alert" | "incident" | "test";
export type NotificationSeverity = "critical" | "warning" | "info";

export interface NotificationChannelsTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  type: NotificationChannelType;
  /**
   * The validated channel settings; secrets masked in place and sealed under the key `sealed`
   * (api/src/notifications/secrets.ts); a JSON string on insert.
   */
  config: ColumnType<Record<string, unknown>, string, string>;
  enabled: Generated<boolean>;
  description: Generated<string>;
  version: Generated<number>;
  created_at: Generated<Date>;
  created_by: string | null;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface NotificationDeliveriesTable {
  id: Generated<string>;
  tenant_id: string;
  channel_id: string | null;
  channel_name: string;
  channel_type: NotificationChannelType;
  source_kind: NotificationSourceKind;
  source_id: string | null;
  severity: NotificationSeverity;
  title_zh: string;
  title_en: string;
  text_zh: string;
  text_en: string;
  link: string | null;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  state: Generated<"pending" | "delivered" | "failed">;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  last_ms: number | null;
  delivered_at: Date | null;
  created_at: Generated<Date>;
}

export interface NotificationMessagesTable {
  id: Generated<string>;
  tenant_id: string;
  delivery_id: string | null;
  recipient_user_id: string | null;
  recipient_role: "sysadmin" | "secadmin" | "auditadmin" | "viewer" | null;
  source_kind: NotificationSourceKind;
  source_id: string | null;
  severity: NotificationSeverity;
  title_zh: string;
  title_en: string;
  text_zh: string;
  text_en: string;
  link: string | null;
  created_at: Generated<Date>;
}

export interface NotificationMessageReadsTable {
  message_id: string;
  user_id: string;
  read_at: Generated<Date>;
}

// ---- 0019 alert rules, alerts, silences, signals (monitors/alerting/, api/src/alerts/) ----
export interface AlertRulesTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  category: "monitor_state" | "latency" | "burn_rate" | "cert_expiry" | "signal";
  /** The category's parameters (monitors/alerting/rules.ts); a JSON string on insert. */
  params: ColumnType<Record<string, unknown>, string, string>;
  severity: "critical" | "warning" | "info";
  channel_ids: Generated<string[]>;
  incident_grade: "I" | "II" | "III" | "IV" | null;
  enabled: Generated<boolean>;
  description: Generated<string>;
  version: Generated<number>;
  created_at: Generated<Date>;
  created_by: string | null;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface AlertsTable {
  id: Generated<string>;
  tenant_id: string;
  rule_id: string | null;
  rule_name: string;
  category: string;
  fingerprint: string;
  /** A JSON string on insert. */
  labels: ColumnType<Record<string, string>, string, string>;
  severity: "critical" | "warning" | "info";
  state: Generated<"firing" | "acknowledged" | "resolved">;
  summary: string;
  summary_zh: string;
  value: number | null;
  first_seen: Date;
  last_seen: Date;
  count: Generated<number>;
  root_monitor_id: string | null;
  dependents: Generated<string[]>;
  silenced: Generated<boolean>;
  incident_id: string | null;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolved_reason: "cleared" | "manual" | "rule-disabled" | "rule-deleted" | null;
}

export interface AlertSilencesTable {
  id: Generated<string>;
  tenant_id: string;
  /** monitors/alerts.ts Matcher[]; a JSON string on insert. */
  matchers: ColumnType<{ label: string; value: string; regex?: boolean; negate?: boolean }[], string, string>;
  starts_at: Date;
  ends_at: Date;
  comment: Generated<string>;
  version: Generated<number>;
  created_at: Generated<Date>;
  created_by: string | null;
  updated_at: Generated<Date>;
  updated_by: string | null;
}

export interface AlertSignalsTable {
  id: ColumnType<string, never, never>;
  tenant_id: string;
  name: string;
  key: string;
  value: Generated<number>;
  at: Date;
  received_at: Generated<Date>;
}

export interface MonitorCertificatesTable {
  monitor_id: string;
  valid_to: Date | null;
  subject: string | null;
  checked_at: Date;
  error: string | null;
}
