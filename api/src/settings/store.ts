import type { DbOrTx } from "../db/pool";
import { defaultSecuritySettings, type SecuritySettings, SecuritySettingsSchema } from "./schemas";

export interface SettingsRow {
  settings: SecuritySettings;
  /** 0 when the tenant never saved its settings (the defaults apply). */
  version: number;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/**
 * A stored document is completed section by section from the defaults, so a setting added in a later
 * release has its default for tenants that saved before it existed.
 */
export function completeSettings(stored: Record<string, unknown>): SecuritySettings {
  const merged: Record<string, unknown> = { ...defaultSecuritySettings() };
  for (const [section, defaults] of Object.entries(merged)) {
    const saved = stored[section];
    if (saved && typeof saved === "object" && !Array.isArray(saved)) {
      merged[section] = { ...(defaults as object), ...(saved as object) };
    }
  }
  // Stored documents were validated when saved; failing here means the row was altered by hand.
  return SecuritySettingsSchema.parse(merged);
}

export async function readSettingsRow(db: DbOrTx, tenantId: string, forUpdate = false): Promise<SettingsRow> {
  let q = db
    .selectFrom("security_settings")
    .select(["settings", "version", "updated_at", "updated_by"])
    .where("tenant_id", "=", tenantId);
  if (forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) return { settings: defaultSecuritySettings(), version: 0, updatedAt: null, updatedBy: null };
  return {
    settings: completeSettings(row.settings),
    version: row.version,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

/**
 * A tenant's effective security settings (the 等保三级 defaults until secadmin saves them).
 * Other domains read theirs from here: accounts.erasureDays, twoPersonRule, ...
 */
export async function getSecuritySettings(db: DbOrTx, tenantId: string): Promise<SecuritySettings> {
  return (await readSettingsRow(db, tenantId)).settings;
}

/**
 * Writes the settings if the stored version is still `expectedVersion` (0: never saved). Returns the
 * new row, or null when someone else saved first (optimistic concurrency).
 */
export async function writeSettings(
  tx: DbOrTx,
  tenantId: string,
  settings: SecuritySettings,
  expectedVersion: number,
  userId: string | null,
): Promise<SettingsRow | null> {
  const document = JSON.stringify(settings);
  const now = new Date();
  const row =
    expectedVersion === 0
      ? await tx
          .insertInto("security_settings")
          .values({ tenant_id: tenantId, settings: document, version: 1, updated_at: now, updated_by: userId })
          .onConflict((oc) => oc.column("tenant_id").doNothing())
          .returning(["version", "updated_at"])
          .executeTakeFirst()
      : await tx
          .updateTable("security_settings")
          .set((eb) => ({
            settings: document,
            version: eb("version", "+", 1),
            updated_at: now,
            updated_by: userId,
          }))
          .where("tenant_id", "=", tenantId)
          .where("version", "=", expectedVersion)
          .returning(["version", "updated_at"])
          .executeTakeFirst();
  if (!row) return null;
  return { settings, version: row.version, updatedAt: row.updated_at, updatedBy: userId };
}
