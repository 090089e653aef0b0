-- Up Migration

-- Watermark policies (docs/watermarks.md; api/src/watermarks/). A policy says which viewers get which
-- watermark: a scope (department subtrees, business apps, contexts; an empty list matches anything),
-- a priority, an optional effective period, a template over the viewer's fields and a style. Exactly
-- one policy applies per viewer (resolve.ts); the rules that pick it read these columns only.
--
-- The style is kept in columns rather than a jsonb document so that the database itself refuses a
-- colour or a range the renderer cannot draw, whoever writes the row. The bounds are the schema's
-- (schemas.ts) and must change with it.
CREATE TABLE IF NOT EXISTS watermark_policies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
  enabled boolean NOT NULL DEFAULT true,
  -- Higher wins; ties go to the more specific scope (resolve.ts).
  priority integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN -1000 AND 1000),
  -- Each department stands for its whole subtree. Not a foreign key: an array cannot be one, and a
  -- department is never deleted (merged or disabled, it keeps its row); the service checks on save
  -- that each exists in the tenant.
  department_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(department_ids) <= 100),
  app_ids text[] NOT NULL DEFAULT '{}' CHECK (cardinality(app_ids) <= 100),
  contexts text[] NOT NULL DEFAULT '{}'
    CHECK (contexts <@ ARRAY['chat', 'external-group', 'file-preview', 'screen-share', 'document', 'app']::text[]),
  -- [valid_from, valid_to): either end open when NULL.
  valid_from timestamptz,
  valid_to timestamptz,
  template text NOT NULL CHECK (length(template) BETWEEN 1 AND 200),
  -- The value of the template's {text} field.
  custom_text text NOT NULL DEFAULT '' CHECK (length(custom_text) <= 100),
  font_size integer NOT NULL CHECK (font_size BETWEEN 8 AND 72),
  color text NOT NULL CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
  opacity double precision NOT NULL CHECK (opacity > 0 AND opacity <= 1),
  rotate integer NOT NULL CHECK (rotate BETWEEN -90 AND 90),
  gap_x integer NOT NULL CHECK (gap_x BETWEEN 0 AND 1000),
  gap_y integer NOT NULL CHECK (gap_y BETWEEN 0 AND 1000),
  visible boolean NOT NULL DEFAULT true,
  -- Optimistic concurrency (If-Match) and part of the effective watermark's ETag.
  version integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to > valid_from)
);

-- Names are how admins tell policies apart in the console and in the audit log.
CREATE UNIQUE INDEX IF NOT EXISTS watermark_policies_name_idx ON watermark_policies (tenant_id, lower(name));
-- Resolution reads every policy of one tenant; the list sorts them by priority by default.
CREATE INDEX IF NOT EXISTS watermark_policies_tenant_idx ON watermark_policies (tenant_id, priority DESC);

-- Down Migration
DROP TABLE IF EXISTS watermark_policies;
