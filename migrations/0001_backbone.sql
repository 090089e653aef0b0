-- Up Migration

-- Tenants: every tenant-owned row carries tenant_id (ARCHITECTURE §4.4).
CREATE TABLE IF NOT EXISTS tenants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  username text NOT NULL CHECK (username ~ '^[A-Za-z0-9._@-]{1,64}$'),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  -- "pbkdf2-sm3$<iterations>$<salt>$<hash>" (base64url); see api/src/auth/password.ts
  password_hash text NOT NULL,
  must_change_password boolean NOT NULL DEFAULT true,
  password_changed_at timestamptz,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS users_tenant_username_key ON users (tenant_id, lower(username));

-- Role assignments. The three system admin roles are mutually exclusive per account (三员分立):
-- the partial unique index makes the database itself refuse a second admin role on one user.
CREATE TABLE IF NOT EXISTS role_assignments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  user_id uuid NOT NULL REFERENCES users(id),
  role text NOT NULL CHECK (role ~ '^[a-z][a-z0-9_-]{0,62}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS role_assignments_one_admin_role
  ON role_assignments (user_id) WHERE role IN ('sysadmin', 'secadmin', 'auditadmin');
CREATE UNIQUE INDEX IF NOT EXISTS role_assignments_user_role_key ON role_assignments (user_id, role);

-- Server-side sessions. id is the SM3 hash of the cookie token, so a leaked table grants nothing.
CREATE TABLE IF NOT EXISTS sessions (
  id text PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  user_id uuid NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  idle_timeout_seconds integer NOT NULL CHECK (idle_timeout_seconds > 0),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  ip text,
  user_agent text
);
CREATE INDEX IF NOT EXISTS sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- Audit events: append-only, time-partitioned from the start (time column in the primary key,
-- so retention is a partition drop). The hash chain and signed checkpoints arrive with the audit issue.
CREATE SEQUENCE IF NOT EXISTS audit_events_seq AS bigint;
CREATE TABLE IF NOT EXISTS audit_events (
  seq bigint NOT NULL DEFAULT nextval('audit_events_seq'),
  occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  tenant_id uuid,
  actor_id uuid,
  actor_name text,
  actor_role text,
  action text NOT NULL,
  target_type text,
  target_id text,
  result text NOT NULL CHECK (result IN ('success', 'failure', 'denied')),
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip text,
  user_agent text,
  request_id text,
  PRIMARY KEY (occurred_at, seq)
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE audit_events_seq OWNED BY audit_events.seq;
CREATE TABLE IF NOT EXISTS audit_events_default PARTITION OF audit_events DEFAULT;
CREATE INDEX IF NOT EXISTS audit_events_seq_idx ON audit_events (seq);
CREATE INDEX IF NOT EXISTS audit_events_actor_role_idx ON audit_events (actor_role, occurred_at);

CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();

-- Creates the monthly partitions of a range-partitioned table from this month to months_ahead,
-- so rows land in a droppable partition instead of the default one. Called at start and by the scheduler.
CREATE OR REPLACE FUNCTION ensure_monthly_partitions(parent text, months_ahead integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  created integer := 0;
  month_start date;
  part_name text;
BEGIN
  FOR i IN 0..months_ahead LOOP
    month_start := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date;
    part_name := format('%s_%s', parent, to_char(month_start, 'YYYYMM'));
    IF to_regclass(part_name) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
        part_name, parent, month_start::timestamp AT TIME ZONE 'UTC',
        (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END;
$$;

-- Down Migration
DROP FUNCTION IF EXISTS ensure_monthly_partitions(text, integer);
DROP TABLE IF EXISTS audit_events;
DROP FUNCTION IF EXISTS audit_events_refuse_change();
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS role_assignments;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS tenants;
