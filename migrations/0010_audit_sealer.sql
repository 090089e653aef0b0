-- Up Migration

-- The audit chain is sealed after commit instead of inside the writer's transaction (docs/audit.md,
-- "Writing and sealing"). Migration 0008 made every audited transaction lock the chain head until it
-- committed, which serialised all audited work (+400 % with 8 writers). From now on:
--   * record() inserts the event with chain_seq, prev_hash and hash NULL (one statement, no lock);
--   * a single sealer (advisory lock) takes committed unsealed events in seq order and sets, once,
--     chain_seq (gap-free position in the chain), prev_hash and hash;
--   * verification walks chain_seq, not seq. seq stays the event's stable id (from the sequence).
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS chain_seq bigint;

-- Events chained by 0008's writer (hash set, seq gap-free) keep their hashes; their position is seq.
-- The trigger below allows exactly this transition, so it is defined first.
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Sealing: an unsealed event gets its chain position and hashes once; nothing else may change, and
  -- hashes already present (events chained by 0008's writer) must stay as they are. The columns are
  -- listed (a generic to_jsonb comparison cost more than the rest of the sealing); a test changes
  -- every column of the table in turn, so a column added later and not listed here fails it.
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

UPDATE audit_events SET chain_seq = seq WHERE hash IS NOT NULL AND chain_seq IS NULL;

-- Where 0008's chain ends and the sealed (v2 canonical form) chain begins. Events at or below
-- v1_end_seq were hashed with the v1 canonical form over seq; later ones with v2 over chain_seq.
ALTER TABLE audit_chain_head ADD COLUMN IF NOT EXISTS v1_end_seq bigint;
UPDATE audit_chain_head SET v1_end_seq = seq WHERE v1_end_seq IS NULL;
ALTER TABLE audit_chain_head ALTER COLUMN v1_end_seq SET NOT NULL;

-- 0008's writer set seq itself and never advanced the sequence: move it past every seq in use.
SELECT setval('audit_events_seq', GREATEST(
  (SELECT COALESCE(max(seq), 0) FROM audit_events),
  (SELECT seq FROM audit_chain_head),
  (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audit_events_seq),
  1));

-- The sealer's queue: unsealed events in seq order, found without a scan of the log.
CREATE INDEX IF NOT EXISTS audit_events_unsealed_idx ON audit_events (seq) WHERE chain_seq IS NULL;
-- Verification and checkpoints walk the chain in order; the key is unique with the primary key's
-- columns, so verification can page through even a forged duplicate position.
CREATE INDEX IF NOT EXISTS audit_events_chain_seq_idx ON audit_events (chain_seq, occurred_at, seq)
  WHERE chain_seq IS NOT NULL;

-- Down Migration
DROP INDEX IF EXISTS audit_events_chain_seq_idx;
DROP INDEX IF EXISTS audit_events_unsealed_idx;
ALTER TABLE audit_chain_head DROP COLUMN IF EXISTS v1_end_seq;
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
ALTER TABLE audit_events DROP COLUMN IF EXISTS chain_seq;
