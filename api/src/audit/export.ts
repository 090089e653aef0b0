import crypto from "node:crypto";
import { Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import ExcelJS from "exceljs";
import type { Response } from "express";
import { sql } from "kysely";
import type { Db, DbOrTx } from "../db/pool";
import { Conflict, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import type { RequestContext } from "../http/context";
import { actorOf, record } from "./record";
import type { AuditExportDto, AuditExportSignature } from "./schemas";
import { type AuditFilter, type AuditScope, filterSql, normaliseFilter, scopeSql } from "./search";
import {
  type AuditSignerSource,
  createDigest,
  type DigestAlgorithm,
  digestAlgorithmOf,
  signExport,
} from "./export-signature";

/**
 * Exports of an audit search (docs/audit.md, "The auditor's workspace"). An export is created with
 * the search and the highest seq at that moment (the bound); its file is produced on each download,
 * page by page (keyset on seq, ascending), so memory stays bounded whatever the size. The digest is
 * computed as the bytes stream; when the whole file has been produced, digest and signature are
 * stored, and the signature file can be fetched.
 */

export type ExportFormat = "csv" | "xlsx";
export const CSV_TYPE = "text/csv; charset=utf-8";
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** Rows fetched per keyset page. */
export const EXPORT_PAGE = 2000;

/** The columns of a file, in order; the header row names them as here. */
export const EXPORT_COLUMNS = [
  "seq",
  "occurredAt",
  "tenantId",
  "actorId",
  "actorName",
  "actorRole",
  "action",
  "targetType",
  "targetId",
  "result",
  "ip",
  "userAgent",
  "requestId",
  "detail",
] as const;
type ExportRecord = Record<(typeof EXPORT_COLUMNS)[number], string>;

interface ExportRow {
  id: string;
  tenant_id: string;
  created_by: string;
  created_by_name: string;
  created_by_role: string | null;
  format: ExportFormat;
  filter: Record<string, unknown>;
  seq_bound: string;
  total: string;
  file_name: string;
  created_at: Date;
  rows: string | null;
  digest_alg: DigestAlgorithm | null;
  digest: Buffer | null;
  signed_at: Date | null;
  key_id: string | null;
  signature: Buffer | null;
  downloads: number;
}

const toDto = (r: ExportRow): AuditExportDto => ({
  id: r.id,
  format: r.format,
  total: Number(r.total),
  status: "ready",
  createdAt: r.created_at.toISOString(),
  fileName: r.file_name,
  seqBound: r.seq_bound,
  filter: r.filter,
  downloads: r.downloads,
  signedAt: r.signed_at?.toISOString() ?? null,
});

function principalOf(ctx: RequestContext) {
  const p = ctx.principal;
  if (!p) throw new Error("guarded route reached without a principal");
  return p;
}

/** Creates an export of the search as of now; audited (audit.export.create) in the same transaction. */
export async function createExport(
  db: Db,
  ctx: RequestContext,
  scope: AuditScope,
  input: { format: ExportFormat; filter: AuditFilter },
): Promise<AuditExportDto> {
  const principal = principalOf(ctx);
  const filter = normaliseFilter(input.filter);
  return db.transaction().execute(async (tx) => {
    const bound = await sql<{ seq: string }>`SELECT COALESCE(max(seq), 0)::text AS seq FROM audit_events`.execute(tx);
    const seqBound = bound.rows[0]?.seq ?? "0";
    const count = await tx
      .selectFrom("audit_events")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where(scopeSql(scope))
      .where(filterSql(filter))
      .where("seq", "<=", seqBound)
      .executeTakeFirstOrThrow();
    const total = Number(count.n);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
    const id = crypto.randomUUID();
    const fileName = `audit-events-${stamp}-${id.slice(0, 8)}.${input.format}`;
    const row = await tx
      .insertInto("audit_exports")
      .values({
        id,
        tenant_id: principal.tenantId,
        created_by: principal.userId,
        created_by_name: principal.username,
        created_by_role: principal.role,
        format: input.format,
        filter: JSON.stringify(filter),
        seq_bound: seqBound,
        total,
        file_name: fileName,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await record(tx, {
      ...actorOf(ctx),
      action: "audit.export.create",
      targetType: "AuditExport",
      targetId: id,
      result: "success",
      detail: { format: input.format, filter, total, seqBound },
    });
    return toDto(row as ExportRow);
  });
}

/** The caller's exports, newest first. */
export async function listExports(
  db: DbOrTx,
  ctx: RequestContext,
  page: Page,
): Promise<{ rows: AuditExportDto[]; total: number }> {
  const principal = principalOf(ctx);
  const base = db
    .selectFrom("audit_exports")
    .where("created_by", "=", principal.userId)
    .where("tenant_id", "=", principal.tenantId);
  const [rows, count] = await Promise.all([
    base
      .selectAll()
      .orderBy("created_at", page.order)
      .orderBy("id", page.order)
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map((r) => toDto(r as ExportRow)), total: Number(count.n) };
}

/** One of the caller's own exports; anyone else's is "not found" (its existence is not told). */
async function ownExport(db: DbOrTx, ctx: RequestContext, id: string): Promise<ExportRow> {
  const principal = principalOf(ctx);
  const row = await db
    .selectFrom("audit_exports")
    .selectAll()
    .where("id", "=", id)
    .where("created_by", "=", principal.userId)
    .where("tenant_id", "=", principal.tenantId)
    .executeTakeFirst();
  if (!row) throw new NotFound("EXPORT_NOT_FOUND", "No such export.", "导出任务不存在。");
  return row as ExportRow;
}

export interface StreamResult {
  rows: number;
  digestAlgorithm: DigestAlgorithm;
  digest: string;
  bytes: number;
}

/**
 * Writes the export file into `out`: the events in `scope` matching `filter` with seq ≤ `seqBound`,
 * ascending, fetched EXPORT_PAGE at a time and written only when `out` has room (backpressure), so
 * memory does not grow with the number of events. `beforeEnd` runs once the last byte has been
 * digested and before the stream ends (the signature is stored there, so it exists when the client
 * has the whole file).
 */
export async function writeExport(
  db: DbOrTx,
  opts: {
    scope: AuditScope;
    filter: AuditFilter;
    seqBound: string;
    format: ExportFormat;
    digestAlgorithm: DigestAlgorithm;
    out: Writable;
    beforeEnd?: (result: StreamResult) => Promise<void>;
  },
): Promise<StreamResult> {
  const hash = createDigest(opts.digestAlgorithm);
  let bytes = 0;
  let rows = 0;
  let result: StreamResult | undefined;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      result = { rows, digestAlgorithm: opts.digestAlgorithm, digest: hash.digest("hex"), bytes };
      if (!opts.beforeEnd) return callback();
      opts.beforeEnd(result).then(() => callback(), callback);
    },
  });
  const done = pipeline(tap, opts.out);
  // Keep the pipeline's rejection observed while pages are still being written.
  done.catch(() => {});
  const roomFor = async () => {
    if (!tap.writableNeedDrain || tap.destroyed) return;
    await new Promise<void>((resolve) => {
      const go = () => {
        tap.off("drain", go);
        tap.off("close", go);
        resolve();
      };
      tap.on("drain", go);
      tap.on("close", go);
    });
  };
  const pages = eventPages(db, opts);
  const produce = async () => {
    if (opts.format === "csv") {
      tap.write(Buffer.from(`\uFEFF${csvLine(EXPORT_COLUMNS)}`, "utf8"));
      for await (const page of pages) {
        if (tap.destroyed) return;
        tap.write(Buffer.from(page.map((r) => csvLine(EXPORT_COLUMNS.map((c) => r[c]))).join(""), "utf8"));
        rows += page.length;
        await roomFor();
      }
      tap.end();
      return;
    }
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: tap, useStyles: false, useSharedStrings: false });
    const sheet = workbook.addWorksheet("audit_events");
    sheet.columns = EXPORT_COLUMNS.map((key) => ({ header: key, key, width: key === "detail" ? 60 : 20 }));
    for await (const page of pages) {
      if (tap.destroyed) return;
      for (const r of page) sheet.addRow(r).commit();
      rows += page.length;
      await roomFor();
      await compressorDrained(sheet);
    }
    sheet.commit();
    await workbook.commit();
  };
  // A failed or aborted pipeline rejects at once, even if the producer is left waiting; a failed
  // producer (the database) tears the pipeline down, so the output is cut short, never left open.
  await Promise.all([
    produce().catch((err: unknown) => {
      tap.destroy(err as Error);
      throw err;
    }),
    done,
  ]);
  if (!result) throw new Error("export stream ended without a digest");
  return result;
}

async function* eventPages(
  db: DbOrTx,
  opts: { scope: AuditScope; filter: AuditFilter; seqBound: string },
): AsyncGenerator<ExportRecord[]> {
  let after = "0";
  for (;;) {
    const page = await db
      .selectFrom("audit_events")
      .select([
        "seq",
        "occurred_at",
        "tenant_id",
        "actor_id",
        "actor_name",
        "actor_role",
        "action",
        "target_type",
        "target_id",
        "result",
        "ip",
        "user_agent",
        "request_id",
        // As PostgreSQL prints it: no parse and re-serialisation per row.
        sql<string>`detail::text`.as("detail"),
      ])
      .where(scopeSql(opts.scope))
      .where(filterSql(opts.filter))
      .where("seq", ">", after)
      .where("seq", "<=", opts.seqBound)
      .orderBy("seq", "asc")
      .limit(EXPORT_PAGE)
      .execute();
    if (page.length === 0) return;
    yield page.map((r) => ({
      seq: String(r.seq),
      occurredAt: r.occurred_at.toISOString(),
      tenantId: r.tenant_id ?? "",
      actorId: r.actor_id ?? "",
      actorName: r.actor_name ?? "",
      actorRole: r.actor_role ?? "",
      action: r.action,
      targetType: r.target_type ?? "",
      targetId: r.target_id ?? "",
      result: r.result,
      ip: r.ip ?? "",
      userAgent: r.user_agent ?? "",
      requestId: r.request_id ?? "",
      detail: r.detail,
    }));
    if (page.length < EXPORT_PAGE) return;
    after = String(page[page.length - 1]?.seq);
  }
}

/**
 * One CSV record (RFC 4180, CRLF). A cell that a spreadsheet would run as a formula (starting with
 * = + - @, tab or CR) gets a leading apostrophe: an actor name or user agent is attacker-chosen text
 * (a failed login's username), and an auditor opening the file must not execute it.
 */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

export function csvCell(value: string): string {
  const safe = /^[-=+@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * Streams the file of one of the caller's exports to the response (audit.export.download, recorded
 * before the first byte), then stores digest and signature.
 */
export async function downloadExport(
  db: Db,
  ctx: RequestContext,
  scope: AuditScope,
  id: string,
  signerOf: AuditSignerSource,
  res: Response,
): Promise<void> {
  const exp = await ownExport(db, ctx, id);
  // The key first: a key that cannot be opened fails the request before any byte is sent.
  const signer = await signerOf();
  const digestAlgorithm = digestAlgorithmOf(signer.profile);
  await record(db, {
    ...actorOf(ctx),
    action: "audit.export.download",
    targetType: "AuditExport",
    targetId: exp.id,
    result: "success",
    detail: { format: exp.format, total: Number(exp.total), seqBound: exp.seq_bound },
  });
  res.status(200);
  res.setHeader("content-type", exp.format === "csv" ? CSV_TYPE : XLSX_TYPE);
  res.setHeader(
    "content-disposition",
    `attachment; filename="${exp.file_name}"; filename*=UTF-8''${encodeURIComponent(exp.file_name)}`,
  );
  res.setHeader("x-total-count", exp.total);
  // Committed to a streamed answer from here: a failure later can only cut the file short.
  res.flushHeaders();
  const filter = exp.filter as AuditFilter;
  try {
    await writeExport(db, {
      scope,
      filter,
      seqBound: exp.seq_bound,
      format: exp.format,
      digestAlgorithm,
      out: res,
      async beforeEnd(result) {
        const signedAt = new Date().toISOString();
        const sig = signExport(signer, {
          exportId: exp.id,
          fileName: exp.file_name,
          format: exp.format,
          digestAlgorithm,
          digest: result.digest,
          rows: result.rows,
          seqBound: exp.seq_bound,
          filter: exp.filter,
          creator: creatorOf(exp),
          signedAt,
          keyId: signer.keyId,
        });
        await db
          .updateTable("audit_exports")
          .set((eb) => ({
            rows: result.rows,
            digest_alg: digestAlgorithm,
            digest: Buffer.from(result.digest, "hex"),
            signed_at: new Date(signedAt),
            key_id: signer.keyId,
            signature: Buffer.from(sig.signature, "hex"),
            downloads: eb("downloads", "+", 1),
          }))
          .where("id", "=", exp.id)
          .execute();
      },
    });
  } catch {
    // The client went away or the database failed mid-file: the answer is cut short (its digest
    // would not match anyway) and nothing is signed.
    if (!res.destroyed) res.destroy();
  }
}

const creatorOf = (exp: ExportRow): AuditExportSignature["creator"] => ({
  userId: exp.created_by,
  username: exp.created_by_name,
  role: exp.created_by_role,
  tenantId: exp.tenant_id,
});

/** The signature file of the last completed download; 409 before one. */
export async function exportSignature(db: DbOrTx, ctx: RequestContext, id: string): Promise<AuditExportSignature> {
  const exp = await ownExport(db, ctx, id);
  if (!exp.signature || !exp.digest || !exp.digest_alg || !exp.signed_at || !exp.key_id || exp.rows === null) {
    throw new Conflict(
      "EXPORT_NOT_SIGNED",
      "The export is signed when a download completes; download the file first.",
      "导出文件完整下载后才会签名，请先下载文件。",
    );
  }
  const key = await db
    .selectFrom("audit_signing_keys")
    .select(["algorithm", "public_key"])
    .where("id", "=", exp.key_id)
    .executeTakeFirstOrThrow();
  return {
    version: "tianshu.audit-export-signature.v1",
    exportId: exp.id,
    fileName: exp.file_name,
    format: exp.format,
    digestAlgorithm: exp.digest_alg,
    digest: exp.digest.toString("hex"),
    rows: Number(exp.rows),
    seqBound: exp.seq_bound,
    filter: exp.filter,
    creator: creatorOf(exp),
    signedAt: exp.signed_at.toISOString(),
    keyId: exp.key_id,
    signatureAlgorithm: key.algorithm,
    publicKey: key.public_key,
    signature: exp.signature.toString("hex"),
  };
}

/**
 * exceljs's worksheet stream hands rows to the zip compressor without waiting for it (its StreamBuf
 * ignores the compressor's backpressure), so rows produced faster than deflate runs pile up in the
 * compressor's buffer: 900,000 events grew the process by 677 MB (docs/benchmarks.md). Waiting for
 * that buffer to drain after each page keeps the export bounded. The fields are exceljs's (4.4) and
 * readable-stream's, read defensively: without them the export still works, only unpaced.
 */
export async function compressorDrained(sheet: unknown): Promise<void> {
  const pipes = (sheet as { stream?: { pipes?: unknown } } | null)?.stream?.pipes;
  if (!Array.isArray(pipes)) return;
  for (const dest of pipes as Writable[]) {
    // A readable-stream 2 PassThrough (archiver's): no writableNeedDrain, the state says it.
    const state = (dest as unknown as { _writableState?: { needDrain?: boolean } })._writableState;
    if (!(dest.writableNeedDrain ?? state?.needDrain) || dest.destroyed) continue;
    await new Promise<void>((resolve) => {
      const go = () => {
        dest.off("drain", go);
        dest.off("close", go);
        dest.off("error", go);
        resolve();
      };
      dest.on("drain", go);
      dest.on("close", go);
      dest.on("error", go);
    });
  }
}
