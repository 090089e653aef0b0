import { apiRequest } from "../../api/http";
import { fetchPage, ifMatch, pageQuery } from "../../api/paging";
import type { CheckResult as EngineCheckResult } from "../../../../api/src/words/engine";
import type { Category, WordAction } from "../../../../api/src/words/vocabulary";

/**
 * The sensitive-words API (docs/words.md): the draft (dictionaries, words, allow-list), publishing and
 * rollback, the check API used by the test box, and hit statistics.
 */
// The closed lists and the engine's verdict are the server's own (vocabulary.ts imports nothing).
export { ACTIONS, type Category, CATEGORIES, type WordAction } from "../../../../api/src/words/vocabulary";
export type { Verdict } from "../../../../api/src/words/engine";

export interface Dictionary {
  id: string;
  name: string;
  category: Category;
  description: string;
  enabled: boolean;
  wordCount: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface SensitiveWord {
  id: string;
  dictionaryId: string;
  category: Category;
  word: string;
  level: number;
  action: WordAction;
  pinyin: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface AllowWord {
  id: string;
  word: string;
  note: string;
  createdAt: string;
}

export interface Publication {
  version: number;
  wordCount: number;
  allowCount: number;
  note: string;
  rolledBackTo: number | null;
  publishedBy: string | null;
  publishedByName: string | null;
  publishedAt: string;
  active: boolean;
}

export type { Hit } from "../../../../api/src/words/engine";

/** The engine's result, and the published version that judged it. */
export interface CheckResult extends EngineCheckResult {
  version: number;
}

export interface ImportReport {
  encoding: "utf-8" | "gb18030" | "xlsx";
  imported: number;
  existing: number;
  duplicates: number;
  errors: { line: number; message: string; zh: string }[];
  dryRun: boolean;
}

export interface StatRow {
  key: string;
  hits: number;
}
export type StatsGroup = "category" | "word" | "app" | "day";

/** refine simple-rest paging plus filters (empty ones left out). */
function list<T>(path: string, page: number, pageSize: number, filters: Record<string, unknown> = {}) {
  return fetchPage<T>(path, pageQuery(page, pageSize, { filters }));
}

export interface WordFilters {
  q?: string;
  dictionaryId?: string;
  category?: Category;
  action?: WordAction;
  level?: number;
}

export type BulkRequest =
  | { op: "delete"; ids: string[] }
  | { op: "update"; ids: string[]; set: { level?: number; action?: WordAction; pinyin?: boolean } }
  | { op: "move"; ids: string[]; dictionaryId: string };

export const wordsApi = {
  dictionaries: () =>
    list<Dictionary>("/words/dictionaries", 1, 200, { _sort: "name", _order: "asc" }).then((r) => r.rows),
  createDictionary: (body: { name: string; category: Category; description?: string; enabled?: boolean }) =>
    apiRequest<Dictionary>("/words/dictionaries", { method: "POST", body }).then((r) => r.data),
  updateDictionary: (
    dict: Dictionary,
    body: Partial<Pick<Dictionary, "name" | "category" | "description" | "enabled">>,
  ) =>
    apiRequest<Dictionary>(`/words/dictionaries/${dict.id}`, {
      method: "PATCH",
      body,
      headers: ifMatch(dict.version),
    }).then((r) => r.data),
  deleteDictionary: (dict: Dictionary) =>
    apiRequest<void>(`/words/dictionaries/${dict.id}`, { method: "DELETE", headers: ifMatch(dict.version) }),

  words: (page: number, pageSize: number, filters: WordFilters) =>
    list<SensitiveWord>("/words", page, pageSize, { ...filters }),
  createWord: (body: { dictionaryId: string; word: string; level: number; action: WordAction; pinyin?: boolean }) =>
    apiRequest<SensitiveWord>("/words", { method: "POST", body }).then((r) => r.data),
  updateWord: (word: SensitiveWord, body: { word?: string; level?: number; action?: WordAction; pinyin?: boolean }) =>
    apiRequest<SensitiveWord>(`/words/${word.id}`, { method: "PATCH", body, headers: ifMatch(word.version) }).then(
      (r) => r.data,
    ),
  deleteWord: (word: SensitiveWord) =>
    apiRequest<void>(`/words/${word.id}`, { method: "DELETE", headers: ifMatch(word.version) }),
  bulk: (body: BulkRequest) =>
    apiRequest<{ affected: number; skipped: number }>("/words/bulk", { method: "POST", body }).then((r) => r.data),

  allowList: (page: number, pageSize: number, q?: string) =>
    list<AllowWord>("/words/allow-list", page, pageSize, { q }),
  addAllow: (word: string, note?: string) =>
    apiRequest<AllowWord>("/words/allow-list", { method: "POST", body: { word, note } }).then((r) => r.data),
  removeAllow: (id: string) => apiRequest<void>(`/words/allow-list/${id}`, { method: "DELETE" }),

  publications: (page: number, pageSize: number) => list<Publication>("/words/publications", page, pageSize),
  publish: (note?: string) =>
    apiRequest<Publication>("/words/publish", { method: "POST", body: note ? { note } : {} }).then((r) => r.data),
  rollback: (version: number, note?: string) =>
    apiRequest<Publication>(`/words/publications/${version}/rollback`, {
      method: "POST",
      body: note ? { note } : {},
    }).then((r) => r.data),

  check: (text: string) =>
    apiRequest<CheckResult>("/content/check", { method: "POST", body: { text } }).then((r) => r.data),
  stats: (groupBy: StatsGroup, from: string, to: string) =>
    list<StatRow>("/words/stats", 1, groupBy === "day" ? 200 : 20, {
      groupBy,
      from,
      to,
      _sort: groupBy === "day" ? "key" : "hits",
      _order: groupBy === "day" ? "asc" : "desc",
    }),
};
