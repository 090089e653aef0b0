/**
 * LIKE / ILIKE patterns from what a user typed: `%`, `_` and `\` are escaped so they match literally
 * (backslash is PostgreSQL's default LIKE escape). One place, so no search forgets it.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Matches values that contain `text`. */
export function likeContains(text: string): string {
  return `%${escapeLike(text)}%`;
}

/** Matches values that start with `text`. */
export function likePrefix(text: string): string {
  return `${escapeLike(text)}%`;
}
