-- Up Migration

-- Fixed-window hit counters for rate limits (sign-in, password change), kept in PostgreSQL so that
-- every API instance behind a load balancer counts against the same limit.
CREATE TABLE IF NOT EXISTS rate_limit_hits (
  key text NOT NULL CHECK (length(key) <= 300),
  window_start timestamptz NOT NULL,
  hits integer NOT NULL CHECK (hits >= 0),
  PRIMARY KEY (key, window_start)
);
CREATE INDEX IF NOT EXISTS rate_limit_hits_window_idx ON rate_limit_hits (window_start);

-- Down Migration
DROP TABLE IF EXISTS rate_limit_hits;
