/**
 * The notification outbox (docs/monitors.md, "Notifications"). Whoever decides that people must be
 * told — a firing alert, an incident — calls enqueueNotification in its own transaction: one pending
 * delivery per channel is inserted with the change that caused it, so a notification is never sent
 * for a change that rolled back, nor lost for one that committed. The delivery job (delivery.ts)
 * sends them, with retries, on the leader.
 */
import { sql } from "kysely";
import type { DbOrTx } from "../../api/src/db/pool";

export type NotificationSeverity = "critical" | "warning" | "info";

export interface Notification {
  tenantId: string;
  source: { kind: "alert" | "incident"; id: string };
  /** The channels to deliver to; unknown, other tenants' and disabled channels are skipped. */
  channelIds: string[];
  severity: NotificationSeverity;
  title: { zh: string; en: string };
  text: { zh: string; en: string };
  /** A link to the alert or incident in the console (shown in e-mails, messages and webhook bodies). */
  link?: string;
  /** Extra facts for machine receivers (webhook body `data`); keep it small. */
  data?: Record<string, unknown>;
}

/** Bounds of the stored texts (the migration's CHECKs); longer texts are cut, not refused. */
export const LIMITS = { title: 500, text: 8000, link: 2000, dataBytes: 16 * 1024 } as const;
/** How many times a delivery is tried before it is marked failed. */
export const MAX_ATTEMPTS = 8;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Cuts to `max` characters (code points, so a Chinese text is not split inside a surrogate pair). */
export function clip(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * Inserts one pending delivery per (distinct, existing, enabled) channel of the tenant in the
 * caller's transaction; returns how many. The channel's name and type are copied into the delivery
 * so the log still reads after the channel is deleted.
 */
export async function enqueueNotification(tx: DbOrTx, n: Notification): Promise<number> {
  const ids = [...new Set(n.channelIds)].filter((id) => UUID.test(id));
  if (ids.length === 0) return 0;
  if (!UUID.test(n.source.id)) throw new Error(`enqueueNotification: source id is not a UUID: ${n.source.id}`);
  let data = JSON.stringify(n.data ?? {});
  if (Buffer.byteLength(data) > LIMITS.dataBytes) data = JSON.stringify({ truncated: true });
  const link = n.link === undefined ? null : clip(n.link, LIMITS.link);
  const result = await tx
    .insertInto("notification_deliveries")
    .columns([
      "tenant_id",
      "channel_id",
      "channel_name",
      "channel_type",
      "source_kind",
      "source_id",
      "severity",
      "title_zh",
      "title_en",
      "text_zh",
      "text_en",
      "link",
      "data",
      "max_attempts",
    ])
    .expression(
      tx
        .selectFrom("notification_channels as c")
        .select([
          "c.tenant_id",
          "c.id",
          "c.name",
          "c.type",
          sql<string>`${n.source.kind}`.as("source_kind"),
          sql<string>`${n.source.id}::uuid`.as("source_id"),
          sql<string>`${n.severity}`.as("severity"),
          sql<string>`${clip(n.title.zh, LIMITS.title)}`.as("title_zh"),
          sql<string>`${clip(n.title.en, LIMITS.title)}`.as("title_en"),
          sql<string>`${clip(n.text.zh, LIMITS.text)}`.as("text_zh"),
          sql<string>`${clip(n.text.en, LIMITS.text)}`.as("text_en"),
          sql<string | null>`${link}::text`.as("link"),
          sql<string>`${data}::jsonb`.as("data"),
          sql<number>`${MAX_ATTEMPTS}::integer`.as("max_attempts"),
        ])
        .where("c.tenant_id", "=", n.tenantId)
        .where("c.enabled", "=", true)
        .where("c.id", "in", ids),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}
