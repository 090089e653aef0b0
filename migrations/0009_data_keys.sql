-- Up Migration

-- Versioned data keys (ARCHITECTURE §4.7, docs/crypto.md "Keys"). Each key is random and stored only
-- wrapped: sealed under the KEK with the crypto profile's AEAD, the associated data naming its version
-- and purpose, so a wrapped key cannot be moved to another version or purpose. Sealed values carry
-- the version of the key that sealed them ("v3.<version>.…"). At most one key per purpose is active.
CREATE TABLE IF NOT EXISTS data_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  version integer NOT NULL UNIQUE CHECK (version > 0),
  purpose text NOT NULL CHECK (purpose IN ('fields')),
  wrapped_key text NOT NULL,
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retiring', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS data_keys_one_active ON data_keys (purpose) WHERE state = 'active';

-- Key rotations (api/src/keys/): a new active data key, then a background worker re-encrypts every
-- sealed column in batches. Each batch commits its rows together with the cursor and counts here, so
-- a crash resumes after the last committed batch. One rotation runs at a time.
CREATE TABLE IF NOT EXISTS key_rotations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  started_by uuid REFERENCES users(id),
  purpose text NOT NULL CHECK (purpose IN ('fields')),
  from_version integer NOT NULL REFERENCES data_keys(version),
  to_version integer NOT NULL REFERENCES data_keys(version),
  state text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'failed')),
  -- Which sealed table the worker is in, and the last id it finished there (NULL: from the start).
  step text NOT NULL DEFAULT 'users',
  cursor_id uuid,
  pass integer NOT NULL DEFAULT 1,
  total integer NOT NULL,
  done integer NOT NULL DEFAULT 0,
  batches integer NOT NULL DEFAULT 0,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS key_rotations_one_running ON key_rotations (purpose) WHERE state = 'running';

-- Down Migration
DROP TABLE IF EXISTS key_rotations;
DROP TABLE IF EXISTS data_keys;
