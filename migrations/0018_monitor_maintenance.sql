-- Up Migration

-- Apps and services, maintenance windows and dependencies between monitors (docs/monitors.md,
-- "Apps and groups", "Maintenance windows", "Alerts"). Platform-level like monitors (0017): tenant_id
-- is the platform tenant's.

-- The apps and platform services monitors watch. A monitor names its app in definition.appId; an
-- app's availability combines its monitors' timelines with its rule ('all': every monitor needed,
-- 'any': redundant monitors); apps with the same group_name pool into a group's figure.
CREATE TABLE IF NOT EXISTS monitor_apps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  kind text NOT NULL DEFAULT 'app' CHECK (kind IN ('app', 'platform')),
  group_name text CHECK (group_name IS NULL OR length(group_name) BETWEEN 1 AND 100),
  combine_rule text NOT NULL DEFAULT 'all' CHECK (combine_rule IN ('all', 'any')),
  sla_target double precision NOT NULL DEFAULT 0.999 CHECK (sla_target BETWEEN 0.9 AND 0.99999),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  UNIQUE (tenant_id, name)
);
CREATE INDEX IF NOT EXISTS monitor_apps_group_idx ON monitor_apps (tenant_id, group_name);
-- Which monitors belong to an app (the SLA of an app, "app in use" on delete).
CREATE INDEX IF NOT EXISTS monitors_app_idx ON monitors ((definition ->> 'appId'));

-- Maintenance windows: the definition is what monitors/maintenance.ts validates (times as ISO
-- strings), applied to the monitors listed and to every monitor of the apps listed. not_before and
-- not_after bound the instants any occurrence can cover (null: unbounded), so readers fetch only the
-- windows that can touch their range.
CREATE TABLE IF NOT EXISTS maintenance_windows (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
  definition jsonb NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
  monitor_ids uuid[] NOT NULL DEFAULT '{}',
  app_ids uuid[] NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  not_before timestamptz,
  not_after timestamptz,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  CHECK (cardinality(monitor_ids) + cardinality(app_ids) BETWEEN 1 AND 1000)
);
CREATE INDEX IF NOT EXISTS maintenance_windows_tenant_idx ON maintenance_windows (tenant_id, name);
CREATE INDEX IF NOT EXISTS maintenance_windows_monitors_idx ON maintenance_windows USING gin (monitor_ids);
CREATE INDEX IF NOT EXISTS maintenance_windows_apps_idx ON maintenance_windows USING gin (app_ids);

-- Direct dependencies: monitor_id depends on depends_on (a business app on the identity service).
-- Acyclic (the API refuses cycles); deleting either monitor removes the edge.
CREATE TABLE IF NOT EXISTS monitor_dependencies (
  monitor_id uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
  depends_on uuid NOT NULL REFERENCES monitors (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (monitor_id, depends_on),
  CHECK (monitor_id <> depends_on)
);
CREATE INDEX IF NOT EXISTS monitor_dependencies_depends_on_idx ON monitor_dependencies (depends_on);

-- Down Migration

DROP TABLE IF EXISTS monitor_dependencies;
DROP TABLE IF EXISTS maintenance_windows;
DROP INDEX IF EXISTS monitors_app_idx;
DROP TABLE IF EXISTS monitor_apps;
