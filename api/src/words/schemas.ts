import { listQuery } from "../http/list";
import { z } from "../http/zod";
import { MAX_WORD_LENGTH } from "./import";
import { ACTIONS, CATEGORIES } from "./vocabulary";

export { ACTIONS, type Category, CATEGORIES } from "./vocabulary";

/** Limits of the check API (docs/words.md): texts per batch, bytes of UTF-8 per text. */
export const MAX_BATCH_TEXTS = 1_000;
export const MAX_TEXT_BYTES = 64 * 1024;

const uuid = z.string().uuid();
const iso = z.string().describe("ISO 8601 UTC");
const wordText = z.string().trim().min(1).max(MAX_WORD_LENGTH);
const level = z.number().int().min(1).max(5);
const action = z.enum(ACTIONS);
const boolQuery = z.enum(["true", "false"]).transform((v) => v === "true");

export const IdParams = z.strictObject({ id: uuid });
export const VersionParams = z.strictObject({ version: z.coerce.number().int().min(1).max(1_000_000_000) });

export const DictionarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    category: z.enum(CATEGORIES),
    description: z.string(),
    enabled: z.boolean(),
    wordCount: z.number().int(),
    version: z.number().int(),
    createdAt: iso,
    updatedAt: iso,
  })
  .openapi("WordDictionary");

export const DictionaryListQuery = listQuery(["name", "createdAt", "updatedAt"], "createdAt").extend({
  q: z.string().max(100).optional(),
  category: z.enum(CATEGORIES).optional(),
  enabled: boolQuery.optional(),
});

export const CreateDictionaryBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    category: z.enum(CATEGORIES),
    description: z.string().max(500).optional(),
    enabled: z.boolean().optional(),
  })
  .openapi("CreateWordDictionary");

export const UpdateDictionaryBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    category: z.enum(CATEGORIES).optional(),
    description: z.string().max(500).optional(),
    enabled: z.boolean().optional(),
  })
  .openapi("UpdateWordDictionary");

export const WordSchema = z
  .object({
    id: z.string(),
    dictionaryId: z.string(),
    category: z.enum(CATEGORIES),
    word: z.string(),
    level: z.number().int(),
    action,
    pinyin: z.boolean(),
    version: z.number().int(),
    createdAt: iso,
    updatedAt: iso,
  })
  .openapi("SensitiveWord");

export const WordListQuery = listQuery(["word", "level", "createdAt", "updatedAt"], "createdAt").extend({
  q: z.string().max(MAX_WORD_LENGTH).optional().describe("Part of the word (case-insensitive)"),
  dictionaryId: uuid.optional(),
  category: z.enum(CATEGORIES).optional(),
  action: action.optional(),
  level: z.coerce.number().int().min(1).max(5).optional(),
});

export const CreateWordBody = z
  .strictObject({ dictionaryId: uuid, word: wordText, level, action, pinyin: z.boolean().optional() })
  .openapi("CreateSensitiveWord");

export const UpdateWordBody = z
  .strictObject({
    word: wordText.optional(),
    level: level.optional(),
    action: action.optional(),
    pinyin: z.boolean().optional(),
  })
  .openapi("UpdateSensitiveWord");

export const BulkWordsBody = z
  .discriminatedUnion("op", [
    z.strictObject({ op: z.literal("delete"), ids: z.array(uuid).min(1).max(1000) }),
    z.strictObject({
      op: z.literal("update"),
      ids: z.array(uuid).min(1).max(1000),
      set: z
        .strictObject({ level: level.optional(), action: action.optional(), pinyin: z.boolean().optional() })
        .refine((s) => Object.keys(s).length > 0, { message: "Set at least one of level, action, pinyin." }),
    }),
    z.strictObject({ op: z.literal("move"), ids: z.array(uuid).min(1).max(1000), dictionaryId: uuid }),
  ])
  .openapi("BulkSensitiveWords");

export const BulkResult = z.object({ affected: z.number().int(), skipped: z.number().int() }).openapi("BulkResult");

export const AllowWordSchema = z
  .object({ id: z.string(), word: z.string(), note: z.string(), createdAt: iso })
  .openapi("AllowListWord");
export const AllowListQuery = listQuery(["word", "createdAt"], "createdAt").extend({
  q: z.string().max(MAX_WORD_LENGTH).optional(),
});
export const CreateAllowWordBody = z
  .strictObject({ word: wordText, note: z.string().max(200).optional() })
  .openapi("CreateAllowListWord");

export const ImportQuery = z.strictObject({
  format: z.enum(["txt", "csv", "xlsx"]).optional().describe("Default: from the Content-Type"),
  level: z.coerce.number().int().min(1).max(5).default(3).describe("For lines that give none (txt: all)"),
  action: action.default("block"),
  dryRun: boolQuery.default(false),
});

export const ImportReport = z
  .object({
    encoding: z.enum(["utf-8", "gb18030", "xlsx"]),
    imported: z.number().int().describe("New words added"),
    existing: z.number().int().describe("Already in the dictionary (left as they are)"),
    duplicates: z.number().int().describe("Lines repeating an earlier word of the file"),
    errors: z.array(z.object({ line: z.number().int(), message: z.string(), zh: z.string() })),
    dryRun: z.boolean(),
  })
  .openapi("WordImportReport");

export const ExportQuery = z.strictObject({ format: z.enum(["txt", "csv", "xlsx"]).default("xlsx") });

export const PublishBody = z.strictObject({ note: z.string().max(500).optional() }).openapi("PublishWords");

export const PublicationSchema = z
  .object({
    version: z.number().int(),
    wordCount: z.number().int(),
    allowCount: z.number().int(),
    note: z.string(),
    rolledBackTo: z.number().int().nullable(),
    publishedBy: z.string().nullable(),
    publishedByName: z.string().nullable(),
    publishedAt: iso,
    active: z.boolean(),
  })
  .openapi("WordPublication");
export const PublicationListQuery = listQuery(["version"], "version");

const appId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/)
  .describe("Who sent the text (counted in the statistics); letters, digits, . _ : -");
// Sizes are checked in bytes by the handler (413 TEXT_TOO_LARGE); this bound only keeps zod cheap.
const checkedText = z.string().max(MAX_TEXT_BYTES * 4);

export const CheckBody = z.strictObject({ text: checkedText, appId: appId.optional() }).openapi("ContentCheck");
export const CheckBatchBody = z
  .strictObject({ texts: z.array(checkedText).min(1).max(MAX_BATCH_TEXTS), appId: appId.optional() })
  .openapi("ContentCheckBatch");

export const HitSchema = z.object({
  word: z.string(),
  category: z.string(),
  level: z.number().int(),
  action,
  start: z.number().int().describe("UTF-16 offset into the text, inclusive"),
  end: z.number().int().describe("UTF-16 offset, exclusive"),
  via: z.enum(["text", "pinyin", "initials"]),
});
export const CheckResultSchema = z
  .object({
    verdict: z.enum(["pass", "review", "replace", "block"]),
    hits: z.array(HitSchema),
    text: z.string().describe("The text with replace and block hits masked by *"),
    version: z.number().int().describe("The dictionary publication that judged it (0: none published yet)"),
  })
  .openapi("ContentCheckResult");
export const CheckBatchResult = z
  .object({ results: z.array(CheckResultSchema.omit({ version: true })), version: z.number().int() })
  .openapi("ContentCheckBatchResult");

export const StatsQuery = listQuery(["hits", "key"], "hits").extend({
  groupBy: z.enum(["category", "word", "app", "day"]).default("category"),
  from: z.string().date().optional().describe("First day, YYYY-MM-DD (UTC); default 30 days ago"),
  to: z.string().date().optional().describe("Last day, inclusive; default today"),
  category: z.enum(CATEGORIES).optional(),
  appId: z.string().max(64).optional(),
  word: z.string().max(MAX_WORD_LENGTH).optional(),
});
export const StatsRow = z.object({ key: z.string(), hits: z.number().int() }).openapi("WordHitStat");
