import { sql } from "kysely";
import type { DbOrTx } from "../db/pool";
import type { Page } from "../http/list";
import type { WordAction } from "./engine";
import { collapseRepeats } from "./engine";
import { foldString } from "./fold";
import type { Category } from "./schemas";
import { likeContains } from "../db/like";

/** SQL of the draft: dictionaries, words and the allow-list (migrations/0015). */

/** The matching form the database keeps unique (what the engine would treat as the same word). */
export const foldedKey = (word: string): string => String.fromCodePoint(...collapseRepeats(foldString(word)));

export interface DictionaryRow {
  id: string;
  name: string;
  category: Category;
  description: string;
  enabled: boolean;
  wordCount: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface WordRow {
  id: string;
  dictionaryId: string;
  category: Category;
  word: string;
  level: number;
  action: WordAction;
  pinyin: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

function dictionaryQuery(db: DbOrTx, tenantId: string) {
  return db
    .selectFrom("word_dictionaries as d")
    .where("d.tenant_id", "=", tenantId)
    .select([
      "d.id",
      "d.name",
      "d.category",
      "d.description",
      "d.enabled",
      "d.version",
      "d.created_at",
      "d.updated_at",
      sql<string>`(SELECT count(*) FROM sensitive_words w WHERE w.dictionary_id = d.id)`.as("word_count"),
    ]);
}

type DictionarySelect = Awaited<ReturnType<ReturnType<typeof dictionaryQuery>["executeTakeFirstOrThrow"]>>;
const dictionaryOf = (r: DictionarySelect): DictionaryRow => ({
  id: r.id,
  name: r.name,
  category: r.category as Category,
  description: r.description,
  enabled: r.enabled,
  wordCount: Number(r.word_count),
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listDictionaries(
  db: DbOrTx,
  tenantId: string,
  filter: { q?: string | undefined; category?: Category | undefined; enabled?: boolean | undefined },
  page: Page<"name" | "createdAt" | "updatedAt">,
): Promise<{ rows: DictionaryRow[]; total: number }> {
  let q = dictionaryQuery(db, tenantId);
  if (filter.q) q = q.where("d.name", "ilike", likeContains(filter.q));
  if (filter.category) q = q.where("d.category", "=", filter.category);
  if (filter.enabled !== undefined) q = q.where("d.enabled", "=", filter.enabled);
  const column = { name: "d.name", createdAt: "d.created_at", updatedAt: "d.updated_at" } as const;
  const [rows, total] = await Promise.all([
    q.orderBy(column[page.sort], page.order).orderBy("d.id").offset(page.offset).limit(page.limit).execute(),
    q
      .clearSelect()
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(dictionaryOf), total: Number(total.n) };
}

export async function readDictionary(db: DbOrTx, tenantId: string, id: string): Promise<DictionaryRow | undefined> {
  const row = await dictionaryQuery(db, tenantId).where("d.id", "=", id).executeTakeFirst();
  return row && dictionaryOf(row);
}

function wordQuery(db: DbOrTx, tenantId: string) {
  return db
    .selectFrom("sensitive_words as w")
    .innerJoin("word_dictionaries as d", "d.id", "w.dictionary_id")
    .where("w.tenant_id", "=", tenantId)
    .select([
      "w.id",
      "w.dictionary_id",
      "d.category",
      "w.word",
      "w.level",
      "w.action",
      "w.pinyin",
      "w.version",
      "w.created_at",
      "w.updated_at",
    ]);
}

type WordSelect = Awaited<ReturnType<ReturnType<typeof wordQuery>["executeTakeFirstOrThrow"]>>;
const wordOf = (r: WordSelect): WordRow => ({
  id: r.id,
  dictionaryId: r.dictionary_id,
  category: r.category as Category,
  word: r.word,
  level: r.level,
  action: r.action,
  pinyin: r.pinyin,
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface WordFilter {
  q?: string | undefined;
  dictionaryId?: string | undefined;
  category?: Category | undefined;
  action?: WordAction | undefined;
  level?: number | undefined;
}

export async function listWords(
  db: DbOrTx,
  tenantId: string,
  filter: WordFilter,
  page: Page<"word" | "level" | "createdAt" | "updatedAt">,
): Promise<{ rows: WordRow[]; total: number }> {
  let q = wordQuery(db, tenantId);
  if (filter.q) q = q.where("w.word", "ilike", likeContains(filter.q));
  if (filter.dictionaryId) q = q.where("w.dictionary_id", "=", filter.dictionaryId);
  if (filter.category) q = q.where("d.category", "=", filter.category);
  if (filter.action) q = q.where("w.action", "=", filter.action);
  if (filter.level) q = q.where("w.level", "=", filter.level);
  const column = { word: "w.word", level: "w.level", createdAt: "w.created_at", updatedAt: "w.updated_at" } as const;
  const [rows, total] = await Promise.all([
    q.orderBy(column[page.sort], page.order).orderBy("w.id").offset(page.offset).limit(page.limit).execute(),
    q
      .clearSelect()
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows.map(wordOf), total: Number(total.n) };
}

export async function readWord(db: DbOrTx, tenantId: string, id: string, forUpdate = false) {
  let q = wordQuery(db, tenantId).where("w.id", "=", id);
  if (forUpdate) q = q.forUpdate("w");
  const row = await q.executeTakeFirst();
  return row && wordOf(row);
}

/** Every word of a dictionary in insertion order (export). */
export async function wordsOfDictionary(db: DbOrTx, tenantId: string, dictionaryId: string): Promise<WordRow[]> {
  const rows = await wordQuery(db, tenantId)
    .where("w.dictionary_id", "=", dictionaryId)
    .orderBy("w.created_at")
    .orderBy("w.id")
    .execute();
  return rows.map(wordOf);
}

/** The folded forms a dictionary already holds, among `folded` (import: what is new). */
export async function existingFolded(db: DbOrTx, dictionaryId: string, folded: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < folded.length; i += 5_000) {
    const chunk = folded.slice(i, i + 5_000);
    const rows = await db
      .selectFrom("sensitive_words")
      .select("folded")
      .where("dictionary_id", "=", dictionaryId)
      .where("folded", "=", sql<string>`ANY(${chunk}::text[])`)
      .execute();
    for (const r of rows) found.add(r.folded);
  }
  return found;
}

export interface NewWord {
  word: string;
  level: number;
  action: WordAction;
  pinyin: boolean;
}

/** Inserts words in multi-row statements; one already present (same folded form) is skipped. */
export async function insertWords(
  db: DbOrTx,
  tenantId: string,
  dictionaryId: string,
  words: readonly NewWord[],
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < words.length; i += 1_000) {
    const values = words.slice(i, i + 1_000).map((w) => ({
      tenant_id: tenantId,
      dictionary_id: dictionaryId,
      word: w.word,
      folded: foldedKey(w.word),
      level: w.level,
      action: w.action,
      pinyin: w.pinyin,
    }));
    const rows = await db
      .insertInto("sensitive_words")
      .values(values)
      .onConflict((oc) => oc.columns(["dictionary_id", "folded"]).doNothing())
      .returning("id")
      .execute();
    inserted += rows.length;
  }
  return inserted;
}

export interface AllowRow {
  id: string;
  word: string;
  note: string;
  createdAt: Date;
}

export async function listAllowWords(
  db: DbOrTx,
  tenantId: string,
  q: string | undefined,
  page: Page<"word" | "createdAt">,
): Promise<{ rows: AllowRow[]; total: number }> {
  let query = db.selectFrom("word_allow_list").where("tenant_id", "=", tenantId);
  if (q) query = query.where("word", "ilike", likeContains(q));
  const [rows, total] = await Promise.all([
    query
      .select(["id", "word", "note", "created_at"])
      .orderBy(page.sort === "word" ? "word" : "created_at", page.order)
      .orderBy("id")
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as("n")).executeTakeFirstOrThrow(),
  ]);
  return {
    rows: rows.map((r) => ({ id: r.id, word: r.word, note: r.note, createdAt: r.created_at })),
    total: Number(total.n),
  };
}

/** What a publication compiles: the words of enabled dictionaries, in precedence order, and the allow-list. */
export async function draftSnapshot(
  db: DbOrTx,
  tenantId: string,
  categoryOrder: readonly string[],
): Promise<{ words: [string, string, number, WordAction, boolean][]; allow: string[] }> {
  const rows = await db
    .selectFrom("sensitive_words as w")
    .innerJoin("word_dictionaries as d", "d.id", "w.dictionary_id")
    .where("w.tenant_id", "=", tenantId)
    .where("d.enabled", "=", true)
    .select(["w.word", "d.category", "w.level", "w.action", "w.pinyin", "d.name", "w.created_at"])
    .execute();
  const rank = (c: string) => categoryOrder.indexOf(c);
  // The engine reports the first listed of equally strong entries: list by category precedence.
  rows.sort(
    (a, b) =>
      rank(a.category) - rank(b.category) ||
      a.name.localeCompare(b.name) ||
      a.created_at.getTime() - b.created_at.getTime(),
  );
  const allow = await db
    .selectFrom("word_allow_list")
    .select("word")
    .where("tenant_id", "=", tenantId)
    .orderBy("created_at")
    .execute();
  return {
    words: rows.map((r) => [r.word, r.category, r.level, r.action, r.pinyin]),
    allow: allow.map((a) => a.word),
  };
}
