-- Up Migration

-- People (issue 3): personal data of accounts, department memberships with posts, soft delete with
-- erasure of personal data after a retention period (剩余信息保护).
-- phone/e-mail are SM4-encrypted (api/src/crypto/fields.ts); *_bidx is the keyed HMAC-SM3 blind
-- index used for exact search; phone_last4 feeds watermarks and masking without decrypting.

ALTER TABLE users ADD COLUMN IF NOT EXISTS employee_no text CHECK (employee_no IS NULL OR length(employee_no) BETWEEN 1 AND 64);
ALTER TABLE users ADD COLUMN IF NOT EXISTS phone_enc text;
ALTER TABLE users ADD COLUMN IF NOT EXISTS phone_bidx text;
ALTER TABLE users ADD COLUMN IF NOT EXISTS phone_last4 text CHECK (phone_last4 IS NULL OR phone_last4 ~ '^[0-9]{1,4}$');
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_enc text;
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_bidx text;
ALTER TABLE users ADD COLUMN IF NOT EXISTS name_pinyin text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN IF NOT EXISTS name_initials text NOT NULL DEFAULT '';
-- ABAC subject attributes: clearance level (密级) and secadmin-defined custom attributes.
ALTER TABLE users ADD COLUMN IF NOT EXISTS clearance_level integer NOT NULL DEFAULT 0 CHECK (clearance_level BETWEEN 0 AND 9);
ALTER TABLE users ADD COLUMN IF NOT EXISTS attributes jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE users ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1 CHECK (version > 0);
ALTER TABLE users ADD COLUMN IF NOT EXISTS deleted_at timestamptz;
ALTER TABLE users ADD COLUMN IF NOT EXISTS erase_after timestamptz;
ALTER TABLE users ADD COLUMN IF NOT EXISTS erased_at timestamptz;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'disabled', 'deleted'));
CREATE UNIQUE INDEX IF NOT EXISTS users_tenant_employee_no_key ON users (tenant_id, employee_no)
  WHERE employee_no IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS users_phone_bidx_idx ON users (tenant_id, phone_bidx) WHERE phone_bidx IS NOT NULL;
CREATE INDEX IF NOT EXISTS users_email_bidx_idx ON users (tenant_id, email_bidx) WHERE email_bidx IS NOT NULL;
CREATE INDEX IF NOT EXISTS users_name_pinyin_idx ON users (tenant_id, name_pinyin text_pattern_ops);
CREATE INDEX IF NOT EXISTS users_name_initials_idx ON users (tenant_id, name_initials text_pattern_ops);
-- Search (GET /users?q=): every alternative of q is an indexed prefix or equality, so PostgreSQL
-- answers with a BitmapOr over these instead of scanning the tenant (bench/org-search.ts).
CREATE INDEX IF NOT EXISTS users_username_prefix_idx ON users (tenant_id, lower(username) text_pattern_ops);
CREATE INDEX IF NOT EXISTS users_display_name_prefix_idx ON users (tenant_id, display_name text_pattern_ops);
CREATE INDEX IF NOT EXISTS users_employee_no_idx ON users (tenant_id, employee_no) WHERE employee_no IS NOT NULL;
CREATE INDEX IF NOT EXISTS users_tenant_created_idx ON users (tenant_id, created_at);
-- The erasure job's work list (剩余信息保护).
CREATE INDEX IF NOT EXISTS users_erase_due_idx ON users (erase_after) WHERE status = 'deleted' AND erased_at IS NULL;

-- A user's place in a department: one or more per dimension, exactly one primary per dimension.
CREATE TABLE IF NOT EXISTS memberships (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  user_id uuid NOT NULL REFERENCES users(id),
  department_id uuid NOT NULL REFERENCES departments(id),
  dimension_id uuid NOT NULL REFERENCES dimensions(id),
  is_primary boolean NOT NULL DEFAULT false,
  post_id uuid REFERENCES posts(id),
  title text CHECK (title IS NULL OR length(title) BETWEEN 1 AND 100),
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS memberships_user_department_key ON memberships (user_id, department_id);
CREATE UNIQUE INDEX IF NOT EXISTS memberships_one_primary_key ON memberships (user_id, dimension_id) WHERE is_primary;
CREATE INDEX IF NOT EXISTS memberships_department_idx ON memberships (department_id, sort_order);
CREATE INDEX IF NOT EXISTS memberships_post_idx ON memberships (post_id) WHERE post_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS memberships_title_idx ON memberships (tenant_id, title) WHERE title IS NOT NULL;

-- Down Migration
DROP TABLE IF EXISTS memberships;
DROP INDEX IF EXISTS users_erase_due_idx;
DROP INDEX IF EXISTS users_tenant_created_idx;
DROP INDEX IF EXISTS users_employee_no_idx;
DROP INDEX IF EXISTS users_display_name_prefix_idx;
DROP INDEX IF EXISTS users_username_prefix_idx;
DROP INDEX IF EXISTS users_name_initials_idx;
DROP INDEX IF EXISTS users_name_pinyin_idx;
DROP INDEX IF EXISTS users_email_bidx_idx;
DROP INDEX IF EXISTS users_phone_bidx_idx;
DROP INDEX IF EXISTS users_tenant_employee_no_key;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_status_check;
ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'disabled'));
ALTER TABLE users DROP COLUMN IF EXISTS erased_at, DROP COLUMN IF EXISTS erase_after, DROP COLUMN IF EXISTS deleted_at,
  DROP COLUMN IF EXISTS version, DROP COLUMN IF EXISTS attributes, DROP COLUMN IF EXISTS clearance_level,
  DROP COLUMN IF EXISTS name_initials, DROP COLUMN IF EXISTS name_pinyin, DROP COLUMN IF EXISTS email_bidx,
  DROP COLUMN IF EXISTS email_enc, DROP COLUMN IF EXISTS phone_last4, DROP COLUMN IF EXISTS phone_bidx,
  DROP COLUMN IF EXISTS phone_enc, DROP COLUMN IF EXISTS employee_no;
