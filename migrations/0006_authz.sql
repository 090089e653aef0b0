-- Up Migration

-- Delegated administration, authored ABAC policies, the two-person rule and API clients (issue 3).

-- A scoped admin (分级管理员): a user granted a set of actions over a department subtree of one
-- dimension. `actions` ⊆ {users.manage, departments.manage, view, delegate}.
CREATE TABLE IF NOT EXISTS scoped_admins (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  user_id uuid NOT NULL REFERENCES users(id),
  dimension_id uuid NOT NULL REFERENCES dimensions(id),
  department_id uuid NOT NULL REFERENCES departments(id),
  actions text[] NOT NULL CHECK (cardinality(actions) BETWEEN 1 AND 8)
    CHECK (actions <@ ARRAY['users.manage', 'departments.manage', 'view', 'delegate']::text[]),
  granted_by uuid NOT NULL REFERENCES users(id),
  -- The scoped admin grant this one was delegated from (NULL: granted by secadmin). Revoking a
  -- grant revokes every grant delegated from it, down the chain.
  parent_grant_id uuid REFERENCES scoped_admins(id),
  expires_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Nobody grants to themselves: secadmin holds an admin role, a scoped admin cannot widen itself.
  CHECK (user_id <> granted_by),
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX IF NOT EXISTS scoped_admins_user_idx ON scoped_admins (user_id) WHERE revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS scoped_admins_department_idx ON scoped_admins (tenant_id, department_id);
CREATE INDEX IF NOT EXISTS scoped_admins_parent_idx ON scoped_admins (parent_grant_id) WHERE parent_grant_id IS NOT NULL;

-- Secadmin-authored ABAC policies. A policy's document lives in versions: draft → published;
-- at most one published version per policy (the one in force); earlier ones can be restored.
CREATE TABLE IF NOT EXISTS policies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
  published_version integer,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS policies_tenant_name_key ON policies (tenant_id, lower(name));

CREATE TABLE IF NOT EXISTS policy_versions (
  policy_id uuid NOT NULL REFERENCES policies(id),
  version integer NOT NULL CHECK (version > 0),
  status text NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
  document jsonb NOT NULL,
  created_by uuid NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  published_by uuid REFERENCES users(id),
  published_at timestamptz,
  PRIMARY KEY (policy_id, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS policy_versions_one_published ON policy_versions (policy_id) WHERE status = 'published';

-- The tenant's policy generation: bumped in the transaction of every publish/restore/grant change,
-- so decision caches key on it and NOTIFY carries it to the other instances.
CREATE TABLE IF NOT EXISTS policy_generations (
  tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
  generation bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Two-person rule (双人复核): a sensitive action proposed by one admin takes effect only when an admin
-- of another role approves it before it expires.
CREATE TABLE IF NOT EXISTS approvals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  action text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
  payload jsonb NOT NULL,
  summary text NOT NULL DEFAULT '' CHECK (length(summary) <= 500),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled', 'failed')),
  proposed_by uuid NOT NULL REFERENCES users(id),
  -- The proposer's admin role, or 'user' for an account without one (a scoped admin delegating):
  -- the duty matrix lets only an admin of another role decide (Approval proposerRole condition).
  proposer_role text NOT NULL CHECK (proposer_role IN ('sysadmin', 'secadmin', 'auditadmin', 'user')),
  decided_by uuid REFERENCES users(id),
  decider_role text,
  decided_at timestamptz,
  -- Why it was approved, rejected or cancelled, or why its execution failed.
  reason text CHECK (reason IS NULL OR length(reason) <= 500),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (decided_by IS NULL OR decided_by <> proposed_by),
  CHECK (expires_at > created_at)
);
CREATE INDEX IF NOT EXISTS approvals_tenant_status_idx ON approvals (tenant_id, status, created_at DESC);

-- Credentials for business apps calling the policy decision point (POST /api/v1/authz/check).
-- secret_hash is the SM3 digest of the bearer secret, never the secret.
CREATE TABLE IF NOT EXISTS api_clients (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  secret_hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL DEFAULT ARRAY['authz:check'],
  created_by uuid NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- Down Migration
DROP TABLE IF EXISTS api_clients;
DROP TABLE IF EXISTS approvals;
DROP TABLE IF EXISTS policy_generations;
DROP TABLE IF EXISTS policy_versions;
DROP TABLE IF EXISTS policies;
DROP TABLE IF EXISTS scoped_admins;
