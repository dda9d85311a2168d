/**
 * A bounded in-memory LRU: at most `maxEntries` entries and `maxBytes` of counted size, each entry optionally
 * expiring. Map iteration order is insertion order, so re-inserting on a hit keeps the least recently used first.
 * Used by the API process for registry answers; nothing here survives a restart, which is fine for a cache.
 */
export interface LruOptions {
  maxEntries: number;
  maxBytes: number;
  /** Milliseconds since the epoch; injectable so expiry is testable without waiting. */
  clock?: () => number;
}

interface Entry<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

export class Lru<V> {
  private readonly map = new Map<string, Entry<V>>();
  private bytes = 0;
  private readonly clock: () => number;

  constructor(private readonly options: LruOptions) {
    this.clock = options.clock ?? Date.now;
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    if (e.expiresAt <= this.clock()) {
      this.bytes -= e.bytes;
      return undefined;
    }
    this.map.set(key, e);
    return e.value;
  }

  /** `ttlMs` undefined = until evicted (immutable content). An entry larger than the whole budget is not kept. */
  set(key: string, value: V, bytes: number, ttlMs?: number): void {
    this.delete(key);
    if (bytes > this.options.maxBytes || this.options.maxEntries < 1) return;
    this.map.set(key, { value, bytes, expiresAt: ttlMs === undefined ? Infinity : this.clock() + ttlMs });
    this.bytes += bytes;
    for (const [k, e] of this.map) {
      if (this.map.size <= this.options.maxEntries && this.bytes <= this.options.maxBytes) break;
      this.map.delete(k);
      this.bytes -= e.bytes;
    }
  }

  delete(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.bytes -= e.bytes;
  }

  get size(): number {
    return this.map.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }
}
