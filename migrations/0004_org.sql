-- Up Migration

-- The organisation (统一组织架构, issue 3): tenants gain a lifecycle; inside a tenant, several
-- dimensions (administrative, party, project, virtual…), each a tree of departments; posts (岗位).

ALTER TABLE tenants ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled'));
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1 CHECK (version > 0);
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now();

CREATE TABLE IF NOT EXISTS dimensions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind text NOT NULL CHECK (kind IN ('administrative', 'party', 'project', 'virtual', 'other')),
  sort_order integer NOT NULL DEFAULT 0,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS dimensions_tenant_code_key ON dimensions (tenant_id, code);

-- A department. `path` is the chain of ancestor ids from the root down to and including itself,
-- so "in the subtree of D" is `path @> ARRAY[D]` (GIN-indexed) and a move rewrites the subtree's
-- paths in one UPDATE. `version` is the optimistic-concurrency token (ETag).
CREATE TABLE IF NOT EXISTS departments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  dimension_id uuid NOT NULL REFERENCES dimensions(id),
  parent_id uuid REFERENCES departments(id),
  path uuid[] NOT NULL CHECK (cardinality(path) BETWEEN 1 AND 32),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  code text CHECK (code IS NULL OR length(code) BETWEEN 1 AND 64),
  name_pinyin text NOT NULL DEFAULT '',
  name_initials text NOT NULL DEFAULT '',
  sort_order integer NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'merged')),
  merged_into uuid REFERENCES departments(id),
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (path[cardinality(path)] = id)
);
CREATE INDEX IF NOT EXISTS departments_path_gin ON departments USING gin (path);
CREATE INDEX IF NOT EXISTS departments_parent_idx ON departments (parent_id, sort_order);
CREATE INDEX IF NOT EXISTS departments_dimension_idx ON departments (tenant_id, dimension_id);
-- Sibling names are unique among live departments (merged ones keep their name for history).
CREATE UNIQUE INDEX IF NOT EXISTS departments_sibling_name_key
  ON departments (dimension_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name))
  WHERE status <> 'merged';
CREATE UNIQUE INDEX IF NOT EXISTS departments_tenant_code_key ON departments (tenant_id, code) WHERE code IS NOT NULL;

CREATE TABLE IF NOT EXISTS posts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  code text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  sort_order integer NOT NULL DEFAULT 0,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS posts_tenant_code_key ON posts (tenant_id, code);

-- The change feed for business systems that sync the org tree (统一组织架构对接):
-- `GET /api/v1/org-changes?after=<seq>`. Writers append under a per-tenant advisory lock held to
-- commit (api/src/orgs/changes.ts), so a tenant's rows become visible in seq order: a reader that
-- has seen seq N never later finds a committed row of its tenant below N.
CREATE TABLE IF NOT EXISTS org_changes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  entity text NOT NULL CHECK (entity IN ('tenant', 'dimension', 'department', 'post', 'user', 'membership')),
  entity_id uuid NOT NULL,
  op text NOT NULL CHECK (op IN ('created', 'updated', 'moved', 'merged', 'disabled', 'enabled', 'deleted')),
  data jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS org_changes_tenant_seq_idx ON org_changes (tenant_id, seq);

-- Down Migration
DROP TABLE IF EXISTS org_changes;
DROP TABLE IF EXISTS posts;
DROP TABLE IF EXISTS departments;
DROP TABLE IF EXISTS dimensions;
ALTER TABLE tenants DROP COLUMN IF EXISTS updated_at;
ALTER TABLE tenants DROP COLUMN IF EXISTS version;
ALTER TABLE tenants DROP COLUMN IF EXISTS status;
