-- Up Migration

-- The auditor's workspace (docs/audit.md, "The auditor's workspace"): signed exports of a search and
-- saved searches. Neither holds event data: an export is a filter, a seq bound and, once a download
-- completed, the digest and signature of the file that was streamed (api/src/audit/export.ts).

-- A CIDR filter over audit_events.ip (text, as the request gave it). NULL for a value that is not an
-- address, so a malformed stored ip never fails a search; an IPv4-mapped IPv6 address (::ffff:a.b.c.d,
-- what Node reports on a dual-stack socket) is read as the IPv4 address. IPv4 text is checked by
-- pattern and cast directly; only IPv6 candidates enter the block that catches a failed cast (a
-- subtransaction, which also makes the function parallel-unsafe: searches by ip run without workers).
CREATE OR REPLACE FUNCTION audit_ip_inet(value text) RETURNS inet
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
  v4 constant text := '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}';
BEGIN
  IF value ~ ('^' || v4 || '$') THEN
    RETURN value::inet;
  END IF;
  IF value ~* ('^::ffff:' || v4 || '$') THEN
    RETURN substr(value, 8)::inet;
  END IF;
  IF value !~ '^[0-9A-Fa-f:.]+$' OR strpos(value, ':') = 0 THEN
    RETURN NULL;
  END IF;
  BEGIN
    RETURN value::inet;
  EXCEPTION WHEN others THEN
    RETURN NULL;
  END;
END;
$$;

CREATE TABLE IF NOT EXISTS audit_exports (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  created_by uuid NOT NULL REFERENCES users (id),
  created_by_name text NOT NULL,
  created_by_role text,
  format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  -- The search, as validated (api/src/audit/search.ts AuditFilter).
  filter jsonb NOT NULL,
  -- Events above this seq are never in the file: the export is the search as of its creation.
  seq_bound bigint NOT NULL,
  total bigint NOT NULL,
  file_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set when a download completed: what was streamed, and its signature (export-signature.ts).
  rows bigint,
  digest_alg text CHECK (digest_alg IN ('SM3', 'SHA-256')),
  digest bytea,
  signed_at timestamptz,
  key_id uuid REFERENCES audit_signing_keys (id),
  signature bytea,
  downloads integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS audit_exports_creator_idx ON audit_exports (created_by, created_at DESC);

CREATE TABLE IF NOT EXISTS audit_saved_searches (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  owner_id uuid NOT NULL REFERENCES users (id),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 80),
  filter jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (owner_id, name)
);

-- Down Migration
DROP TABLE IF EXISTS audit_saved_searches;
DROP TABLE IF EXISTS audit_exports;
DROP FUNCTION IF EXISTS audit_ip_inet(text);
