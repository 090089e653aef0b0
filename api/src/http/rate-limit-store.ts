import type { ClientRateLimitInfo, Options, Store } from "express-rate-limit";
import { sql } from "kysely";
import type { Db } from "../db/pool";

/**
 * express-rate-limit store on PostgreSQL: fixed windows of `windowMs`, one row per key and window.
 * The API is stateless (ARCHITECTURE §4.8), so limits hold across all instances. When the database
 * is down the error propagates and the request answers 503 rather than skipping the limit.
 */
export class PostgresRateLimitStore implements Store {
  private windowMs = 60_000;
  readonly localKeys = false;

  constructor(
    private readonly db: Db,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  /** Start of the fixed window that contains now(). */
  private currentWindow() {
    const seconds = this.windowMs / 1000;
    return sql`to_timestamp(floor(extract(epoch FROM now()) / ${seconds}) * ${seconds})`;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const windowSeconds = this.windowMs / 1000;
    const result = await sql<{ hits: number; window_start: Date }>`
      WITH stale AS (
        DELETE FROM rate_limit_hits WHERE window_start < now() - make_interval(secs => ${windowSeconds * 2})
      )
      INSERT INTO rate_limit_hits AS r (key, window_start, hits)
      VALUES (${this.prefix + key}, ${this.currentWindow()}, 1)
      ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
      RETURNING hits, window_start
    `.execute(this.db);
    const row = result.rows[0];
    if (!row) throw new Error("rate limit counter returned no row");
    return { totalHits: row.hits, resetTime: new Date(row.window_start.getTime() + this.windowMs) };
  }

  async decrement(key: string): Promise<void> {
    await sql`
      UPDATE rate_limit_hits SET hits = greatest(hits - 1, 0)
      WHERE key = ${this.prefix + key}
        AND window_start = ${this.currentWindow()}
    `.execute(this.db);
  }

  async resetKey(key: string): Promise<void> {
    await sql`DELETE FROM rate_limit_hits WHERE key = ${this.prefix + key}`.execute(this.db);
  }
}
