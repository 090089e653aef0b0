-- Up Migration

-- Login security (issue 3): lockout state, password history, second factors, security settings.

ALTER TABLE users ADD COLUMN IF NOT EXISTS failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0);
ALTER TABLE users ADD COLUMN IF NOT EXISTS locked_until timestamptz;

-- The last hashes of each account's passwords, so a new password cannot repeat one of them.
CREATE TABLE IF NOT EXISTS password_history (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id),
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS password_history_user_idx ON password_history (user_id, created_at DESC);

-- Security settings of a tenant, edited by secadmin. One validated JSON document per tenant
-- (the zod schema in api/src/settings/ gives the 等保三级 defaults); version is the ETag.
CREATE TABLE IF NOT EXISTS security_settings (
  tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
  settings jsonb NOT NULL,
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES users(id)
);

-- Second factors. TOTP secrets are stored encrypted (SM4, api/src/crypto); SM2 keys are public keys.
CREATE TABLE IF NOT EXISTS mfa_factors (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  user_id uuid NOT NULL REFERENCES users(id),
  kind text NOT NULL CHECK (kind IN ('totp', 'sm2')),
  label text NOT NULL DEFAULT '' CHECK (length(label) <= 100),
  secret text NOT NULL,
  confirmed_at timestamptz,
  -- The last TOTP time step accepted, so a code cannot be replayed within its window.
  last_step bigint,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One confirmed TOTP factor per account, plus at most one enrolment in progress (confirming it
-- replaces the old one); several SM2 keys per account (e.g. a spare USB key), each key once.
CREATE UNIQUE INDEX IF NOT EXISTS mfa_factors_totp_confirmed_key ON mfa_factors (user_id)
  WHERE kind = 'totp' AND confirmed_at IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS mfa_factors_totp_pending_key ON mfa_factors (user_id)
  WHERE kind = 'totp' AND confirmed_at IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS mfa_factors_sm2_key ON mfa_factors (user_id, secret) WHERE kind = 'sm2';

CREATE TABLE IF NOT EXISTS mfa_recovery_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users(id),
  code_hash text NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id) WHERE used_at IS NULL;

-- A session first proves the password, then (where required) a second factor.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS mfa_verified_at timestamptz;
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS mfa_method text CHECK (mfa_method IN ('totp', 'sm2', 'recovery'));
-- Decided at sign-in from the account's role, factors and the tenant's settings.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS mfa_required boolean NOT NULL DEFAULT false;
-- Wrong second-factor attempts on this session; past a few the session is revoked.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS mfa_failures integer NOT NULL DEFAULT 0 CHECK (mfa_failures >= 0);
-- Why the session ended early (logout, password_change, admin, concurrent_limit, ...), for the audit trail.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS revoke_reason text CHECK (length(revoke_reason) <= 64);

-- One-time SM2 challenges (nonces) for the cryptographic second factor.
CREATE TABLE IF NOT EXISTS mfa_challenges (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id text NOT NULL REFERENCES sessions(id),
  nonce text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX IF NOT EXISTS mfa_challenges_session_idx ON mfa_challenges (session_id);

-- Down Migration
DROP TABLE IF EXISTS mfa_challenges;
ALTER TABLE sessions DROP COLUMN IF EXISTS revoke_reason;
ALTER TABLE sessions DROP COLUMN IF EXISTS mfa_failures;
ALTER TABLE sessions DROP COLUMN IF EXISTS mfa_required;
ALTER TABLE sessions DROP COLUMN IF EXISTS mfa_method;
ALTER TABLE sessions DROP COLUMN IF EXISTS mfa_verified_at;
DROP TABLE IF EXISTS mfa_recovery_codes;
DROP TABLE IF EXISTS mfa_factors;
DROP TABLE IF EXISTS security_settings;
DROP TABLE IF EXISTS password_history;
ALTER TABLE users DROP COLUMN IF EXISTS locked_until;
ALTER TABLE users DROP COLUMN IF EXISTS failed_logins;
