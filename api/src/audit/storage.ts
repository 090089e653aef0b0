import { sql } from "kysely";
import type { Logger } from "pino";
import client from "prom-client";
import type { Db, DbOrTx } from "../db/pool";
import { z } from "../http/zod";
import { record } from "./record";
import { readAuditSettings } from "./settings";

/**
 * How much room the audit log takes and whether it nears its limit (docs/audit.md, "Storage").
 * There is no alerting subsystem yet (the monitors issue brings notification channels): crossing the
 * threshold is recorded once as the audit event `audit.storage.near_limit`, logged at warn, shown by
 * a Prometheus gauge and by GET /api/v1/audit/storage.
 */
export type AuditStorageStatus = "ok" | "near_limit" | "over_limit";

export const AuditStorageSchema = z
  .object({
    sizeBytes: z.number().int().describe("pg_total_relation_size summed over audit_events' partitions"),
    limitBytes: z.number().int(),
    percent: z.number().describe("sizeBytes / limitBytes × 100, two decimals"),
    thresholdPercent: z.number().int(),
    status: z.enum(["ok", "near_limit", "over_limit"]),
    alertActive: z.boolean().describe("The near-limit alert was raised and the size has not gone back below it"),
    alertChangedAt: z.string().nullable(),
    retentionDays: z.number().int(),
  })
  .openapi("AuditStorage");
export type AuditStorage = z.infer<typeof AuditStorageSchema>;

/** Bytes of every partition of audit_events, indexes and TOAST included. */
export async function auditStorageBytes(db: DbOrTx): Promise<number> {
  const r = await sql<{ bytes: string }>`
    SELECT COALESCE(sum(pg_total_relation_size(relid)), 0)::text AS bytes
    FROM pg_partition_tree('audit_events'::regclass) WHERE isleaf`.execute(db);
  return Number(r.rows[0]?.bytes ?? 0);
}

const statusOf = (percent: number, threshold: number): AuditStorageStatus =>
  percent >= 100 ? "over_limit" : percent >= threshold ? "near_limit" : "ok";

export async function readAuditStorage(db: DbOrTx): Promise<AuditStorage> {
  const [settings, sizeBytes, changed] = await Promise.all([
    readAuditSettings(db),
    auditStorageBytes(db),
    db.selectFrom("audit_settings").select("storage_alert_changed_at").where("id", "=", true).executeTakeFirst(),
  ]);
  const limitBytes = settings.settings.storageLimitBytes;
  const percent = Math.round((sizeBytes / limitBytes) * 10_000) / 100;
  return {
    sizeBytes,
    limitBytes,
    percent,
    thresholdPercent: settings.settings.alertThresholdPercent,
    status: statusOf(percent, settings.settings.alertThresholdPercent),
    alertActive: settings.storageAlertActive,
    alertChangedAt: changed?.storage_alert_changed_at?.toISOString() ?? null,
    retentionDays: settings.settings.retentionDays,
  };
}

const SYSTEM_ACTOR = { tenantId: null, actorId: null, actorName: "system", actorRole: null } as const;

/**
 * Compares the size with the threshold and raises the alert once per crossing: the flag in
 * audit_settings flips in the same transaction as the audit event, so several instances checking at
 * once record one event. Going back below the threshold re-arms it (event `audit.storage.below_limit`).
 */
export async function checkAuditStorage(
  db: Db,
  logger: Logger,
): Promise<{ state: AuditStorage; raised: boolean; cleared: boolean }> {
  const state = await readAuditStorage(db);
  const near = state.status !== "ok";
  if (near === state.alertActive) return { state, raised: false, cleared: false };
  const flipped = await db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable("audit_settings")
      .set({ storage_alert_active: near, storage_alert_changed_at: new Date() })
      .where("id", "=", true)
      .where("storage_alert_active", "=", !near)
      .returning("storage_alert_changed_at")
      .executeTakeFirst();
    if (!row) return false;
    await record(tx, {
      ...SYSTEM_ACTOR,
      action: near ? "audit.storage.near_limit" : "audit.storage.below_limit",
      targetType: "AuditStorage",
      targetId: "audit_events",
      result: "success",
      detail: {
        sizeBytes: state.sizeBytes,
        limitBytes: state.limitBytes,
        percent: state.percent,
        thresholdPercent: state.thresholdPercent,
      },
    });
    return true;
  });
  if (!flipped) return { state, raised: false, cleared: false };
  const fields = { sizeBytes: state.sizeBytes, limitBytes: state.limitBytes, percent: state.percent };
  if (near) {
    logger.warn(
      fields,
      `audit storage at ${state.percent}% of its limit (threshold ${state.thresholdPercent}%) / 审计日志存储已达上限的 ${state.percent}%`,
    );
  } else {
    logger.info(fields, "audit storage back below its alert threshold / 审计日志存储已回落到告警阈值以下");
  }
  return { state: { ...state, alertActive: near }, raised: near, cleared: !near };
}

/**
 * Gauges on the app's registry, read from the database at scrape time (cached a few seconds, so one
 * scrape queries once): tianshu_audit_storage_bytes, tianshu_audit_storage_limit_bytes and
 * tianshu_audit_storage_near_limit (1 while the alert is raised).
 */
export function registerAuditStorageMetrics(registry: client.Registry, db: Db, cacheMs = 5_000): void {
  let cached: { at: number; state: Promise<AuditStorage | null> } | undefined;
  const current = () => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      cached = { at: Date.now(), state: readAuditStorage(db).catch(() => null) };
    }
    return cached.state;
  };
  const gauge = (name: string, help: string, value: (s: AuditStorage) => number) =>
    new client.Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const state = await current();
        if (state) this.set(value(state));
      },
    });
  gauge("tianshu_audit_storage_bytes", "Size of the audit log's partitions in bytes", (s) => s.sizeBytes);
  gauge("tianshu_audit_storage_limit_bytes", "Configured audit storage limit in bytes", (s) => s.limitBytes);
  gauge("tianshu_audit_storage_near_limit", "1 while the audit storage alert is raised", (s) =>
    s.alertActive ? 1 : 0,
  );
}
