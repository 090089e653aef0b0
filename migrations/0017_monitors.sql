-- Up Migration

-- Monitors: definitions, raw results, state transitions and rollups (docs/monitors.md, "Storage").
--
-- Monitors are platform-level and belong to the system admin (the Monitor subject); tenant_id is the
-- platform tenant's, kept so every table of the product can be read by tenant. The definition is the
-- document monitors/config.ts validates (parseMonitorDefinition), stored whole so a field added to a
-- type later needs no migration; name and type are copied out for lists and filters.
CREATE TABLE IF NOT EXISTS monitors (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  type text NOT NULL CHECK (type IN ('http', 'tcp', 'dns', 'postgres', 'push')),
  definition jsonb NOT NULL CHECK (jsonb_typeof(definition) = 'object' AND definition ->> 'type' = type),
  -- A paused monitor is not probed and its paused time is unknown to the SLA (neither up nor down).
  paused boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid
);
CREATE INDEX IF NOT EXISTS monitors_tenant_name_idx ON monitors (tenant_id, name);
CREATE INDEX IF NOT EXISTS monitors_tags_idx ON monitors USING gin ((definition -> 'tags'));

-- The storage mode chosen when this migration ran: 'timescale' when the extension could be created,
-- else 'native'. The scheduler reads it to know whether it maintains the rollups itself.
CREATE TABLE IF NOT EXISTS monitor_storage (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  mode text NOT NULL CHECK (mode IN ('native', 'timescale'))
);

-- Raw results. The key (monitor_id, at) makes every write idempotent: a batch retried after a lost
-- COMMIT acknowledgement inserts nothing twice, and the rollups count only rows actually inserted.
-- No foreign key to monitors: results outlive a deleted monitor until retention drops them, and a
-- hypertable would not take one cheaply.
DO $$
DECLARE
  has_timescale boolean := EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb');
BEGIN
  IF to_regclass('monitor_results') IS NOT NULL THEN
    RETURN;
  END IF;
  IF has_timescale THEN
    -- UNTESTED here (no TimescaleDB on the build machine): hypertable, compression after 7 days,
    -- raw rows kept 90 days; the rollups below become continuous aggregates with the same columns.
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    CREATE TABLE monitor_results (
      monitor_id uuid NOT NULL,
      at timestamptz NOT NULL,
      state text NOT NULL CHECK (state IN ('up', 'degraded', 'down')),
      latency_ms integer NOT NULL CHECK (latency_ms >= 0),
      reason text NOT NULL,
      message text NOT NULL DEFAULT '',
      PRIMARY KEY (monitor_id, at)
    );
    PERFORM create_hypertable('monitor_results', 'at', chunk_time_interval => interval '1 day');
    ALTER TABLE monitor_results SET (timescaledb.compress, timescaledb.compress_segmentby = 'monitor_id');
    PERFORM add_compression_policy('monitor_results', interval '7 days');
    PERFORM add_retention_policy('monitor_results', interval '90 days');
    INSERT INTO monitor_storage (id, mode) VALUES (true, 'timescale');
  ELSE
    -- Native: one partition per UTC day (ensure_daily_partitions below, called by the scheduler),
    -- and a default partition so a row never fails for want of one.
    CREATE TABLE monitor_results (
      monitor_id uuid NOT NULL,
      at timestamptz NOT NULL,
      state text NOT NULL CHECK (state IN ('up', 'degraded', 'down')),
      latency_ms integer NOT NULL CHECK (latency_ms >= 0),
      reason text NOT NULL,
      message text NOT NULL DEFAULT '',
      PRIMARY KEY (monitor_id, at)
    ) PARTITION BY RANGE (at);
    CREATE TABLE monitor_results_default PARTITION OF monitor_results DEFAULT;
    INSERT INTO monitor_storage (id, mode) VALUES (true, 'native');
  END IF;
END;
$$;
CREATE INDEX IF NOT EXISTS monitor_results_at_idx ON monitor_results (at);

-- Rollups per minute, hour and day: what charts read instead of raw rows. Natively these are tables
-- the scheduler updates in the transaction that inserts the raw rows; with TimescaleDB they are
-- continuous aggregates of the same name and columns, so readers run the same SQL either way.
DO $$
DECLARE
  width text;
  mode text := (SELECT s.mode FROM monitor_storage s);
BEGIN
  FOREACH width IN ARRAY ARRAY['minute', 'hour', 'day'] LOOP
    IF to_regclass('monitor_rollup_' || width) IS NOT NULL THEN
      CONTINUE;
    END IF;
    IF mode = 'timescale' THEN
      EXECUTE format(
        'CREATE MATERIALIZED VIEW %I WITH (timescaledb.continuous) AS
           SELECT monitor_id, time_bucket(interval %L, at) AS bucket, count(*)::integer AS checks,
                  (count(*) FILTER (WHERE state = ''up''))::integer AS up_count,
                  (count(*) FILTER (WHERE state = ''degraded''))::integer AS degraded_count,
                  (count(*) FILTER (WHERE state = ''down''))::integer AS down_count,
                  sum(latency_ms)::bigint AS latency_sum_ms, max(latency_ms) AS latency_max_ms
           FROM monitor_results GROUP BY 1, 2 WITH NO DATA',
        'monitor_rollup_' || width, '1 ' || width);
      PERFORM add_continuous_aggregate_policy('monitor_rollup_' || width,
        start_offset => CASE width WHEN 'minute' THEN interval '1 hour' WHEN 'hour' THEN interval '1 day' ELSE interval '7 days' END,
        end_offset => NULL,
        schedule_interval => CASE width WHEN 'minute' THEN interval '1 minute' ELSE interval '1 hour' END);
    ELSE
      EXECUTE format(
        'CREATE TABLE %I (
           monitor_id uuid NOT NULL,
           bucket timestamptz NOT NULL,
           checks integer NOT NULL CHECK (checks > 0),
           up_count integer NOT NULL CHECK (up_count >= 0),
           degraded_count integer NOT NULL CHECK (degraded_count >= 0),
           down_count integer NOT NULL CHECK (down_count >= 0),
           latency_sum_ms bigint NOT NULL CHECK (latency_sum_ms >= 0),
           latency_max_ms integer NOT NULL CHECK (latency_max_ms >= 0),
           PRIMARY KEY (monitor_id, bucket),
           CHECK (checks = up_count + degraded_count + down_count)
         )', 'monitor_rollup_' || width);
    END IF;
  END LOOP;
END;
$$;

-- State changes: what the SLA arithmetic reads (monitors/sla.ts). 'unknown' marks a gap (no results
-- for more than two intervals, a pause): it counts neither for nor against availability.
CREATE TABLE IF NOT EXISTS monitor_transitions (
  monitor_id uuid NOT NULL,
  at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('up', 'degraded', 'down', 'unknown')),
  reason text NOT NULL DEFAULT '',
  PRIMARY KEY (monitor_id, at)
);

-- The latest state per monitor, kept with the transitions in the same transaction: where the next
-- batch compares from, and what lists show without scanning results.
CREATE TABLE IF NOT EXISTS monitor_status (
  monitor_id uuid PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('up', 'degraded', 'down', 'unknown')),
  since timestamptz NOT NULL,
  last_result_at timestamptz,
  last_latency_ms integer,
  last_reason text
);

-- Creates the daily partitions of a natively partitioned table from today to days_ahead (UTC days).
-- A no-op for a table that is not partitioned (the hypertable), so callers need not know the mode.
CREATE OR REPLACE FUNCTION ensure_daily_partitions(parent text, days_ahead integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  created integer := 0;
  day_start date;
  part_name text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table p WHERE p.partrelid = to_regclass(parent)) THEN
    RETURN 0;
  END IF;
  FOR i IN 0..days_ahead LOOP
    day_start := (date_trunc('day', now() AT TIME ZONE 'UTC') + make_interval(days => i))::date;
    part_name := format('%s_%s', parent, to_char(day_start, 'YYYYMMDD'));
    IF to_regclass(part_name) IS NULL THEN
      EXECUTE format(
        'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
        part_name, parent, day_start::timestamp AT TIME ZONE 'UTC',
        (day_start + 1)::timestamp AT TIME ZONE 'UTC');
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END;
$$;

-- Down Migration
DROP FUNCTION IF EXISTS ensure_daily_partitions(text, integer);
DROP TABLE IF EXISTS monitor_status;
DROP TABLE IF EXISTS monitor_transitions;
DROP TABLE IF EXISTS monitor_rollup_minute;
DROP TABLE IF EXISTS monitor_rollup_hour;
DROP TABLE IF EXISTS monitor_rollup_day;
DROP TABLE IF EXISTS monitor_results;
DROP TABLE IF EXISTS monitor_storage;
DROP TABLE IF EXISTS monitors;
