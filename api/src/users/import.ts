import crypto from "node:crypto";
import { actorOf, record } from "../audit/record";
import type { Tx } from "../db/pool";
import type { RequestContext } from "../http/context";
import { Invalid } from "../http/errors";
import type { Upload } from "../http/route";
import { audited, callerOf } from "./access";
import { personalColumns, type UserServiceDeps } from "./deps";
import { nameKeys } from "./fields";
import { CSV_TYPE, parseCsv, parseXlsx, type Sheet } from "./import-file";
import { type ImportedUser, loadDirectory, validateRows } from "./import-rows";
import type { ImportResult } from "./schemas";

/** Imported accounts have no password until an administrator resets one (see docs/users.md). */
const NO_PASSWORD = "!unset";
const CHUNK = 500;

/**
 * POST /users/import: reads a CSV or XLSX, validates every row and reports every problem. A dry run
 * writes nothing. A real import is all-or-nothing: any row error means nothing is created, and the
 * accounts, their memberships and their change-feed entries commit in one transaction with one
 * audit event — an administrator fixes the file and imports it again, never a half-imported file.
 */
export function createImporter(deps: UserServiceDeps) {
  const { db, fields } = deps;

  async function readSheet(upload: Upload): Promise<Sheet> {
    if (upload.buffer.length === 0) throw new Invalid("INVALID_IMPORT_FILE", "The file is empty.", "文件为空。");
    return upload.contentType === CSV_TYPE ? parseCsv(upload.buffer, upload.charset) : parseXlsx(upload.buffer);
  }

  return async function importUsers(ctx: RequestContext, upload: Upload, dryRun: boolean): Promise<ImportResult> {
    const caller = callerOf(ctx);
    const digest = crypto.createHash("sha256").update(upload.buffer).digest("hex");
    return audited(db, caller, "user.import", null, async (tx) => {
      const sheet = await readSheet(upload);
      const dir = await loadDirectory(tx, caller.principal.tenantId);
      const { users, errors } = validateRows(sheet.rows, dir, caller.ability);
      const result: ImportResult = { total: sheet.rows.length, created: 0, dryRun, encoding: sheet.encoding, errors };
      const ids = dryRun || errors.length > 0 ? [] : await createAll(tx, caller.principal.tenantId, users);
      result.created = ids.length;
      await record(tx, {
        ...actorOf(ctx),
        action: "user.import",
        targetType: "User",
        result: errors.length > 0 ? "failure" : "success",
        detail: {
          dryRun,
          file: { sha256: digest, bytes: upload.buffer.length, type: upload.contentType, encoding: sheet.encoding },
          rows: sheet.rows.length,
          errors: errors.length,
          created: ids,
        },
      });
      return result;
    });
  };

  async function createAll(tx: Tx, tenantId: string, users: ImportedUser[]): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < users.length; i += CHUNK) {
      const chunk = users.slice(i, i + CHUNK).map((u) => ({ ...u, id: crypto.randomUUID() }));
      await tx
        .insertInto("users")
        .values(
          chunk.map((u) => {
            const keys = nameKeys(u.displayName);
            return {
              id: u.id,
              tenant_id: tenantId,
              username: u.username,
              display_name: u.displayName,
              password_hash: NO_PASSWORD,
              must_change_password: true,
              employee_no: u.employeeNo,
              name_pinyin: keys.pinyin,
              name_initials: keys.initials,
              ...personalColumns(fields, u.id, { phone: u.phone ?? undefined, email: u.email ?? undefined }),
            };
          }),
        )
        .execute();
      const memberships = chunk.flatMap((u) =>
        u.memberships.map((m) => ({ ...m, userId: u.id, id: crypto.randomUUID() })),
      );
      if (memberships.length > 0) {
        await tx
          .insertInto("memberships")
          .values(
            memberships.map((m) => ({
              id: m.id,
              tenant_id: tenantId,
              user_id: m.userId,
              department_id: m.departmentId,
              dimension_id: m.dimensionId,
              is_primary: m.isPrimary,
              post_id: m.postId,
              title: m.title,
              sort_order: m.sortOrder,
            })),
          )
          .execute();
      }
      // The change feed gets every account and membership, in bulk (recordOrgChange's row shape).
      const changes = [
        ...chunk.map((u) => ({
          tenant_id: tenantId,
          entity: "user" as const,
          entity_id: u.id,
          op: "created" as const,
          data: JSON.stringify({ status: "active", version: 1 }),
        })),
        ...memberships.map((m) => ({
          tenant_id: tenantId,
          entity: "membership" as const,
          entity_id: m.id,
          op: "created" as const,
          data: JSON.stringify({
            userId: m.userId,
            departmentId: m.departmentId,
            dimensionId: m.dimensionId,
            isPrimary: m.isPrimary,
            postId: m.postId,
            title: m.title,
            sortOrder: m.sortOrder,
          }),
        })),
      ];
      await tx.insertInto("org_changes").values(changes).execute();
      ids.push(...chunk.map((u) => u.id));
    }
    return ids;
  }
}
