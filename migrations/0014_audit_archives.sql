-- Up Migration

-- Audit retention and archives (docs/audit.md, "Retention and archives").
--
-- The audit log is one chain per database, so its settings are global: one row, edited by the
-- platform tenant's audit admin. Retention can never go below 180 days (网络安全法 §21: network logs
-- are kept for no less than six months); the CHECK holds the floor even against a direct UPDATE.
CREATE TABLE IF NOT EXISTS audit_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  -- The default: six calendar months are at most 184 days (July to December), so 184 always covers
  -- the six months of 网络安全法 §21; the floor the issue sets is 180.
  retention_days integer NOT NULL DEFAULT 184 CHECK (retention_days BETWEEN 180 AND 36500),
  storage_limit_bytes bigint NOT NULL DEFAULT 10737418240 CHECK (storage_limit_bytes > 0),
  alert_threshold_percent integer NOT NULL DEFAULT 80 CHECK (alert_threshold_percent BETWEEN 1 AND 100),
  -- The storage alert fires once per crossing of the threshold: this remembers that it has.
  storage_alert_active boolean NOT NULL DEFAULT false,
  storage_alert_changed_at timestamptz,
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz,
  updated_by uuid
);
INSERT INTO audit_settings (id) VALUES (true) ON CONFLICT (id) DO NOTHING;

-- One row per archive file: a whole range of the chain, written (file and signed manifest on disk)
-- before its events are removed, in the same transaction as the removal.
CREATE TABLE IF NOT EXISTS audit_archives (
  id uuid PRIMARY KEY,
  from_chain_seq bigint NOT NULL,
  to_chain_seq bigint NOT NULL,
  -- The hash the first archived event links to, and the hash of the last: the archive's place in the chain.
  first_prev_hash bytea NOT NULL,
  last_hash bytea NOT NULL,
  hash_alg text NOT NULL CHECK (hash_alg IN ('SM3', 'SHA-256')),
  events bigint NOT NULL CHECK (events > 0),
  from_occurred_at timestamptz NOT NULL,
  to_occurred_at timestamptz NOT NULL,
  file_name text NOT NULL,
  file_digest bytea NOT NULL,
  manifest_name text NOT NULL,
  signature bytea NOT NULL,
  key_id uuid NOT NULL REFERENCES audit_signing_keys (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (to_chain_seq >= from_chain_seq),
  CHECK (events = to_chain_seq - from_chain_seq + 1)
);
CREATE UNIQUE INDEX IF NOT EXISTS audit_archives_to_idx ON audit_archives (to_chain_seq);
CREATE UNIQUE INDEX IF NOT EXISTS audit_archives_from_idx ON audit_archives (from_chain_seq);

DROP TRIGGER IF EXISTS audit_archives_append_only ON audit_archives;
CREATE TRIGGER audit_archives_append_only BEFORE UPDATE OR DELETE ON audit_archives
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

-- The settings row is edited, never removed.
CREATE OR REPLACE FUNCTION audit_settings_refuse_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_settings cannot be deleted' USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS audit_settings_no_delete ON audit_settings;
CREATE TRIGGER audit_settings_no_delete BEFORE DELETE ON audit_settings
  FOR EACH ROW EXECUTE FUNCTION audit_settings_refuse_delete();

-- The archiver is the only path that removes events. The UPDATE rule for sealing is 0010's, unchanged.
-- A DELETE is allowed only
--   * inside a transaction that said it is the archiver (SET LOCAL tianshu.audit_archiver = 'on'),
--   * for a sealed event (chain_seq set) inside the range of an archive row (written first, same
--     transaction; that table is append-only),
--   * older than the retention period, which cannot be below 180 days.
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Sealing, exactly as in 0010: an unsealed event gets its chain position and hashes once; nothing
  -- else may change, and hashes already present (events chained by 0008's writer) must stay as they are.
  IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL AND NEW.hash IS NOT NULL
     AND (OLD.hash IS NULL OR (OLD.hash = NEW.hash AND OLD.prev_hash IS NOT DISTINCT FROM NEW.prev_hash))
     AND (NEW.seq, NEW.occurred_at, NEW.tenant_id, NEW.actor_id, NEW.actor_name, NEW.actor_role, NEW.action,
          NEW.target_type, NEW.target_id, NEW.result, NEW.detail, NEW.ip, NEW.user_agent, NEW.request_id)
         IS NOT DISTINCT FROM
         (OLD.seq, OLD.occurred_at, OLD.tenant_id, OLD.actor_id, OLD.actor_name, OLD.actor_role, OLD.action,
          OLD.target_type, OLD.target_id, OLD.result, OLD.detail, OLD.ip, OLD.user_agent, OLD.request_id)
  THEN
    RETURN NEW;
  END IF;
  -- Archiving: removal of an archived, sealed event past retention, by the archiver only.
  IF TG_OP = 'DELETE' AND current_setting('tianshu.audit_archiver', true) = 'on'
     AND OLD.chain_seq IS NOT NULL
     AND EXISTS (SELECT 1 FROM audit_archives a
                 WHERE OLD.chain_seq BETWEEN a.from_chain_seq AND a.to_chain_seq)
     AND OLD.occurred_at < now() - make_interval(days => GREATEST(180,
           COALESCE((SELECT s.retention_days FROM audit_settings s WHERE s.id), 180)))
  THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

-- TRUNCATE skips row triggers: refuse it on the log (statement level).
CREATE OR REPLACE FUNCTION audit_events_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (TRUNCATE refused)' USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_truncate();

-- Down Migration
DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
DROP FUNCTION IF EXISTS audit_events_refuse_truncate();
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL AND NEW.hash IS NOT NULL
     AND (OLD.hash IS NULL OR (OLD.hash = NEW.hash AND OLD.prev_hash IS NOT DISTINCT FROM NEW.prev_hash))
     AND (NEW.seq, NEW.occurred_at, NEW.tenant_id, NEW.actor_id, NEW.actor_name, NEW.actor_role, NEW.action,
          NEW.target_type, NEW.target_id, NEW.result, NEW.detail, NEW.ip, NEW.user_agent, NEW.request_id)
         IS NOT DISTINCT FROM
         (OLD.seq, OLD.occurred_at, OLD.tenant_id, OLD.actor_id, OLD.actor_name, OLD.actor_role, OLD.action,
          OLD.target_type, OLD.target_id, OLD.result, OLD.detail, OLD.ip, OLD.user_agent, OLD.request_id)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TABLE IF EXISTS audit_archives;
DROP TABLE IF EXISTS audit_settings;
DROP FUNCTION IF EXISTS audit_settings_refuse_delete();
