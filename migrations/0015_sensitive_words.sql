-- Up Migration

-- Sensitive words (docs/words.md). Everything secadmin edits is the DRAFT; message services are
-- served the tenant's ACTIVE PUBLICATION, an immutable snapshot, so an edit never changes what checks
-- see until it is published, and a rollback is just another publication pointing at an old snapshot.

-- A dictionary groups words of one category. The category list is closed: reports group by it.
CREATE TABLE IF NOT EXISTS word_dictionaries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  category text NOT NULL
    CHECK (category IN ('political', 'pornographic', 'violent', 'illegal', 'abuse', 'advertising', 'custom')),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
  -- A disabled dictionary keeps its words but is left out of the next publication.
  enabled boolean NOT NULL DEFAULT true,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_by uuid
);
CREATE UNIQUE INDEX IF NOT EXISTS word_dictionaries_name_idx ON word_dictionaries (tenant_id, name);

-- `folded` is the engine's matching form (fold.ts, repeats collapsed): 敏感, 敏 感 and 敏感感 are one
-- word, so the uniqueness that matters is on it, not on the spelling.
CREATE TABLE IF NOT EXISTS sensitive_words (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  dictionary_id uuid NOT NULL REFERENCES word_dictionaries (id) ON DELETE CASCADE,
  word text NOT NULL CHECK (char_length(word) BETWEEN 1 AND 64),
  folded text NOT NULL CHECK (folded <> ''),
  level smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
  action text NOT NULL CHECK (action IN ('block', 'replace', 'review')),
  pinyin boolean NOT NULL DEFAULT false,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS sensitive_words_folded_idx ON sensitive_words (dictionary_id, folded);
CREATE INDEX IF NOT EXISTS sensitive_words_tenant_idx ON sensitive_words (tenant_id, dictionary_id, created_at);

-- Words that must never hit (an occurrence of an allowed word shields every hit inside it).
CREATE TABLE IF NOT EXISTS word_allow_list (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  word text NOT NULL CHECK (char_length(word) BETWEEN 1 AND 64),
  folded text NOT NULL CHECK (folded <> ''),
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid
);
CREATE UNIQUE INDEX IF NOT EXISTS word_allow_list_folded_idx ON word_allow_list (tenant_id, folded);

-- Publications are append-only: version n of a tenant is exactly what was compiled and served.
-- snapshot = {"words": [[word, category, level, action, pinyin], ...], "allow": [word, ...]}.
CREATE TABLE IF NOT EXISTS word_publications (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version >= 1),
  snapshot jsonb NOT NULL,
  word_count integer NOT NULL CHECK (word_count >= 0),
  allow_count integer NOT NULL CHECK (allow_count >= 0),
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
  -- Set on a rollback: the earlier version whose snapshot this publication serves again.
  rolled_back_to integer CHECK (rolled_back_to IS NULL OR rolled_back_to < version),
  published_by uuid,
  published_by_name text,
  published_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, version)
);

-- The version each instance serves; one row per tenant, moved by publish and rollback.
CREATE TABLE IF NOT EXISTS word_active_versions (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  version integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, version) REFERENCES word_publications (tenant_id, version)
);

-- Hit counts per day, tenant, category, word and app (the texts themselves are never stored).
-- Upserted in batches by each instance (api/src/words/stats.ts). A TimescaleDB hypertable where the
-- extension can be created; otherwise monthly range partitions (a default one catches the rest), so
-- retention is dropping a chunk or a partition either way. app_id '' means "no app given".
DO $$
BEGIN
  IF to_regclass('word_hit_stats') IS NOT NULL THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb;
      CREATE TABLE word_hit_stats (
        day date NOT NULL,
        tenant_id uuid NOT NULL,
        category text NOT NULL,
        word text NOT NULL,
        app_id text NOT NULL DEFAULT '',
        hits bigint NOT NULL CHECK (hits >= 0),
        PRIMARY KEY (day, tenant_id, category, word, app_id)
      );
      PERFORM create_hypertable('word_hit_stats', 'day', chunk_time_interval => interval '7 days');
      RETURN;
    EXCEPTION WHEN others THEN
      -- Installed but not preloaded (shared_preload_libraries): fall back to native partitions.
      RAISE NOTICE 'timescaledb unusable (%), using native partitions for word_hit_stats', SQLERRM;
    END;
  END IF;
  CREATE TABLE word_hit_stats (
    day date NOT NULL,
    tenant_id uuid NOT NULL,
    category text NOT NULL,
    word text NOT NULL,
    app_id text NOT NULL DEFAULT '',
    hits bigint NOT NULL CHECK (hits >= 0),
    PRIMARY KEY (day, tenant_id, category, word, app_id)
  ) PARTITION BY RANGE (day);
  CREATE TABLE word_hit_stats_default PARTITION OF word_hit_stats DEFAULT;
END;
$$;
CREATE INDEX IF NOT EXISTS word_hit_stats_tenant_idx ON word_hit_stats (tenant_id, day);

-- Monthly partitions of word_hit_stats from this month to months_ahead (bounds are dates, so the
-- session time zone cannot shift them). A no-op on a hypertable. Called by the stats flusher.
CREATE OR REPLACE FUNCTION ensure_word_hit_partitions(months_ahead integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  created integer := 0;
  month_start date;
  part_name text;
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('word_hit_stats')) IS DISTINCT FROM 'p' THEN
    RETURN 0;
  END IF;
  FOR i IN 0..months_ahead LOOP
    month_start := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date;
    part_name := format('word_hit_stats_%s', to_char(month_start, 'YYYYMM'));
    IF to_regclass(part_name) IS NULL THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF word_hit_stats FOR VALUES FROM (%L) TO (%L)',
        part_name, month_start, (month_start + interval '1 month')::date);
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END;
$$;

-- Down Migration
DROP FUNCTION IF EXISTS ensure_word_hit_partitions(integer);
DROP TABLE IF EXISTS word_hit_stats;
DROP TABLE IF EXISTS word_active_versions;
DROP TABLE IF EXISTS word_publications;
DROP TABLE IF EXISTS word_allow_list;
DROP TABLE IF EXISTS sensitive_words;
DROP TABLE IF EXISTS word_dictionaries;
