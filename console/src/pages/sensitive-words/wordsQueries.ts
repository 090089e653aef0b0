import { useQueryClient } from "@tanstack/react-query";

/** Query keys of the page; everything under WORDS_KEY is refreshed after a change that may touch it. */
export const WORDS_KEY = ["data", "sensitive-words"] as const;
export const DICTIONARIES_KEY = [...WORDS_KEY, "dictionaries"] as const;
export const WORD_LIST_KEY = [...WORDS_KEY, "words"] as const;
export const ALLOW_KEY = [...WORDS_KEY, "allow"] as const;
export const PUBLICATIONS_KEY = [...WORDS_KEY, "publications"] as const;
export const CHECK_KEY = [...WORDS_KEY, "check"] as const;
export const STATS_KEY = [...WORDS_KEY, "stats"] as const;

/** Refetches the draft lists (word counts change with words, words with dictionaries). */
export function useRefreshDraft() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: DICTIONARIES_KEY }),
      client.invalidateQueries({ queryKey: WORD_LIST_KEY }),
    ]).then(() => undefined);
}

/** After a publish or rollback: the publications, and the test box's answer (judged by the new version). */
export function useRefreshPublished() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: PUBLICATIONS_KEY }),
      client.invalidateQueries({ queryKey: CHECK_KEY }),
    ]).then(() => undefined);
}
