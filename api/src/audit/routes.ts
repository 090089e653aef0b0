import { accessibleWhere } from "../../../policies/compile";
import type { Db } from "../db/pool";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { actorOf, record } from "./record";
import { AuditEventSchema, AuditListQuery, AuditVerifyReportSchema } from "./schemas";
import { AUDIT_EVENT_COLUMNS, listAuditEvents } from "./store";
import { verifyAuditChain } from "./verify";

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

  routes.add({
    method: "get",
    path: "/api/v1/audit/verify",
    operationId: "verifyAuditChain",
    summary: "Recompute the audit hash chain and check the signed checkpoints; the first break is reported",
    tags: ["audit"],
    access: { ability: { action: "verify", subject: "AuditEvent" } },
    response: {
      status: 200,
      description: "The verification report (200 also when the chain is broken)",
      schema: AuditVerifyReportSchema,
    },
    async handler({ ctx }) {
      const report = await verifyAuditChain(db);
      // A verification is itself an audited event; a broken chain is recorded as a failure.
      await record(db, {
        ...actorOf(ctx),
        action: "audit.verify",
        result: report.ok ? "success" : "failure",
        detail: {
          eventsChecked: report.eventsChecked,
          headSeq: report.headSeq,
          finding: report.finding ? { kind: report.finding.kind, seq: report.finding.seq } : null,
        },
      });
      return report;
    },
  });
}
