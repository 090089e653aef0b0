import { sql } from "kysely";
import type { Db } from "../db/pool";
import type { RequestContext } from "../http/context";
import { requireIfMatch, setEtag } from "../http/concurrency";
import { listQuery, pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import {
  AuditSettingsSchema,
  AuditSettingsView,
  checkRetention,
  readAuditSettings,
  requirePlatformTenant,
  updateAuditSettings,
  viewOfAuditSettings,
} from "./settings";
import { actorOf, record } from "./record";
import { AuditStorageSchema, readAuditStorage } from "./storage";

const ARCHIVE_SORTABLE = ["fromChainSeq", "createdAt"] as const;
const ArchiveListQuery = listQuery(ARCHIVE_SORTABLE, "fromChainSeq");
const ARCHIVE_SORT_COLUMNS = { fromChainSeq: "from_chain_seq", createdAt: "created_at" } as const;

export const AuditArchiveSchema = z
  .object({
    id: z.string(),
    fromChainSeq: z.string(),
    toChainSeq: z.string(),
    events: z.number().int(),
    fromOccurredAt: z.string(),
    toOccurredAt: z.string(),
    hashAlg: z.enum(["SM3", "SHA-256"]),
    firstPrevHash: z.string().describe("hex"),
    lastHash: z.string().describe("hex"),
    fileName: z.string(),
    fileDigest: z.string().describe("hex, the profile's hash of the sealed file"),
    manifestName: z.string(),
    keyId: z.string(),
    createdAt: z.string(),
  })
  .openapi("AuditArchive");

/**
 * The audit log's own settings, its storage state and its archives (docs/audit.md, "Retention and
 * archives"). The settings are global (one chain per database) and belong to the platform tenant:
 * its audit admin edits them, its security admin reads them.
 */
export function registerAuditSettingsRoutes(routes: RouteTable, db: Db, platformTenantId: string): void {
  // Another tenant's admins hold the same role but not these global settings: refused, and the
  // refusal audited like the route guard's.
  const platformOnly = async (ctx: RequestContext, route: string) => {
    try {
      requirePlatformTenant(ctx, platformTenantId);
    } catch (err) {
      await record(db, {
        ...actorOf(ctx),
        action: "authz.denied",
        targetType: "Route",
        targetId: route,
        result: "denied",
        detail: { needed: "platform tenant" },
      });
      throw err;
    }
  };
  routes.add({
    method: "get",
    path: "/api/v1/audit/settings",
    operationId: "getAuditSettings",
    summary: "Audit retention (days), storage limit and alert threshold",
    tags: ["audit"],
    access: { ability: { action: "read", subject: "AuditSetting" } },
    response: {
      status: 200,
      description: "The settings and their version",
      schema: AuditSettingsView,
      headers: { etag: 'The version, e.g. "3": send it back in If-Match' },
    },
    async handler({ ctx, res }) {
      await platformOnly(ctx, "GET /api/v1/audit/settings");
      const row = await readAuditSettings(db);
      setEtag(res, row.version);
      return viewOfAuditSettings(row);
    },
  });

  routes.add({
    method: "put",
    path: "/api/v1/audit/settings",
    operationId: "putAuditSettings",
    summary: "Replace the audit settings (If-Match required; retention at least 180 days)",
    tags: ["audit"],
    access: { ability: { action: "update", subject: "AuditSetting" } },
    body: AuditSettingsSchema,
    response: {
      status: 200,
      description: "Saved",
      schema: AuditSettingsView,
      headers: { etag: "The new version" },
    },
    problems: [409, 428],
    async handler({ body, ctx, req, res }) {
      await platformOnly(ctx, "PUT /api/v1/audit/settings");
      checkRetention(body.retentionDays);
      const expected = requireIfMatch(req.get("if-match"));
      const row = await db.transaction().execute((tx) => updateAuditSettings(tx, ctx, body, expected));
      setEtag(res, row.version);
      return viewOfAuditSettings(row);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/audit/storage",
    operationId: "getAuditStorage",
    summary: "Size of the audit log against its limit, and whether the near-limit alert is raised",
    tags: ["audit"],
    access: { ability: { action: "read", subject: "AuditSetting" } },
    response: { status: 200, description: "The storage state", schema: AuditStorageSchema },
    async handler({ ctx }) {
      await platformOnly(ctx, "GET /api/v1/audit/storage");
      return readAuditStorage(db);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/audit/archives",
    operationId: "listAuditArchives",
    summary: "Archives written by the audit archiver (ranges, counts, digests); the files are on the server",
    tags: ["audit"],
    access: { ability: { action: "read", subject: "AuditSetting" } },
    query: ArchiveListQuery,
    response: {
      status: 200,
      description: "A page of archives",
      schema: z.array(AuditArchiveSchema),
      headers: { [TOTAL_COUNT_HEADER]: "Total number of archives" },
    },
    async handler({ ctx, query, res }) {
      await platformOnly(ctx, "GET /api/v1/audit/archives");
      const page = pageOf(query);
      const [rows, count] = await Promise.all([
        db
          .selectFrom("audit_archives")
          .select([
            "id",
            sql<string>`from_chain_seq::text`.as("from"),
            sql<string>`to_chain_seq::text`.as("to"),
            sql<string>`events::text`.as("events"),
            "from_occurred_at",
            "to_occurred_at",
            "hash_alg",
            "first_prev_hash",
            "last_hash",
            "file_name",
            "file_digest",
            "manifest_name",
            "key_id",
            "created_at",
          ])
          .orderBy(ARCHIVE_SORT_COLUMNS[page.sort], page.order)
          .offset(page.offset)
          .limit(page.limit)
          .execute(),
        db
          .selectFrom("audit_archives")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow(),
      ]);
      setTotal(res, Number(count.n));
      return rows.map((r) => ({
        id: r.id,
        fromChainSeq: r.from,
        toChainSeq: r.to,
        events: Number(r.events),
        fromOccurredAt: r.from_occurred_at.toISOString(),
        toOccurredAt: r.to_occurred_at.toISOString(),
        hashAlg: r.hash_alg,
        firstPrevHash: r.first_prev_hash.toString("hex"),
        lastHash: r.last_hash.toString("hex"),
        fileName: r.file_name,
        fileDigest: r.file_digest.toString("hex"),
        manifestName: r.manifest_name,
        keyId: r.key_id,
        createdAt: r.created_at.toISOString(),
      }));
    },
  });
}
