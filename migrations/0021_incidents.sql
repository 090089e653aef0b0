-- Up Migration

-- Graded incidents I–IV (docs/monitors.md, "Incidents"): the incident, its timeline and each tenant's
-- deadline table. The rules (grades, deadlines, lifecycle, breaches, escalation, statistics) are the
-- pure functions of monitors/incidents.ts; storage is monitors/incident-store.ts.

-- Per tenant and year, the last number given: INC-2026-0001, INC-2026-0002, … An upsert on this row
-- hands out numbers without gaps from concurrent openings (the row lock orders them).
CREATE TABLE IF NOT EXISTS incident_counters (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  year integer NOT NULL CHECK (year BETWEEN 2000 AND 9999),
  last integer NOT NULL CHECK (last > 0),
  PRIMARY KEY (tenant_id, year)
);

CREATE TABLE IF NOT EXISTS incidents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  number text NOT NULL CHECK (number ~ '^INC-[0-9]{4}-[0-9]{4,}$'),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  grade text NOT NULL CHECK (grade IN ('I', 'II', 'III', 'IV')),
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'mitigated', 'resolved', 'closed')),
  opened_at timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  mitigated_at timestamptz,
  resolved_at timestamptz,
  closed_at timestamptz,
  -- Deadlines under the current grade and the tenant's table, from the opening (recomputed on regrade).
  respond_by timestamptz NOT NULL,
  fix_by timestamptz NOT NULL,
  -- When the leader job recorded each breach (once; escalation happens with the mark).
  respond_breached_at timestamptz,
  fix_breached_at timestamptz,
  -- The alert that opened it (H2's alerts table) and the monitor concerned; no foreign keys: an
  -- incident outlives a deleted monitor and keeps the reference for the record.
  alert_id uuid,
  monitor_id uuid,
  -- Ordered escalation list: [{"kind": "user" | "channel", "id": uuid}, …]; escalation_level is how
  -- many of them have been escalated to.
  contacts jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(contacts) = 'array'),
  escalation_level integer NOT NULL DEFAULT 0 CHECK (escalation_level >= 0),
  -- Post-incident review (impact, affectedShare, rootCause, actions); complete before closing.
  review jsonb CHECK (review IS NULL OR jsonb_typeof(review) = 'object'),
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, number)
);
CREATE INDEX IF NOT EXISTS incidents_tenant_opened_idx ON incidents (tenant_id, opened_at DESC);
CREATE INDEX IF NOT EXISTS incidents_alert_idx ON incidents (alert_id) WHERE alert_id IS NOT NULL;
-- The leader job's scan: incidents with a deadline not yet marked.
CREATE INDEX IF NOT EXISTS incidents_respond_due_idx ON incidents (respond_by) WHERE respond_breached_at IS NULL;
CREATE INDEX IF NOT EXISTS incidents_fix_due_idx ON incidents (fix_by) WHERE fix_breached_at IS NULL;

-- The timeline: every change and comment, who, when, from what to what.
CREATE TABLE IF NOT EXISTS incident_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  incident_id uuid NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN (
    'opened', 'acknowledged', 'mitigated', 'resolved', 'reopened', 'closed', 'regraded', 'comment',
    'contacts', 'review', 'breach', 'escalated'
  )),
  actor_id uuid,
  actor_name text,
  from_value text,
  to_value text,
  note text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
  detail jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(detail) = 'object')
);
CREATE INDEX IF NOT EXISTS incident_events_incident_idx ON incident_events (incident_id, id);

-- A tenant's own deadline table (monitors/incidents.ts deadlineProblems validates it); without a
-- row the defaults of the issue apply.
CREATE TABLE IF NOT EXISTS incident_settings (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
  deadlines jsonb NOT NULL CHECK (jsonb_typeof(deadlines) = 'object'),
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid
);

-- Down Migration
DROP TABLE IF EXISTS incident_settings;
DROP TABLE IF EXISTS incident_events;
DROP TABLE IF EXISTS incidents;
DROP TABLE IF EXISTS incident_counters;
