import type { Db } from "../db/pool";
import type { RequestContext } from "../http/context";
import { Conflict, NotFound } from "../http/errors";
import type { Page } from "../http/list";
import { draftChanges, tenantOf, type WordInput, wordExists } from "./service";
import { type AllowRow, foldedKey, listAllowWords } from "./store";

/** Bulk word operations and the allow-list: draft changes, each audited in its transaction. */
export function createListOperations(db: Db) {
  const { audit, change, lockedDictionary } = draftChanges(db);
  return {
    /** Bulk delete, update or move of up to 1,000 words of the tenant; ids of other tenants are skipped. */
    bulk(
      ctx: RequestContext,
      op:
        | { op: "delete"; ids: string[] }
        | { op: "update"; ids: string[]; set: Omit<WordInput, "word"> }
        | { op: "move"; ids: string[]; dictionaryId: string },
    ) {
      const tenantId = tenantOf(ctx);
      const ids = [...new Set(op.ids)];
      return change(ctx, `words.bulk.${op.op}`, null, wordExists, async (tx) => {
        let affected: number;
        if (op.op === "delete") {
          const rows = await tx
            .deleteFrom("sensitive_words")
            .where("tenant_id", "=", tenantId)
            .where("id", "in", ids)
            .returning("id")
            .execute();
          affected = rows.length;
        } else {
          if (op.op === "move") await lockedDictionary(tx, tenantId, op.dictionaryId);
          const rows = await tx
            .updateTable("sensitive_words")
            .set((eb) => ({
              ...(op.op === "move" ? { dictionary_id: op.dictionaryId } : {}),
              ...(op.op === "update" && op.set.level !== undefined ? { level: op.set.level } : {}),
              ...(op.op === "update" && op.set.action !== undefined ? { action: op.set.action } : {}),
              ...(op.op === "update" && op.set.pinyin !== undefined ? { pinyin: op.set.pinyin } : {}),
              version: eb("version", "+", 1),
              updated_at: new Date(),
            }))
            .where("tenant_id", "=", tenantId)
            .where("id", "in", ids)
            .returning("id")
            .execute();
          affected = rows.length;
        }
        const { op: kind, ids: _ids, ...rest } = op;
        await audit(
          tx,
          ctx,
          `words.bulk.${kind}`,
          { type: "SensitiveWord", id: `${affected} words` },
          {
            ids: ids.slice(0, 1000),
            affected,
            ...rest,
          },
        );
        return { affected, skipped: ids.length - affected };
      });
    },

    listAllowWords: (ctx: RequestContext, q: string | undefined, page: Page<"word" | "createdAt">) =>
      listAllowWords(db, tenantOf(ctx), q, page),

    addAllowWord(ctx: RequestContext, word: string, note: string | undefined): Promise<AllowRow> {
      const tenantId = tenantOf(ctx);
      const taken = () =>
        new Conflict("ALLOW_WORD_EXISTS", "The allow-list already holds this word.", "白名单中已有该词。");
      return change(ctx, "words.allow.create", null, taken, async (tx) => {
        const row = await tx
          .insertInto("word_allow_list")
          .values({
            tenant_id: tenantId,
            word,
            folded: foldedKey(word),
            note: note ?? "",
            created_by: ctx.principal?.userId ?? null,
          })
          .returning(["id", "word", "note", "created_at"])
          .executeTakeFirstOrThrow();
        await audit(tx, ctx, "words.allow.create", { type: "WordAllowList", id: row.id }, { word, note: note ?? "" });
        return { id: row.id, word: row.word, note: row.note, createdAt: row.created_at };
      });
    },

    removeAllowWord(ctx: RequestContext, id: string) {
      const tenantId = tenantOf(ctx);
      return change(ctx, "words.allow.delete", id, wordExists, async (tx) => {
        const row = await tx
          .deleteFrom("word_allow_list")
          .where("tenant_id", "=", tenantId)
          .where("id", "=", id)
          .returning(["word"])
          .executeTakeFirst();
        if (!row) throw new NotFound("ALLOW_WORD_NOT_FOUND", "No such allow-list word.", "白名单词不存在。");
        await audit(tx, ctx, "words.allow.delete", { type: "WordAllowList", id }, { word: row.word });
      });
    },
  };
}
