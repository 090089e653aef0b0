-- Up Migration

-- Notifications (docs/monitors.md, "Notifications"): channels, the outbox of deliveries with its
-- retries (which is also the delivery log), and the console's message centre.
--
-- A channel's `config` is the document api/src/notifications/schemas.ts validates for its type. Its
-- secrets (webhook/SMS signing secret, SMTP password) are write-only in the API (shown as ******)
-- but stored as given: the delivery job runs in the prober process, which holds no data keys.
CREATE TABLE IF NOT EXISTS notification_channels (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  type text NOT NULL CHECK (type IN ('webhook', 'sms', 'email', 'console')),
  config jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'),
  enabled boolean NOT NULL DEFAULT true,
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
  version integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  UNIQUE (tenant_id, name)
);

-- One row per (notification, channel): the outbox the delivery job drains, and the delivery log.
-- pending: waiting for next_attempt_at (also the lease of a send in progress, so a job that died
-- mid-send is retried once the lease passes); delivered; failed (permanent error or attempts used).
-- The channel's name and type are copied so the log still reads after the channel is deleted.
CREATE TABLE IF NOT EXISTS notification_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  channel_id uuid REFERENCES notification_channels (id) ON DELETE SET NULL,
  channel_name text NOT NULL,
  channel_type text NOT NULL CHECK (channel_type IN ('webhook', 'sms', 'email', 'console')),
  source_kind text NOT NULL CHECK (source_kind IN ('alert', 'incident', 'test')),
  source_id uuid,
  severity text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  title_zh text NOT NULL CHECK (length(title_zh) <= 500),
  title_en text NOT NULL CHECK (length(title_en) <= 500),
  text_zh text NOT NULL CHECK (length(text_zh) <= 8000),
  text_en text NOT NULL CHECK (length(text_en) <= 8000),
  link text CHECK (length(link) <= 2000),
  data jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 8 CHECK (max_attempts BETWEEN 1 AND 50),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz,
  last_status integer,
  last_error text CHECK (length(last_error) <= 1000),
  last_ms integer,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- What the job takes: due pending rows, oldest first.
CREATE INDEX IF NOT EXISTS notification_deliveries_due_idx
  ON notification_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS notification_deliveries_log_idx
  ON notification_deliveries (tenant_id, created_at DESC);
CREATE INDEX IF NOT EXISTS notification_deliveries_channel_idx
  ON notification_deliveries (channel_id, created_at DESC);
CREATE INDEX IF NOT EXISTS notification_deliveries_source_idx
  ON notification_deliveries (source_kind, source_id);

-- The console's message centre: one row per recipient of a console-channel delivery, addressed to
-- one user or to one admin role (every holder of the role sees it). Read marks are per user, so a
-- message to a role is unread for each holder until they read it.
CREATE TABLE IF NOT EXISTS notification_messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  delivery_id uuid REFERENCES notification_deliveries (id) ON DELETE SET NULL,
  recipient_user_id uuid,
  recipient_role text CHECK (recipient_role IN ('sysadmin', 'secadmin', 'auditadmin', 'viewer')),
  source_kind text NOT NULL CHECK (source_kind IN ('alert', 'incident', 'test')),
  source_id uuid,
  severity text NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
  title_zh text NOT NULL,
  title_en text NOT NULL,
  text_zh text NOT NULL,
  text_en text NOT NULL,
  link text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((recipient_user_id IS NULL) <> (recipient_role IS NULL))
);
CREATE INDEX IF NOT EXISTS notification_messages_user_idx
  ON notification_messages (recipient_user_id, created_at DESC) WHERE recipient_user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS notification_messages_role_idx
  ON notification_messages (tenant_id, recipient_role, created_at DESC) WHERE recipient_role IS NOT NULL;

CREATE TABLE IF NOT EXISTS notification_message_reads (
  message_id uuid NOT NULL REFERENCES notification_messages (id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  read_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, user_id)
);
CREATE INDEX IF NOT EXISTS notification_message_reads_user_idx ON notification_message_reads (user_id);

-- Down Migration
DROP TABLE IF EXISTS notification_message_reads;
DROP TABLE IF EXISTS notification_messages;
DROP TABLE IF EXISTS notification_deliveries;
DROP TABLE IF EXISTS notification_channels;
