import { accessibleWhere } from "../../../policies/compile";
import type { Db } from "../db/pool";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { AuditEventSchema, AuditListQuery } from "./schemas";
import { AUDIT_EVENT_COLUMNS, listAuditEvents } from "./store";

export function registerAuditRoutes(routes: RouteTable, db: Db, platformTenantId: string): void {
  routes.add({
    method: "get",
    path: "/api/v1/audit/events",
    operationId: "listAuditEvents",
    summary: "List audit events the caller's role may read, newest first",
    tags: ["audit"],
    access: { ability: { action: "read", subject: "AuditEvent" } },
    query: AuditListQuery,
    response: {
      status: 200,
      description: "A page of audit events",
      schema: z.array(AuditEventSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of matching events" },
    },
    async handler({ query, ctx, res }) {
      const { principal, ability } = ctx;
      if (!principal || !ability) throw new Error("guarded route reached without a principal");
      // The role's CASL conditions become the WHERE clause: secadmin sees only the audit admin's
      // own events, auditadmin everyone else's.
      const allowed = accessibleWhere(ability, "read", "AuditEvent", AUDIT_EVENT_COLUMNS);
      if (!allowed) throw new Error("route guard admitted a caller with no read AuditEvent rule");
      const { rows, total } = await listAuditEvents(
        db,
        { tenantId: principal.tenantId, includeUntenanted: principal.tenantId === platformTenantId, allowed },
        pageOf(query),
      );
      setTotal(res, total);
      return rows;
    },
  });
}
