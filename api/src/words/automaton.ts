/**
 * An Aho–Corasick automaton over folded characters (fold.ts), in typed arrays. The alphabet is
 * compressed to the characters that occur in the patterns, so a transition is one probe of an
 * open-addressing table keyed by (state, character id); a character no pattern contains sends the
 * scan back to the root without a lookup. Patterns are given already folded and collapsed.
 */
export interface Automaton {
  /** Dense id of a folded character, or -1 when no pattern contains it. */
  charId(folded: number): number;
  /** The state after reading character `id` in `state` (failure links followed). */
  step(state: number, id: number): number;
  /** Pattern ids ending in `state`, longest first, through the dictionary-suffix links. */
  forEachMatch(state: number, visit: (pattern: number) => void): void;
  readonly states: number;
}

export function buildAutomaton(patterns: readonly (readonly number[])[]): Automaton {
  // Alphabet: BMP characters through an array, supplementary ones through a map.
  const bmpId = new Int32Array(0x10000).fill(-1);
  const astralId = new Map<number, number>();
  let alphabet = 0;
  const idOf = (c: number): number => {
    if (c < 0x10000) {
      if (bmpId[c] === -1) bmpId[c] = alphabet++;
      return bmpId[c] as number;
    }
    let id = astralId.get(c);
    if (id === undefined) astralId.set(c, (id = alphabet++));
    return id;
  };

  // The trie, with per-state maps while building.
  const children: Map<number, number>[] = [new Map()];
  const terminal: number[][] = [[]];
  patterns.forEach((p, index) => {
    let s = 0;
    for (const c of p) {
      const id = idOf(c);
      const node = children[s] as Map<number, number>;
      let next = node.get(id);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        terminal.push([]);
        node.set(id, next);
      }
      s = next;
    }
    if (p.length > 0) (terminal[s] as number[]).push(index);
  });
  const states = children.length;

  // Transitions flattened into an open-addressing table (load factor ≤ 0.5).
  let edges = 0;
  for (const m of children) edges += m.size;
  let size = 16;
  while (size < edges * 2) size *= 2;
  const mask = size - 1;
  const keyState = new Int32Array(size).fill(-1);
  const keyChar = new Int32Array(size);
  const target = new Int32Array(size);
  const slot = (state: number, id: number) => (Math.imul(state, 0x9e3779b1) ^ Math.imul(id, 0x85ebca6b)) & mask;
  children.forEach((m, state) => {
    for (const [id, next] of m) {
      let h = slot(state, id);
      while (keyState[h] !== -1) h = (h + 1) & mask;
      keyState[h] = state;
      keyChar[h] = id;
      target[h] = next;
    }
  });
  const go = (state: number, id: number): number => {
    let h = slot(state, id);
    for (;;) {
      const k = keyState[h] as number;
      if (k === -1) return -1;
      if (k === state && keyChar[h] === id) return target[h] as number;
      h = (h + 1) & mask;
    }
  };
  // The root's transitions, looked up most often, as a direct array.
  const rootNext = new Int32Array(alphabet).fill(0);
  for (const [id, next] of children[0] as Map<number, number>) rootNext[id] = next;

  // Failure and dictionary-suffix links, breadth first.
  const fail = new Int32Array(states);
  const dictLink = new Int32Array(states).fill(-1);
  const queue: number[] = [];
  for (const next of (children[0] as Map<number, number>).values()) queue.push(next);
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi] as number;
    for (const [id, next] of children[s] as Map<number, number>) {
      let f = fail[s] as number;
      let to: number;
      while ((to = f === 0 ? (rootNext[id] as number) : go(f, id)) === -1) f = fail[f] as number;
      fail[next] = to === next ? 0 : to;
      const fn = fail[next] as number;
      dictLink[next] = (terminal[fn] as number[]).length > 0 ? fn : (dictLink[fn] as number);
      queue.push(next);
    }
  }
  // Terminal pattern lists in flat arrays: patterns of state s are outList[outStart[s] .. outStart[s+1]).
  const outStart = new Int32Array(states + 1);
  const flat: number[] = [];
  for (let s = 0; s < states; s++) {
    outStart[s] = flat.length;
    flat.push(...(terminal[s] as number[]));
  }
  outStart[states] = flat.length;
  const outList = Int32Array.from(flat);

  return {
    states,
    charId(folded) {
      return folded < 0x10000 ? (bmpId[folded] as number) : (astralId.get(folded) ?? -1);
    },
    step(state, id) {
      for (;;) {
        if (state === 0) return rootNext[id] as number;
        const to = go(state, id);
        if (to !== -1) return to;
        state = fail[state] as number;
      }
    },
    forEachMatch(state, visit) {
      for (let s = state; s > 0; s = dictLink[s] as number) {
        for (let i = outStart[s] as number; i < (outStart[s + 1] as number); i++) visit(outList[i] as number);
      }
    },
  };
}
