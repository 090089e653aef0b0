import { randomUUID } from "node:crypto";
import { type Selectable, sql } from "kysely";
import type { ChannelConfig } from "../../../monitors/notify/channels";
import { SECRET_FIELDS, sendOver } from "../../../monitors/notify/channels";
import { writeConsoleMessages } from "../../../monitors/notify/delivery";
import { MAX_ATTEMPTS } from "../../../monitors/notify/outbox";
import { outgoingOf } from "../../../monitors/notify/delivery";
import type { Delivery } from "../../../monitors/notify/webhook";
import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx } from "../db/pool";
import type { NotificationChannelsTable, NotificationDeliveriesTable, NotificationMessagesTable } from "../db/schema";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { assertVersion } from "../http/concurrency";
import { Conflict, Invalid, NotFound, Unauthorized } from "../http/errors";
import type { Page } from "../http/list";
import type { SecretCipher } from "../monitors/secrets";
import { type CHANNEL_SORTABLE, type ChannelInput, type DELIVERY_STATES, MASK } from "./schemas";
import { openChannelConfig, SECRET_DOES_NOT_OPEN, sealChannelConfig, withoutSealed } from "./secrets";
import { likeContains } from "../db/like";

type ChannelRow = Selectable<NotificationChannelsTable>;
type DeliveryRow = Selectable<NotificationDeliveriesTable>;
type MessageRow = Selectable<NotificationMessagesTable>;

export interface ChannelView {
  id: string;
  name: string;
  description: string;
  type: ChannelRow["type"];
  enabled: boolean;
  config: Record<string, unknown>;
  version: number;
  createdBy: string | null;
  createdAt: string;
  updatedBy: string | null;
  updatedAt: string;
}

export interface TestOutcome extends Delivery {
  deliveryId: string;
}

export interface DeliveryFilter {
  state?: (typeof DELIVERY_STATES)[number] | undefined;
  channelId?: string | undefined;
  sourceKind?: "alert" | "incident" | "test" | undefined;
  sourceId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const notFound = () =>
  new NotFound("NOTIFICATION_CHANNEL_NOT_FOUND", "No such notification channel.", "通知渠道不存在。");
const principalOf = (ctx: RequestContext) => {
  if (!ctx.principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  return ctx.principal;
};

/** The config as the API shows it: secrets masked (present ones only), the sealed values (secrets.ts) left out. */
export function maskConfig(type: ChannelRow["type"], config: Record<string, unknown>): Record<string, unknown> {
  const out = withoutSealed(config);
  for (const field of SECRET_FIELDS[type]) if (typeof out[field] === "string") out[field] = MASK;
  return out;
}

/**
 * Where the input carries MASK for a secret, the stored one (same type only; `stored` with its
 * secrets opened); MASK with none stored is refused.
 */
function unmaskConfig(input: ChannelInput, stored: ChannelRow | null): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input.config };
  for (const field of SECRET_FIELDS[input.type]) {
    if (out[field] !== MASK) continue;
    const kept = stored && stored.type === input.type ? stored.config[field] : undefined;
    if (typeof kept !== "string") {
      throw new Invalid(
        "NOTIFICATION_CHANNEL_INVALID",
        "A masked secret was sent where no secret is stored; send the value itself.",
        "提交了掩码值，但该处没有已保存的密钥，请填写实际值。",
        [
          {
            path: `body.config.${field}`,
            message: "masked value without a stored one",
            zh: "此处没有已保存的密钥，请填写实际值",
          },
        ],
      );
    }
    out[field] = kept;
  }
  return out;
}

/** What the audit log keeps of a channel: never secrets, phone numbers, addresses or URL paths. */
function auditSummary(type: ChannelRow["type"], name: string, enabled: boolean, config: Record<string, unknown>) {
  const origin = (url: unknown) => {
    try {
      return new URL(String(url)).origin;
    } catch {
      return null;
    }
  };
  const target =
    type === "webhook"
      ? { origin: origin(config.url) }
      : type === "sms"
        ? { origin: origin(config.url), phoneNumbers: (config.phoneNumbers as unknown[]).length }
        : type === "email"
          ? { host: `${String(config.host)}:${String(config.port)}`, to: (config.to as unknown[]).length }
          : { roles: config.roles, users: (config.userIds as unknown[]).length };
  return { name, type, enabled, ...target };
}

function channelView(row: ChannelRow): ChannelView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    type: row.type,
    enabled: row.enabled,
    config: maskConfig(row.type, row.config),
    version: row.version,
    createdBy: row.created_by,
    createdAt: iso(row.created_at) as string,
    updatedBy: row.updated_by,
    updatedAt: iso(row.updated_at) as string,
  };
}

export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    channelId: row.channel_id,
    channelName: row.channel_name,
    channelType: row.channel_type,
    source: { kind: row.source_kind, id: row.source_id },
    severity: row.severity,
    title: { zh: row.title_zh, en: row.title_en },
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    nextAttemptAt: row.state === "pending" ? iso(row.next_attempt_at) : null,
    lastAttemptAt: iso(row.last_attempt_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
    deliveredAt: iso(row.delivered_at),
    createdAt: iso(row.created_at) as string,
  };
}

function messageView(row: MessageRow & { read_at: Date | null }) {
  return {
    id: row.id,
    severity: row.severity,
    title: { zh: row.title_zh, en: row.title_en },
    text: { zh: row.text_zh, en: row.text_en },
    link: row.link,
    source: { kind: row.source_kind, id: row.source_id },
    to: row.recipient_user_id ? ("me" as const) : ("role" as const),
    read: row.read_at !== null,
    readAt: iso(row.read_at),
    createdAt: iso(row.created_at) as string,
  };
}

const CHANNEL_SORT = { name: "name", type: "type", createdAt: "created_at", updatedAt: "updated_at" } as const;
const DELIVERY_SORT = { createdAt: "created_at", lastAttemptAt: "last_attempt_at" } as const;

/** `cipher` seals the channels' secrets at rest (secrets.ts; the field cipher in services.ts). */
export function createNotificationService(db: Db, cipher: SecretCipher) {
  async function load(tx: DbOrTx, tenantId: string, id: string, forUpdate = false): Promise<ChannelRow> {
    let q = tx.selectFrom("notification_channels").selectAll().where("tenant_id", "=", tenantId).where("id", "=", id);
    if (forUpdate) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) throw notFound();
    return row;
  }

  async function audit(
    tx: DbOrTx,
    ctx: RequestContext,
    action: string,
    targetType: string,
    id: string,
    detail: object,
  ) {
    await record(tx, { ...actorOf(ctx), action, targetType, targetId: id, result: "success", detail: { ...detail } });
  }

  /** Console recipients must be accounts of the tenant. */
  async function checkRecipients(tx: DbOrTx, tenantId: string, input: ChannelInput): Promise<void> {
    if (input.type !== "console" || input.config.userIds.length === 0) return;
    const ids = [...new Set(input.config.userIds)];
    const found = await tx
      .selectFrom("users")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .where("id", "in", ids)
      .where("status", "!=", "deleted")
      .execute();
    const known = new Set(found.map((r) => r.id));
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new Invalid(
        "NOTIFICATION_CHANNEL_INVALID",
        `Unknown user(s): ${missing.join(", ")}`,
        "收件人中有不存在的用户。",
        missing.map((id) => ({
          path: `body.config.userIds.${input.config.userIds.indexOf(id)}`,
          message: "no such user",
          zh: "用户不存在",
        })),
      );
    }
  }

  async function nameTaken<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if ((err as { code?: string }).code === "23505") {
        throw new Conflict(
          "NOTIFICATION_CHANNEL_NAME_TAKEN",
          "A channel with this name exists.",
          "已存在同名的通知渠道。",
        );
      }
      throw err;
    }
  }

  return {
    async listChannels(
      ctx: RequestContext,
      f: { q?: string | undefined; type?: ChannelRow["type"] | undefined; enabled?: "true" | "false" | undefined },
      page: Page<(typeof CHANNEL_SORTABLE)[number]>,
    ) {
      const p = principalOf(ctx);
      let q = db.selectFrom("notification_channels").where("tenant_id", "=", p.tenantId);
      if (f.q) q = q.where("name", "ilike", likeContains(f.q));
      if (f.type) q = q.where("type", "=", f.type);
      if (f.enabled) q = q.where("enabled", "=", f.enabled === "true");
      const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
      const rows = await q
        .selectAll()
        .orderBy(CHANNEL_SORT[page.sort], page.order)
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { items: rows.map(channelView), total: Number(total.n) };
    },

    async getChannel(ctx: RequestContext, id: string) {
      return channelView(await load(db, principalOf(ctx).tenantId, id));
    },

    async createChannel(ctx: RequestContext, input: ChannelInput) {
      const p = principalOf(ctx);
      const config = unmaskConfig(input, null);
      // The id is known before the insert: sealed values are bound to it (secrets.ts channelPlace).
      const id = randomUUID();
      return nameTaken(() =>
        withTx(db, async (tx) => {
          await checkRecipients(tx, p.tenantId, input);
          const row = await tx
            .insertInto("notification_channels")
            .values({
              id,
              tenant_id: p.tenantId,
              name: input.name,
              description: input.description,
              type: input.type,
              enabled: input.enabled,
              config: JSON.stringify(sealChannelConfig(input.type, config, id, cipher)),
              created_by: p.userId,
              updated_by: p.userId,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await audit(
            tx,
            ctx,
            "notification-channel.create",
            "NotificationChannel",
            row.id,
            auditSummary(row.type, row.name, row.enabled, config),
          );
          return channelView(row);
        }),
      );
    },

    async updateChannel(ctx: RequestContext, id: string, version: number, input: ChannelInput) {
      const p = principalOf(ctx);
      return nameTaken(() =>
        withTx(db, async (tx) => {
          const stored = await load(tx, p.tenantId, id, true);
          assertVersion("notification channel", stored.version, version);
          const before = { ...stored, config: openChannelConfig(stored.config, id, cipher) };
          const config = unmaskConfig(input, before);
          await checkRecipients(tx, p.tenantId, input);
          const row = await tx
            .updateTable("notification_channels")
            .set((eb) => ({
              name: input.name,
              description: input.description,
              type: input.type,
              enabled: input.enabled,
              config: JSON.stringify(sealChannelConfig(input.type, config, id, cipher)),
              version: eb("version", "+", 1),
              updated_at: new Date(),
              updated_by: p.userId,
            }))
            .where("id", "=", id)
            .returningAll()
            .executeTakeFirstOrThrow();
          const changed = ["name", "description", "type", "enabled"].filter(
            (k) => before[k as keyof ChannelRow] !== row[k as keyof ChannelRow],
          );
          const keys = new Set([...Object.keys(before.config), ...Object.keys(config)]);
          for (const k of keys) {
            if (JSON.stringify(before.config[k]) !== JSON.stringify(config[k])) changed.push(`config.${k}`);
          }
          await audit(tx, ctx, "notification-channel.update", "NotificationChannel", id, {
            ...auditSummary(row.type, row.name, row.enabled, config),
            changed,
            version: row.version,
          });
          return channelView(row);
        }),
      );
    },

    async removeChannel(ctx: RequestContext, id: string, version: number) {
      const p = principalOf(ctx);
      await withTx(db, async (tx) => {
        const before = await load(tx, p.tenantId, id, true);
        assertVersion("notification channel", before.version, version);
        // Deliveries stay in the log (channel_id becomes NULL); pending ones fail as "channel deleted".
        await tx.deleteFrom("notification_channels").where("id", "=", id).execute();
        await audit(tx, ctx, "notification-channel.delete", "NotificationChannel", id, {
          name: before.name,
          type: before.type,
        });
      });
    },

    /** Sends a test message over the channel now; the outcome is returned and kept in the delivery log. */
    async testChannel(ctx: RequestContext, id: string): Promise<TestOutcome> {
      const p = principalOf(ctx);
      const ch = await load(db, p.tenantId, id);
      const now = new Date();
      // The row is written after the send, with its outcome: the delivery job never sees it pending.
      const row: DeliveryRow = {
        id: randomUUID(),
        tenant_id: p.tenantId,
        channel_id: ch.id,
        channel_name: ch.name,
        channel_type: ch.type,
        source_kind: "test",
        source_id: null,
        severity: "info",
        title_zh: `天枢通知渠道测试：${ch.name}`,
        title_en: `Tianshu notification channel test: ${ch.name}`,
        text_zh: `这是 ${p.displayName} 发送的测试消息，收到即表示渠道配置正确。`,
        text_en: `A test message sent by ${p.username}: if it arrived, the channel works.`,
        link: null,
        data: { test: true },
        state: "pending",
        attempts: 1,
        max_attempts: 1,
        next_attempt_at: now,
        last_attempt_at: now,
        last_status: null,
        last_error: null,
        last_ms: null,
        delivered_at: null,
        created_at: now,
      };
      let opened: Record<string, unknown> | null = null;
      try {
        opened = openChannelConfig(ch.config, ch.id, cipher);
      } catch {
        // Reported as the outcome; the error names no value.
      }
      const config = { type: ch.type, config: opened ?? ch.config } as unknown as ChannelConfig;
      const outcome: Delivery =
        opened === null
          ? { ok: false, status: null, error: SECRET_DOES_NOT_OPEN, retryable: false, ms: 0 }
          : config.type === "console"
            ? { ok: true, status: null, error: null, retryable: false, ms: 0 }
            : await sendOver(config, outgoingOf(row));
      await withTx(db, async (tx) => {
        await tx
          .insertInto("notification_deliveries")
          .values({
            ...row,
            data: JSON.stringify(row.data),
            state: outcome.ok ? "delivered" : "failed",
            last_status: outcome.status,
            last_error: outcome.error?.slice(0, 1000) ?? null,
            last_ms: outcome.ms,
            delivered_at: outcome.ok ? new Date() : null,
          })
          .execute();
        if (config.type === "console") await writeConsoleMessages(tx, row, config.config);
        await audit(tx, ctx, "notification-channel.test", "NotificationChannel", id, {
          name: ch.name,
          type: ch.type,
          ok: outcome.ok,
          status: outcome.status,
          error: outcome.error,
          deliveryId: row.id,
        });
      });
      return { ...outcome, deliveryId: row.id };
    },

    async listDeliveries(ctx: RequestContext, f: DeliveryFilter, page: Page<"createdAt" | "lastAttemptAt">) {
      const p = principalOf(ctx);
      let q = db.selectFrom("notification_deliveries").where("tenant_id", "=", p.tenantId);
      if (f.state) q = q.where("state", "=", f.state);
      if (f.channelId) q = q.where("channel_id", "=", f.channelId);
      if (f.sourceKind) q = q.where("source_kind", "=", f.sourceKind);
      if (f.sourceId) q = q.where("source_id", "=", f.sourceId);
      if (f.from) q = q.where("created_at", ">=", new Date(f.from));
      if (f.to) q = q.where("created_at", "<", new Date(f.to));
      const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
      const rows = await q
        .selectAll()
        .orderBy(DELIVERY_SORT[page.sort], (ob) =>
          page.order === "asc" ? ob.asc().nullsFirst() : ob.desc().nullsLast(),
        )
        .orderBy("id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { items: rows.map(deliveryView), total: Number(total.n) };
    },

    /** A failed delivery goes back to pending with a fresh set of attempts; the job sends it within a second. */
    async retryDelivery(ctx: RequestContext, id: string) {
      const p = principalOf(ctx);
      return withTx(db, async (tx) => {
        const before = await tx
          .selectFrom("notification_deliveries")
          .selectAll()
          .where("tenant_id", "=", p.tenantId)
          .where("id", "=", id)
          .forUpdate()
          .executeTakeFirst();
        if (!before) {
          throw new NotFound("NOTIFICATION_DELIVERY_NOT_FOUND", "No such delivery.", "投递记录不存在。");
        }
        if (before.state !== "failed" || before.source_kind === "test" || before.channel_id === null) {
          throw new Conflict(
            "NOTIFICATION_DELIVERY_NOT_RETRYABLE",
            before.channel_id === null
              ? "The delivery's channel was deleted."
              : "Only a failed delivery of an alert or incident can be retried.",
            before.channel_id === null ? "该投递的通知渠道已删除，无法重试。" : "只有失败的告警或事件投递可以重试。",
          );
        }
        const row = await tx
          .updateTable("notification_deliveries")
          .set({ state: "pending", attempts: 0, max_attempts: MAX_ATTEMPTS, next_attempt_at: sql`now()` })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await audit(tx, ctx, "notification-delivery.retry", "NotificationDelivery", id, {
          channel: before.channel_name,
          channelId: before.channel_id,
          source: { kind: before.source_kind, id: before.source_id },
          previousAttempts: before.attempts,
          lastError: before.last_error,
        });
        return deliveryView(row);
      });
    },

    /** The caller's own messages: addressed to their user id, or to the role they hold now. */
    async listMessages(ctx: RequestContext, unreadOnly: boolean, page: Page<"createdAt">) {
      const p = principalOf(ctx);
      const q = mine(db, p, unreadOnly);
      const total = await q.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow();
      const rows = await q
        .selectAll("m")
        .select("r.read_at")
        .orderBy("m.created_at", page.order)
        .orderBy("m.id", page.order)
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return { items: rows.map(messageView), total: Number(total.n) };
    },

    async unreadCount(ctx: RequestContext): Promise<number> {
      const p = principalOf(ctx);
      const row = await mine(db, p, true)
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Marks one of the caller's messages read (idempotent); another's is "not found". */
    async markRead(ctx: RequestContext, id: string): Promise<void> {
      const p = principalOf(ctx);
      const visible = await mine(db, p, false).select("m.id").where("m.id", "=", id).executeTakeFirst();
      if (!visible) throw new NotFound("MESSAGE_NOT_FOUND", "No such message.", "消息不存在。");
      await db
        .insertInto("notification_message_reads")
        .values({ message_id: id, user_id: p.userId })
        .onConflict((oc) => oc.columns(["message_id", "user_id"]).doNothing())
        .execute();
    },

    async markAllRead(ctx: RequestContext): Promise<number> {
      const p = principalOf(ctx);
      const res = await db
        .insertInto("notification_message_reads")
        .columns(["message_id", "user_id"])
        .expression(mine(db, p, true).select(["m.id", sql<string>`${p.userId}::uuid`.as("user_id")]))
        .onConflict((oc) => oc.columns(["message_id", "user_id"]).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0);
    },
  };
}

/** Messages the principal may see, with their own read mark joined (r.read_at). */
function mine(db: DbOrTx, p: { tenantId: string; userId: string; role: string | null }, unreadOnly: boolean) {
  let q = db
    .selectFrom("notification_messages as m")
    .leftJoin("notification_message_reads as r", (j) =>
      j.onRef("r.message_id", "=", "m.id").on("r.user_id", "=", p.userId),
    )
    .where("m.tenant_id", "=", p.tenantId)
    .where((eb) =>
      eb.or([
        eb("m.recipient_user_id", "=", p.userId),
        ...(p.role ? [eb("m.recipient_role", "=", p.role as "sysadmin")] : []),
      ]),
    );
  if (unreadOnly) q = q.where("r.read_at", "is", null);
  return q;
}

export type NotificationService = ReturnType<typeof createNotificationService>;
