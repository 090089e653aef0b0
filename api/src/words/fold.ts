import { Converter } from "opencc-js";

/**
 * The character fold of the sensitive-word engine (docs/words.md): one table lookup per UTF-16 code
 * unit maps a character to what the matcher compares, or to 0 when it is dropped. Folding does, in
 * this order:
 *   1. drops zero-width and other invisible or format characters (ZWSP, ZWJ, BOM, soft hyphen,
 *      variation selectors, bidi controls…);
 *   2. NFKC compatibility: full-width ASCII → ASCII, circled/parenthesised digits and letters,
 *      Kangxi radicals → the ideograph, half-width katakana…;
 *   3. lower case;
 *   4. traditional → simplified Chinese (OpenCC, one character at a time: Taiwan, Hong Kong and
 *      standard traditional forms);
 *   5. drops everything that is not a letter or a digit once folded: punctuation, symbols,
 *      spaces, emoji. This is what defeats noise inserted between the characters of a word
 *      (敏*感, 敏_感, 敏 感).
 * Characters outside the BMP are letters (kept, as their code point) or dropped (emoji).
 */
export type FoldTable = Uint16Array;

/** Invisible and format characters, as code point ranges (a regex class of them trips linters). */
const INVISIBLE_RANGES: [number, number][] = [
  [0x00ad, 0x00ad], // soft hyphen
  [0x034f, 0x034f], // combining grapheme joiner
  [0x061c, 0x061c], // Arabic letter mark
  [0x115f, 0x1160], // Hangul fillers
  [0x17b4, 0x17b5], // Khmer inherent vowels
  [0x180b, 0x180f], // Mongolian variation selectors and vowel separator
  [0x200b, 0x200f], // zero-width space, non-joiner, joiner, LRM, RLM
  [0x202a, 0x202e], // bidi embeddings and overrides
  [0x2060, 0x206f], // word joiner, invisible operators, bidi isolates
  [0x3164, 0x3164], // Hangul filler
  [0xfe00, 0xfe0f], // variation selectors
  [0xfeff, 0xfeff], // BOM / zero-width no-break space
  [0xffa0, 0xffa0], // half-width Hangul filler
  [0xfff0, 0xfff8], // unassigned specials
];
const isInvisible = (c: number) => INVISIBLE_RANGES.some(([lo, hi]) => c >= lo && c <= hi);
const SIGNIFICANT = /^[\p{L}\p{N}]$/u;

let table: FoldTable | null = null;

/** Built on first use (a fraction of a second) and shared: the table is 128 KiB. */
export function foldTable(): FoldTable {
  if (table) return table;
  const t = new Uint16Array(0x10000);
  for (let c = 1; c < 0x10000; c++) {
    // Lone surrogate halves are handled by the scanner, never folded alone.
    if (c >= 0xd800 && c <= 0xdfff) continue;
    t[c] = foldCompat(String.fromCharCode(c));
  }
  simplifyInPlace(t);
  table = t;
  return t;
}

/** Steps 1–3 and 5 for one character; 0 when it is dropped. */
function foldCompat(ch: string): number {
  if (isInvisible(ch.charCodeAt(0))) return 0;
  let s = ch.normalize("NFKC");
  // A compatibility character that expands (㈱ → (株), ⒈ → 1.) keeps its one significant character.
  if (s.length > 1) {
    const letters = [...s].filter((x) => SIGNIFICANT.test(x));
    if (letters.length !== 1) return SIGNIFICANT.test(ch) ? ch.charCodeAt(0) : 0;
    s = letters[0] as string;
  }
  const lower = s.toLowerCase();
  if (lower.length === 1) s = lower; // İ lower-cases to two code units: it stays as it is
  return SIGNIFICANT.test(s) ? s.charCodeAt(0) : 0;
}

/**
 * Step 4 over every folded ideograph at once: one OpenCC call per variant on all of them, a line
 * each (phrases never span a line break, so each is converted as a single character), instead of
 * 60,000 calls.
 */
function simplifyInPlace(t: FoldTable): void {
  const codes: number[] = [];
  for (let c = 0; c < t.length; c++) {
    const f = t[c] as number;
    if ((f >= 0x3400 && f <= 0x9fff) || (f >= 0xf900 && f <= 0xfaff)) codes.push(c);
  }
  const lines = codes.map((c) => String.fromCharCode(t[c] as number)).join("\n");
  const variants = (["tw", "hk", "t"] as const).map((from) => Converter({ from, to: "cn" })(lines).split("\n"));
  codes.forEach((c, i) => {
    const original = String.fromCharCode(t[c] as number);
    for (const converted of variants) {
      const s = converted[i];
      if (s !== undefined && s !== original && s.length === 1) {
        t[c] = s.charCodeAt(0);
        return;
      }
    }
  });
}

/** Folds a whole string (for dictionary words and tests): the characters the matcher compares. */
export function foldString(text: string): number[] {
  const t = foldTable();
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        i++;
        if (isAstralLetter(cp)) out.push(cp);
        continue;
      }
    }
    const f = t[c] ?? 0;
    if (f !== 0) out.push(f);
  }
  return out;
}

/** Supplementary-plane letters (CJK extensions B–H…) are kept; emoji and symbols there are noise. */
export function isAstralLetter(codePoint: number): boolean {
  return SIGNIFICANT.test(String.fromCodePoint(codePoint));
}
