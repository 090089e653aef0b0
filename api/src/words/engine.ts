import { pinyin } from "pinyin-pro";
import { type Automaton, buildAutomaton } from "./automaton";
import { foldString, foldTable, isAstralLetter } from "./fold";
import type { WordAction } from "./vocabulary";

/**
 * The sensitive-word engine (docs/words.md): a dictionary compiled into one Aho–Corasick automaton
 * over folded text (fold.ts), with repeated characters collapsed ("敏敏感感" reads as "敏感") in both
 * words and text. A check reports each hit with its span in the ORIGINAL text, the verdict, and the
 * text with replace (and block) hits masked.
 */
export type { WordAction };
export type Verdict = "pass" | "review" | "replace" | "block";

export interface WordEntry {
  word: string;
  category: string;
  /** 1 (lowest) to 5. */
  level: number;
  action: WordAction;
  /** Also match the word's pinyin and, from three characters up, its initials. */
  pinyin?: boolean;
}

export interface Hit {
  word: string;
  category: string;
  level: number;
  action: WordAction;
  /** UTF-16 offsets into the checked text, end exclusive; `text.slice(start, end)` is what matched. */
  start: number;
  end: number;
  via: "text" | "pinyin" | "initials";
}

export interface CheckResult {
  verdict: Verdict;
  hits: Hit[];
  /** The text with every replace and block hit masked, one `*` per character. */
  text: string;
}

export interface CompiledDictionary {
  check(text: string): CheckResult;
  readonly words: number;
  readonly states: number;
}

const ACTION_RANK: Record<WordAction, number> = { review: 1, replace: 2, block: 3 };
const VERDICT_OF: Verdict[] = ["pass", "review", "replace", "block"];

/** Drops consecutive repeats: the form both words and text are matched in. */
export function collapseRepeats(chars: readonly number[]): number[] {
  return chars.filter((c, i) => i === 0 || chars[i - 1] !== c);
}

const isLatin = (chars: readonly number[]) => chars.every((c) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39));

interface Pattern {
  /** The entry reported (the strongest when several categories list the same word); -1 for allow-list words. */
  entry: number;
  length: number;
  /** All ASCII letters and digits: must not be part of a longer run of them in the text (no "ass" in "class"). */
  latin: boolean;
  via: Hit["via"];
}

/**
 * Compiles words and the allow-list. Precedence when the same folded word appears more than once
 * (in several categories, or twice in one): the strongest action (block > replace > review), then
 * the highest level, then the first listed. An allow-list word suppresses every hit that lies wholly
 * inside one of its own occurrences.
 */
export function compileDictionary(entries: readonly WordEntry[], allow: readonly string[] = []): CompiledDictionary {
  const fold = foldTable();
  const patterns: Pattern[] = [];
  const sequences: number[][] = [];
  const byKey = new Map<string, number>();
  const stronger = (a: WordEntry, b: WordEntry) =>
    ACTION_RANK[a.action] > ACTION_RANK[b.action] ||
    (ACTION_RANK[a.action] === ACTION_RANK[b.action] && a.level > b.level);
  const add = (chars: number[], entry: number, via: Hit["via"]) => {
    if (chars.length === 0) return;
    const key = `${entry < 0 ? "allow" : "word"}:${chars.join(",")}`;
    const existing = byKey.get(key);
    if (existing !== undefined) {
      const p = patterns[existing] as Pattern;
      if (entry >= 0 && stronger(entries[entry] as WordEntry, entries[p.entry] as WordEntry)) p.entry = entry;
      return;
    }
    byKey.set(key, patterns.length);
    patterns.push({ entry, length: chars.length, latin: isLatin(chars), via });
    sequences.push(chars);
  };
  entries.forEach((e, i) => {
    add(collapseRepeats(foldString(e.word)), i, "text");
    if (e.pinyin) {
      // A character without a reading stays as itself, as it would in text written in pinyin.
      const syllables = pinyin(e.word, { toneType: "none", type: "array", v: true });
      add(collapseRepeats(foldString(syllables.join(""))), i, "pinyin");
      if ([...e.word].length >= 3)
        add(collapseRepeats(foldString(syllables.map((s) => s[0] ?? "").join(""))), i, "initials");
    }
  });
  for (const w of allow) add(collapseRepeats(foldString(w)), -1, "text");
  const automaton = buildAutomaton(sequences);
  return {
    words: entries.length,
    states: automaton.states,
    check: (text) => scan(text, fold, automaton, patterns, entries),
  };
}

// Per-call buffers, grown as needed: the original span of each folded character.
let starts = new Int32Array(1024);
let ends = new Int32Array(1024);
const astralLetters = new Map<number, boolean>();

function scan(
  text: string,
  fold: Uint16Array,
  automaton: Automaton,
  patterns: Pattern[],
  entries: readonly WordEntry[],
): CheckResult {
  if (starts.length < text.length) {
    starts = new Int32Array(text.length);
    ends = new Int32Array(text.length);
  }
  const found: { pattern: number; first: number; last: number }[] = [];
  let state = 0;
  let pos = -1;
  let prev = -1;
  let last = -1;
  const visit = (pattern: number) => {
    found.push({ pattern, first: last - (patterns[pattern] as Pattern).length + 1, last });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let f: number;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = text.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
        let letter = astralLetters.get(cp);
        if (letter === undefined) astralLetters.set(cp, (letter = isAstralLetter(cp)));
        f = letter ? cp : 0;
        width = 2;
      } else {
        f = 0; // a lone surrogate is noise, never an error
      }
    } else {
      f = fold[c] as number;
    }
    if (f === 0 || f === prev) {
      if (f !== 0) ends[pos] = i + width;
      i += width - 1;
      continue;
    }
    prev = f;
    pos += 1;
    starts[pos] = i;
    ends[pos] = i + width;
    i += width - 1;
    const id = automaton.charId(f);
    if (id < 0) {
      state = 0;
      continue;
    }
    state = automaton.step(state, id);
    if (state !== 0) {
      last = pos;
      automaton.forEachMatch(state, visit);
    }
  }
  if (found.length === 0) return { verdict: "pass", hits: [], text };
  return resolve(text, fold, found, patterns, entries);
}

function resolve(
  text: string,
  fold: Uint16Array,
  found: { pattern: number; first: number; last: number }[],
  patterns: Pattern[],
  entries: readonly WordEntry[],
): CheckResult {
  const allowed = found.filter((m) => (patterns[m.pattern] as Pattern).entry < 0);
  const isLatinAt = (offset: number) => {
    if (offset < 0 || offset >= text.length) return false;
    const f = fold[text.charCodeAt(offset)] as number;
    return (f >= 0x61 && f <= 0x7a) || (f >= 0x30 && f <= 0x39);
  };
  const hits: Hit[] = [];
  let rank = 0;
  const masked: [number, number][] = [];
  for (const m of found) {
    const p = patterns[m.pattern] as Pattern;
    if (p.entry < 0) continue;
    if (allowed.some((a) => a.first <= m.first && m.last <= a.last)) continue;
    const start = starts[m.first] as number;
    const end = ends[m.last] as number;
    if (p.latin && (isLatinAt(start - 1) || isLatinAt(end))) continue;
    const e = entries[p.entry] as WordEntry;
    hits.push({ word: e.word, category: e.category, level: e.level, action: e.action, start, end, via: p.via });
    rank = Math.max(rank, ACTION_RANK[e.action]);
    if (e.action !== "review") masked.push([start, end]);
  }
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  return { verdict: VERDICT_OF[rank] as Verdict, hits, text: mask(text, masked) };
}

/** One `*` per character (a surrogate pair is one character) inside any of the spans. */
function mask(text: string, spans: [number, number][]): string {
  if (spans.length === 0) return text;
  const covered = new Uint8Array(text.length);
  for (const [s, e] of spans) covered.fill(1, s, e);
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (!covered[i]) {
      out += text[i];
      continue;
    }
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && covered[i + 1]) i++;
    out += "*";
  }
  return out;
}
