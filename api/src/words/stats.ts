import { sql } from "kysely";
import type { Logger } from "pino";
import type { Db } from "../db/pool";
import type { Page } from "../http/list";
import type { Hit } from "./engine";

/**
 * Hit statistics (docs/words.md, "Statistics"): each instance counts hits in memory per (day,
 * tenant, category, word, app) and upserts the counters in batches, so a check costs no database
 * write. Texts are never stored. Counters not yet flushed are lost if the process dies hard: the
 * figures are for reports, not for billing.
 */
const FLUSH_ROWS = 500;
/** Past this many distinct keys, a flush starts at once instead of waiting for the timer. */
const EARLY_FLUSH_KEYS = 50_000;

export type StatsGroup = "category" | "word" | "app" | "day";

export interface StatsFilter {
  from: string;
  to: string;
  category?: string | undefined;
  appId?: string | undefined;
  word?: string | undefined;
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

export function createHitStats(deps: { db: Db; logger: Pick<Logger, "warn">; flushMs?: number; now?: () => Date }) {
  const { db, logger } = deps;
  const now = deps.now ?? (() => new Date());
  let counters = new Map<string, number>();
  let flushing: Promise<void> | null = null;
  let partitionsFor = "";

  const timer = setInterval(() => void flush(), deps.flushMs ?? 5_000);
  timer.unref(); // background machinery must never keep the process alive

  async function ensurePartitions(day: string) {
    const month = day.slice(0, 7);
    if (partitionsFor === month) return;
    await sql`SELECT ensure_word_hit_partitions(1)`.execute(db).catch((err: Error) => {
      // Not fatal: rows land in the default partition.
      logger.warn({ err: err.message }, "could not create word-hit partitions");
    });
    partitionsFor = month;
  }

  async function write(batch: Map<string, number>) {
    const rows = [...batch].map(([key, hits]) => {
      const [day, tenant_id, category, word, app_id] = key.split("\u0000") as [string, string, string, string, string];
      return { day, tenant_id, category, word, app_id, hits };
    });
    for (let i = 0; i < rows.length; i += FLUSH_ROWS) {
      await db
        .insertInto("word_hit_stats")
        .values(rows.slice(i, i + FLUSH_ROWS))
        .onConflict((oc) =>
          oc
            .columns(["day", "tenant_id", "category", "word", "app_id"])
            .doUpdateSet({ hits: sql`word_hit_stats.hits + excluded.hits` }),
        )
        .execute();
    }
  }

  /** Writes the counters gathered so far; one flush at a time, failed counts are kept for the next. */
  function flush(): Promise<void> {
    if (flushing) return flushing.then(() => (counters.size > 0 ? flush() : undefined));
    if (counters.size === 0) return Promise.resolve();
    const batch = counters;
    counters = new Map();
    flushing = (async () => {
      try {
        await ensurePartitions(utcDay(now()));
        await write(batch);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, "flushing word-hit statistics failed; kept for the next flush");
        for (const [k, v] of batch) counters.set(k, (counters.get(k) ?? 0) + v);
      } finally {
        flushing = null;
      }
    })();
    return flushing;
  }

  return {
    /** Counts the hits of one checked text (each hit once, overlapping ones included). */
    count(tenantId: string, appId: string, hits: readonly Hit[]) {
      if (hits.length === 0) return;
      const day = utcDay(now());
      for (const h of hits) {
        const key = `${day}\u0000${tenantId}\u0000${h.category}\u0000${h.word}\u0000${appId}`;
        counters.set(key, (counters.get(key) ?? 0) + 1);
      }
      if (counters.size >= EARLY_FLUSH_KEYS) void flush();
    },

    flush,

    async query(
      tenantId: string,
      groupBy: StatsGroup,
      filter: StatsFilter,
      page: Page<"hits" | "key">,
    ): Promise<{ rows: { key: string; hits: number }[]; total: number }> {
      const column = {
        category: sql<string>`category`,
        word: sql<string>`word`,
        app: sql<string>`app_id`,
        day: sql<string>`to_char(day, 'YYYY-MM-DD')`,
      }[groupBy];
      let q = db
        .selectFrom("word_hit_stats")
        .where("tenant_id", "=", tenantId)
        .where("day", ">=", filter.from)
        .where("day", "<=", filter.to);
      if (filter.category) q = q.where("category", "=", filter.category);
      if (filter.appId !== undefined) q = q.where("app_id", "=", filter.appId);
      if (filter.word) q = q.where("word", "=", filter.word);
      const grouped = q.select([column.as("key"), sql<string>`sum(hits)`.as("hits")]).groupBy(column);
      const [rows, total] = await Promise.all([
        grouped
          .orderBy(page.sort === "hits" ? sql`sum(hits)` : column, page.order)
          .orderBy(column)
          .offset(page.offset)
          .limit(page.limit)
          .execute(),
        db
          .selectFrom(grouped.as("g"))
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow(),
      ]);
      return { rows: rows.map((r) => ({ key: r.key, hits: Number(r.hits) })), total: Number(total.n) };
    },

    /** Flushes and stops the timer (graceful shutdown). */
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

export type HitStats = ReturnType<typeof createHitStats>;
