import { actorOf, record } from "../audit/record";
import type { Db } from "../db/pool";
import { withTx } from "../db/tx";
import type { RequestContext } from "../http/context";
import { Invalid } from "../http/errors";
import type { Upload } from "../http/route";
import { CSV_TYPE, XLSX_TYPE } from "../http/sheet";
import { formatWordList, type ListFormat, parseWordList } from "./import";
import type { WordAction } from "./engine";
import { dictionaryNotFound, tenantOf } from "./service";
import { existingFolded, foldedKey, insertWords, readDictionary, wordsOfDictionary } from "./store";

/** Import and export of a dictionary's words (docs/words.md, "Import and export"). */
export const TXT_TYPE = "text/plain";
export const LIST_TYPES = [TXT_TYPE, CSV_TYPE, XLSX_TYPE];
/** 50,000+ words fit easily: 16 MB is ~1 M CJK words of two characters in UTF-8. */
export const MAX_LIST_BYTES = 16 * 1024 * 1024;

const FORMAT_OF: Record<string, ListFormat> = { [TXT_TYPE]: "txt", [CSV_TYPE]: "csv", [XLSX_TYPE]: "xlsx" };
const TYPE_OF: Record<ListFormat, string> = {
  txt: `${TXT_TYPE}; charset=utf-8`,
  csv: `${CSV_TYPE}; charset=utf-8`,
  xlsx: XLSX_TYPE,
};

export interface ImportOptions {
  format?: ListFormat | undefined;
  level: number;
  action: WordAction;
  dryRun: boolean;
}

export function createTransferService(db: Db) {
  return {
    /**
     * Reads the whole list, judges every line, then adds the new words in one transaction with one
     * audit event; words the dictionary already holds are left as they are (reported as existing).
     */
    async importWords(ctx: RequestContext, dictionaryId: string, upload: Upload, opts: ImportOptions) {
      const tenantId = tenantOf(ctx);
      const format = opts.format ?? FORMAT_OF[upload.contentType];
      if (!format) throw new Invalid("INVALID_IMPORT_FILE", "Say which format the file is in.", "请指明文件格式。");
      if (!(await readDictionary(db, tenantId, dictionaryId))) throw dictionaryNotFound();
      const parsed = await parseWordList(upload.buffer, format, upload.charset, {
        level: opts.level,
        action: opts.action,
      });
      const existing = await existingFolded(
        db,
        dictionaryId,
        parsed.words.map((w) => foldedKey(w.word)),
      );
      const fresh = parsed.words.filter((w) => !existing.has(foldedKey(w.word)));
      // Two spellings in the file that the engine reads the same (repeats collapsed) count once.
      const seen = new Set<string>();
      const unique = fresh.filter((w) => {
        const key = foldedKey(w.word);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      const report = {
        encoding: parsed.encoding,
        imported: unique.length,
        existing: existing.size,
        duplicates: parsed.duplicates + (fresh.length - unique.length),
        errors: parsed.errors,
        dryRun: opts.dryRun,
      };
      if (opts.dryRun) return report;
      report.imported = await withTx(db, async (tx) => {
        const inserted = await insertWords(tx, tenantId, dictionaryId, unique);
        await record(tx, {
          ...actorOf(ctx),
          action: "words.import",
          targetType: "WordDictionary",
          targetId: dictionaryId,
          result: "success",
          detail: {
            format,
            encoding: parsed.encoding,
            imported: inserted,
            existing: report.existing,
            duplicates: report.duplicates,
            refusedLines: parsed.errors.length,
            bytes: upload.buffer.length,
          },
        });
        return inserted;
      });
      return report;
    },

    /** The dictionary's words as a file in an import format (audited: it is a data export). */
    async exportWords(ctx: RequestContext, dictionaryId: string, format: ListFormat) {
      const tenantId = tenantOf(ctx);
      const dictionary = await readDictionary(db, tenantId, dictionaryId);
      if (!dictionary) throw dictionaryNotFound();
      const words = await wordsOfDictionary(db, tenantId, dictionaryId);
      const body = await formatWordList(words, format);
      await record(db, {
        ...actorOf(ctx),
        action: "words.export",
        targetType: "WordDictionary",
        targetId: dictionaryId,
        result: "success",
        detail: { format, words: words.length },
      });
      return { body, contentType: TYPE_OF[format], fileName: `words-${dictionaryId.slice(0, 8)}.${format}` };
    },
  };
}

export type TransferService = ReturnType<typeof createTransferService>;
