/**
 * The closed lists of the sensitive-word service, shared by the API and the console (this file
 * imports nothing, so the console bundles it as is).
 */

/** Categories (a CHECK in migrations/0015); their order is the precedence order (docs/words.md). */
export const CATEGORIES = [
  "political",
  "pornographic",
  "violent",
  "illegal",
  "abuse",
  "advertising",
  "custom",
] as const;
export type Category = (typeof CATEGORIES)[number];

/** What a hit does: block the message, replace the word with `*`, or pass it flagged for review. */
export const ACTIONS = ["block", "replace", "review"] as const;
export type WordAction = (typeof ACTIONS)[number];
