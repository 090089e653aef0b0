import { optionalIfMatch, setEtag } from "../http/concurrency";
import { pageOf, setTotal, TOTAL_COUNT_HEADER } from "../http/list";
import type { RouteTable } from "../http/route";
import { z } from "../http/zod";
import { registerPublishingRoutes } from "./check-routes";
import {
  AllowListQuery,
  AllowWordSchema,
  BulkResult,
  BulkWordsBody,
  CreateAllowWordBody,
  CreateDictionaryBody,
  CreateWordBody,
  DictionaryListQuery,
  DictionarySchema,
  ExportQuery,
  IdParams,
  ImportQuery,
  ImportReport,
  UpdateDictionaryBody,
  UpdateWordBody,
  WordListQuery,
  WordSchema,
} from "./schemas";
import type { WordServices } from "./services";
import type { AllowRow, DictionaryRow, WordRow } from "./store";
import { LIST_TYPES, MAX_LIST_BYTES } from "./transfer";

const TAGS = ["sensitive-words"];
const read = { ability: { action: "read", subject: "SensitiveWord" } } as const;
const create = { ability: { action: "create", subject: "SensitiveWord" } } as const;
const update = { ability: { action: "update", subject: "SensitiveWord" } } as const;
const remove = { ability: { action: "delete", subject: "SensitiveWord" } } as const;
const total = { [TOTAL_COUNT_HEADER]: "Total number of matching rows" };
const etag = { etag: 'The version, e.g. "3": send it back in If-Match' };

const dictionaryDto = (d: DictionaryRow) => ({
  ...d,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});
const wordDto = (w: WordRow) => ({ ...w, createdAt: w.createdAt.toISOString(), updatedAt: w.updatedAt.toISOString() });
const allowDto = (a: AllowRow) => ({ ...a, createdAt: a.createdAt.toISOString() });

/** The sensitive-words API (docs/words.md, docs/api.md): the draft here, publishing and checks in check-routes.ts. */
export function registerWordRoutes(routes: RouteTable, words: WordServices): void {
  const { draft, transfer } = words;

  routes.add({
    method: "get",
    path: "/api/v1/words/dictionaries",
    operationId: "listWordDictionaries",
    summary: "The tenant's word dictionaries (draft)",
    tags: TAGS,
    access: read,
    query: DictionaryListQuery,
    response: { status: 200, description: "A page of dictionaries", schema: z.array(DictionarySchema), headers: total },
    async handler({ query, ctx, res }) {
      const { rows, total: n } = await draft.listDictionaries(ctx, query, pageOf(query));
      setTotal(res, n);
      return rows.map(dictionaryDto);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/words/dictionaries",
    operationId: "createWordDictionary",
    summary: "Create a dictionary of one category",
    tags: TAGS,
    access: create,
    body: CreateDictionaryBody,
    response: { status: 201, description: "Created", schema: DictionarySchema, headers: etag },
    problems: [409],
    async handler({ body, ctx, res }) {
      const row = await draft.createDictionary(ctx, body);
      setEtag(res, row.version);
      return dictionaryDto(row);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/words/dictionaries/:id",
    operationId: "getWordDictionary",
    summary: "One dictionary",
    tags: TAGS,
    access: read,
    params: IdParams,
    response: { status: 200, description: "The dictionary", schema: DictionarySchema, headers: etag },
    problems: [404],
    async handler({ params, ctx, res }) {
      const row = await draft.getDictionary(ctx, params.id);
      setEtag(res, row.version);
      return dictionaryDto(row);
    },
  });

  routes.add({
    method: "patch",
    path: "/api/v1/words/dictionaries/:id",
    operationId: "updateWordDictionary",
    summary: "Rename, recategorise, describe, enable or disable a dictionary (If-Match required)",
    tags: TAGS,
    access: update,
    params: IdParams,
    body: UpdateDictionaryBody,
    response: { status: 200, description: "Saved", schema: DictionarySchema, headers: etag },
    problems: [404, 409, 428],
    async handler({ params, body, ctx, req, res }) {
      const row = await draft.updateDictionary(ctx, params.id, body, req.get("if-match"));
      setEtag(res, row.version);
      return dictionaryDto(row);
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/words/dictionaries/:id",
    operationId: "deleteWordDictionary",
    summary: "Delete a dictionary and its words (If-Match required)",
    tags: TAGS,
    access: remove,
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409, 428],
    async handler({ params, ctx, req }) {
      await draft.deleteDictionary(ctx, params.id, req.get("if-match"));
      return undefined;
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/words/dictionaries/:id/import",
    operationId: "importSensitiveWords",
    summary: "Import a word list (txt, CSV or XLSX; UTF-8 or GBK) with a per-line report; dryRun judges only",
    tags: TAGS,
    access: create,
    params: IdParams,
    query: ImportQuery,
    upload: { contentTypes: LIST_TYPES, maxBytes: MAX_LIST_BYTES },
    response: { status: 200, description: "The import report", schema: ImportReport },
    problems: [404],
    async handler({ params, query, upload, ctx }) {
      if (!upload) throw new Error("upload route reached without an upload");
      return transfer.importWords(ctx, params.id, upload, query);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/words/dictionaries/:id/export",
    operationId: "exportSensitiveWords",
    summary: "Export a dictionary's words as txt, CSV or XLSX (the import formats)",
    tags: TAGS,
    access: read,
    params: IdParams,
    query: ExportQuery,
    response: { status: 200, description: "The file" },
    problems: [404],
    async handler({ params, query, ctx, res }) {
      const file = await transfer.exportWords(ctx, params.id, query.format);
      res.setHeader("content-type", file.contentType);
      res.setHeader("content-disposition", `attachment; filename="${file.fileName}"`);
      res.status(200).end(file.body);
      return undefined;
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/words",
    operationId: "listSensitiveWords",
    summary: "Words of the draft: search, filters, pagination",
    tags: TAGS,
    access: read,
    query: WordListQuery,
    response: { status: 200, description: "A page of words", schema: z.array(WordSchema), headers: total },
    async handler({ query, ctx, res }) {
      const { rows, total: n } = await draft.listWords(ctx, query, pageOf(query));
      setTotal(res, n);
      return rows.map(wordDto);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/words",
    operationId: "createSensitiveWord",
    summary: "Add a word to a dictionary",
    tags: TAGS,
    access: create,
    body: CreateWordBody,
    response: { status: 201, description: "Created", schema: WordSchema, headers: etag },
    problems: [404, 409],
    async handler({ body, ctx, res }) {
      const { dictionaryId, ...input } = body;
      const row = await draft.createWord(ctx, dictionaryId, input);
      setEtag(res, row.version);
      return wordDto(row);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/words/bulk",
    operationId: "bulkSensitiveWords",
    summary: "Delete, update (level, action, pinyin) or move up to 1,000 words at once",
    tags: TAGS,
    access: update,
    body: BulkWordsBody,
    response: { status: 200, description: "How many words changed; unknown ids are skipped", schema: BulkResult },
    problems: [404, 409],
    async handler({ body, ctx }) {
      return draft.bulk(ctx, body);
    },
  });

  routes.add({
    method: "get",
    path: "/api/v1/words/allow-list",
    operationId: "listAllowListWords",
    summary: "Words that must never hit",
    tags: TAGS,
    access: read,
    query: AllowListQuery,
    response: {
      status: 200,
      description: "A page of allow-list words",
      schema: z.array(AllowWordSchema),
      headers: total,
    },
    async handler({ query, ctx, res }) {
      const { rows, total: n } = await draft.listAllowWords(ctx, query.q, pageOf(query));
      setTotal(res, n);
      return rows.map(allowDto);
    },
  });

  routes.add({
    method: "post",
    path: "/api/v1/words/allow-list",
    operationId: "createAllowListWord",
    summary: "Add a word to the allow-list",
    tags: TAGS,
    access: create,
    body: CreateAllowWordBody,
    response: { status: 201, description: "Added", schema: AllowWordSchema },
    problems: [409],
    async handler({ body, ctx }) {
      return allowDto(await draft.addAllowWord(ctx, body.word, body.note));
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/words/allow-list/:id",
    operationId: "deleteAllowListWord",
    summary: "Remove a word from the allow-list",
    tags: TAGS,
    access: remove,
    params: IdParams,
    response: { status: 204, description: "Removed" },
    problems: [404],
    async handler({ params, ctx }) {
      await draft.removeAllowWord(ctx, params.id);
      return undefined;
    },
  });

  registerPublishingRoutes(routes, words);

  routes.add({
    method: "patch",
    path: "/api/v1/words/:id",
    operationId: "updateSensitiveWord",
    summary: "Change a word, its level, action or pinyin flag (If-Match optional; a stale one is 409)",
    tags: TAGS,
    access: update,
    params: IdParams,
    body: UpdateWordBody,
    response: { status: 200, description: "Saved", schema: WordSchema, headers: etag },
    problems: [404, 409],
    async handler({ params, body, ctx, req, res }) {
      const row = await draft.updateWord(ctx, params.id, body, optionalIfMatch(req));
      setEtag(res, row.version);
      return wordDto(row);
    },
  });

  routes.add({
    method: "delete",
    path: "/api/v1/words/:id",
    operationId: "deleteSensitiveWord",
    summary: "Delete a word (If-Match optional)",
    tags: TAGS,
    access: remove,
    params: IdParams,
    response: { status: 204, description: "Deleted" },
    problems: [404, 409],
    async handler({ params, ctx, req }) {
      await draft.deleteWord(ctx, params.id, optionalIfMatch(req));
      return undefined;
    },
  });
}
