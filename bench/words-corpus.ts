import { Converter } from "opencc-js";
import { pinyin } from "pinyin-pro";
import type { WordEntry } from "../api/src/words/engine";
import { foldTable } from "../api/src/words/fold";

/**
 * A reproducible synthetic corpus for the sensitive-word benchmark (issue 5): a seeded generator, so
 * every run and every machine sees the same words and messages.
 *   - 20,000 CJK words of 2–6 characters and 2,000 English words (5 % flagged for pinyin);
 *   - 100,000 messages of 20–200 characters, 5 % with a plain dictionary word, 1 % with an evaded one;
 *   - an allow-list of 1,000 words that each contain a dictionary word, and messages made of them.
 * Words use characters that fold to themselves; message filler uses a disjoint set, so a message
 * contains exactly the words planted in it and recall and false positives can be counted.
 */
export type EvasionKind = "case" | "full-width" | "traditional" | "zero-width" | "noise" | "repeat" | "pinyin";
export const EVASION_KINDS: EvasionKind[] = [
  "case",
  "full-width",
  "traditional",
  "zero-width",
  "noise",
  "repeat",
  "pinyin",
];

export interface Evasion {
  text: string;
  word: string;
  kind: EvasionKind;
}

export interface WordCorpus {
  words: WordEntry[];
  allow: string[];
  messages: string[];
  evasions: Evasion[];
  allowMessages: string[];
}

/** mulberry32: small, fast, and the same sequence everywhere. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"];
const NOISE = ["*", "_", " ", ".", "-", "~", "|"];
const PUNCTUATION = ["，", "。", "！", "？", " ", "、"];

export function generateCorpus(
  opts: { seed?: number; cjkWords?: number; englishWords?: number; messages?: number } = {},
): WordCorpus {
  const rnd = seeded(opts.seed ?? 20261126);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const fold = foldTable();
  const stable = (c: number) => fold[c] === c;
  const wordChars: string[] = [];
  for (let c = 0x4e00; wordChars.length < 3_000; c++) if (stable(c)) wordChars.push(String.fromCharCode(c));
  const fillerChars: string[] = [];
  for (let c = 0x7000; fillerChars.length < 3_000; c++) if (stable(c)) fillerChars.push(String.fromCharCode(c));

  const toTraditional = Converter({ from: "cn", to: "t" });
  const seen = new Set<string>();
  const words: WordEntry[] = [];
  const categories = ["political", "pornographic", "violent", "advertising", "custom"];
  const actions = ["block", "replace", "review"] as const;
  const addWord = (word: string) => {
    if (seen.has(word)) return;
    seen.add(word);
    words.push({
      word,
      category: pick(categories),
      level: between(1, 5),
      action: pick(actions),
      pinyin: rnd() < 0.05,
    });
  };
  while (words.length < (opts.cjkWords ?? 20_000)) {
    addWord(Array.from({ length: between(2, 6) }, () => pick(wordChars)).join(""));
  }
  const cjkCount = words.length;
  while (words.length < cjkCount + (opts.englishWords ?? 2_000)) {
    addWord(Array.from({ length: between(4, 9) }, () => String.fromCharCode(between(0x61, 0x7a))).join(""));
  }
  const english = words.slice(cjkCount);
  const cjk = words.slice(0, cjkCount);
  const withTraditional = cjk.filter((w) => toTraditional(w.word) !== w.word);
  const withPinyin = cjk.filter((w) => w.pinyin);

  const filler = (n: number) => {
    let s = "";
    for (let i = 0; i < n; i++) s += rnd() < 0.1 ? pick(PUNCTUATION) : pick(fillerChars);
    return s;
  };
  const evade = (kind: EvasionKind): Evasion => {
    switch (kind) {
      case "case": {
        const w = pick(english).word;
        return { kind, word: w, text: [...w].map((c) => (rnd() < 0.5 ? c.toUpperCase() : c)).join("") };
      }
      case "full-width": {
        const w = pick(english).word;
        return { kind, word: w, text: [...w].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join("") };
      }
      case "traditional": {
        const w = pick(withTraditional).word;
        return { kind, word: w, text: toTraditional(w) };
      }
      case "zero-width": {
        const w = pick(cjk).word;
        return { kind, word: w, text: [...w].join(pick(ZERO_WIDTH)) };
      }
      case "noise": {
        const w = pick(cjk).word;
        return { kind, word: w, text: [...w].map((c) => c + (rnd() < 0.7 ? pick(NOISE) : "")).join("") };
      }
      case "repeat": {
        const w = pick(cjk).word;
        return { kind, word: w, text: [...w].map((c) => c.repeat(between(1, 3))).join("") };
      }
      case "pinyin": {
        const w = pick(withPinyin).word;
        return { kind, word: w, text: pinyin(w, { toneType: "none", type: "array", v: true }).join(" ") };
      }
    }
  };

  const messages: string[] = [];
  const evasions: Evasion[] = [];
  for (let i = 0; i < (opts.messages ?? 100_000); i++) {
    const length = between(20, 200);
    const r = rnd();
    if (r < 0.01) {
      const e = evade(EVASION_KINDS[i % EVASION_KINDS.length] as EvasionKind);
      const before = Math.max(0, Math.floor((length - e.text.length) / 2));
      e.text = `${filler(before)} ${e.text} ${filler(Math.max(0, length - before - e.text.length))}`;
      evasions.push(e);
      messages.push(e.text);
    } else if (r < 0.06) {
      const w = pick(words).word;
      messages.push(`${filler(Math.floor(length / 2))} ${w} ${filler(Math.ceil(length / 2))}`);
    } else {
      messages.push(filler(length));
    }
  }

  // Allow-list words contain a dictionary word (发票 in 发票查验); messages made of them must not hit.
  const allow: string[] = [];
  for (let i = 0; i < 1_000; i++) allow.push(`${pick(fillerChars)}${pick(cjk).word}${pick(fillerChars)}`);
  const allowMessages = Array.from({ length: 1_000 }, (_, i) => `${filler(20)}${allow[i]}${filler(20)}`);
  return { words, allow, messages, evasions, allowMessages };
}
