import { actorOf, record } from "../audit/record";
import type { Db, DbOrTx, Tx } from "../db/pool";
import { withTx } from "../db/tx";
import { assertVersion, requireIfMatch } from "../http/concurrency";
import type { RequestContext } from "../http/context";
import { Conflict, NotFound, Unauthorized } from "../http/errors";
import { createListOperations } from "./draft-lists";
import type { Page } from "../http/list";
import type { WordAction } from "./engine";
import type { Category } from "./schemas";
import {
  type DictionaryRow,
  foldedKey,
  listDictionaries,
  listWords,
  readDictionary,
  readWord,
  type WordFilter,
  type WordRow,
} from "./store";

/**
 * The draft (docs/words.md): dictionaries, words and the allow-list, edited by secadmin. Nothing
 * here changes what checks see; publishing does (publisher.ts). Every change is audited in its
 * transaction; a refused one (conflict, stale version) is audited as a failure.
 */
export const tenantOf = (ctx: RequestContext): string => {
  if (!ctx.principal) throw new Unauthorized("UNAUTHENTICATED", "Sign in first.", "请先登录。");
  return ctx.principal.tenantId;
};

const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === "23505";

export const dictionaryNotFound = () => new NotFound("DICTIONARY_NOT_FOUND", "No such dictionary.", "词库不存在。");
const wordNotFound = () => new NotFound("WORD_NOT_FOUND", "No such word.", "敏感词不存在。");
const nameTaken = () => new Conflict("DICTIONARY_NAME_TAKEN", "Another dictionary has this name.", "已有同名词库。");
export const wordExists = () =>
  new Conflict(
    "WORD_EXISTS",
    "The dictionary already holds this word (or one that reads the same after normalisation).",
    "词库中已有该词（或规范化后相同的词）。",
  );

export interface DictionaryInput {
  name?: string | undefined;
  category?: Category | undefined;
  description?: string | undefined;
  enabled?: boolean | undefined;
}
export interface WordInput {
  word?: string | undefined;
  level?: number | undefined;
  action?: WordAction | undefined;
  pinyin?: boolean | undefined;
}

/** Audit and conflict handling shared by every draft change (this file, draft-lists.ts). */
export function draftChanges(db: Db) {
  const audit = (tx: DbOrTx, ctx: RequestContext, action: string, target: { type: string; id: string }, detail = {}) =>
    record(tx, { ...actorOf(ctx), action, targetType: target.type, targetId: target.id, result: "success", detail });
  const failure = (ctx: RequestContext, action: string, targetId: string | null, reason: string) =>
    record(db, {
      ...actorOf(ctx),
      action,
      targetType: "SensitiveWord",
      targetId,
      result: "failure",
      detail: { reason },
    });

  /** Runs a change; a unique violation becomes `conflict`, audited as a failure outside the rolled-back tx. */
  async function change<T>(
    ctx: RequestContext,
    action: string,
    targetId: string | null,
    conflict: () => Error,
    fn: (tx: Tx) => Promise<T>,
  ): Promise<T> {
    try {
      return await withTx(db, fn);
    } catch (err) {
      if (isUniqueViolation(err)) {
        await failure(ctx, action, targetId, "conflict");
        throw conflict();
      }
      if (err instanceof Conflict) await failure(ctx, action, targetId, err.code);
      throw err;
    }
  }

  const lockedDictionary = async (tx: Tx, tenantId: string, id: string) => {
    const locked = await tx
      .selectFrom("word_dictionaries")
      .select("id")
      .where("tenant_id", "=", tenantId)
      .where("id", "=", id)
      .forUpdate()
      .executeTakeFirst();
    if (!locked) throw dictionaryNotFound();
    return (await readDictionary(tx, tenantId, id)) as DictionaryRow;
  };

  return { audit, change, lockedDictionary };
}

export function createDraftService(db: Db) {
  const { audit, change, lockedDictionary } = draftChanges(db);
  return {
    listDictionaries: (
      ctx: RequestContext,
      filter: Parameters<typeof listDictionaries>[2],
      page: Page<"name" | "createdAt" | "updatedAt">,
    ) => listDictionaries(db, tenantOf(ctx), filter, page),

    async getDictionary(ctx: RequestContext, id: string): Promise<DictionaryRow> {
      const row = await readDictionary(db, tenantOf(ctx), id);
      if (!row) throw dictionaryNotFound();
      return row;
    },

    createDictionary(
      ctx: RequestContext,
      input: Required<Pick<DictionaryInput, "name" | "category">> & DictionaryInput,
    ) {
      const tenantId = tenantOf(ctx);
      return change(ctx, "words.dictionary.create", null, nameTaken, async (tx) => {
        const { id } = await tx
          .insertInto("word_dictionaries")
          .values({
            tenant_id: tenantId,
            name: input.name,
            category: input.category,
            description: input.description ?? "",
            enabled: input.enabled ?? true,
            created_by: ctx.principal?.userId ?? null,
            updated_by: ctx.principal?.userId ?? null,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        const row = (await readDictionary(tx, tenantId, id)) as DictionaryRow;
        await audit(tx, ctx, "words.dictionary.create", { type: "WordDictionary", id }, { after: input });
        return row;
      });
    },

    updateDictionary(ctx: RequestContext, id: string, input: DictionaryInput, ifMatch: string | undefined) {
      const tenantId = tenantOf(ctx);
      const expected = requireIfMatch(ifMatch);
      return change(ctx, "words.dictionary.update", id, nameTaken, async (tx) => {
        const before = await lockedDictionary(tx, tenantId, id);
        assertVersion("dictionary", before.version, expected);
        await tx
          .updateTable("word_dictionaries")
          .set((eb) => ({
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.category !== undefined ? { category: input.category } : {}),
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
            version: eb("version", "+", 1),
            updated_at: new Date(),
            updated_by: ctx.principal?.userId ?? null,
          }))
          .where("id", "=", id)
          .execute();
        const after = (await readDictionary(tx, tenantId, id)) as DictionaryRow;
        const pick = (d: DictionaryRow) => ({
          name: d.name,
          category: d.category,
          description: d.description,
          enabled: d.enabled,
        });
        await audit(
          tx,
          ctx,
          "words.dictionary.update",
          { type: "WordDictionary", id },
          { before: pick(before), after: pick(after) },
        );
        return after;
      });
    },

    deleteDictionary(ctx: RequestContext, id: string, ifMatch: string | undefined) {
      const tenantId = tenantOf(ctx);
      const expected = requireIfMatch(ifMatch);
      return change(ctx, "words.dictionary.delete", id, nameTaken, async (tx) => {
        const before = await lockedDictionary(tx, tenantId, id);
        assertVersion("dictionary", before.version, expected);
        await tx.deleteFrom("word_dictionaries").where("id", "=", id).execute();
        await audit(
          tx,
          ctx,
          "words.dictionary.delete",
          { type: "WordDictionary", id },
          {
            before: { name: before.name, category: before.category, words: before.wordCount },
          },
        );
      });
    },

    listWords: (ctx: RequestContext, filter: WordFilter, page: Page<"word" | "level" | "createdAt" | "updatedAt">) =>
      listWords(db, tenantOf(ctx), filter, page),

    createWord(ctx: RequestContext, dictionaryId: string, input: Required<Omit<WordInput, "pinyin">> & WordInput) {
      const tenantId = tenantOf(ctx);
      return change(ctx, "words.word.create", null, wordExists, async (tx) => {
        await lockedDictionary(tx, tenantId, dictionaryId);
        const { id } = await tx
          .insertInto("sensitive_words")
          .values({
            tenant_id: tenantId,
            dictionary_id: dictionaryId,
            word: input.word,
            folded: foldedKey(input.word),
            level: input.level,
            action: input.action,
            pinyin: input.pinyin ?? false,
          })
          .returning("id")
          .executeTakeFirstOrThrow();
        const row = (await readWord(tx, tenantId, id)) as WordRow;
        await audit(tx, ctx, "words.word.create", { type: "SensitiveWord", id }, { dictionaryId, after: input });
        return row;
      });
    },

    /** If-Match is optional for words (bulk editing); when sent, a stale one is 409. */
    updateWord(ctx: RequestContext, id: string, input: WordInput, expected: number | undefined) {
      const tenantId = tenantOf(ctx);
      return change(ctx, "words.word.update", id, wordExists, async (tx) => {
        const before = await readWord(tx, tenantId, id, true);
        if (!before) throw wordNotFound();
        assertVersion("word", before.version, expected);
        await tx
          .updateTable("sensitive_words")
          .set((eb) => ({
            ...(input.word !== undefined ? { word: input.word, folded: foldedKey(input.word) } : {}),
            ...(input.level !== undefined ? { level: input.level } : {}),
            ...(input.action !== undefined ? { action: input.action } : {}),
            ...(input.pinyin !== undefined ? { pinyin: input.pinyin } : {}),
            version: eb("version", "+", 1),
            updated_at: new Date(),
          }))
          .where("id", "=", id)
          .execute();
        const after = (await readWord(tx, tenantId, id)) as WordRow;
        const pick = (w: WordRow) => ({ word: w.word, level: w.level, action: w.action, pinyin: w.pinyin });
        await audit(
          tx,
          ctx,
          "words.word.update",
          { type: "SensitiveWord", id },
          { before: pick(before), after: pick(after) },
        );
        return after;
      });
    },

    deleteWord(ctx: RequestContext, id: string, expected: number | undefined) {
      const tenantId = tenantOf(ctx);
      return change(ctx, "words.word.delete", id, wordExists, async (tx) => {
        const before = await readWord(tx, tenantId, id, true);
        if (!before) throw wordNotFound();
        assertVersion("word", before.version, expected);
        await tx.deleteFrom("sensitive_words").where("id", "=", id).execute();
        await audit(
          tx,
          ctx,
          "words.word.delete",
          { type: "SensitiveWord", id },
          {
            before: {
              word: before.word,
              dictionaryId: before.dictionaryId,
              level: before.level,
              action: before.action,
            },
          },
        );
      });
    },
    ...createListOperations(db),
  };
}

export type DraftService = ReturnType<typeof createDraftService>;
