interface MemoryCacheEntry<V> {
  value: V;
  expiresAtMs: number;
}

/** Limits of one write, taken from the configuration of the request that writes. */
export interface MemoryCacheLimits {
  /** Maximum number of entries. With 0 the cache stores nothing. */
  maxEntries: number;
  ttlSeconds: number;
}

/**
 * A bounded least-recently-used cache with a time to live per entry. A Map iterates in
 * insertion order, so re-inserting an entry on every read keeps the least recently used entry
 * first, where eviction finds it in constant time.
 */
export class MemoryCache<V> {
  readonly #entries = new Map<string, MemoryCacheEntry<V>>();
  readonly #nowMs: () => number;

  /** `nowMs` returns the current time in milliseconds. Tests pass their own clock. */
  constructor(nowMs: () => number = () => Date.now()) {
    this.#nowMs = nowMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Returns the unexpired value for `key` and marks it most recently used. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    this.#entries.delete(key);
    if (entry.expiresAtMs <= this.#nowMs()) {
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used ones. */
  set(key: string, value: V, { maxEntries, ttlSeconds }: MemoryCacheLimits): void {
    this.#entries.delete(key);
    if (maxEntries <= 0) {
      return;
    }
    this.#entries.set(key, { value, expiresAtMs: this.#nowMs() + ttlSeconds * 1000 });
    this.#evictDownTo(maxEntries);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  #evictDownTo(maxEntries: number): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= maxEntries) {
        return;
      }
      this.#entries.delete(key);
    }
  }
}
