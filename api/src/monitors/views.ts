import type { MonitorDefinition } from "../../../monitors/config";
import type { DbOrTx } from "../db/pool";
import { maskDefinition } from "./secrets";

/** A monitor as the API shows it: the stored row with its latest status (monitor_status). */
export interface MonitorStatusView {
  state: "up" | "degraded" | "down" | "unknown";
  since: string;
  lastResultAt: string | null;
  lastLatencyMs: number | null;
  lastReason: string | null;
}

export interface MonitorView {
  id: string;
  name: string;
  type: MonitorDefinition["type"];
  definition: Record<string, unknown>;
  paused: boolean;
  version: number;
  status: MonitorStatusView | null;
  createdBy: string | null;
  createdAt: string;
  updatedBy: string | null;
  updatedAt: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function selectMonitors(db: DbOrTx, tenantId: string) {
  return db
    .selectFrom("monitors as m")
    .leftJoin("monitor_status as s", "s.monitor_id", "m.id")
    .select([
      "m.id",
      "m.name",
      "m.type",
      "m.definition",
      "m.paused",
      "m.version",
      "m.created_by",
      "m.created_at",
      "m.updated_by",
      "m.updated_at",
      "s.state",
      "s.since",
      "s.last_result_at",
      "s.last_latency_ms",
      "s.last_reason",
    ])
    .where("m.tenant_id", "=", tenantId);
}
export type Row = Awaited<ReturnType<ReturnType<typeof selectMonitors>["executeTakeFirstOrThrow"]>>;

export const viewOf = (r: Row): MonitorView => ({
  id: r.id,
  name: r.name,
  type: r.type,
  // Credentials are write-only: shown masked (secrets.ts).
  definition: maskDefinition(r.definition),
  paused: r.paused,
  version: r.version,
  status:
    r.state && r.since
      ? {
          state: r.state,
          since: r.since.toISOString(),
          lastResultAt: iso(r.last_result_at),
          lastLatencyMs: r.last_latency_ms,
          lastReason: r.last_reason,
        }
      : null,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedBy: r.updated_by,
  updatedAt: r.updated_at.toISOString(),
});
