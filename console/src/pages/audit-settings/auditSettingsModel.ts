import { apiRequest } from "../../api/http";
import { fetchPage, pageQuery } from "../../api/paging";

/**
 * The audit log's own settings, storage state and archives (docs/audit.md, "Retention and archives"):
 * GET/PUT /audit/settings (If-Match on the version), GET /audit/storage, GET /audit/archives.
 */
export interface AuditSettings {
  retentionDays: number;
  storageLimitBytes: number;
  alertThresholdPercent: number;
}

export interface AuditSettingsView {
  settings: AuditSettings;
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
}

export type StorageStatus = "ok" | "near_limit" | "over_limit";

export interface AuditStorage {
  sizeBytes: number;
  limitBytes: number;
  percent: number;
  thresholdPercent: number;
  status: StorageStatus;
  alertActive: boolean;
  alertChangedAt: string | null;
  retentionDays: number;
}

export interface AuditArchive {
  id: string;
  fromChainSeq: string;
  toChainSeq: string;
  events: number;
  fromOccurredAt: string;
  toOccurredAt: string;
  hashAlg: "SM3" | "SHA-256";
  firstPrevHash: string;
  lastHash: string;
  fileName: string;
  fileDigest: string;
  manifestName: string;
  keyId: string;
  createdAt: string;
}

/** The server's bounds (api/src/audit/settings.ts). The 180-day floor is left to the server: its refusal names the law. */
export const MIN_RETENTION_DAYS = 180;
export const MAX_RETENTION_DAYS = 36_500;
const MIB = 1024 * 1024;

/** What the edit form holds: the limit in MiB, the rest as sent. */
export interface SettingsFormValues {
  retentionDays: number;
  storageLimitMiB: number;
  alertThresholdPercent: number;
}

export function toFormValues(settings: AuditSettings): SettingsFormValues {
  return {
    retentionDays: settings.retentionDays,
    // At least 1 MiB on the server; a limit set in bytes over the API is shown rounded.
    storageLimitMiB: Math.max(1, Math.round(settings.storageLimitBytes / MIB)),
    alertThresholdPercent: settings.alertThresholdPercent,
  };
}

export function fromFormValues(values: SettingsFormValues, current: AuditSettings): AuditSettings {
  // An unchanged limit keeps its exact bytes (it may not be a whole number of MiB).
  const unchanged = toFormValues(current).storageLimitMiB === values.storageLimitMiB;
  return {
    retentionDays: values.retentionDays,
    storageLimitBytes: unchanged ? current.storageLimitBytes : values.storageLimitMiB * MIB,
    alertThresholdPercent: values.alertThresholdPercent,
  };
}

/** 1536 → "1.5 KiB"; binary units, as the limit is set in MiB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const text = value.toFixed(digits);
  return `${digits > 0 ? text.replace(/\.?0+$/, "") : text} ${units[unit]}`;
}

export const auditSettingsApi = {
  settings: () => apiRequest<AuditSettingsView>("/audit/settings").then((r) => r.data),
  save: (settings: AuditSettings, version: number) =>
    apiRequest<AuditSettingsView>("/audit/settings", {
      method: "PUT",
      body: settings,
      headers: { "If-Match": `"${version}"` },
    }).then((r) => r.data),
  storage: () => apiRequest<AuditStorage>("/audit/storage").then((r) => r.data),
  archives: async (page: number, pageSize: number) => {
    const query = pageQuery(page, pageSize, { sort: "fromChainSeq", order: "desc" });
    return fetchPage<AuditArchive>("/audit/archives", query);
  },
};
