import { accessibleWhere } from "../../../policies/compile";
import type { Action } from "../../../policies/subjects";
import type { Db } from "../db/pool";
import type { RequestContext } from "../http/context";
import { NotFound } from "../http/errors";
import { type Page, pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { chainStatus } from "./chain-status";
import { createExport, downloadExport, exportSignature, listExports } from "./export";
import type { AuditSignerSource } from "./export-signature";
import { actorOf, record } from "./record";
import { createSavedSearch, deleteSavedSearch, listSavedSearches } from "./saved-searches";
import {
  AuditChainStatusSchema,
  AuditEventDetailSchema,
  AuditEventSchema,
  AuditExportSchema,
  AuditExportSignatureSchema,
  AuditListQuery,
  AuditVerifyReportSchema,
  CreateAuditExportBody,
  CreateSavedSearchBody,
  ExportListQuery,
  IdParams,
  SavedSearchListQuery,
  SavedSearchSchema,
  SeqParams,
} from "./schemas";
import { sealPending } from "./sealer";
import { type AuditScope, changesOf, normaliseFilter } from "./search";
import { AUDIT_EVENT_COLUMNS, getAuditEvent, listAuditEvents } from "./store";
import { verifyAuditChain } from "./verify";

export function registerAuditRoutes(
  routes: RouteTable,
  db: Db,
  platformTenantId: string,
  signer: AuditSignerSource,
): void {
  /**
   * What the caller may `action` (read or export) as SQL: the role's CASL conditions (secadmin: only
   * the audit admin's own events; auditadmin: everyone else's) and the tenant.
   */
  const scopeOf = (ctx: RequestContext, action: Action): AuditScope => {
    const { principal, ability } = ctx;
    if (!principal || !ability) throw new Error("guarded route reached without a principal");
    const allowed = accessibleWhere(ability, action, "AuditEvent", AUDIT_EVENT_COLUMNS);
    if (!allowed) throw new Error(`route guard admitted a caller with no ${action} AuditEvent rule`);
    return { tenantId: principal.tenantId, includeUntenanted: principal.tenantId === platformTenantId, allowed };
  };

  routes.add({
    method: "get",
    path: "/api/v1/audit/events",
    operationId: "listAuditEvents",
    summary: "Search the audit events the caller's role may read (filters AND-ed), newest first",
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
      const page: Page<"seq" | "occurredAt"> = pageOf(query);
      if (query.page !== undefined || query.perPage !== undefined) {
        const perPage = query.perPage ?? 20;
        page.offset = ((query.page ?? 1) - 1) * perPage;
        page.limit = perPage;
      }
      const { rows, total } = await listAuditEvents(db, scopeOf(ctx, "read"), normaliseFilter(query), page);
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
      // Everything committed before the request is chained first, so the report covers it.
      await sealPending(db);
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

  routes.add({
    method: "get",
    path: "/api/v1/audit/events/:seq",
    operationId: "getAuditEvent",
    summary: "One audit event with what it changed (from detail.before / detail.after)",
    tags: ["audit"],
    access: { ability: { action: "read", subject: "AuditEvent" } },
    params: SeqParams,
    response: { status: 200, description: "The event and its changes", schema: AuditEventDetailSchema },
    problems: [404],
    async handler({ params, ctx }) {
      const event = await getAuditEvent(db, scopeOf(ctx, "read"), params.seq);
      // An event the caller may not read is "not found", like one that does not exist.
      if (!event) throw new NotFound("AUDIT_EVENT_NOT_FOUND", "No such audit event.", "审计事件不存在。");
      return { ...event, changes: changesOf(event.detail) };
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/audit/chain-status",
    operationId: "getAuditChainStatus",
    summary: "The chain head, events waiting to be sealed and the last signed checkpoint (cheap; no verification)",
    tags: ["audit"],
    access: { ability: { action: "read", subject: "AuditEvent" } },
    response: { status: 200, description: "Chain status", schema: AuditChainStatusSchema },
    async handler() {
      return chainStatus(db);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/audit/exports",
    operationId: "createAuditExport",
    summary: "Export a search (CSV or XLSX) as of now; the file is signed when its download completes",
    tags: ["audit"],
    access: { ability: { action: "export", subject: "AuditEvent" } },
    body: CreateAuditExportBody,
    response: { status: 201, description: "The export, ready to download", schema: AuditExportSchema },
    async handler({ body, ctx }) {
      return createExport(db, ctx, scopeOf(ctx, "export"), body);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/audit/exports",
    operationId: "listAuditExports",
    summary: "The caller's own exports, newest first",
    tags: ["audit"],
    access: { ability: { action: "export", subject: "AuditEvent" } },
    query: ExportListQuery,
    response: {
      status: 200,
      description: "A page of exports",
      schema: z.array(AuditExportSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of the caller's exports" },
    },
    async handler({ query, ctx, res }) {
      const { rows, total } = await listExports(db, ctx, pageOf(query));
      setTotal(res, total);
      return rows;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/audit/exports/:id/file",
    operationId: "downloadAuditExport",
    summary: "Stream the export file (CSV with BOM, or XLSX); digest and signature are stored when it completes",
    tags: ["audit"],
    access: { ability: { action: "export", subject: "AuditEvent" } },
    params: IdParams,
    response: {
      status: 200,
      description: "The file (text/csv; charset=utf-8, or XLSX), as an attachment",
      headers: { [TOTAL_COUNT_HEADER]: "Events in the export" },
    },
    problems: [404],
    async handler({ params, ctx, res }) {
      await downloadExport(db, ctx, scopeOf(ctx, "export"), params.id, signer, res);
      return undefined;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/audit/exports/:id/signature",
    operationId: "getAuditExportSignature",
    summary: "The signature file of the export's last completed download (verify with npm run audit:verify-export)",
    tags: ["audit"],
    access: { ability: { action: "export", subject: "AuditEvent" } },
    params: IdParams,
    response: { status: 200, description: "The signature file", schema: AuditExportSignatureSchema },
    problems: [404, 409],
    async handler({ params, ctx, res }) {
      const sig = await exportSignature(db, ctx, params.id);
      const name = `${sig.fileName}.sig.json`;
      res.setHeader(
        "content-disposition",
        `attachment; filename="${name}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      );
      return sig;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/audit/saved-searches",
    operationId: "listAuditSavedSearches",
    summary: "The caller's own saved searches",
    tags: ["audit"],
    access: { ability: { action: "read", subject: "AuditEvent" } },
    query: SavedSearchListQuery,
    response: {
      status: 200,
      description: "A page of saved searches",
      schema: z.array(SavedSearchSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of the caller's saved searches" },
    },
    async handler({ query, ctx, res }) {
      const { rows, total } = await listSavedSearches(db, ctx, pageOf(query));
      setTotal(res, total);
      return rows;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/audit/saved-searches",
    operationId: "createAuditSavedSearch",
    summary: "Save a search under a name (unique per owner)",
    tags: ["audit"],
    access: { ability: { action: "read", subject: "AuditEvent" } },
    body: CreateSavedSearchBody,
    response: { status: 201, description: "The saved search", schema: SavedSearchSchema },
    problems: [409],
    async handler({ body, ctx }) {
      return createSavedSearch(db, ctx, body);
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/audit/saved-searches/:id",
    operationId: "deleteAuditSavedSearch",
    summary: "Delete one of the caller's saved searches",
    tags: ["audit"],
    access: { ability: { action: "read", subject: "AuditEvent" } },
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404],
    async handler({ params, ctx }) {
      await deleteSavedSearch(db, ctx, params.id);
      return undefined;
    },
  });
}
