import ExcelJS from "exceljs";
import { PayloadTooLarge } from "../http/errors";
import { decodeText, parseCsvSheet, parseXlsxSheet, type SheetRow, type SheetSpec } from "../http/sheet";
import type { WordAction } from "./engine";
import { foldString } from "./fold";

/**
 * Word lists in and out (docs/words.md, "Import and export"): plain text (one word per line, `#`
 * comments), CSV and XLSX with a header. A list is read whole and every line is judged; the report
 * names each refused line with the reason in Chinese and English, so a 50,000-word list with three
 * bad lines imports 49,997 words and says which three were left out and why.
 */
export const MAX_WORD_LENGTH = 64;
export const MAX_LIST_ROWS = 200_000;

export const WORD_COLUMNS = { word: "词语", level: "级别", action: "处理方式", pinyin: "拼音匹配" } as const;
type WordColumn = keyof typeof WORD_COLUMNS;
const SPEC: SheetSpec<WordColumn> = { columns: WORD_COLUMNS, required: ["word"], maxRows: MAX_LIST_ROWS };

export type ListFormat = "txt" | "csv" | "xlsx";

export interface ImportedWord {
  word: string;
  level: number;
  action: WordAction;
  pinyin: boolean;
}

export interface LineError {
  line: number;
  message: string;
  zh: string;
}

export interface ParsedList {
  encoding: "utf-8" | "gb18030" | "xlsx";
  words: ImportedWord[];
  errors: LineError[];
  /** Lines that repeat an earlier word of the same list (after folding); the first is kept. */
  duplicates: number;
}

const ACTIONS: Record<string, WordAction> = {
  block: "block",
  replace: "replace",
  review: "review",
  屏蔽: "block",
  替换: "replace",
  审核: "review",
};
const YES = new Set(["1", "true", "yes", "y", "是"]);
const NO = new Set(["0", "false", "no", "n", "否", ""]);

export interface ListDefaults {
  level: number;
  action: WordAction;
}

export async function parseWordList(
  buffer: Buffer,
  format: ListFormat,
  charset: string | undefined,
  defaults: ListDefaults,
): Promise<ParsedList> {
  if (format === "txt") {
    const { text, encoding } = decodeText(buffer, charset);
    const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
    const rows: SheetRow<WordColumn>[] = [];
    lines.forEach((raw, i) => {
      const word = raw.trim();
      if (word !== "" && !word.startsWith("#")) rows.push({ row: i + 1, values: { word } });
    });
    if (rows.length > MAX_LIST_ROWS) {
      throw new PayloadTooLarge(
        "TOO_MANY_ROWS",
        `At most ${MAX_LIST_ROWS} words per import (found ${rows.length}); split the file.`,
        `每次最多导入 ${MAX_LIST_ROWS} 个词（当前 ${rows.length} 个），请拆分文件。`,
      );
    }
    return judge(encoding, rows, defaults);
  }
  const sheet = format === "csv" ? parseCsvSheet(buffer, charset, SPEC) : await parseXlsxSheet(buffer, SPEC);
  return judge(sheet.encoding, sheet.rows, defaults);
}

function judge(encoding: ParsedList["encoding"], rows: SheetRow<WordColumn>[], defaults: ListDefaults): ParsedList {
  const words: ImportedWord[] = [];
  const errors: LineError[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const { row, values } of rows) {
    const refuse = (message: string, zh: string) => errors.push({ line: row, message, zh });
    // A leading ' guards a formula-like word in our own CSV exports; it is not part of the word.
    const word = (values.word ?? "").replace(/^'(?=[=+\-@\t\r])/, "");
    if ([...word].length > MAX_WORD_LENGTH) {
      refuse(`The word is longer than ${MAX_WORD_LENGTH} characters.`, `词语超过 ${MAX_WORD_LENGTH} 个字符。`);
      continue;
    }
    const folded = foldString(word);
    if (folded.length === 0) {
      refuse(
        "The word has no letter or digit left after normalisation (only punctuation, spaces or invisible characters).",
        "词语规范化后没有任何文字或数字（只有标点、空格或不可见字符）。",
      );
      continue;
    }
    let level = defaults.level;
    if (values.level !== undefined) {
      level = Number(values.level);
      if (!Number.isInteger(level) || level < 1 || level > 5) {
        refuse(
          `The level must be an integer from 1 to 5 (got "${values.level}").`,
          `级别须为 1 到 5 的整数（当前为“${values.level}”）。`,
        );
        continue;
      }
    }
    let action = defaults.action;
    if (values.action !== undefined) {
      const a = ACTIONS[values.action.toLowerCase()];
      if (!a) {
        refuse(
          `The action must be block, replace or review (got "${values.action}").`,
          `处理方式须为 屏蔽、替换 或 审核（当前为“${values.action}”）。`,
        );
        continue;
      }
      action = a;
    }
    const flag = (values.pinyin ?? "").toLowerCase();
    if (!YES.has(flag) && !NO.has(flag)) {
      refuse(
        `Pinyin matching must be yes or no (got "${values.pinyin}").`,
        `拼音匹配须为 是 或 否（当前为“${values.pinyin}”）。`,
      );
      continue;
    }
    const key = String.fromCodePoint(...folded);
    if (seen.has(key)) {
      duplicates += 1;
      continue;
    }
    seen.add(key);
    words.push({ word, level, action, pinyin: YES.has(flag) });
  }
  return { encoding, words, errors, duplicates };
}

const ACTION_ZH: Record<WordAction, string> = { block: "屏蔽", replace: "替换", review: "审核" };

/** A list in the import formats, so that an export imports back unchanged. */
export async function formatWordList(words: readonly ImportedWord[], format: ListFormat): Promise<Buffer> {
  if (format === "txt") return Buffer.from(words.map((w) => `${w.word}\n`).join(""), "utf8");
  const header = Object.values(WORD_COLUMNS);
  const rows = words.map((w) => [w.word, String(w.level), ACTION_ZH[w.action], w.pinyin ? "是" : "否"]);
  if (format === "csv") {
    // A word that a spreadsheet would run as a formula gets a leading ' (stripped again on import).
    const guarded = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
    const cell = (raw: string) => {
      const v = guarded(raw);
      return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
    };
    return Buffer.from(`\uFEFF${[header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`, "utf8");
  }
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("words");
  sheet.addRow(header);
  // Text cells only: a word is never read as a number or a formula.
  for (const r of rows) sheet.addRow(r.map((v) => ({ richText: [{ text: v }] })));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
