/** Test helpers for the monitor storage tests: a tenant and monitors inserted straight into the database. */
import type { Db } from "../api/src/db/pool";
import type { MonitorDefinitionInput } from "./config";
import { parseMonitorDefinition } from "./config";

export async function insertTenant(db: Db): Promise<string> {
  const row = await db
    .insertInto("tenants")
    .values({ code: `t-${Math.random().toString(36).slice(2, 10)}`, name: "monitor tests" })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertMonitor(db: Db, tenantId: string, input: MonitorDefinitionInput): Promise<string> {
  const parsed = parseMonitorDefinition(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const row = await db
    .insertInto("monitors")
    .values({
      tenant_id: tenantId,
      name: parsed.monitor.name,
      type: parsed.monitor.type,
      definition: JSON.stringify(parsed.monitor),
      created_by: null,
      updated_by: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}
