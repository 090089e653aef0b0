-- Up Migration

-- KEK re-wrap and destruction of retired data keys (docs/crypto.md "Changing the KEK", "Destroying
-- retired data keys"; api/src/keys/rewrap.ts, api/src/keys/destroy.ts).

-- A destroyed data key keeps its row (its version stays taken and key_rotations keep referring to it),
-- but not its key: wrapped_key becomes NULL, and only then.
ALTER TABLE data_keys ALTER COLUMN wrapped_key DROP NOT NULL;
ALTER TABLE data_keys ADD COLUMN IF NOT EXISTS destroyed_at timestamptz;
ALTER TABLE data_keys DROP CONSTRAINT IF EXISTS data_keys_state_check;
ALTER TABLE data_keys ADD CONSTRAINT data_keys_state_check
  CHECK (state IN ('active', 'retiring', 'retired', 'destroyed'));
ALTER TABLE data_keys DROP CONSTRAINT IF EXISTS data_keys_destroyed_has_no_key;
ALTER TABLE data_keys ADD CONSTRAINT data_keys_destroyed_has_no_key
  CHECK ((state = 'destroyed') = (wrapped_key IS NULL) AND (state = 'destroyed') = (destroyed_at IS NOT NULL));

-- Keys that used to be derived from the KEK and must outlive it: at the first re-wrap their current
-- value is stored wrapped under the new KEK (purpose 'kek-derived:<derivation purpose>', e.g.
-- 'kek-derived:fields:blind-index'), so blind indexes keep matching without re-indexing.
ALTER TABLE data_keys DROP CONSTRAINT IF EXISTS data_keys_purpose_check;
ALTER TABLE data_keys ADD CONSTRAINT data_keys_purpose_check
  CHECK (purpose = 'fields' OR purpose LIKE 'kek-derived:%');

-- audit_signing_keys stays append-only (0008) with one narrow exception: a KEK re-wrap may replace
-- sealed_private_key — the same private key sealed under the new KEK — and nothing else, and only in a
-- transaction that declared itself a re-wrap (SET LOCAL tianshu.kek_rewrap = 'on'). The id, algorithm,
-- public key and creation time never change and rows are never deleted, so every checkpoint still
-- verifies with the public key it names. Replacing the column in place (rather than keeping a table of
-- wrappings per KEK) leaves no copy of the private key sealed under a KEK that was retired, possibly
-- because it leaked.
CREATE OR REPLACE FUNCTION audit_signing_keys_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND coalesce(current_setting('tianshu.kek_rewrap', true), '') = 'on'
     AND NEW.id = OLD.id
     AND NEW.algorithm = OLD.algorithm
     AND NEW.public_key = OLD.public_key
     AND NEW.created_at = OLD.created_at THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS audit_signing_keys_append_only ON audit_signing_keys;
CREATE TRIGGER audit_signing_keys_append_only BEFORE UPDATE OR DELETE ON audit_signing_keys
  FOR EACH ROW EXECUTE FUNCTION audit_signing_keys_guard();

-- Down Migration
-- Only before any re-wrap or destruction: a carried key or a tombstone cannot be expressed in 0009's
-- schema, and dropping a carried key would break every blind index and access-control MAC.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM data_keys WHERE purpose LIKE 'kek-derived:%' OR state = 'destroyed') THEN
    RAISE EXCEPTION '0013 cannot be reverted after a KEK re-wrap or a data key destruction';
  END IF;
END;
$$;
DROP TRIGGER IF EXISTS audit_signing_keys_append_only ON audit_signing_keys;
CREATE TRIGGER audit_signing_keys_append_only BEFORE UPDATE OR DELETE ON audit_signing_keys
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
DROP FUNCTION IF EXISTS audit_signing_keys_guard();
ALTER TABLE data_keys DROP CONSTRAINT IF EXISTS data_keys_purpose_check;
ALTER TABLE data_keys ADD CONSTRAINT data_keys_purpose_check CHECK (purpose IN ('fields'));
ALTER TABLE data_keys DROP CONSTRAINT IF EXISTS data_keys_destroyed_has_no_key;
ALTER TABLE data_keys DROP CONSTRAINT IF EXISTS data_keys_state_check;
ALTER TABLE data_keys ADD CONSTRAINT data_keys_state_check CHECK (state IN ('active', 'retiring', 'retired'));
ALTER TABLE data_keys DROP COLUMN IF EXISTS destroyed_at;
ALTER TABLE data_keys ALTER COLUMN wrapped_key SET NOT NULL;
