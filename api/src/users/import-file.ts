import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { Invalid, PayloadTooLarge, UnsupportedMediaType } from "../http/errors";

export const CSV_TYPE = "text/csv";
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
export const MAX_IMPORT_ROWS = 10_000;
export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;

/** The import columns; a header may use the English key or the Chinese name the console shows. */
export const IMPORT_COLUMNS = {
  username: "用户名",
  displayName: "姓名",
  employeeNo: "工号",
  phone: "手机号",
  email: "邮箱",
  department: "部门",
  post: "岗位",
  title: "职务",
  isPrimary: "主部门",
} as const;
export type ImportColumn = keyof typeof IMPORT_COLUMNS;

export interface SheetRow {
  /** The row number a person sees in Excel: the header is row 1. */
  row: number;
  values: Partial<Record<ImportColumn, string>>;
}

export interface Sheet {
  encoding: "utf-8" | "gb18030" | "xlsx";
  rows: SheetRow[];
}

const byHeader = new Map<string, ImportColumn>(
  Object.entries(IMPORT_COLUMNS).flatMap(([key, zh]) => [
    [key.toLowerCase(), key as ImportColumn],
    [zh, key as ImportColumn],
  ]),
);

const invalidFile = (message: string, zh: string) => new Invalid("INVALID_IMPORT_FILE", message, zh);

/**
 * Text of a CSV upload. Excel on a Chinese Windows saves "CSV" in GBK, so a file that is not valid
 * UTF-8 is decoded as GB18030 (a superset of GBK and GB2312) when it is valid as that; anything else
 * is refused rather than imported as mojibake.
 */
export function decodeCsv(
  buffer: Buffer,
  charset: string | undefined,
): { text: string; encoding: "utf-8" | "gb18030" } {
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) {
    throw new UnsupportedMediaType(
      "UNSUPPORTED_ENCODING",
      "The CSV is UTF-16; save it as CSV UTF-8 (or GBK) or upload the XLSX.",
      "CSV 文件为 UTF-16 编码，请另存为 UTF-8 或 GBK 编码的 CSV，或上传 XLSX。",
    );
  }
  const wantsGb = charset !== undefined && ["gbk", "gb2312", "gb18030"].includes(charset);
  if (!wantsGb) {
    try {
      return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buffer), encoding: "utf-8" };
    } catch {
      // not UTF-8: try the Chinese national encoding below
    }
  }
  try {
    return { text: new TextDecoder("gb18030", { fatal: true }).decode(buffer), encoding: "gb18030" };
  } catch {
    throw new UnsupportedMediaType(
      "UNSUPPORTED_ENCODING",
      "The CSV is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8 or upload the XLSX.",
      "CSV 文件既不是 UTF-8 也不是 GBK/GB18030 编码，请另存为 UTF-8 编码的 CSV 或上传 XLSX。",
    );
  }
}

function toRows(header: string[], records: { cells: string[]; row: number }[]): SheetRow[] {
  const columns = header.map(
    (h) =>
      byHeader.get(
        h
          .trim()
          .replace(/^\uFEFF/, "")
          .toLowerCase(),
      ) ?? byHeader.get(h.trim()),
  );
  const unknown = header.filter((_, i) => columns[i] === undefined && header[i]?.trim() !== "");
  if (unknown.length > 0) {
    throw invalidFile(
      `Unknown column(s): ${unknown.join(", ")}. Columns: ${Object.keys(IMPORT_COLUMNS).join(", ")}.`,
      `无法识别的列：${unknown.join("、")}。可用列：${Object.values(IMPORT_COLUMNS).join("、")}。`,
    );
  }
  for (const required of ["username", "displayName"] as const) {
    if (!columns.includes(required)) {
      throw invalidFile(`The header lacks the ${required} column.`, `表头缺少“${IMPORT_COLUMNS[required]}”列。`);
    }
  }
  if (records.length > MAX_IMPORT_ROWS) {
    throw new PayloadTooLarge(
      "TOO_MANY_ROWS",
      `At most ${MAX_IMPORT_ROWS} rows per import (found ${records.length}); split the file.`,
      `每次最多导入 ${MAX_IMPORT_ROWS} 行（当前 ${records.length} 行），请拆分文件。`,
    );
  }
  return records.map(({ cells, row }) => {
    const values: SheetRow["values"] = {};
    columns.forEach((column, i) => {
      const cell = cells[i]?.trim();
      if (column && cell) values[column] = cell;
    });
    return { row, values };
  });
}

export function parseCsv(buffer: Buffer, charset: string | undefined): Sheet {
  const { text, encoding } = decodeCsv(buffer, charset);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, each record comes with where it was read (the line number for the error report).
    records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      max_record_size: 64 * 1024,
    }) as unknown as typeof records;
  } catch (err) {
    throw invalidFile(
      `The CSV cannot be read: ${(err as Error).message.slice(0, 200)}`,
      "CSV 文件格式错误，无法读取。",
    );
  }
  const [header, ...data] = records;
  if (!header) throw invalidFile("The file is empty.", "文件为空。");
  return {
    encoding,
    rows: toRows(
      header.record,
      data.filter((r) => r.record.some((c) => c.trim() !== "")).map((r) => ({ cells: r.record, row: r.info.lines })),
    ),
  };
}

export async function parseXlsx(buffer: Buffer): Promise<Sheet> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch {
    throw invalidFile("The file is not a readable XLSX workbook.", "文件不是有效的 XLSX 工作簿。");
  }
  const sheet = workbook.worksheets[0];
  if (!sheet || sheet.actualRowCount === 0) throw invalidFile("The workbook is empty.", "工作簿为空。");
  if (sheet.rowCount > MAX_IMPORT_ROWS + 1 && sheet.actualRowCount > MAX_IMPORT_ROWS + 1) {
    throw new PayloadTooLarge(
      "TOO_MANY_ROWS",
      `At most ${MAX_IMPORT_ROWS} rows per import; split the file.`,
      `每次最多导入 ${MAX_IMPORT_ROWS} 行，请拆分文件。`,
    );
  }
  const width = sheet.columnCount;
  const cellsOf = (r: ExcelJS.Row) => Array.from({ length: width }, (_, i) => r.getCell(i + 1).text ?? "");
  const header = cellsOf(sheet.getRow(1));
  const records: { cells: string[]; row: number }[] = [];
  sheet.eachRow({ includeEmpty: false }, (r, n) => {
    if (n === 1) return;
    const cells = cellsOf(r);
    if (cells.some((c) => c.trim() !== "")) records.push({ cells, row: n });
  });
  return { encoding: "xlsx", rows: toRows(header, records) };
}
