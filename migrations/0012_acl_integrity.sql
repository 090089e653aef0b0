-- Up Migration

-- Integrity of access-control data (密评, GB/T 39786 "访问控制信息完整性"; docs/policies.md
-- "Integrity of access-control data"). Every row that decides who may do what carries a MAC
-- (HMAC-SM3 under the gm crypto profile, HMAC-SHA256 under intl) computed by the API with a key
-- derived from the KEK, so nobody with only database access can forge, change or swap such a row.
-- The canonical form of each row kind is in api/src/authz/integrity.ts. A NULL mac is a mismatch
-- once the one-time backfill below has run.
ALTER TABLE role_assignments ADD COLUMN IF NOT EXISTS mac bytea;
ALTER TABLE scoped_admins ADD COLUMN IF NOT EXISTS mac bytea;
ALTER TABLE policies ADD COLUMN IF NOT EXISTS mac bytea;
ALTER TABLE policy_versions ADD COLUMN IF NOT EXISTS mac bytea;
ALTER TABLE api_clients ADD COLUMN IF NOT EXISTS mac bytea;

-- Rows written before this migration get their MAC once, at the first start after it, in one audited
-- transaction (audit event integrity.backfill). This row records that it ran, beside the audit event:
-- the backfill never runs again while either exists, so a row inserted or nulled later in SQL is
-- never "backfilled" into legitimacy. The row is MACed as well (kind acl_integrity_state).
CREATE TABLE IF NOT EXISTS acl_integrity_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  backfilled_at timestamptz NOT NULL DEFAULT now(),
  -- Rows given a MAC by the backfill, per table.
  backfilled jsonb NOT NULL DEFAULT '{}'::jsonb,
  mac bytea
);

-- Down Migration
DROP TABLE IF EXISTS acl_integrity_state;
ALTER TABLE api_clients DROP COLUMN IF EXISTS mac;
ALTER TABLE policy_versions DROP COLUMN IF EXISTS mac;
ALTER TABLE policies DROP COLUMN IF EXISTS mac;
ALTER TABLE scoped_admins DROP COLUMN IF EXISTS mac;
ALTER TABLE role_assignments DROP COLUMN IF EXISTS mac;
