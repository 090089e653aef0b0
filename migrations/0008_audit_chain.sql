-- Up Migration

-- Tamper evidence for the audit log (docs/audit.md). Every event written from now on carries
-- prev_hash and hash = H(prev_hash ‖ canonical(event)), computed by the writer (api/src/audit/chain.ts).
-- Rows that predate this migration keep NULL hashes: they are "before the chain", and the chain's
-- genesis is the highest sequence number that existed when this migration ran.
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS prev_hash bytea;
ALTER TABLE audit_events ADD COLUMN IF NOT EXISTS hash bytea;

-- The one-row chain head. Writers lock it (SELECT … FOR UPDATE) inside their own transaction, take
-- seq = head.seq + 1 and advance it: sequence numbers are then gap-free in commit order, which a
-- sequence cannot give (nextval survives a rollback, and commit order differs from nextval order).
CREATE TABLE IF NOT EXISTS audit_chain_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL,
  hash bytea NOT NULL,
  -- 'SM3' or 'SHA-256', fixed by the first chained event (the crypto profile of that instance).
  hash_alg text CHECK (hash_alg IN ('SM3', 'SHA-256')),
  genesis_seq bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO audit_chain_head (id, seq, hash, genesis_seq)
SELECT true, s.last, decode(repeat('00', 32), 'hex'), s.last
FROM (SELECT GREATEST(COALESCE(max(seq), 0), (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audit_events_seq)) AS last FROM audit_events) s
ON CONFLICT (id) DO NOTHING;

-- Checkpoint signing keys: the private key sealed with a KEK-derived key, the public key in clear so
-- any instance or the CLI verifies without the KEK.
CREATE TABLE IF NOT EXISTS audit_signing_keys (
  id uuid PRIMARY KEY,
  algorithm text NOT NULL CHECK (algorithm IN ('SM2', 'Ed25519')),
  public_key text NOT NULL,
  sealed_private_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A signed statement "the chain had this hash at this seq", written at least every minute by the leader.
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  id bigserial PRIMARY KEY,
  seq bigint NOT NULL,
  hash bytea NOT NULL,
  hash_alg text NOT NULL,
  signed_at timestamptz NOT NULL,
  key_id uuid NOT NULL REFERENCES audit_signing_keys (id),
  signature bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_checkpoints_seq_idx ON audit_checkpoints (seq);

CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints;
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
DROP TRIGGER IF EXISTS audit_signing_keys_append_only ON audit_signing_keys;
CREATE TRIGGER audit_signing_keys_append_only BEFORE UPDATE OR DELETE ON audit_signing_keys
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();

-- Down Migration
DROP TABLE IF EXISTS audit_checkpoints;
DROP TABLE IF EXISTS audit_signing_keys;
DROP FUNCTION IF EXISTS audit_refuse_change();
DROP TABLE IF EXISTS audit_chain_head;
ALTER TABLE audit_events DROP COLUMN IF EXISTS hash;
ALTER TABLE audit_events DROP COLUMN IF EXISTS prev_hash;
