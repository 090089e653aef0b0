/**
 * The delivery job (docs/monitors.md, "Notifications"): a LeaderJob that drains the outbox
 * (outbox.ts). Each round it claims a small batch of due pending deliveries with FOR UPDATE SKIP
 * LOCKED, leases them (next_attempt_at moves past the longest send and the attempt is counted) and
 * commits, then sends outside any transaction and records the outcome. A retryable failure waits
 * retryDelay(attempt) and is tried again up to the delivery's max_attempts; a permanent failure, or
 * the last attempt, marks it failed — visible in the delivery log, where an admin may retry it.
 *
 * At least once: a job that dies between a send and its record leaves the lease to expire, and the
 * delivery is sent again (webhook receivers get the delivery id in X-Tianshu-Delivery to drop it).
 * Console messages are written in the transaction that records the delivery, so exactly once.
 */
import { type Selectable, sql } from "kysely";
import type { Logger } from "pino";
import type { Db, DbOrTx } from "../../api/src/db/pool";
import type { NotificationDeliveriesTable } from "../../api/src/db/schema";
import { openChannelConfig, SECRET_DOES_NOT_OPEN } from "../../api/src/notifications/secrets";
import type { JobSecrets, LeaderJob, LeaderJobContext, RunningJob } from "../jobs";
import { startPeriodic } from "../periodic";
import { type ChannelConfig, type ConsoleSettings, sendOver } from "./channels";
import type { OutgoingMessage } from "./render";
import { type Delivery, retryDelay } from "./webhook";

/** How often the job looks for due deliveries. */
export const DELIVERY_POLL_MS = 1_000;
/** Deliveries claimed per round; each round sends them in parallel. */
export const DELIVERY_BATCH = 10;
/** Longer than any send (10 s timeouts): a claimed delivery is not taken again while it is in flight. */
export const LEASE_MS = 120_000;

type Row = Selectable<NotificationDeliveriesTable>;

export interface DeliveryDeps {
  db: Db;
  logger: Logger;
  isLeader: () => boolean;
  /** Opens the channels' sealed secrets (api/src/notifications/secrets.ts); without it only clear ones. */
  secrets?: JobSecrets | undefined;
  /** Delay before the retry after `attempt` attempts (default retryDelay: 1 s doubling to 10 min, jittered). */
  retryDelayMs?: (attempt: number) => number;
  timeoutMs?: number;
  batch?: number;
}

export function outgoingOf(
  row: Pick<
    Row,
    | "id"
    | "source_kind"
    | "source_id"
    | "severity"
    | "title_zh"
    | "title_en"
    | "text_zh"
    | "text_en"
    | "link"
    | "data"
    | "created_at"
  >,
): OutgoingMessage {
  return {
    id: row.id,
    source: { kind: row.source_kind, id: row.source_id },
    severity: row.severity,
    title: { zh: row.title_zh, en: row.title_en },
    text: { zh: row.text_zh, en: row.text_en },
    link: row.link,
    data: row.data,
    createdAt: new Date(row.created_at),
  };
}

/** Claims due deliveries: counted as an attempt and leased, in one short transaction. */
async function claim(deps: DeliveryDeps): Promise<Row[]> {
  return deps.db.transaction().execute(async (tx) => {
    const due = await tx
      .selectFrom("notification_deliveries")
      .select("id")
      .where("state", "=", "pending")
      .where("next_attempt_at", "<=", sql<Date>`now()`)
      .orderBy("next_attempt_at")
      .limit(deps.batch ?? DELIVERY_BATCH)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    return (await tx
      .updateTable("notification_deliveries")
      .set({
        attempts: sql`attempts + 1`,
        last_attempt_at: sql`now()`,
        next_attempt_at: sql`now() + make_interval(secs => ${LEASE_MS / 1000})`,
      })
      .where(
        "id",
        "in",
        due.map((d) => d.id),
      )
      .returningAll()
      .execute()) as Row[];
  });
}

/** Writes console messages: one per role and per user of the channel. */
export async function writeConsoleMessages(tx: DbOrTx, row: Row, s: ConsoleSettings): Promise<number> {
  const recipients = [
    ...[...new Set(s.roles ?? [])].map((role) => ({ recipient_role: role, recipient_user_id: null })),
    ...[...new Set(s.userIds ?? [])].map((id) => ({ recipient_role: null, recipient_user_id: id })),
  ];
  if (recipients.length === 0) return 0;
  await tx
    .insertInto("notification_messages")
    .values(
      recipients.map((r) => ({
        ...r,
        tenant_id: row.tenant_id,
        delivery_id: row.id,
        source_kind: row.source_kind,
        source_id: row.source_id,
        severity: row.severity,
        title_zh: row.title_zh,
        title_en: row.title_en,
        text_zh: row.text_zh,
        text_en: row.text_en,
        link: row.link,
      })),
    )
    .execute();
  return recipients.length;
}

/** The outcome recorded on the claimed row, guarded by its attempt count (a lost lease writes nothing). */
async function recordOutcome(
  db: DbOrTx,
  row: Row,
  d: Delivery,
  retryMs: number,
): Promise<"delivered" | "pending" | "failed" | null> {
  const state = d.ok ? "delivered" : d.retryable && row.attempts < row.max_attempts ? "pending" : "failed";
  const res = await db
    .updateTable("notification_deliveries")
    .set({
      state,
      last_status: d.status,
      last_error: d.error === null ? null : d.error.slice(0, 1000),
      last_ms: d.ms,
      delivered_at: d.ok ? sql`now()` : null,
      next_attempt_at: state === "pending" ? sql`now() + make_interval(secs => ${retryMs / 1000})` : sql`now()`,
    })
    .where("id", "=", row.id)
    .where("state", "=", "pending")
    .where("attempts", "=", row.attempts)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1 ? state : null;
}

async function deliverOne(deps: DeliveryDeps, row: Row): Promise<void> {
  const retryMs = (deps.retryDelayMs ?? ((n: number) => retryDelay(n)))(row.attempts);
  const channel = row.channel_id
    ? await deps.db
        .selectFrom("notification_channels")
        .select(["type", "config", "enabled"])
        .where("id", "=", row.channel_id)
        .executeTakeFirst()
    : undefined;
  if (!channel || !channel.enabled) {
    const error = channel ? "channel disabled" : "channel deleted";
    if (deps.isLeader())
      await recordOutcome(deps.db, row, { ok: false, status: null, error, retryable: false, ms: 0 }, 0);
    return;
  }
  let opened: Record<string, unknown>;
  try {
    opened = openChannelConfig(channel.config, row.channel_id as string, deps.secrets?.cipher);
  } catch (err) {
    // Perhaps sealed under a data key this process has not loaded yet (a rotation started
    // elsewhere): the keys are re-read and the delivery tried again. The channel id and error only.
    deps.logger.warn(
      { delivery: row.id, channel: row.channel_id, err: (err as Error).message },
      "notifications: a channel secret does not open",
    );
    void deps.secrets?.refresh?.().catch(() => {});
    const failed: Delivery = { ok: false, status: null, error: SECRET_DOES_NOT_OPEN, retryable: true, ms: 0 };
    if (deps.isLeader()) await recordOutcome(deps.db, row, failed, retryMs);
    return;
  }
  const config = { type: channel.type, config: opened } as unknown as ChannelConfig;
  if (config.type === "console") {
    if (!deps.isLeader()) return;
    await deps.db
      .transaction()
      .execute(async (tx) => {
        await writeConsoleMessages(tx, row, config.config);
        const ok: Delivery = { ok: true, status: null, error: null, retryable: false, ms: 0 };
        // Someone else took the row meanwhile: the messages roll back with this transaction.
        if ((await recordOutcome(tx, row, ok, 0)) === null) throw new LeaseLost();
      })
      .catch((err: unknown) => {
        if (!(err instanceof LeaseLost)) throw err;
      });
    return;
  }
  const outcome = await sendOver(
    config,
    outgoingOf(row),
    deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs },
  );
  if (!deps.isLeader()) return;
  const state = await recordOutcome(deps.db, row, outcome, retryMs);
  if (state === "failed") {
    deps.logger.warn(
      { delivery: row.id, channel: row.channel_id, attempts: row.attempts, error: outcome.error },
      "notifications: delivery failed",
    );
  }
}

class LeaseLost extends Error {}

/** One round: claims due deliveries and sends them; returns how many were claimed. */
export async function deliverDue(deps: DeliveryDeps): Promise<number> {
  if (!deps.isLeader()) return 0;
  const rows = await claim(deps);
  await Promise.all(
    rows.map((row) =>
      deliverOne(deps, row).catch((err: Error) =>
        deps.logger.warn({ delivery: row.id, err: err.message }, "notifications: delivery round error"),
      ),
    ),
  );
  return rows.length;
}

/** Delivered and failed deliveries, and messages, are kept this long (the delivery log's retention). */
export const RETENTION_DAYS = 180;
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_BATCH = 1_000;

/**
 * Removes finished deliveries and messages older than `days`, at most `batch` of each per call (so
 * a round stays short; the next hour takes the rest). Pending deliveries are never removed.
 */
export async function pruneNotifications(
  db: DbOrTx,
  days = RETENTION_DAYS,
  batch = PRUNE_BATCH,
): Promise<{ deliveries: number; messages: number }> {
  const cutoff = sql<Date>`now() - make_interval(days => ${days})`;
  const deliveries = await db
    .deleteFrom("notification_deliveries")
    .where(
      "id",
      "in",
      db
        .selectFrom("notification_deliveries")
        .select("id")
        .where("state", "!=", "pending")
        .where("created_at", "<", cutoff)
        .limit(batch),
    )
    .executeTakeFirst();
  const messages = await db
    .deleteFrom("notification_messages")
    .where(
      "id",
      "in",
      db.selectFrom("notification_messages").select("id").where("created_at", "<", cutoff).limit(batch),
    )
    .executeTakeFirst();
  return { deliveries: Number(deliveries.numDeletedRows), messages: Number(messages.numDeletedRows) };
}

/** Starts polling; a round that claimed a full batch is followed at once by the next. */
export function startDeliveryJob(ctx: LeaderJobContext, opts: { pollMs?: number } = {}): RunningJob {
  const pollMs = opts.pollMs ?? DELIVERY_POLL_MS;
  const deps: DeliveryDeps = { db: ctx.db, logger: ctx.logger, isLeader: ctx.isLeader, secrets: ctx.secrets };
  let prunedAt = 0;
  const prune = async () => {
    if (Date.now() - prunedAt < PRUNE_EVERY_MS || !ctx.isLeader()) return;
    prunedAt = Date.now();
    try {
      const n = await pruneNotifications(ctx.db);
      // A full batch: more is due, so the next round (a second later) continues.
      if (n.deliveries >= PRUNE_BATCH || n.messages >= PRUNE_BATCH) prunedAt = 0;
    } catch (err) {
      ctx.logger.warn({ err: (err as Error).message }, "notifications: pruning the delivery log failed");
    }
  };
  // A round that sent a full batch is followed at once: more is due.
  return startPeriodic(ctx, "notification-delivery", pollMs, async () => {
    await prune();
    return (await deliverDue(deps)) >= DELIVERY_BATCH;
  });
}

export const deliveryJob: LeaderJob = { name: "notification-delivery", start: (ctx) => startDeliveryJob(ctx) };
