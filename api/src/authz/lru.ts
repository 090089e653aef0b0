/**
 * A small least-recently-used map with a size bound, for per-process caches (compiled policy sets,
 * subjects, abilities). A Map keeps insertion order, so re-inserting on read makes it an LRU.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  /** Drops every entry for which `predicate` holds (a tenant's entries after its policies changed). */
  deleteWhere(predicate: (key: K, value: V) => boolean): void {
    for (const [key, value] of this.map) if (predicate(key, value)) this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
