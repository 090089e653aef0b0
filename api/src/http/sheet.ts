import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { Invalid, PayloadTooLarge, UnsupportedMediaType } from "./errors";

/**
 * Reading an uploaded table (CSV or XLSX) into rows keyed by column, for every import of the
 * product (users, sensitive words…). Each import describes its columns; a header may use the
 * English key or the Chinese name the console shows. Row numbers are those a person sees in Excel.
 */
export const CSV_TYPE = "text/csv";
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export interface SheetSpec<C extends string> {
  /** Column key → its Chinese header. */
  columns: Record<C, string>;
  required: readonly C[];
  maxRows: number;
}

export interface SheetRow<C extends string> {
  /** The row number a person sees in Excel: the header is row 1. */
  row: number;
  values: Partial<Record<C, string>>;
}

export interface Sheet<C extends string> {
  encoding: "utf-8" | "gb18030" | "xlsx";
  rows: SheetRow<C>[];
}

const invalidFile = (message: string, zh: string) => new Invalid("INVALID_IMPORT_FILE", message, zh);

const tooManyRows = (max: number, found?: number) =>
  new PayloadTooLarge(
    "TOO_MANY_ROWS",
    `At most ${max} rows per import${found === undefined ? "" : ` (found ${found})`}; split the file.`,
    `每次最多导入 ${max} 行${found === undefined ? "" : `（当前 ${found} 行）`}，请拆分文件。`,
  );

/**
 * Text of an uploaded CSV or plain-text file. Excel on a Chinese Windows saves "CSV" in GBK, so a
 * file that is not valid UTF-8 is decoded as GB18030 (a superset of GBK and GB2312) when it is
 * valid as that; anything else is refused rather than imported as mojibake.
 */
export function decodeText(
  buffer: Buffer,
  charset: string | undefined,
): { text: string; encoding: "utf-8" | "gb18030" } {
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) {
    throw new UnsupportedMediaType(
      "UNSUPPORTED_ENCODING",
      "The file is UTF-16; save it as UTF-8 (or GBK), or upload an XLSX.",
      "文件为 UTF-16 编码，请另存为 UTF-8 或 GBK 编码，或上传 XLSX。",
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
      "The file is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 or upload an XLSX.",
      "文件既不是 UTF-8 也不是 GBK/GB18030 编码，请另存为 UTF-8 编码或上传 XLSX。",
    );
  }
}

function toRows<C extends string>(
  spec: SheetSpec<C>,
  header: string[],
  records: { cells: string[]; row: number }[],
): SheetRow<C>[] {
  const byHeader = new Map<string, C>(
    (Object.entries(spec.columns) as [C, string][]).flatMap(([key, zh]) => [
      [key.toLowerCase(), key],
      [zh, key],
    ]),
  );
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
      `Unknown column(s): ${unknown.join(", ")}. Columns: ${Object.keys(spec.columns).join(", ")}.`,
      `无法识别的列：${unknown.join("、")}。可用列：${Object.values<string>(spec.columns).join("、")}。`,
    );
  }
  for (const required of spec.required) {
    if (!columns.includes(required)) {
      throw invalidFile(`The header lacks the ${required} column.`, `表头缺少“${spec.columns[required]}”列。`);
    }
  }
  if (records.length > spec.maxRows) throw tooManyRows(spec.maxRows, records.length);
  return records.map(({ cells, row }) => {
    const values: SheetRow<C>["values"] = {};
    columns.forEach((column, i) => {
      const cell = cells[i]?.trim();
      if (column && cell) values[column] = cell;
    });
    return { row, values };
  });
}

export function parseCsvSheet<C extends string>(
  buffer: Buffer,
  charset: string | undefined,
  spec: SheetSpec<C>,
): Sheet<C> {
  const { text, encoding } = decodeText(buffer, charset);
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
      spec,
      header.record,
      data.filter((r) => r.record.some((c) => c.trim() !== "")).map((r) => ({ cells: r.record, row: r.info.lines })),
    ),
  };
}

export async function parseXlsxSheet<C extends string>(buffer: Buffer, spec: SheetSpec<C>): Promise<Sheet<C>> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch {
    throw invalidFile("The file is not a readable XLSX workbook.", "文件不是有效的 XLSX 工作簿。");
  }
  const sheet = workbook.worksheets[0];
  if (!sheet || sheet.actualRowCount === 0) throw invalidFile("The workbook is empty.", "工作簿为空。");
  if (sheet.rowCount > spec.maxRows + 1 && sheet.actualRowCount > spec.maxRows + 1) throw tooManyRows(spec.maxRows);
  const width = sheet.columnCount;
  const cellsOf = (r: ExcelJS.Row) => Array.from({ length: width }, (_, i) => r.getCell(i + 1).text ?? "");
  const header = cellsOf(sheet.getRow(1));
  const records: { cells: string[]; row: number }[] = [];
  sheet.eachRow({ includeEmpty: false }, (r, n) => {
    if (n === 1) return;
    const cells = cellsOf(r);
    if (cells.some((c) => c.trim() !== "")) records.push({ cells, row: n });
  });
  return { encoding: "xlsx", rows: toRows(spec, header, records) };
}
