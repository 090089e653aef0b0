import { Mint } from "mint-filter";
import { compileDictionary } from "../api/src/words/engine";
import { foldTable } from "../api/src/words/fold";
import { EVASION_KINDS, generateCorpus, seeded } from "./words-corpus";

/**
 * Sensitive-word engine on one core (issue 5), everything in one run on the seeded corpus of
 * bench/words-corpus.ts: throughput on 100-character messages and on the corpus, against mint-filter
 * (an npm Aho–Corasick peer, no normalisation) and a naive indexOf loop, as ratios; recall on the
 * evasion set and false positives on the allow-list set; compile time for 50,000 words.
 */
const SECONDS = Number(process.env.BENCH_WORDS_SECONDS ?? 3);

function rate(messages: readonly string[], check: (m: string) => unknown, seconds = SECONDS): number {
  for (let i = 0; i < Math.min(messages.length, 2_000); i++) check(messages[i] as string); // warm up
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < 1_000; i++) check(messages[(done + i) % messages.length] as string);
    done += 1_000;
  }
  return done / ((performance.now() - started) / 1000);
}

const bytes = (messages: readonly string[]) =>
  messages.reduce((n, m) => n + Buffer.byteLength(m, "utf8"), 0) / messages.length;

export function benchWords(): void {
  console.log("\n## Sensitive words — engine on one core (seeded corpus, bench/words-corpus.ts)");
  let t = performance.now();
  foldTable();
  const foldMs = performance.now() - t;
  const corpus = generateCorpus();
  t = performance.now();
  const dict = compileDictionary(corpus.words, corpus.allow);
  const compileMs = performance.now() - t;
  console.log(
    `dictionary: ${corpus.words.length} words + ${corpus.allow.length} allow-list, ${dict.states} states, ` +
      `compiled in ${compileMs.toFixed(0)} ms (fold table, once per process: ${foldMs.toFixed(0)} ms)`,
  );

  // Messages of exactly 100 characters, taken from the corpus's filler and planted words.
  const rnd = seeded(7);
  const hundred = corpus.messages
    .filter((m) => m.length >= 100)
    .slice(0, 20_000)
    .map((m) => m.slice(0, 100));
  while (hundred.length < 20_000) hundred.push((hundred[Math.floor(rnd() * hundred.length)] as string) ?? "");

  const ours100 = rate(hundred, (m) => dict.check(m));
  const oursCorpus = rate(corpus.messages, (m) => dict.check(m));
  const mint = new Mint(corpus.words.map((w) => w.word));
  const mint100 = rate(hundred, (m) => mint.filter(m));
  const plainWords = corpus.words.map((w) => w.word);
  const naive100 = rate(hundred, (m) => plainWords.filter((w) => m.indexOf(w) >= 0), 2);
  const mb = (perSecond: number, msgs: readonly string[]) => ((perSecond * bytes(msgs)) / 1e6).toFixed(1);
  console.log(
    `engine, 100-char messages: ${ours100.toFixed(0)} messages/s, ${mb(ours100, hundred)} MB/s ` +
      `(target ≥ 100,000 messages/s: ${ours100 >= 100_000 ? "met" : "NOT met"})`,
  );
  console.log(
    `engine, corpus (20–200 chars): ${oursCorpus.toFixed(0)} messages/s, ${mb(oursCorpus, corpus.messages)} MB/s`,
  );
  console.log(
    `baselines on 100-char messages: mint-filter ${mint100.toFixed(0)} messages/s (ours ${(ours100 / mint100).toFixed(2)}×, ` +
      `mint-filter normalises nothing), naive indexOf loop ${naive100.toFixed(0)} messages/s (ours ${(ours100 / naive100).toFixed(0)}×)`,
  );

  const byKind = new Map(EVASION_KINDS.map((k) => [k, { total: 0, caught: 0 }]));
  for (const e of corpus.evasions) {
    const k = byKind.get(e.kind) as { total: number; caught: number };
    k.total += 1;
    if (dict.check(e.text).hits.some((h) => h.word === e.word)) k.caught += 1;
  }
  const total = [...byKind.values()].reduce((n, k) => n + k.total, 0);
  const caught = [...byKind.values()].reduce((n, k) => n + k.caught, 0);
  console.log(
    `recall on ${total} evasions: ${((100 * caught) / total).toFixed(1)} % (target 100 %: ${caught === total ? "met" : "NOT met"}) — ` +
      [...byKind].map(([kind, k]) => `${kind} ${k.caught}/${k.total}`).join(", "),
  );
  const falsePositives = corpus.allowMessages.filter((m) => dict.check(m).hits.length > 0).length;
  console.log(
    `false positives on ${corpus.allowMessages.length} allow-list messages: ${falsePositives} ` +
      `(target 0: ${falsePositives === 0 ? "met" : "NOT met"})`,
  );

  const big = generateCorpus({ seed: 50_000, cjkWords: 48_000, englishWords: 2_000, messages: 0 });
  t = performance.now();
  compileDictionary(big.words);
  console.log(`compile ${big.words.length} words: ${(performance.now() - t).toFixed(0)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) benchWords();
