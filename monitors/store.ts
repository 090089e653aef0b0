/**
 * Monitor storage (docs/monitors.md, "Storage"): raw results, transitions, the latest status and
 * the rollups, written together in one transaction per batch. Writes are idempotent, keyed by
 * monitor and time: a batch retried after an unacknowledged COMMIT inserts nothing twice, and the
 * transitions, status and rollups are computed from the rows that were actually inserted.
 *
 * Takes the API's Kysely handle (a type-only import: nothing of Express is loaded here).
 */
import { sql } from "kysely";
import type { Db, DbOrTx, Tx } from "../api/src/db/pool";
import { type MonitorDefinition, parseMonitorDefinition } from "./config";
import { type MonitorStatus, type RawResult, rollupsOf, type RollupWidth, transitionsFor } from "./transitions";

export const ROLLUP_WIDTHS: readonly RollupWidth[] = ["minute", "hour", "day"];

export interface StoredMonitor {
  id: string;
  definition: MonitorDefinition;
  paused: boolean;
  version: number;
}

/**
 * Turns a stored definition into the one to probe: credentials are sealed at rest
 * (api/src/monitors/secrets.ts openDefinition). Throws when a sealed value does not open.
 */
export type DefinitionOpener = (monitorId: string, stored: Record<string, unknown>) => unknown;

/** 'native' (partitions + rollup tables kept here) or 'timescale' (continuous aggregates). */
export async function storageMode(db: DbOrTx): Promise<"native" | "timescale"> {
  const row = await db.selectFrom("monitor_storage").select("mode").executeTakeFirst();
  return row?.mode ?? "native";
}

/** Today's and the next days' partitions of the raw results (a no-op on a hypertable). */
export async function ensureResultPartitions(db: DbOrTx, daysAhead = 2): Promise<number> {
  const r = await sql<{ n: number }>`SELECT ensure_daily_partitions('monitor_results', ${daysAhead}) AS n`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** How long each kind of row is kept in native mode (TimescaleDB applies its own policies). */
export const RETENTION_DAYS = { results: 90, minute: 30, hour: 400 } as const;

/**
 * Native-mode retention: whole day partitions of raw results older than RETENTION_DAYS.results are
 * dropped (cheap, no row-by-row delete), old minute and hour rollups deleted; day rollups are kept.
 * Returns the partitions dropped. A no-op with TimescaleDB.
 */
export async function applyRetention(db: Db, now = new Date()): Promise<string[]> {
  if ((await storageMode(db)) !== "native") return [];
  const day = 86_400_000;
  const cutoff = new Date(now.getTime() - RETENTION_DAYS.results * day).toISOString().slice(0, 10).replaceAll("-", "");
  const parts = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'monitor_results'::regclass AND c.relname ~ '^monitor_results_[0-9]{8}$'`.execute(db);
  // Names are monitor_results_YYYYMMDD (ensure_daily_partitions): the day sorts as text.
  const old = parts.rows.map((r) => r.name).filter((n) => n.slice(-8) < cutoff);
  for (const name of old) await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(db);
  const before = (days: number) => new Date(now.getTime() - days * day);
  await db.deleteFrom("monitor_rollup_minute").where("bucket", "<", before(RETENTION_DAYS.minute)).execute();
  await db.deleteFrom("monitor_rollup_hour").where("bucket", "<", before(RETENTION_DAYS.hour)).execute();
  return old;
}

/**
 * The monitors the prober checks: not paused, not push (push monitors are judged from heartbeats).
 * With `known` (id → version the caller holds), only new or changed definitions are read and
 * parsed; the others come back as `unchanged`, so re-reading thousands of monitors every few
 * seconds costs one narrow query.
 */
export async function activeMonitors(
  db: DbOrTx,
  known: ReadonlyMap<string, number> = new Map(),
  open?: DefinitionOpener,
): Promise<{ changed: StoredMonitor[]; unchanged: string[] }> {
  const versions = await db
    .selectFrom("monitors")
    .select(["id", "version"])
    .where("paused", "=", false)
    .where("type", "<>", "push")
    .execute();
  const unchanged = versions.filter((v) => known.get(v.id) === v.version).map((v) => v.id);
  const wanted = versions.filter((v) => known.get(v.id) !== v.version).map((v) => v.id);
  const rows =
    wanted.length === 0
      ? []
      : await db
          .selectFrom("monitors")
          .select(["id", "definition", "paused", "version"])
          .where("id", "in", wanted)
          .where("paused", "=", false)
          .execute();
  const changed: StoredMonitor[] = [];
  for (const row of rows) {
    // Stored definitions were validated when saved; one altered by hand is skipped, not fatal.
    let input: unknown = row.definition;
    try {
      if (open) input = open(row.id, row.definition);
    } catch {
      continue; // a sealed credential that does not open (altered, key destroyed): not probed
    }
    const parsed = parseMonitorDefinition(input);
    if (parsed.ok) changed.push({ id: row.id, definition: parsed.monitor, paused: row.paused, version: row.version });
  }
  return { changed, unchanged };
}

const toStatus = (row: {
  state: MonitorStatus["state"];
  since: Date;
  last_result_at: Date | null;
  last_latency_ms: number | null;
  last_reason: string | null;
}): MonitorStatus => ({
  state: row.state,
  since: row.since.getTime(),
  lastResultAt: row.last_result_at?.getTime() ?? null,
  lastLatencyMs: row.last_latency_ms,
  lastReason: row.last_reason,
});

async function saveStatus(tx: Tx, monitorId: string, s: MonitorStatus): Promise<void> {
  const values = {
    state: s.state,
    since: new Date(s.since),
    last_result_at: s.lastResultAt === null ? null : new Date(s.lastResultAt),
    last_latency_ms: s.lastLatencyMs,
    last_reason: s.lastReason,
  };
  await tx
    .insertInto("monitor_status")
    .values({ monitor_id: monitorId, ...values })
    .onConflict((oc) => oc.column("monitor_id").doUpdateSet(values))
    .execute();
}

/**
 * Writes a batch of results (any monitors, any order) in one transaction. `intervalMs` gives each
 * monitor's interval, for gap detection; a monitor missing from it (deleted meanwhile) gets its raw
 * rows only. Returns how many rows were new.
 */
export async function writeResults(
  db: Db,
  batch: readonly RawResult[],
  intervalMs: ReadonlyMap<string, number>,
): Promise<number> {
  if (batch.length === 0) return 0;
  const mode = await storageMode(db);
  return db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto("monitor_results")
      .values(
        batch.map((r) => ({
          monitor_id: r.monitorId,
          at: new Date(r.at),
          state: r.state,
          latency_ms: Math.max(0, Math.round(r.latencyMs)),
          reason: r.reason,
          message: r.message.slice(0, 1000),
        })),
      )
      .onConflict((oc) => oc.columns(["monitor_id", "at"]).doNothing())
      .returning(["monitor_id", "at"])
      .execute();
    const fresh = new Set(inserted.map((r) => `${r.monitor_id}|${r.at.getTime()}`));
    const news = batch.filter((r) => fresh.has(`${r.monitorId}|${r.at}`));
    if (news.length === 0) return 0;

    const byMonitor = new Map<string, RawResult[]>();
    for (const r of news) byMonitor.set(r.monitorId, [...(byMonitor.get(r.monitorId) ?? []), r]);
    const ids = [...byMonitor.keys()].sort();
    const stored = await tx
      .selectFrom("monitor_status")
      .selectAll()
      .where("monitor_id", "in", ids)
      .forUpdate()
      .execute();
    const statusOf = new Map(stored.map((s) => [s.monitor_id, toStatus(s)]));
    for (const id of ids) {
      const interval = intervalMs.get(id);
      if (interval === undefined) continue;
      const { changes, status } = transitionsFor(byMonitor.get(id) ?? [], statusOf.get(id) ?? null, interval);
      if (changes.length > 0) {
        await tx
          .insertInto("monitor_transitions")
          .values(changes.map((c) => ({ monitor_id: id, at: new Date(c.at), state: c.state, reason: c.reason })))
          .onConflict((oc) => oc.columns(["monitor_id", "at"]).doNothing())
          .execute();
      }
      if (status) await saveStatus(tx, id, status);
    }
    if (mode === "native") await addToRollups(tx, news);
    return news.length;
  });
}

async function addToRollups(tx: Tx, results: readonly RawResult[]): Promise<void> {
  for (const width of ROLLUP_WIDTHS) {
    const table = `monitor_rollup_${width}` as const;
    const rows = rollupsOf(results, width);
    await tx
      .insertInto(table)
      .values(
        rows.map((r) => ({
          monitor_id: r.monitorId,
          bucket: new Date(r.bucket),
          checks: r.checks,
          up_count: r.up,
          degraded_count: r.degraded,
          down_count: r.down,
          latency_sum_ms: r.latencySumMs,
          latency_max_ms: r.latencyMaxMs,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["monitor_id", "bucket"]).doUpdateSet({
          checks: sql`${sql.ref(`${table}.checks`)} + excluded.checks`,
          up_count: sql`${sql.ref(`${table}.up_count`)} + excluded.up_count`,
          degraded_count: sql`${sql.ref(`${table}.degraded_count`)} + excluded.degraded_count`,
          down_count: sql`${sql.ref(`${table}.down_count`)} + excluded.down_count`,
          latency_sum_ms: sql`${sql.ref(`${table}.latency_sum_ms`)} + excluded.latency_sum_ms`,
          latency_max_ms: sql`greatest(${sql.ref(`${table}.latency_max_ms`)}, excluded.latency_max_ms)`,
        }),
      )
      .execute();
  }
}

/** Marks a monitor's state unknown from `at` (paused, deleted): that time leaves the SLA. */
export async function markUnknown(tx: Tx, monitorId: string, at: Date, reason: string): Promise<void> {
  const current = await tx
    .selectFrom("monitor_status")
    .selectAll()
    .where("monitor_id", "=", monitorId)
    .forUpdate()
    .executeTakeFirst();
  if (current?.state === "unknown") return;
  await tx
    .insertInto("monitor_transitions")
    .values({ monitor_id: monitorId, at, state: "unknown", reason })
    .onConflict((oc) => oc.columns(["monitor_id", "at"]).doNothing())
    .execute();
  const base = current ? toStatus(current) : { lastResultAt: null, lastLatencyMs: null, lastReason: null };
  await saveStatus(tx, monitorId, { ...base, state: "unknown", since: at.getTime() });
}

/** Transitions in [from, to), with the one in force at `from` first (what sla.ts needs). */
export async function transitionsIn(
  db: DbOrTx,
  monitorId: string,
  from: Date,
  to: Date,
): Promise<{ at: number; state: MonitorStatus["state"] }[]> {
  const before = await db
    .selectFrom("monitor_transitions")
    .select(["at", "state"])
    .where("monitor_id", "=", monitorId)
    .where("at", "<=", from)
    .orderBy("at", "desc")
    .limit(1)
    .execute();
  const inside = await db
    .selectFrom("monitor_transitions")
    .select(["at", "state"])
    .where("monitor_id", "=", monitorId)
    .where("at", ">", from)
    .where("at", "<", to)
    .orderBy("at", "asc")
    .execute();
  return [...before, ...inside].map((t) => ({ at: t.at.getTime(), state: t.state }));
}
