import { actorOf, record } from "../audit/record";
import type { Db } from "../db/pool";
import type { RequestContext } from "../http/context";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { ACL_TABLES, type AclGuard } from "./integrity";
import { backfillDone } from "./integrity-backfill";
import { ROW_KINDS, storedRows } from "./integrity-rows";

/** At most this many violating rows are listed in one report (the counts are always complete). */
export const MAX_LISTED_VIOLATIONS = 200;

export const IntegrityReportSchema = z.object({
  checkedAt: z.string(),
  algorithm: z.string().describe("HMAC-SM3 (gm profile) or HMAC-SHA256 (intl)"),
  backfilled: z.boolean().describe("The one-time MAC backfill has run: from then on a missing MAC is a violation"),
  ok: z.boolean(),
  tables: z.array(z.object({ table: z.string(), rows: z.number().int(), violations: z.number().int() })),
  violations: z
    .array(
      z.object({
        table: z.string(),
        rowId: z.string(),
        userId: z.string().nullable(),
        reason: z.enum(["missing", "mismatch"]),
      }),
    )
    .describe(`The first ${MAX_LISTED_VIOLATIONS} violating rows`),
  violationCount: z.number().int(),
});
export type IntegrityReport = z.infer<typeof IntegrityReportSchema>;

/**
 * Checks every access-control row of the caller's tenant. Each violation is reported like one found
 * on load (audit integrity.violation, error log, counter); the check itself is audited as
 * integrity.check (result failure when anything failed).
 */
export async function checkTenantIntegrity(db: Db, guard: AclGuard, ctx: RequestContext): Promise<IntegrityReport> {
  const principal = ctx.principal;
  if (!principal) throw new Error("integrity check reached without a principal");
  const tables: IntegrityReport["tables"] = [];
  const violations: IntegrityReport["violations"] = [];
  let violationCount = 0;
  for (const kind of ROW_KINDS) {
    const rows = await storedRows(db, kind, { tenantId: principal.tenantId });
    let bad = 0;
    for (const row of rows) {
      if (guard.integrity.verify(row.kind, row.facts as never, row.mac)) continue;
      bad++;
      const reason = row.mac ? "mismatch" : "missing";
      guard.report(
        { kind, rowId: row.rowId, tenantId: row.tenantId, userId: row.userId, reason, foundBy: "check" },
        row.mac,
      );
      if (violations.length < MAX_LISTED_VIOLATIONS) {
        violations.push({ table: ACL_TABLES[kind], rowId: row.rowId, userId: row.userId, reason });
      }
    }
    violationCount += bad;
    tables.push({ table: ACL_TABLES[kind], rows: rows.length, violations: bad });
  }
  const report: IntegrityReport = {
    checkedAt: new Date().toISOString(),
    algorithm: guard.integrity.algorithm,
    backfilled: await backfillDone(db),
    ok: violationCount === 0,
    tables,
    violations,
    violationCount,
  };
  await record(db, {
    ...actorOf(ctx),
    action: "integrity.check",
    targetType: "acl_integrity",
    targetId: null,
    result: report.ok ? "success" : "failure",
    detail: { violationCount, tables },
  });
  return report;
}

/** GET /api/v1/integrity/check: secadmin and auditadmin (policies/duties.ts, verify AclIntegrity). */
export function registerIntegrityRoutes(routes: RouteTable, db: Db, guard: AclGuard): void {
  routes.add({
    method: "get",
    path: "/api/v1/integrity/check",
    operationId: "checkAclIntegrity",
    summary:
      "Verify the MAC of every access-control row of the tenant (role assignments, grants, policies, API clients)",
    tags: ["authz"],
    access: { ability: { action: "verify", subject: "AclIntegrity" } },
    response: { status: 200, description: "The integrity report", schema: IntegrityReportSchema },
    handler: ({ ctx }) => checkTenantIntegrity(db, guard, ctx),
  });
}
