import type { DbOrTx, Tx } from "../db/pool";
import type { RequestContext } from "../http/context";
import { assertVersion } from "../http/concurrency";
import { Forbidden, Invalid } from "../http/errors";
import { z } from "../http/zod";
import { actorOf, record } from "./record";

/**
 * The audit log's own settings (docs/audit.md, "Retention and archives"). The log is one chain per
 * database, so the settings are global: one row, kept by the platform tenant's audit admin and read
 * by the security admin. Every change is an audited event whose actor is the audit admin, which is
 * exactly the kind of event the security admin may read.
 */

/** 网络安全法 §21: network logs are kept for no less than six months. */
export const MIN_RETENTION_DAYS = 180;
export const MAX_RETENTION_DAYS = 36_500;

export const AuditSettingsSchema = z
  .strictObject({
    // The 180-day floor is checked by checkRetention() for a problem that names the law in both
    // languages; the database CHECK holds it too.
    retentionDays: z
      .number()
      .int()
      .min(1)
      .max(MAX_RETENTION_DAYS)
      .describe("Events older than this are archived, then removed from the database (at least 180)"),
    storageLimitBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .max(Number.MAX_SAFE_INTEGER)
      .describe("The size the audit log's partitions may reach (bytes)"),
    alertThresholdPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .describe("Percent of the limit at which the storage alert is raised"),
  })
  .openapi("AuditSettings");
export type AuditSettings = z.infer<typeof AuditSettingsSchema>;

export const AuditSettingsView = z
  .object({
    settings: AuditSettingsSchema,
    version: z.number().int(),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .openapi("AuditSettingsView");
export type AuditSettingsViewDto = z.infer<typeof AuditSettingsView>;

export interface AuditSettingsRow {
  settings: AuditSettings;
  version: number;
  updatedAt: Date | null;
  updatedBy: string | null;
  storageAlertActive: boolean;
}

export async function readAuditSettings(db: DbOrTx, forUpdate = false): Promise<AuditSettingsRow> {
  let q = db.selectFrom("audit_settings").selectAll().where("id", "=", true);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw new Error("audit_settings is missing (migration 0014 not applied?)");
  return {
    settings: {
      retentionDays: row.retention_days,
      storageLimitBytes: Number(row.storage_limit_bytes),
      alertThresholdPercent: row.alert_threshold_percent,
    },
    version: row.version,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    storageAlertActive: row.storage_alert_active,
  };
}

export const viewOfAuditSettings = (row: AuditSettingsRow): AuditSettingsViewDto => ({
  settings: row.settings,
  version: row.version,
  updatedAt: row.updatedAt?.toISOString() ?? null,
  updatedBy: row.updatedBy,
});

/** Refuses a retention below the legal floor (400, RETENTION_TOO_SHORT). */
export function checkRetention(days: number, path = "body.retentionDays"): void {
  if (days >= MIN_RETENTION_DAYS) return;
  const message = `Audit events must be kept at least ${MIN_RETENTION_DAYS} days (Cybersecurity Law of the PRC, art. 21); got ${days}.`;
  const zh = `审计日志保存期限不得少于 ${MIN_RETENTION_DAYS} 天（《网络安全法》第二十一条），当前为 ${days} 天。`;
  throw new Invalid("RETENTION_TOO_SHORT", message, zh, [{ path, message, zh }]);
}

/** Only the platform tenant's admins act on the global audit settings. */
export function requirePlatformTenant(ctx: RequestContext, platformTenantId: string): void {
  if (ctx.principal?.tenantId !== platformTenantId) {
    throw new Forbidden(
      "FORBIDDEN",
      "The audit log settings belong to the platform tenant's audit admin.",
      "审计日志设置仅由平台租户的安全审计员管理。",
    );
  }
}

/**
 * Saves new settings made against `expectedVersion` (409 otherwise), with the before and after in
 * an audit event in the same transaction.
 */
export async function updateAuditSettings(
  tx: Tx,
  ctx: RequestContext,
  settings: AuditSettings,
  expectedVersion: number,
): Promise<AuditSettingsRow> {
  checkRetention(settings.retentionDays);
  const before = await readAuditSettings(tx, true);
  assertVersion("audit settings", before.version, expectedVersion);
  const userId = ctx.principal?.userId ?? null;
  await tx
    .updateTable("audit_settings")
    .set({
      retention_days: settings.retentionDays,
      storage_limit_bytes: settings.storageLimitBytes,
      alert_threshold_percent: settings.alertThresholdPercent,
      version: before.version + 1,
      updated_at: new Date(),
      updated_by: userId,
    })
    .where("id", "=", true)
    .execute();
  const after = await readAuditSettings(tx);
  await record(tx, {
    ...actorOf(ctx),
    action: "auditSettings.update",
    targetType: "AuditSetting",
    targetId: "global",
    result: "success",
    detail: { before: before.settings, after: after.settings, version: after.version },
  });
  return after;
}
