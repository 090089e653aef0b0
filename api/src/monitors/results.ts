import type { Response } from "express";
import ExcelJS from "exceljs";
import { actorOf, record } from "../audit/record";
import { CSV_TYPE, csvLine, XLSX_TYPE } from "../audit/export";
import type { Db } from "../db/pool";
import type { RequestContext } from "../http/context";
import { NotFound, PayloadTooLarge, Unauthorized } from "../http/errors";
import type { Page } from "../http/list";

/**
 * Raw results of one monitor for a time range: a page as JSON, or the whole range as CSV or XLSX
 * streamed page by page (keyset on the time, so a long export neither holds one big result set nor
 * slows down with offset). docs/monitors.md, "REST API".
 */
export const EXPORT_PAGE = 2_000;
export const MAX_EXPORT_ROWS = 1_000_000;
const COLUMNS = ["at", "state", "latencyMs", "reason", "message"] as const;

export interface ResultRow {
  at: string;
  state: "up" | "degraded" | "down";
  latencyMs: number;
  reason: string;
  message: string;
}

async function ownMonitor(db: Db, ctx: RequestContext, id: string): Promise<{ name: string }> {
  if (!ctx.principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  const m = await db
    .selectFrom("monitors")
    .select("name")
    .where("id", "=", id)
    .where("tenant_id", "=", ctx.principal.tenantId)
    .executeTakeFirst();
  if (!m) throw new NotFound("MONITOR_NOT_FOUND", "No such monitor.", "监控项不存在。");
  return m;
}

const inRange = (db: Db, id: string, from: Date, to: Date) =>
  db.selectFrom("monitor_results").where("monitor_id", "=", id).where("at", ">=", from).where("at", "<", to);

const rowOf = (r: { at: Date; state: ResultRow["state"]; latency_ms: number; reason: string; message: string }) => ({
  at: r.at.toISOString(),
  state: r.state,
  latencyMs: r.latency_ms,
  reason: r.reason,
  message: r.message,
});

export async function listResults(
  db: Db,
  ctx: RequestContext,
  id: string,
  from: Date,
  to: Date,
  page: Page<"at">,
): Promise<{ items: ResultRow[]; total: number }> {
  await ownMonitor(db, ctx, id);
  const total = await inRange(db, id, from, to)
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirst();
  const rows = await inRange(db, id, from, to)
    .select(["at", "state", "latency_ms", "reason", "message"])
    .orderBy("at", page.order)
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return { items: rows.map(rowOf), total: Number(total?.n ?? 0) };
}

async function* pages(db: Db, id: string, from: Date, to: Date): AsyncGenerator<ResultRow[]> {
  let after: Date | null = null;
  for (;;) {
    let q = inRange(db, id, from, to).select(["at", "state", "latency_ms", "reason", "message"]);
    if (after) q = q.where("at", ">", after);
    const rows = await q.orderBy("at", "asc").limit(EXPORT_PAGE).execute();
    if (rows.length > 0) yield rows.map(rowOf);
    if (rows.length < EXPORT_PAGE) return;
    after = (rows[rows.length - 1] as { at: Date }).at;
  }
}

/** Streams the results as a file; the export is audited before the first byte. */
export async function exportResults(
  db: Db,
  ctx: RequestContext,
  id: string,
  range: { from: Date; to: Date; format: "csv" | "xlsx" },
  res: Response,
): Promise<void> {
  const monitor = await ownMonitor(db, ctx, id);
  const total = Number(
    (
      await inRange(db, id, range.from, range.to)
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirst()
    )?.n ?? 0,
  );
  if (total > MAX_EXPORT_ROWS) {
    throw new PayloadTooLarge(
      "EXPORT_TOO_LARGE",
      `The range holds ${total} results; at most ${MAX_EXPORT_ROWS} per export. Choose a shorter range.`,
      `该时间范围内有 ${total} 条结果，每次最多导出 ${MAX_EXPORT_ROWS} 条，请缩短时间范围。`,
    );
  }
  await record(db, {
    ...actorOf(ctx),
    action: "monitor.results.export",
    targetType: "Monitor",
    targetId: id,
    result: "success",
    detail: {
      name: monitor.name,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      format: range.format,
      total,
    },
  });
  const stamp = range.from.toISOString().slice(0, 10);
  const fileName = `monitor-${id.slice(0, 8)}-${stamp}.${range.format}`;
  res.status(200);
  res.setHeader("content-type", range.format === "csv" ? CSV_TYPE : XLSX_TYPE);
  res.setHeader("content-disposition", `attachment; filename="${fileName}"`);
  res.setHeader("x-total-count", String(total));
  // Committed to a streamed answer from here: a failure later can only cut the file short.
  res.flushHeaders();
  try {
    await writeFile(res, pages(db, id, range.from, range.to), range.format);
  } catch {
    // The client went away or the database failed mid-file: the answer is cut short, visibly.
    res.destroy();
  }
}

/** Waits until `res` takes more, or throws when the client is gone (no 'drain' would ever come). */
function drained(res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      res.off("close", gone);
      resolve();
    };
    const gone = () => {
      res.off("drain", done);
      reject(new Error("client closed the download"));
    };
    res.once("drain", done);
    res.once("close", gone);
  });
}

async function writeFile(res: Response, rows: AsyncGenerator<ResultRow[]>, format: "csv" | "xlsx"): Promise<void> {
  if (format === "csv") {
    // A BOM, so Excel opens the UTF-8 (Chinese messages) correctly.
    res.write(`\uFEFF${csvLine(COLUMNS)}`);
    for await (const page of rows) {
      const chunk = page.map((r) => csvLine(COLUMNS.map((c) => String(r[c])))).join("");
      if (!res.write(chunk)) await drained(res);
    }
    res.end();
    return;
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: res, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet("results");
  sheet.columns = COLUMNS.map((key) => ({ header: key, key, width: key === "message" ? 60 : 24 }));
  for await (const page of rows) for (const r of page) sheet.addRow(r).commit();
  sheet.commit();
  await workbook.commit();
}
