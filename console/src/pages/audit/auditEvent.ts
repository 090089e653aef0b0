/** One row of GET /api/v1/audit/events (the wire shape; times are ISO 8601 UTC). */
export interface AuditEvent {
  /** A decimal string: the sequence is a 64-bit integer, beyond JavaScript's safe integers. */
  seq: string;
  occurredAt: string;
  tenantId?: string | null;
  actorId?: string | null;
  actorName: string | null;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  result: "success" | "failure" | "denied";
  detail?: Record<string, unknown>;
  ip: string | null;
  userAgent?: string | null;
  requestId: string | null;
  /** False until the background sealer has chained the event (about a second after it was written). */
  sealed?: boolean;
}

/** One changed field of an event, computed by the server from the event's before/after. */
export interface AuditChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** GET /api/v1/audit/events/:seq */
export interface AuditEventDetail extends AuditEvent {
  changes: AuditChange[];
}

export const AUDIT_RESULTS = ["success", "failure", "denied"] as const;

export const RESULT_COLORS: Record<AuditEvent["result"], string> = {
  success: "success",
  failure: "warning",
  denied: "error",
};

/** The `role` filter's values: an admin role, or `none` for events without one (users, API clients, anonymous). */
export const AUDIT_ROLES = ["sysadmin", "secadmin", "auditadmin", "viewer", "none"] as const;

/**
 * The search of the workspace, as the API takes it (GET /audit/events query, export and saved-search filter):
 * every field optional, times ISO 8601 UTC (from inclusive, to exclusive).
 */
export interface AuditFilter {
  from?: string;
  to?: string;
  actor?: string;
  role?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  result?: string;
  ip?: string;
}

export const FILTER_FIELDS = [
  "from",
  "to",
  "actor",
  "role",
  "action",
  "targetType",
  "targetId",
  "result",
  "ip",
] as const satisfies readonly (keyof AuditFilter)[];

/** Drops empty values and trims text, so equal searches compare (and serialise) equal. */
export function cleanFilter(filter: AuditFilter | Record<string, unknown> | null | undefined): AuditFilter {
  const out: AuditFilter = {};
  if (!filter) return out;
  for (const field of FILTER_FIELDS) {
    const value = (filter as Record<string, unknown>)[field];
    if (typeof value !== "string") continue;
    const trimmed = value.trim();
    if (trimmed !== "") out[field] = trimmed;
  }
  return out;
}

/** The filter as it lives in the address bar (the same names as the API's query). */
export function filterFromSearch(search: URLSearchParams): AuditFilter {
  const raw: Record<string, string> = {};
  for (const field of FILTER_FIELDS) {
    const value = search.get(field);
    if (value !== null) raw[field] = value;
  }
  return cleanFilter(raw);
}

/** The address bar's query with the filter in place of the previous one; other parameters are kept. */
export function searchWithFilter(search: URLSearchParams, filter: AuditFilter): URLSearchParams {
  const next = new URLSearchParams(search);
  for (const field of FILTER_FIELDS) next.delete(field);
  for (const [field, value] of Object.entries(cleanFilter(filter))) next.set(field, value);
  return next;
}

/** How many fields a filter sets; shown beside a saved search. */
export function filterSize(filter: AuditFilter): number {
  return Object.keys(cleanFilter(filter)).length;
}

/** A change's value in one line for the diff table: strings as they are, everything else as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** GET /api/v1/audit/chain-status */
export interface ChainStatus {
  headSeq: string | null;
  pendingEvents: number;
  lastCheckpoint: { seq: string; signedAt: string } | null;
}

/** GET /api/v1/audit/verify (docs/audit.md, "Verifying"). */
export interface VerifyReport {
  ok: boolean;
  algorithm: "SM3" | "SHA-256" | null;
  genesisSeq: string;
  preChainEvents: number;
  headSeq: string;
  eventsChecked: number;
  checkpointsChecked: number;
  lastCheckpointSeq: string | null;
  finding: { kind: string; seq: string; message: string } | null;
  durationMs: number;
}

export type ExportFormat = "csv" | "xlsx";

/** POST /api/v1/audit/exports → 201 */
export interface AuditExport {
  id: string;
  format: ExportFormat;
  total: number;
  status: string;
  createdAt: string;
  /** The attachment's name, e.g. audit-20261126-0300.csv. */
  fileName?: string;
}

/** GET/POST /api/v1/audit/saved-searches */
export interface SavedSearch {
  id: string;
  name: string;
  filter: AuditFilter;
  createdAt?: string;
}

/**
 * Data rows in a CSV text so far: line breaks outside quoted fields, less the header line. A quoted field
 * may hold a line break (an event's detail), so a plain newline count would overshoot.
 */
export class CsvRowCounter {
  private inQuotes = false;
  private lines = 0;
  private pendingChars = false;

  push(chunk: string): void {
    for (let i = 0; i < chunk.length; i += 1) {
      const ch = chunk.charCodeAt(i);
      if (ch === 34 /* " */) {
        // A doubled quote inside a quoted field toggles twice: no net change.
        this.inQuotes = !this.inQuotes;
        this.pendingChars = true;
      } else if (ch === 10 /* \n */ && !this.inQuotes) {
        this.lines += 1;
        this.pendingChars = false;
      } else if (ch !== 13 /* \r */) {
        this.pendingChars = true;
      }
    }
  }

  /** Complete data rows (the header excluded); a last line without a line break counts once finished. */
  rows(finished = false): number {
    const lines = this.lines + (finished && this.pendingChars ? 1 : 0);
    return Math.max(0, lines - 1);
  }
}
