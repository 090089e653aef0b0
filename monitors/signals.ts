/**
 * Threshold over a sliding window, grouped by a key (docs/monitors.md, "Warning rules"): the rule
 * "one applicant submits more than N requests in T across the city" is `threshold: N, windowMs: T`
 * over signals of one name, grouped by the applicant's id.
 *
 * Counts are kept in buckets (a window is BUCKETS buckets), so memory per key is fixed whatever the
 * rate, and a count is exact to one bucket's width at the window's old edge: a signal leaves the
 * window between T − T/BUCKETS and T after it arrived. Keys are bounded per rule: past `maxKeys`, the
 * key idle longest is dropped (its count starts again if it comes back), so a flood of distinct keys
 * cannot exhaust memory.
 */
export const BUCKETS = 60;

export interface WindowRule {
  threshold: number;
  windowMs: number;
  /** Distinct keys kept at most (default 100,000). */
  maxKeys?: number;
}

interface KeyState {
  /** Counts per bucket, a ring indexed by bucket number modulo BUCKETS. */
  counts: Uint32Array;
  /** The newest bucket number written. */
  head: number;
  total: number;
  /** Whether the key is over the threshold now (so crossing is reported once). */
  over: boolean;
}

export type Crossing = { key: string; count: number; state: "firing" | "resolved" } | null;

export class SlidingWindowCounter {
  private readonly keys = new Map<string, KeyState>();
  private readonly bucketMs: number;
  private readonly maxKeys: number;

  constructor(private readonly rule: WindowRule) {
    if (!(rule.windowMs >= BUCKETS) || !(rule.threshold >= 1)) throw new RangeError("window or threshold out of range");
    this.bucketMs = rule.windowMs / BUCKETS;
    this.maxKeys = rule.maxKeys ?? 100_000;
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Counts `n` signals of `key` at `at` (ms); returns the crossing when the key goes over the
   * threshold (more than `threshold` in the window) or back under it, else null. Signals must come
   * roughly in time order; one older than the window is ignored.
   */
  add(key: string, at: number, n = 1): Crossing {
    const bucket = Math.floor(at / this.bucketMs);
    let s = this.keys.get(key);
    if (s) {
      // Map order is insertion order: re-inserting keeps the least recently used key first.
      this.keys.delete(key);
    } else {
      if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
      s = { counts: new Uint32Array(BUCKETS), head: bucket, total: 0, over: false };
    }
    this.keys.set(key, s);
    if (bucket <= s.head - BUCKETS) return null;
    this.advance(s, bucket);
    s.counts[bucket % BUCKETS] = (s.counts[bucket % BUCKETS] as number) + n;
    s.total += n;
    return this.crossing(key, s);
  }

  /** The count of `key` in the window ending at `at`, and any crossing back under the threshold. */
  count(key: string, at: number): { count: number; crossing: Crossing } {
    const s = this.keys.get(key);
    if (!s) return { count: 0, crossing: null };
    this.advance(s, Math.floor(at / this.bucketMs));
    return { count: s.total, crossing: this.crossing(key, s) };
  }

  /** Moves the window's head to `bucket`, emptying the buckets that fell out of it. */
  private advance(s: KeyState, bucket: number): void {
    if (bucket <= s.head) return;
    const steps = Math.min(bucket - s.head, BUCKETS);
    for (let i = 1; i <= steps; i++) {
      const slot = (s.head + i) % BUCKETS;
      s.total -= s.counts[slot] as number;
      s.counts[slot] = 0;
    }
    s.head = bucket;
  }

  private crossing(key: string, s: KeyState): Crossing {
    const over = s.total > this.rule.threshold;
    if (over === s.over) return null;
    s.over = over;
    return { key, count: s.total, state: over ? "firing" : "resolved" };
  }
}
