-- Up Migration

-- Warning rules, alerts, silences and business signals (docs/monitors.md, "Alerts" and "Warning rules
-- on business signals"). Rules and silences are the system admin's (the Alert subject); the alerts
-- are written by the leader's evaluator (monitors/alerting/evaluator.ts) and acknowledged or resolved
-- by hand through the API.

-- A rule: its category says what it watches, `params` the category's document (validated by
-- monitors/alerting/rules.ts), `channel_ids` where its notifications go (notification_channels, no
-- foreign key: an array), `incident_grade` whether a firing alert opens an incident.
CREATE TABLE IF NOT EXISTS alert_rules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  category text NOT NULL CHECK (category IN ('monitor_state', 'latency', 'burn_rate', 'cert_expiry', 'signal')),
  params jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
  severity text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  channel_ids uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(channel_ids) <= 20),
  incident_grade text CHECK (incident_grade IN ('I', 'II', 'III', 'IV')),
  enabled boolean NOT NULL DEFAULT true,
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  UNIQUE (tenant_id, name)
);

-- One row per occurrence of a condition. The fingerprint (monitors/alerts.ts: rule id and identity
-- labels) is unique among alerts not resolved: that index is the de-duplication, so two evaluators
-- (a leader change mid-round) cannot open the same alert twice. A recurrence after resolution is a
-- new row. `labels` holds the identity labels and descriptive ones (what silences match).
CREATE TABLE IF NOT EXISTS alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  rule_id uuid REFERENCES alert_rules (id) ON DELETE SET NULL,
  rule_name text NOT NULL,
  category text NOT NULL,
  fingerprint text NOT NULL CHECK (length(fingerprint) <= 2000),
  labels jsonb NOT NULL CHECK (jsonb_typeof(labels) = 'object'),
  severity text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  state text NOT NULL DEFAULT 'firing' CHECK (state IN ('firing', 'acknowledged', 'resolved')),
  summary text NOT NULL CHECK (length(summary) <= 2000),
  summary_zh text NOT NULL CHECK (length(summary_zh) <= 2000),
  value double precision,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  count integer NOT NULL DEFAULT 1 CHECK (count > 0),
  -- The failed dependency this alert stands for, and the monitors grouped under it.
  root_monitor_id uuid,
  dependents uuid[] NOT NULL DEFAULT '{}',
  silenced boolean NOT NULL DEFAULT false,
  incident_id uuid,
  acknowledged_by uuid,
  acknowledged_at timestamptz,
  resolved_at timestamptz,
  resolved_by uuid,
  resolved_reason text CHECK (resolved_reason IN ('cleared', 'manual', 'rule-disabled', 'rule-deleted')),
  CHECK ((state = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_open_fingerprint_idx ON alerts (fingerprint) WHERE state <> 'resolved';
CREATE INDEX IF NOT EXISTS alerts_tenant_seen_idx ON alerts (tenant_id, first_seen DESC);
CREATE INDEX IF NOT EXISTS alerts_rule_open_idx ON alerts (rule_id) WHERE state <> 'resolved';

-- Silences: matchers on labels (monitors/alerts.ts Matcher) over [starts_at, ends_at).
CREATE TABLE IF NOT EXISTS alert_silences (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  matchers jsonb NOT NULL CHECK (jsonb_typeof(matchers) = 'array'),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  comment text NOT NULL DEFAULT '' CHECK (length(comment) <= 1000),
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  CHECK (ends_at > starts_at)
);
CREATE INDEX IF NOT EXISTS alert_silences_active_idx ON alert_silences (tenant_id, ends_at);

-- Business signals pushed by apps (POST /api/v1/signals), compact: the leader's evaluator reads them
-- by id (its cursor) into its sliding windows and deletes them once older than the longest window.
CREATE TABLE IF NOT EXISTS alert_signals (
  id bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  value integer NOT NULL DEFAULT 1 CHECK (value BETWEEN 1 AND 1000000),
  at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS alert_signals_at_idx ON alert_signals (at);

-- The certificate an HTTPS monitor's server presents, as the evaluator last read it (cert_expiry
-- rules): the probe reports days left per result but results do not keep it.
CREATE TABLE IF NOT EXISTS monitor_certificates (
  monitor_id uuid PRIMARY KEY,
  valid_to timestamptz,
  subject text CHECK (length(subject) <= 500),
  checked_at timestamptz NOT NULL,
  error text CHECK (length(error) <= 500)
);

-- Down Migration

DROP TABLE IF EXISTS monitor_certificates;
DROP TABLE IF EXISTS alert_signals;
DROP TABLE IF EXISTS alert_silences;
DROP TABLE IF EXISTS alerts;
DROP TABLE IF EXISTS alert_rules;
