import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import {
  dropServerDatabase,
  emptyServerDatabase,
  mode,
  type TestDatabase,
  testDatabase,
} from "../../../test/support/db";
import { expectedMigrations, MIGRATIONS_DIR, migrateUp, pendingMigrations } from "./migrate";

let database: TestDatabase;
before(async () => {
  database = await testDatabase();
});
after(() => database?.close());

/** The columns the code (schema.ts) relies on, table by table; a migration that changes them updates both. */
const cols = (names: string) => names.split(" ");
const EXPECTED_COLUMNS: Record<string, string[]> = {
  acl_integrity_state: cols("id backfilled_at backfilled mac"),
  api_clients: cols("id tenant_id name secret_hash scopes created_by created_at last_used_at revoked_at mac"),
  approvals: cols(
    "id tenant_id action payload summary status proposed_by proposer_role decided_by decider_role decided_at reason expires_at created_at",
  ),
  audit_archives: cols(
    "id from_chain_seq to_chain_seq first_prev_hash last_hash hash_alg events from_occurred_at to_occurred_at file_name file_digest manifest_name signature key_id created_at",
  ),
  audit_chain_head: cols("id seq hash hash_alg genesis_seq updated_at v1_end_seq"),
  audit_checkpoints: cols("id seq hash hash_alg signed_at key_id signature"),
  audit_events: cols(
    "seq occurred_at tenant_id actor_id actor_name actor_role action target_type target_id result detail ip user_agent request_id prev_hash hash chain_seq",
  ),
  audit_exports: cols(
    "id tenant_id created_by created_by_name created_by_role format filter seq_bound total file_name created_at rows digest_alg digest signed_at key_id signature downloads",
  ),
  audit_saved_searches: cols("id tenant_id owner_id name filter created_at"),
  audit_settings: cols(
    "id retention_days storage_limit_bytes alert_threshold_percent storage_alert_active storage_alert_changed_at version updated_at updated_by",
  ),
  audit_signing_keys: cols("id algorithm public_key sealed_private_key created_at"),
  data_keys: cols("id version purpose wrapped_key state created_at destroyed_at"),
  departments: cols(
    "id tenant_id dimension_id parent_id path name code name_pinyin name_initials sort_order status merged_into version created_at updated_at",
  ),
  dimensions: cols("id tenant_id code name kind sort_order version created_at updated_at"),
  key_rotations: cols(
    "id tenant_id started_by purpose from_version to_version state step cursor_id pass total done batches error created_at updated_at finished_at",
  ),
  memberships: cols("id tenant_id user_id department_id dimension_id is_primary post_id title sort_order created_at"),
  mfa_challenges: cols("id session_id nonce expires_at used_at"),
  mfa_factors: cols("id tenant_id user_id kind label secret confirmed_at last_step created_at"),
  mfa_recovery_codes: cols("id user_id code_hash used_at created_at"),
  monitor_results: cols("monitor_id at state latency_ms reason message"),
  monitor_rollup_day: cols("monitor_id bucket checks up_count degraded_count down_count latency_sum_ms latency_max_ms"),
  monitor_rollup_hour: cols(
    "monitor_id bucket checks up_count degraded_count down_count latency_sum_ms latency_max_ms",
  ),
  monitor_rollup_minute: cols(
    "monitor_id bucket checks up_count degraded_count down_count latency_sum_ms latency_max_ms",
  ),
  monitor_status: cols("monitor_id state since last_result_at last_latency_ms last_reason"),
  monitor_storage: cols("id mode"),
  monitor_transitions: cols("monitor_id at state reason"),
  monitors: cols("id tenant_id name type definition paused version created_at created_by updated_at updated_by"),
  org_changes: cols("seq tenant_id occurred_at entity entity_id op data"),
  password_history: cols("id user_id password_hash created_at"),
  policies: cols("id tenant_id name description published_version version created_at updated_at mac"),
  policy_generations: cols("tenant_id generation updated_at"),
  policy_versions: cols("policy_id version status document created_by created_at published_by published_at mac"),
  posts: cols("id tenant_id code name sort_order version created_at updated_at"),
  rate_limit_hits: cols("key window_start hits"),
  role_assignments: cols("id tenant_id user_id role created_at mac"),
  scoped_admins: cols(
    "id tenant_id user_id dimension_id department_id actions granted_by parent_grant_id expires_at revoked_at revoked_by created_at mac",
  ),
  security_settings: cols("tenant_id settings version updated_at updated_by"),
  sensitive_words: cols("id tenant_id dictionary_id word folded level action pinyin version created_at updated_at"),
  sessions: cols(
    "id tenant_id user_id created_at last_seen_at idle_timeout_seconds expires_at revoked_at ip user_agent mfa_verified_at mfa_method mfa_required mfa_failures revoke_reason",
  ),
  tenants: cols("id code name created_at status version updated_at"),
  users: cols(
    "id tenant_id username display_name password_hash must_change_password password_changed_at status created_at updated_at failed_logins locked_until employee_no phone_enc phone_bidx phone_last4 email_enc email_bidx name_pinyin name_initials clearance_level attributes version deleted_at erase_after erased_at",
  ),
  watermark_policies: cols(
    "id tenant_id name description enabled priority department_ids app_ids contexts valid_from valid_to template custom_text font_size color opacity rotate gap_x gap_y visible version created_by created_at updated_by updated_at",
  ),
  word_active_versions: cols("tenant_id version updated_at"),
  word_allow_list: cols("id tenant_id word folded note created_at created_by"),
  word_dictionaries: cols(
    "id tenant_id name category description enabled version created_at updated_at created_by updated_by",
  ),
  word_hit_stats: cols("day tenant_id category word app_id hits"),
  word_publications: cols(
    "id tenant_id version snapshot word_count allow_count note rolled_back_to published_by published_by_name published_at",
  ),
};

test("migrating up from empty gives the schema the code expects, with every table keyed", async () => {
  const { rows } = await database.pool.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = ANY($1)`,
    [Object.keys(EXPECTED_COLUMNS)],
  );
  for (const [table, columns] of Object.entries(EXPECTED_COLUMNS)) {
    const actual = rows.filter((r) => r.table_name === table).map((r) => r.column_name);
    assert.deepEqual([...actual].sort(), [...columns].sort(), table);
  }
  const unkeyed = await database.pool.query(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')`,
  );
  assert.deepEqual(unkeyed.rows, [], "every table has a primary key");
  assert.deepEqual(await pendingMigrations(database.pool, expectedMigrations()), []);
  assert.deepEqual(await pendingMigrations(database.pool, [...expectedMigrations(), "9999_future"]), ["9999_future"]);
});

test("a migration that fails leaves the schema as it was", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tianshu-mig-"));
  try {
    for (const f of fs.readdirSync(MIGRATIONS_DIR)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    fs.writeFileSync(
      path.join(dir, "9998_good_part.sql"),
      "-- Up Migration\nCREATE TABLE probe_one (id int PRIMARY KEY);\n-- Down Migration\nDROP TABLE probe_one;\n",
    );
    fs.writeFileSync(
      path.join(dir, "9999_broken.sql"),
      "-- Up Migration\nCREATE TABLE probe_two (id int PRIMARY KEY);\nSELECT 1/0;\n-- Down Migration\n",
    );
    await assert.rejects(
      migrateUp(database.pool, () => {}, dir),
      /division by zero/,
    );
    const probes = await database.pool.query("SELECT to_regclass('probe_one') AS a, to_regclass('probe_two') AS b");
    assert.deepEqual(probes.rows[0], { a: null, b: null }, "no part of the pending migrations remains");
    assert.deepEqual(await pendingMigrations(database.pool, expectedMigrations(dir)), [
      "9998_good_part",
      "9999_broken",
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "two instances migrating an empty database at the same time: both succeed, each migration runs once",
  {
    skip: mode === "embedded" ? "the embedded database serves one process by design (data-dir lock)" : false,
  },
  async () => {
    const url = await emptyServerDatabase();
    const pools = [new pg.Pool({ connectionString: url, max: 1 }), new pg.Pool({ connectionString: url, max: 1 })];
    for (const p of pools) p.on("error", () => {}); // the final DROP … WITH (FORCE) may hit an idle client
    try {
      const results = await Promise.all(pools.map((p) => migrateUp(p, () => {})));
      assert.deepEqual(results.flat().sort(), expectedMigrations(), "the migrations were applied exactly once in all");
      const runs = await pools[0]?.query("SELECT name, count(*)::int AS n FROM pgmigrations GROUP BY name");
      for (const row of runs?.rows ?? []) assert.equal(row.n, 1, row.name);
      assert.deepEqual(await pendingMigrations(pools[0] as pg.Pool, expectedMigrations()), []);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await dropServerDatabase(url);
    }
  },
);
